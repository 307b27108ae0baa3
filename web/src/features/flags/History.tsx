/** A flag's history from the audit trail: who changed what, with a field-by-field before/after diff. */
import { useCallback, useEffect, useState } from 'react';
import { api, encodeKey, withQuery } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { EmptyState, ErrorBanner, Loading, Time } from '../../ui/components.tsx';
import { type AuditItem, FLAG_EVENTS } from './types.ts';

const ACTIONS: Record<string, string> = {
  'flag.create': 'Created',
  'flag.update': 'Definition changed',
  'flag.delete': 'Deleted',
  'flag.toggle': 'Switched',
  'flag.override_clear': 'Override cleared',
  'flag.rollout_started': 'Rollout started',
  'flag.rollout_paused': 'Rollout paused',
  'flag.rollout_resumed': 'Rollout resumed',
  'flag.rollout_rolled_back': 'Rollout rolled back',
  'flag.rollout_advanced': 'Rollout advanced',
  'flag.rollout_completed': 'Rollout completed',
};

/** Flattens JSON into `path → value` leaves (arrays by index). */
function flatten(v: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (v !== null && typeof v === 'object' && !(Array.isArray(v) && v.length === 0)) {
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    if (entries.length === 0) out.set(prefix || '(root)', '{}');
    for (const [k, x] of entries) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (v !== undefined) {
    out.set(prefix || '(root)', JSON.stringify(v));
  }
  return out;
}

/** The changed leaves between two documents. */
export function diffLines(before: unknown, after: unknown) {
  const a = flatten(before ?? undefined);
  const b = flatten(after ?? undefined);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys
    .filter((k) => a.get(k) !== b.get(k))
    .map((k) => ({ path: k, before: a.get(k), after: b.get(k) }));
}

function Diff({ e }: { e: AuditItem }) {
  const lines = diffLines(e.before, e.after);
  if (lines.length === 0) return <span className="muted">no field changed</span>;
  return (
    <table className="flags-diff">
      <caption className="sr-only">Changed fields</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((l) => (
          <tr key={l.path}>
            <th scope="row">
              <code>{l.path}</code>
            </th>
            <td className="flags-del">
              {l.before === undefined ? <span className="muted">—</span> : <code>{l.before}</code>}
            </td>
            <td className="flags-add">
              {l.after === undefined ? <span className="muted">—</span> : <code>{l.after}</code>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One line of what happened, in words. */
function summary(e: AuditItem): string {
  const a = (e.after ?? {}) as Record<string, unknown>;
  const b = (e.before ?? {}) as Record<string, unknown>;
  if (e.action === 'flag.toggle') {
    const o = a.override as { reason?: string; incident?: string } | undefined;
    return `${a.enabled ? 'on' : 'off'} in ${a.env}${o?.reason ? ` — “${o.reason}”` : ''}${o?.incident ? ` (${o.incident})` : ''}`;
  }
  if (e.action.startsWith('flag.rollout_')) {
    return `${a.env}: ${b.percentage ?? 0} % → ${a.percentage ?? 0} %${a.pausedReason ? ` — ${a.pausedReason}` : ''}`;
  }
  if (e.action === 'flag.override_clear') return `in ${a.env}; declared state applies again`;
  return '';
}

export function FlagHistory({ flag }: { flag: string }) {
  const [items, setItems] = useState<AuditItem[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);
  const load = useCallback(
    async (cursor?: string) => {
      try {
        const page = await api<{ items: AuditItem[]; next_cursor: string | null }>(
          'GET',
          withQuery(`/api/v1/flags/${encodeKey(flag)}/audit`, { limit: 20, cursor }),
        );
        setItems((xs) => (cursor ? [...xs, ...page.items] : page.items));
        setNext(page.next_cursor);
        setError(null);
      } catch (e) {
        setError(e);
      } finally {
        setLoaded(true);
      }
    },
    [flag],
  );
  useEffect(() => {
    void load();
  }, [load]);
  useLiveEvents(FLAG_EVENTS, (e) => {
    if (e.subject.key === flag) void load();
  });
  if (error) return <ErrorBanner error={error} />;
  if (!loaded) return <Loading what="Loading history" />;
  if (items.length === 0) return <EmptyState title="No changes recorded yet." />;
  return (
    <>
      <ol className="flags-history">
        {items.map((e) => (
          <li key={e.seq}>
            <div className="flags-history-head">
              <strong>{ACTIONS[e.action] ?? e.action}</strong> <span className="muted">{summary(e)}</span>
              <span className="flags-history-meta">
                <Time iso={e.at} /> · {e.actor}
              </span>
            </div>
            <details>
              <summary>Before / after</summary>
              <div className="flags-diff-wrap">
                <Diff e={e} />
              </div>
            </details>
          </li>
        ))}
      </ol>
      {next ? (
        <button type="button" className="btn" onClick={() => void load(next)}>
          Load older changes
        </button>
      ) : null}
    </>
  );
}
