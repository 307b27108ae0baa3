/** Selected series held in monomorphic form, with cursors for windows at increasing times. */
import type { Labels, SeriesSamples } from '../storage.ts';
import { isStaleNaN } from '../storage.ts';
import { lowerBound } from './memory-querier.ts';

/** Selected series in monomorphic form, with per-series cursors for increasing step times. */
export interface Selection {
  labels: Labels[];
  ts: Float64Array[];
  vs: Float64Array[];
  /** Cursor: first index with t > last bound (for windows: start and end bounds). */
  lo: Int32Array;
  hi: Int32Array;
  lastStart: number;
  lastEnd: number;
  /** Lazily derived per-series data for range functions. */
  dropped?: Labels[];
  mixedNames?: boolean;
  counterOk?: Uint8Array;
}

const asF64 = (a: ArrayLike<number>): Float64Array => (a instanceof Float64Array ? a : Float64Array.from(a));

/** First index i >= from with ts[i] > bound, scanning forward (cursor) or by binary search. */
export function advance(ts: Float64Array, from: number, bound: number, monotonic: boolean): number {
  if (!monotonic) return lowerBound(ts, ts.length, bound + 1);
  let i = from;
  const n = ts.length;
  // Short linear scan first (the common step-to-step case), then fall back to binary search.
  for (let k = 0; k < 8 && i < n && ts[i] <= bound; k++) i++;
  if (i < n && ts[i] <= bound) {
    let lo = i;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid] <= bound) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  return i;
}

/** Reusable buffers a window's samples are copied into (stale markers removed). */
export class Scratch {
  t = new Float64Array(256);
  v = new Float64Array(256);
  grow(n: number): void {
    this.t = new Float64Array(n * 2);
    this.v = new Float64Array(n * 2);
  }
}

/** Wraps a querier's answer for the evaluator. */
export function toSelection(series: SeriesSamples[]): Selection {
  const n = series.length;
  return {
    labels: series.map((s) => s.labels),
    ts: series.map((s) => asF64(s.timestamps)),
    vs: series.map((s) => asF64(s.values)),
    lo: new Int32Array(n),
    hi: new Int32Array(n),
    lastStart: Number.POSITIVE_INFINITY,
    lastEnd: Number.POSITIVE_INFINITY,
  };
}

/** Copies series si's non-stale samples in (rangeStart, rangeEnd] to the scratch buffers. */
export function copyWindow(
  data: Selection,
  si: number,
  rangeStart: number,
  rangeEnd: number,
  monoStart: boolean,
  monoEnd: boolean,
  scratch: Scratch,
): number {
  const t = data.ts[si];
  const lo = advance(t, monoStart ? data.lo[si] : 0, rangeStart, monoStart);
  const hi = advance(t, monoEnd ? Math.max(lo, data.hi[si]) : lo, rangeEnd, monoEnd);
  data.lo[si] = lo;
  data.hi[si] = hi;
  if (hi <= lo) return 0;
  if (hi - lo > scratch.t.length) scratch.grow(hi - lo);
  const st = scratch.t;
  const sv = scratch.v;
  const vals = data.vs[si];
  let n = 0;
  for (let i = lo; i < hi; i++) {
    const v = vals[i];
    if (Number.isNaN(v) && isStaleNaN(v)) continue;
    st[n] = t[i];
    sv[n] = v;
    n++;
  }
  return n;
}
