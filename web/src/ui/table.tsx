/** Tables over server-side cursor pagination: the server's next_cursor drives "Next", a stack "Previous". */
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { api, type Page, withQuery } from '../api.ts';
import { EmptyState, ErrorBanner, Loading } from './components.tsx';

/** One column: a header and how to render a row's cell. */
export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

/** Pages through `path` with `filters`; `cursor` values come from the server. */
export function usePaged<T>(path: string | null, filters: Record<string, string | undefined>, limit = 25) {
  const [stack, setStack] = useState<string[]>([]);
  const [page, setPage] = useState<Page<T> | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const filterKey = JSON.stringify(filters);
  // A new filter starts over at the first page.
  // biome-ignore lint/correctness/useExhaustiveDependencies: filterKey stands for filters
  useEffect(() => setStack([]), [filterKey, path]);
  const cursor = stack[stack.length - 1];
  // biome-ignore lint/correctness/useExhaustiveDependencies: filterKey stands for filters; tick reloads
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setLoading(true);
    api<Page<T>>('GET', withQuery(path, { ...filters, limit, cursor }))
      .then((p) => {
        if (!live) return;
        setPage(p);
        setError(null);
      })
      .catch((e) => live && setError(e))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [path, filterKey, cursor, limit, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return {
    items: page?.items ?? [],
    loaded: page !== undefined,
    loading,
    error,
    reload,
    pageNumber: stack.length + 1,
    hasNext: Boolean(page?.next_cursor),
    hasPrev: stack.length > 0,
    next: () => page?.next_cursor && setStack((s) => [...s, page.next_cursor as string]),
    prev: () => setStack((s) => s.slice(0, -1)),
  };
}

/** A table with a caption (for screen readers), an empty state and pager controls. */
export function DataTable<T>(props: {
  caption: string;
  columns: Column<T>[];
  paged: ReturnType<typeof usePaged<T>>;
  rowKey: (row: T) => string;
  empty: ReactNode;
}) {
  const { paged } = props;
  if (paged.error) return <ErrorBanner error={paged.error} />;
  if (!paged.loaded) return <Loading />;
  if (paged.items.length === 0 && !paged.hasPrev) return <>{props.empty}</>;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="table-wrap" tabIndex={0} aria-label={props.caption}>
      <table>
        <caption className="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.header} scope="col" className={c.className}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {paged.items.map((row) => (
            <tr key={props.rowKey(row)}>
              {props.columns.map((c) => (
                <td key={c.header} className={c.className}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {paged.hasPrev || paged.hasNext ? (
        <nav className="pager" aria-label={`${props.caption} pages`}>
          <button type="button" className="btn" disabled={!paged.hasPrev} onClick={paged.prev}>
            ← Previous
          </button>
          <span className="muted">Page {paged.pageNumber}</span>
          <button type="button" className="btn" disabled={!paged.hasNext} onClick={paged.next}>
            Next →
          </button>
        </nav>
      ) : null}
    </section>
  );
}

/** A plain table for small, already-loaded lists. */
export function SimpleTable<T>(props: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  empty: ReactNode;
}) {
  if (props.rows.length === 0) return <>{props.empty}</>;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="table-wrap" tabIndex={0} aria-label={props.caption}>
      <table>
        <caption className="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.header} scope="col" className={c.className}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={props.rowKey(row)}>
              {props.columns.map((c) => (
                <td key={c.header} className={c.className}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export { EmptyState };
