/**
 * Functions over range vectors (rate, *_over_time, deriv, ...). Each receives one series' window
 * (timestamps/values without stale markers, n >= 1) and returns a value or undefined (no output).
 */
import { PromQLEvalError } from './errors.ts';
import { kahanComp, type WindowCtx } from './types.ts';

/** A function over one series window. */
export type RangeFn = (
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  n: number,
  ctx: WindowCtx,
  params: number[],
) => number | undefined;

function extrapolatedRate(
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  n: number,
  ctx: WindowCtx,
  isCounter: boolean,
  isRate: boolean,
) {
  if (n < 2) return undefined;
  let result = vs[n - 1] - vs[0];
  if (isCounter) {
    let prev = vs[0];
    for (let i = 1; i < n; i++) {
      const cur = vs[i];
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  let durationToStart = (ts[0] - ctx.rangeStart) / 1000;
  let durationToEnd = (ctx.rangeEnd - ts[n - 1]) / 1000;
  const sampledInterval = (ts[n - 1] - ts[0]) / 1000;
  const avgBetween = sampledInterval / (n - 1);
  const threshold = avgBetween * 1.1;
  if (durationToStart >= threshold) durationToStart = avgBetween / 2;
  if (isCounter && result > 0 && vs[0] >= 0) {
    // A counter cannot go below zero: do not extrapolate past the point where it would be 0.
    const durationToZero = sampledInterval * (vs[0] / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = avgBetween / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= ctx.rangeMs / 1000;
  return result * factor;
}

function instantValue(ts: ArrayLike<number>, vs: ArrayLike<number>, n: number, isRate: boolean) {
  if (n < 2) return undefined;
  const last = vs[n - 1];
  const prev = vs[n - 2];
  let result = isRate && last < prev ? last : last - prev;
  const dt = ts[n - 1] - ts[n - 2];
  if (isRate) {
    if (dt === 0) return undefined;
    result /= dt / 1000;
  }
  return result;
}

/** Least-squares fit of the samples; x is seconds relative to interceptTime. */
export function linearRegression(
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  n: number,
  interceptTime: number,
): [number, number] {
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = vs[0];
  let constY = true;
  for (let i = 0; i < n; i++) {
    const y = vs[i];
    if (constY && i > 0 && y !== initY) constY = false;
    const x = (ts[i] - interceptTime) / 1000;
    {
      const inc = x;
      cX = kahanComp(inc, sumX, cX);
      sumX += inc;
    }
    {
      const inc = y;
      cY = kahanComp(inc, sumY, cY);
      sumY += inc;
    }
    {
      const inc = x * y;
      cXY = kahanComp(inc, sumXY, cXY);
      sumXY += inc;
    }
    {
      const inc = x * x;
      cX2 = kahanComp(inc, sumX2, cX2);
      sumX2 += inc;
    }
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [Number.NaN, Number.NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

/** Streaming mean with Kahan summation, switching to an incremental mean on overflow (as Prometheus). */
export class MeanAcc {
  private sum = 0;
  private mean = 0;
  private c = 0;
  private count = 0;
  private incremental = false;

  add(f: number): void {
    const count = ++this.count;
    if (!this.incremental) {
      const ns = this.sum + f;
      if (count === 1 || Number.isFinite(ns) || Number.isNaN(ns)) {
        this.c = kahanComp(f, this.sum, this.c);
        this.sum = ns;
        return;
      }
      this.incremental = true;
      this.mean = this.sum / (count - 1);
      this.c /= count - 1;
    }
    const mean = this.mean;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      // An infinite mean stays as it is unless an opposite infinity or NaN arrives.
      if (!Number.isFinite(f) && !Number.isNaN(f) && mean > 0 === f > 0) return;
      if (Number.isFinite(f)) return;
    }
    const inc = f / count - (mean + this.c) / count;
    this.c = kahanComp(inc, mean, this.c);
    this.mean = mean + inc;
  }

  value(): number {
    return this.incremental ? this.mean + this.c : this.sum / this.count + this.c / this.count;
  }
}

/** Mean of vs[0..n) (see MeanAcc). */
export function kahanMean(vs: ArrayLike<number>, n: number): number {
  const acc = new MeanAcc();
  for (let i = 0; i < n; i++) acc.add(vs[i]);
  return acc.value();
}

/** Variance (Welford with Kahan compensation), as stdvar_over_time. */
function variance(vs: ArrayLike<number>, n: number): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = 0; i < n; i++) {
    const f = vs[i];
    count++;
    const delta = f - (mean + cMean);
    {
      const inc = delta / count;
      cMean = kahanComp(inc, mean, cMean);
      mean += inc;
    }
    {
      const inc = delta * (f - (mean + cMean));
      cAux = kahanComp(inc, aux, cAux);
      aux += inc;
    }
  }
  return (aux + cAux) / count;
}

/** Prometheus' quantile over unsorted values (NaN sorts first; q outside [0,1] gives ±Inf). */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  values.sort((a, b) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : a - b));
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower] * (1 - weight) + values[upper] * weight;
}

const toArray = (vs: ArrayLike<number>, n: number): number[] => {
  const a = new Array<number>(n);
  for (let i = 0; i < n; i++) a[i] = vs[i];
  return a;
};

function sumOf(vs: ArrayLike<number>, n: number): number {
  let sum = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const inc = vs[i];
    c = kahanComp(inc, sum, c);
    sum += inc;
  }
  return sum === Number.POSITIVE_INFINITY || sum === Number.NEGATIVE_INFINITY ? sum : sum + c;
}

