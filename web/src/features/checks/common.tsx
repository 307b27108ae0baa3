/** Shared pieces of the checks section: API shapes, state badges, paths, throttled live reloads. */
import { useEffect, useRef } from 'react';
import { encodeKey } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Badge } from '../../ui/components.tsx';

/** One row of GET /api/v1/check-states. */
export interface CheckState {
  key: string;
  kind: 'check' | 'heartbeat';
  name: string;
  type: string;
  service: string | null;
  labels: Record<string, string>;
  runbook: string | null;
  state: string;
  changed_at: string | null;
  last_run_at: string | null;
  last_latency_ms: number | null;
  last_error: string | null;
  last_error_class: string | null;
  deadline_at: string | null;
  uptime_24h?: number | null;
  latency_24h?: Array<number | null>;
  uptime_daily?: Array<number | null>;
}

export interface ResultItem {
  id: string;
  at: string;
  status: 'up' | 'degraded' | 'down';
  latency_ms: number;
  error_class: string | null;
  error: string | null;
  location: string;
  lateness_ms: number | null;
  details: Record<string, unknown> | null;
}

export interface StateChange {
  at: string;
  from: string;
  to: string;
  reason: string;
}

export interface Bucket {
  start: string;
  total: number;
  up: number;
  degraded: number;
  down: number;
  uptime_pct: number | null;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  latency_p99_ms: number | null;
}

export const PROBE_TYPES = [
  { value: 'http', label: 'HTTP(S)' },
  { value: 'tcp', label: 'TCP connect' },
  { value: 'dns', label: 'DNS' },
  { value: 'tls', label: 'TLS certificate' },
];

export const STATES = [
  'up',
  'degraded',
  'down',
  'late',
  'started',
  'not_running',
  'paused',
  'unknown',
  'new',
] as const;

const TONE: Record<string, string> = {
  up: 'ok',
  degraded: 'warn',
  late: 'warn',
  started: 'accent',
  down: 'danger',
  not_running: 'danger',
  paused: 'neutral',
  unknown: 'neutral',
  new: 'neutral',
};

/** Human text of a state (not_running → not running). */
export function stateText(s: string): string {
  return s.replace(/_/g, ' ');
}

/** A state as a coloured badge with its text (never colour alone). */
export function StateBadge({ state }: { state: string }) {
  return <Badge tone={TONE[state] ?? 'neutral'}>{stateText(state)}</Badge>;
}

/** Console path of a probe or heartbeat. */
export function pathOf(kind: 'check' | 'heartbeat', key: string): string {
  return kind === 'check' ? `/checks/${encodeKey(key)}` : `/checks/heartbeats/${encodeKey(key)}`;
}

/** Latency or duration in ms, shortened. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function fmtPct(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return `${v % 1 === 0 ? v : v.toFixed(2)}%`;
}

/** Live events that change what the checks pages show. */
export const LIVE_TYPES = [
  'check.state_changed',
  'check.paused',
  'check.resumed',
  'check.created',
  'check.updated',
  'check.deleted',
  'heartbeat.created',
  'heartbeat.updated',
  'heartbeat.deleted',
];

/**
 * Calls `reload` for live events (filtered by `accept`), at most once per `everyMs`: with
 * thousands of checks, state changes can arrive in bursts.
 */
export function useThrottledLive(
  types: string[],
  reload: () => void,
  accept: (e: { type: string; subject: { kind: string; key: string } }) => boolean = () => true,
  everyMs = 1500,
): void {
  const last = useRef(0);
  const timer = useRef<number | null>(null);
  const fn = useRef(reload);
  fn.current = reload;
  useEffect(
    () => () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
    },
    [],
  );
  useLiveEvents(types, (e) => {
    if (!accept(e)) return;
    const wait = last.current + everyMs - Date.now();
    if (wait <= 0) {
      last.current = Date.now();
      fn.current();
    } else if (timer.current === null) {
      timer.current = window.setTimeout(() => {
        timer.current = null;
        last.current = Date.now();
        fn.current();
      }, wait);
    }
  });
}

/** A copy-to-clipboard button for a URL or command. */
export function CopyButton({ text, label, onCopied }: { text: string; label: string; onCopied: () => void }) {
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      onCopied();
    } catch {
      // Clipboard access can be refused (insecure origin): select the text for a manual copy.
      const el = document.querySelector<HTMLElement>(`[data-copy="${CSS.escape(text)}"]`);
      if (el) window.getSelection()?.selectAllChildren(el);
    }
  };
  return (
    <button type="button" className="btn btn-small" onClick={() => void copy()} aria-label={label}>
      Copy
    </button>
  );
}
