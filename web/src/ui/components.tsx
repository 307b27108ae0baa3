/** Small building blocks shared by every page. */
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { ApiError, api, type CatalogObject } from '../api.ts';

/** Page title and actions; the title is also the document title. */
export function PageHeader({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ReactNode;
  children?: ReactNode;
}) {
  useEffect(() => {
    document.title = `${title} · Vigil`;
  }, [title]);
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {children ? <p className="muted">{children}</p> : null}
      </div>
      {actions ? <div className="actions">{actions}</div> : null}
    </header>
  );
}

/** A labelled pill. */
export function Badge({ tone = 'neutral', children }: { tone?: string; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

/** "managed by vigil.yaml" with the declaration's file:line. */
export function ManagedBadge({ obj }: { obj: Pick<CatalogObject, 'managed' | 'source'> }) {
  if (!obj.managed) return null;
  return (
    <span
      className="badge badge-managed"
      title={obj.source ? `declared at ${obj.source}` : 'declared in the ops plan'}
    >
      managed by vigil.yaml{obj.source ? <span className="badge-source"> · {obj.source}</span> : null}
    </span>
  );
}

/** What to show when a list has nothing in it: why, and what to do. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children ? <div className="muted">{children}</div> : null}
    </div>
  );
}

/** A problem shown inline (role=alert so it is announced). */
export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  const text =
    error instanceof ApiError
      ? error.status === 403
        ? `You do not have access: ${error.message}`
        : error.message
      : String((error as Error)?.message ?? error);
  return (
    <div className="banner banner-error" role="alert">
      {text}
    </div>
  );
}

/** A polite loading line. */
export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="muted" aria-live="polite">
      {what}…
    </p>
  );
}

/** An ISO time shown in the viewer's locale, machine-readable in `dateTime`. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="muted">—</span>;
  const d = new Date(iso);
  // The year only when it is not this one: lists stay narrow.
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return (
    <time dateTime={iso} title={iso}>
      {d.toLocaleString(undefined, {
        year: sameYear ? undefined : 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      })}
    </time>
  );
}

/** Loads `path` (null skips) and reloads on demand; keeps the previous data while reloading. */
export function useApi<T>(path: string | null): {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
} {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick is the reload trigger
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setLoading(true);
    api<T>('GET', path)
      .then((d) => {
        if (!live) return;
        setData(d);
        setError(null);
      })
      .catch((e) => live && setError(e))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [path, tick]);
  return { data, error, loading, reload };
}

/** A definition list of label → value rows. */
export function Facts({ rows }: { rows: Array<[string, ReactNode]> }) {
  return (
    <dl className="facts">
      {rows.map(([k, v]) => (
        <div key={k} className="fact">
          <dt>{k}</dt>
          <dd>{v === undefined || v === null || v === '' ? <span className="muted">—</span> : v}</dd>
        </div>
      ))}
    </dl>
  );
}
