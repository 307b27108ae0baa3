/**
 * The Prometheus-compatible query API as the explorer uses it. Errors there are not problem
 * documents but `{status:"error", errorType, error}`; parse errors carry their position as
 * `line:column: parse error: …` (Vigil and Prometheus alike), which `errorPosition` extracts.
 */
import { ApiError, api, withQuery } from '../../api.ts';

export type Labels = Record<string, string>;
export interface VectorSample {
  metric: Labels;
  value: [number, string];
}
export interface MatrixSeries {
  metric: Labels;
  values: Array<[number, string]>;
}
export type QueryData =
  | { resultType: 'vector'; result: VectorSample[] }
  | { resultType: 'matrix'; result: MatrixSeries[] }
  | { resultType: 'scalar'; result: [number, string] }
  | { resultType: 'string'; result: [number, string] };

export interface PromResponse<T> {
  status: 'success';
  data: T;
  warnings?: string[];
  infos?: string[];
}

/** A failed query: the server's message, its type, and where in the query text when known. */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly errorType: string,
    readonly position: { line: number; column: number } | null,
  ) {
    super(message);
  }
}

/** `1:5: parse error: …` (possibly after a "metrics backend: " prefix) → {line, column}. */
export function errorPosition(message: string): { line: number; column: number } | null {
  const m = /(?:^|: )(\d+):(\d+): parse error/.exec(message);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
}

function toQueryError(err: unknown): Error {
  if (err instanceof ApiError) {
    const p = err.problem as { error?: string; errorType?: string; detail?: string };
    const message = p.error ?? p.detail ?? err.message;
    return new QueryError(message, p.errorType ?? `HTTP ${err.status}`, errorPosition(message));
  }
  return err as Error;
}

/** GETs a Prometheus API path; throws QueryError with the server's message. */
export async function prom<T>(path: string, params: Record<string, string | number | undefined>) {
  try {
    return await api<PromResponse<T>>('GET', withQuery(path, params));
  } catch (err) {
    throw toQueryError(err);
  }
}

/** `name{a="b", c="d"}` for a label set (name first, then labels in order). */
export function seriesName(metric: Labels): string {
  const name = metric.__name__ ?? '';
  const rest = Object.keys(metric)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(metric[k])}`);
  return rest.length || !name ? `${name}{${rest.join(', ')}}` : name;
}

/** Formats a sample value string for display (keeps Prometheus' spelling of specials). */
export function formatValue(v: string): string {
  const n = Number(v);
  if (!Number.isFinite(n) || v.includes('e')) return v;
  return Math.abs(n) >= 1e15 || (n !== 0 && Math.abs(n) < 1e-4) ? n.toExponential(4) : v;
}

/** Bytes as B / KiB / MiB / GiB. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** A count with thousands separators. */
export const formatCount = (n: number) => n.toLocaleString('en-US');

/** A duration in ms as `850 ms`, `1.2 s`, `5m`, `2h 5m`, `3d 4h`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** "12 s ago" style age of an ISO time relative to `now` (ms). */
export function ago(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t) || t <= 0) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}