/** Go's float64 -> int64 conversion for durations as used by the smoothing/prediction args. */
function checkFactor(name: string, f: number): void {
  if (f <= 0 || f >= 1 || Number.isNaN(f))
    throw new PromQLEvalError(
      `invalid ${name} factor. Expected: 0 < ${name === 'smoothing' ? 'sf' : 'tf'} < 1, got: ${f}`,
    );
}

/** Functions over range vectors, keyed by name. */
export const RANGE_FUNCTIONS: Record<string, RangeFn> = {
  // The "might not be a counter" info for rate/increase is raised by the engine (once per series).
  rate: (ts, vs, n, ctx) => extrapolatedRate(ts, vs, n, ctx, true, true),
  increase: (ts, vs, n, ctx) => extrapolatedRate(ts, vs, n, ctx, true, false),
  delta: (ts, vs, n, ctx) => extrapolatedRate(ts, vs, n, ctx, false, false),
  irate: (ts, vs, n) => instantValue(ts, vs, n, true),
  idelta: (ts, vs, n) => instantValue(ts, vs, n, false),
  changes: (_ts, vs, n) => {
    let c = 0;
    for (let i = 1; i < n; i++) {
      const a = vs[i - 1];
      const b = vs[i];
      if (b !== a && !(Number.isNaN(a) && Number.isNaN(b))) c++;
    }
    return c;
  },
  resets: (_ts, vs, n) => {
    let c = 0;
    for (let i = 1; i < n; i++) if (vs[i] < vs[i - 1]) c++;
    return c;
  },
  deriv: (ts, vs, n) => (n < 2 ? undefined : linearRegression(ts, vs, n, ts[0])[0]),
  predict_linear: (ts, vs, n, ctx, p) => {
    if (n < 2) return undefined;
    const [slope, intercept] = linearRegression(ts, vs, n, ctx.stepTs);
    return slope * p[0] + intercept;
  },
  double_exponential_smoothing: (_ts, vs, n, _ctx, p) => {
    const [sf, tf] = p;
    checkFactor('smoothing', sf);
    checkFactor('trend', tf);
    if (n < 2) return undefined;
    let s0 = 0;
    let s1 = vs[0];
    let b = vs[1] - vs[0];
    for (let i = 1; i < n; i++) {
      const x = sf * vs[i];
      if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
      const y = (1 - sf) * (s1 + b);
      s0 = s1;
      s1 = x + y;
    }
    return s1;
  },
  avg_over_time: (_ts, vs, n) => kahanMean(vs, n),
  sum_over_time: (_ts, vs, n) => sumOf(vs, n),
  count_over_time: (_ts, _vs, n) => n,
  min_over_time: (_ts, vs, n) => {
    let m = vs[0];
    for (let i = 1; i < n; i++) if (vs[i] < m || Number.isNaN(m)) m = vs[i];
    return m;
  },
  max_over_time: (_ts, vs, n) => {
    let m = vs[0];
    for (let i = 1; i < n; i++) if (vs[i] > m || Number.isNaN(m)) m = vs[i];
    return m;
  },
  ts_of_min_over_time: (ts, vs, n) => {
    let m = vs[0];
    let t = ts[0];
    for (let i = 1; i < n; i++)
      if (vs[i] <= m || Number.isNaN(m)) {
        m = vs[i];
        t = ts[i];
      }
    return t / 1000;
  },
  ts_of_max_over_time: (ts, vs, n) => {
    let m = vs[0];
    let t = ts[0];
    for (let i = 1; i < n; i++)
      if (vs[i] >= m || Number.isNaN(m)) {
        m = vs[i];
        t = ts[i];
      }
    return t / 1000;
  },
  stddev_over_time: (_ts, vs, n) => Math.sqrt(variance(vs, n)),
  stdvar_over_time: (_ts, vs, n) => variance(vs, n),
  last_over_time: (_ts, vs, n) => vs[n - 1],
  first_over_time: (_ts, vs) => vs[0],
  ts_of_last_over_time: (ts, _vs, n) => ts[n - 1] / 1000,
  ts_of_first_over_time: (ts) => ts[0] / 1000,
  present_over_time: () => 1,
  quantile_over_time: (_ts, vs, n, ctx, p) => {
    const q = p[0];
    if (Number.isNaN(q) || q < 0 || q > 1)
      ctx.notes.warn(`PromQL warning: quantile value should be between 0 and 1, got ${fmtG(q)}`);
    return quantile(q, toArray(vs, n));
  },
  mad_over_time: (_ts, vs, n) => {
    const values = toArray(vs, n);
    const median = quantile(0.5, values);
    return quantile(
      0.5,
      values.map((v) => Math.abs(v - median)),
    );
  },
};

/** Functions whose output keeps the metric name. */
export const KEEPS_NAME = new Set(['last_over_time', 'first_over_time']);

/** Go's %g for the values that appear in annotation messages. */
export function fmtG(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}
