/** Internal value representation of the per-step evaluator. */
import type { Labels } from '../storage.ts';

/** One element of an instant vector at the current evaluation step. */
export interface Sample {
  metric: Labels;
  v: number;
}

/** A series of a range vector (a window of samples, stale markers removed). */
export interface RangeSeries {
  metric: Labels;
  ts: ArrayLike<number>;
  vs: ArrayLike<number>;
}

/** A value produced while evaluating one step. */
export type Value =
  | { type: 'scalar'; v: number }
  | { type: 'string'; s: string }
  | { type: 'vector'; samples: Sample[] }
  | { type: 'matrix'; series: RangeSeries[] };

/** Collects Prometheus-style annotations during one query. */
export interface AnnotationSink {
  warn(msg: string): void;
  info(msg: string): void;
}

/** Context for functions over a range window. */
export interface WindowCtx {
  /** The evaluation step timestamp (ms). */
  stepTs: number;
  /** Window (rangeStart, rangeEnd] in ms. */
  rangeStart: number;
  rangeEnd: number;
  rangeMs: number;
  metric: Labels;
  notes: AnnotationSink;
}

/**
 * Kahan-Neumaier compensated summation step: returns the new compensation for adding `inc` to
 * `sum` (the caller then does `sum += inc`). Split this way so hot loops allocate nothing.
 */
export function kahanComp(inc: number, sum: number, c: number): number {
  const t = sum + inc;
  if (t === Number.POSITIVE_INFINITY || t === Number.NEGATIVE_INFINITY) return 0;
  if (Math.abs(sum) >= Math.abs(inc)) return c + (sum - t + inc);
  return c + (inc - t + sum);
}
