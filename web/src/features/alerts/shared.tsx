/** Types, label matchers and small components shared by the alerting pages. */
import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api.ts';
import { Badge } from '../../ui/components.tsx';

/** An alert of the alert store (`/api/v1/alerting/alerts`). */
export interface StoredAlert {
  fingerprint: string;
  external_key: string;
  source: string;
  integration: string | null;
  state: 'firing' | 'resolved';
  status: 'active' | 'silenced' | 'inhibited' | 'muted' | 'resolved';
  reason: Record<string, unknown> | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  starts_at: string;
  ends_at: string | null;
  generator_url: string | null;
  value: number | null;
  acknowledged: boolean;
  routes: string[];
  received: number;
  first_seen_at: string;
  updated_at: string;
}

/** A pending or firing instance of the rule engine (`/api/v1/alerts`). */
export interface RuleAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  firedAt: string | null;
  keepFiringSince: string | null;
  value: string;
  fingerprint: string;
  rule: string;
  group: string;
}

/** An aggregation group (`/api/v1/alerting/groups`). */
export interface AlertGroup {
  id: string;
  route: string;
  group_key: string;
  labels: Record<string, string>;
  incident_id: string | null;
  last_notified_at: string | null;
  notifications: number;
  alerts: string[];
  created_at: string;
}

export interface Silence {
  id: string;
  matchers: string[];
  starts_at: string;
  ends_at: string;
  state: 'pending' | 'active' | 'expired';
  created_by: string;
  comment: string;
  created_at: string;
  updated_at: string;
}

/** Event types that change what the alert pages show. */
export const ALERT_EVENTS = [
  'alert.firing',
  'alert.resolved',
  'alert.routed',
  'alert.closed',
  'alert.status_changed',
  'alert_group.notified',
  'silence.created',
  'silence.expired',
];

export type DisplayStatus = 'firing' | 'pending' | 'silenced' | 'inhibited' | 'muted' | 'resolved';

/** What an operator calls the alert's condition. */
export function displayStatus(a: StoredAlert): DisplayStatus {
  if (a.state === 'resolved') return 'resolved';
  return a.status === 'active' || a.status === 'resolved' ? 'firing' : a.status;
}

const STATUS_TONE: Record<DisplayStatus, string> = {
  firing: 'danger',
  pending: 'warn',
  silenced: 'neutral',
  inhibited: 'neutral',
  muted: 'neutral',
  resolved: 'ok',
};
const STATUS_TEXT: Record<DisplayStatus, string> = {
  firing: 'firing',
  pending: 'pending',
  silenced: 'silenced',
  inhibited: 'inhibited',
  muted: 'in maintenance',
  resolved: 'resolved',
};

export function StatusBadge({ status }: { status: DisplayStatus }) {
  return <Badge tone={STATUS_TONE[status]}>{STATUS_TEXT[status]}</Badge>;
}

/** A severity label as a badge (the most severe levels stand out). */
export function SeverityBadge({ value }: { value: string | undefined }) {
  if (!value) return <span className="muted">—</span>;
  const tone = /^(p0|p1|sev1|sev2|critical|page)$/i.test(value)
    ? 'danger'
    : /^(p2|sev3|warning|major)$/i.test(value)
      ? 'warn'
      : 'neutral';
  return <Badge tone={tone}>{value}</Badge>;
}

/** Labels as `name=value` chips, leaving out `skip`. */
export function LabelChips({ labels, skip = [] }: { labels: Record<string, string>; skip?: string[] }) {
  const entries = Object.entries(labels)
    .filter(([k]) => !skip.includes(k))
    .sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return <span className="muted">—</span>;
  return (
    <span className="al-chips">
      {entries.map(([k, v]) => (
        <code key={k} className="al-chip">
          {k}={v}
        </code>
      ))}
    </span>
  );
}

// ---- Label matchers (Alertmanager's syntax, as the server parses it) ----

export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** Parses `name=value`, `name!="v"`, `name=~regex`, `name!~regex`; throws with a readable message. */
export function parseMatcher(text: string): Matcher {
  const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
  if (!m) throw new Error(`"${text}" is not a matcher (name=value, name!=value, name=~regex, name!~regex)`);
  let value = m[3];
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
    value = value.slice(1, -1).replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  const op = m[2] as Matcher['op'];
  if (op === '=~' || op === '!~') {
    try {
      new RegExp(`^(?:${value})$`);
    } catch {
      throw new Error(`"${text}": the regular expression does not parse`);
    }
  }
  return { name: m[1], op, value };
}

/** True when the labels satisfy the matcher (a missing label is the empty string). */
export function matches(m: Matcher, labels: Record<string, string>): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(v);
    case '!~':
      return !new RegExp(`^(?:${m.value})$`).test(v);
  }
}

