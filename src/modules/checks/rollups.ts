/**
 * Rollups of probe results per minute/hour/day: counts by status, latency sum and a fixed
 * latency histogram (one integer column per bucket, incremented in SQL so concurrent writers
 * never lose counts). Uptime bars and p50/p95/p99 read rollups, never raw results.
 */
import { DAY, HOUR, MINUTE } from '../../kernel/clock.ts';

/** Upper bounds (ms) of the latency histogram buckets; the last is open-ended. */
export const BUCKET_BOUNDS = [
  5,
  10,
  25,
  50,
  75,
  100,
  150,
  200,
  300,
  500,
  750,
  1000,
  1500,
  2000,
  3000,
  5000,
  10000,
  30000,
  Number.POSITIVE_INFINITY,
];
export const BUCKET_COLUMNS = BUCKET_BOUNDS.map((_, i) => `h${i}`);

export type Resolution = 'minute' | 'hour' | 'day';
export const RESOLUTIONS: Record<Resolution, number> = { minute: MINUTE, hour: HOUR, day: DAY };

/** Index of the histogram bucket a latency falls in. */
export function bucketOf(latencyMs: number): number {
  const i = BUCKET_BOUNDS.findIndex((b) => latencyMs <= b);
  return i < 0 ? BUCKET_BOUNDS.length - 1 : i;
}

/** Start of the UTC bucket of `resolution` containing `at`. */
export function bucketStart(at: number, resolution: Resolution): number {
  const size = RESOLUTIONS[resolution];
  return at - (((at % size) + size) % size);
}

/** Estimates quantile `q` (0–1) from bucket counts, interpolating linearly inside a bucket. */
export function quantile(counts: number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    if (cum + counts[i] >= rank) {
      const lower = i === 0 ? 0 : BUCKET_BOUNDS[i - 1];
      const upper = BUCKET_BOUNDS[i];
      if (!Number.isFinite(upper)) return lower;
      return lower + ((upper - lower) * Math.max(0, rank - cum)) / counts[i];
    }
    cum += counts[i];
  }
  return BUCKET_BOUNDS[BUCKET_BOUNDS.length - 2];
}

/** One aggregated bucket as the API presents it. */
export interface UptimeBucket {
  start: number;
  total: number;
  up: number;
  degraded: number;
  down: number;
  /** (up + degraded) / total × 100, null when nothing ran. */
  uptimePct: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Turns rollup rows into buckets, merging rows (e.g. several hours) with the same start. */
export function toBuckets(rows: Array<Record<string, any>>): UptimeBucket[] {
  return rows.map((r) => {
    const counts = BUCKET_COLUMNS.map((c) => Number(r[c] ?? 0));
    const total = Number(r.total);
    const ok = Number(r.up) + Number(r.degraded);
    return {
      start: Number(r.start),
      total,
      up: Number(r.up),
      degraded: Number(r.degraded),
      down: Number(r.down),
      uptimePct: total ? Math.round((ok / total) * 100_000) / 1000 : null,
      p50: quantile(counts, 0.5),
      p95: quantile(counts, 0.95),
      p99: quantile(counts, 0.99),
    };
  });
}