/** Splits a filter line into matchers: separated by commas or spaces outside double quotes. */
export function splitMatchers(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (!quoted && (c === ',' || c === ' ' || c === '\n')) {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out.filter((s) => s !== '{' && s !== '}').map((s) => s.replace(/^\{|\}$/g, ''));
}

/** Quotes a label value for a matcher when needed. */
export function matcherFor(name: string, value: string): string {
  return /^[A-Za-z0-9_.:/-]+$/.test(value) ? `${name}=${value}` : `${name}=${JSON.stringify(value)}`;
}

/** The matchers a silence for this alert should use: its identifying labels. */
export function silenceMatchersFor(labels: Record<string, string>): string[] {
  return Object.entries(labels)
    .filter(([k]) => !['__name__', 'alertstate'].includes(k))
    .sort(([a], [b]) => (a === 'alertname' ? -1 : b === 'alertname' ? 1 : a.localeCompare(b)))
    .map(([k, v]) => matcherFor(k, v));
}

/** The console path of the silence form, pre-filled with matchers. */
export function newSilencePath(matchers: string[]): string {
  const q = new URLSearchParams();
  for (const m of matchers) q.append('matcher', m);
  return `/alerts/silences/new?${q.toString()}`;
}

// ---- Cursor pages of an endpoint whose list field is not `items` ----

/** Pages through `path` (list under `field`, cursor in `next_cursor`); filters reset to page 1. */
export function useCursorPages<T>(
  path: string | null,
  field: string,
  params: Record<string, string | string[] | undefined>,
  limit = 50,
) {
  const [stack, setStack] = useState<string[]>([]);
  const [data, setData] = useState<{ items: T[]; next: string | null } | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(params);
  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for params
  useEffect(() => setStack([]), [key, path]);
  const cursor = stack[stack.length - 1];
  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for params; tick reloads
  useEffect(() => {
    if (path === null) return;
    let live = true;
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (Array.isArray(v)) for (const x of v) q.append(k, x);
      else if (v) q.set(k, v);
    }
    q.set('limit', String(limit));
    if (cursor) q.set('cursor', cursor);
    api<Record<string, unknown>>('GET', `${path}?${q.toString()}`)
      .then((d) => {
        if (!live) return;
        setData({ items: (d[field] as T[]) ?? [], next: (d.next_cursor as string | null) ?? null });
        setError(null);
      })
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [path, key, cursor, limit, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return {
    items: data?.items ?? [],
    loaded: data !== undefined,
    error,
    reload,
    pageNumber: stack.length + 1,
    hasNext: Boolean(data?.next),
    hasPrev: stack.length > 0,
    next: () => data?.next && setStack((s) => [...s, data.next as string]),
    prev: () => setStack((s) => s.slice(0, -1)),
  };
}

/** Previous/next controls for `useCursorPages`. */
export function Pager({
  label,
  pages,
}: {
  label: string;
  pages: ReturnType<typeof useCursorPages<unknown>>;
}) {
  if (!pages.hasPrev && !pages.hasNext) return null;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" className="btn" disabled={!pages.hasPrev} onClick={pages.prev}>
        ← Previous
      </button>
      <span className="muted">Page {pages.pageNumber}</span>
      <button type="button" className="btn" disabled={!pages.hasNext} onClick={pages.next}>
        Next →
      </button>
    </nav>
  );
}

// ---- Confirmation dialog ----

/** A modal `<dialog>` asking to confirm a destructive action; `ask()` resolves true on confirm. */
export function useConfirm(): [ReactNode, (text: string, confirmLabel: string) => Promise<boolean>] {
  const ref = useRef<HTMLDialogElement>(null);
  const [q, setQ] = useState<{ text: string; label: string } | null>(null);
  const resolver = useRef<((ok: boolean) => void) | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const ask = useCallback((text: string, label: string) => {
    setQ({ text, label });
    return new Promise<boolean>((resolve) => {
      resolver.current = resolve;
    });
  }, []);
  useEffect(() => {
    if (q && ref.current && !ref.current.open) {
      ref.current.showModal();
      // The safe choice has the focus: Enter does not destroy anything.
      cancelRef.current?.focus();
    }
  }, [q]);
  const close = (ok: boolean) => {
    ref.current?.close();
    setQ(null);
    resolver.current?.(ok);
    resolver.current = null;
  };
  const node = (
    <dialog
      ref={ref}
      className="al-dialog"
      aria-labelledby="al-confirm-title"
      onCancel={(e) => {
        e.preventDefault();
        close(false);
      }}
    >
      <h2 id="al-confirm-title">Please confirm</h2>
      <p>{q?.text}</p>
      <div className="form-actions">
        <button type="button" className="btn btn-danger" onClick={() => close(true)}>
          {q?.label ?? 'Confirm'}
        </button>
        <button ref={cancelRef} type="button" className="btn" onClick={() => close(false)}>
          Cancel
        </button>
      </div>
    </dialog>
  );
  return [node, ask];
}

/** Copies `text` to the clipboard, saying so in the button. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="btn btn-small"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(
          () => setDone(true),
          () => setDone(false),
        );
      }}
    >
      {done ? 'Copied' : label}
      <span className="sr-only" aria-live="polite">
        {done ? ' to the clipboard' : ''}
      </span>
    </button>
  );
}

/** A compact duration: 90 000 → "1m 30s". */
export function shortDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  const parts: string[] = [];
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m && parts.length < 2) parts.push(`${m}m`);
  if (sec && parts.length < 2) parts.push(`${sec}s`);
  return parts.join(' ') || '0s';
}

/** Relative age of an ISO time against the browser clock ("5m ago", "in 2h"). */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const diff = now - Date.parse(iso);
  return diff >= 0 ? `${shortDuration(diff)} ago` : `in ${shortDuration(-diff)}`;
}
