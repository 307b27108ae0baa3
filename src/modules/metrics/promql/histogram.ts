/** Classic (`le` label) histogram functions: histogram_quantile and histogram_fraction. */
import type { Labels } from '../storage.ts';
import type { FnCtx } from './functions.ts';
import { getLabel, removeLabels } from './labels-util.ts';
import { fmtG } from './range-functions.ts';
import type { AnnotationSink, Sample, Value } from './types.ts';

interface Bucket {
  upper: number;
  count: number;
}

/** Quantile from classic cumulative buckets; also reports whether monotonicity had to be forced. */
export function bucketQuantile(q: number, buckets: Bucket[]): { v: number; forced: boolean } {
  const nan = { v: Number.NaN, forced: false };
  if (Number.isNaN(q)) return nan;
  if (q < 0) return { v: Number.NEGATIVE_INFINITY, forced: false };
  if (q > 1) return { v: Number.POSITIVE_INFINITY, forced: false };
  buckets.sort((a, b) => a.upper - b.upper);
  if (buckets.length === 0 || buckets[buckets.length - 1].upper !== Number.POSITIVE_INFINITY) return nan;
  // Coalesce buckets with the same upper bound.
  const bs: Bucket[] = [];
  for (const b of buckets) {
    const last = bs[bs.length - 1];
    if (last && last.upper === b.upper) last.count += b.count;
    else bs.push({ upper: b.upper, count: b.count });
  }
  let forced = false;
  let prev = bs[0].count;
  for (let i = 1; i < bs.length; i++) {
    const cur = bs[i].count;
    if (cur === prev) continue;
    if (almostEqual(prev, cur, 1e-12)) {
      bs[i].count = prev;
      continue;
    }
    if (cur < prev) {
      bs[i].count = prev;
      forced = true;
      continue;
    }
    prev = cur;
  }
  if (bs.length < 2) return { v: Number.NaN, forced };
  const observations = bs[bs.length - 1].count;
  if (observations === 0) return { v: Number.NaN, forced };
  let rank = q * observations;
  let b = 0;
  while (b < bs.length - 1 && !(bs[b].count >= rank)) b++;
  if (b === bs.length - 1) return { v: bs[bs.length - 2].upper, forced };
  if (b === 0 && bs[0].upper <= 0) return { v: bs[0].upper, forced };
  let start = 0;
  const end = bs[b].upper;
  let count = bs[b].count;
  if (b > 0) {
    start = bs[b - 1].upper;
    count -= bs[b - 1].count;
    rank -= bs[b - 1].count;
  }
  return { v: start + (end - start) * (rank / count), forced };
}

/** Relative float comparison as Prometheus' util/almost. */
export function almostEqual(a: number, b: number, eps: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const minNormal = 2.2250738585072014e-308;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < minNormal) return diff < eps * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < eps;
}

/** histogram_quantile over classic `le` bucket series. */
export function histogramQuantile(args: Value[], ctx: FnCtx): Sample[] {
  const q = args[0].type === 'scalar' ? args[0].v : Number.NaN;
  if (Number.isNaN(q) || q < 0 || q > 1)
    ctx.notes.warn(`PromQL warning: quantile value should be between 0 and 1, got ${fmtG(q)}`);
  const input = args[1].type === 'vector' ? args[1].samples : [];
  const out: Sample[] = [];
  for (const g of bucketGroups(input, ctx.notes).values()) {
    const r = bucketQuantile(q, g.buckets);
    if (r.forced)
      ctx.notes.info(
        `PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name "${g.name}"`,
      );
    out.push({ metric: g.metric, v: r.v });
  }
  return out;
}

/** Groups classic bucket series by their labels without `le`, warning about bad `le` values. */
function bucketGroups(samples: Sample[], notes: AnnotationSink) {
  const groups = new Map<string, { metric: Labels; buckets: Bucket[]; name: string }>();
  for (const s of samples) {
    const le = getLabel(s.metric, 'le');
    const upper = parseLe(le);
    const name = getLabel(s.metric, '__name__');
    if (upper === undefined) {
      notes.warn(
        `PromQL warning: bucket label "le" is missing or has a malformed value of "${le}" for metric name "${name}"`,
      );
      continue;
    }
    let key = '';
    for (const l of s.metric) if (l.name !== 'le') key += `${l.name}\xff${l.value}\xfe`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { metric: removeLabels(s.metric, ['le', '__name__']), buckets: [], name }));
    g.buckets.push({ upper, count: s.v });
  }
  return groups;
}

/** Fraction of observations between lower and upper, from classic buckets. */
export function bucketFraction(lower: number, upper: number, buckets: Bucket[]): number {
  buckets.sort((a, b) => a.upper - b.upper);
  if (buckets.length === 0 || buckets[buckets.length - 1].upper !== Number.POSITIVE_INFINITY)
    return Number.NaN;
  const bs: Bucket[] = [];
  for (const b of buckets) {
    const last = bs[bs.length - 1];
    if (last && last.upper === b.upper) last.count += b.count;
    else bs.push({ upper: b.upper, count: b.count });
  }
  const count = bs[bs.length - 1].count;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return Number.NaN;
  if (lower >= upper) return 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  for (let i = 0; i < bs.length; i++) {
    const b = bs[i];
    let lowerBound = i > 0 ? bs[i - 1].upper : Number.NEGATIVE_INFINITY;
    if (i === 0 && b.upper > 0) lowerBound = 0;
    const interp = (v: number) => rank + ((b.count - rank) * (v - lowerBound)) / (b.upper - lowerBound);
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && b.upper > lower) {
      lowerRank = interp(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && b.upper > upper) {
      upperRank = interp(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = b.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

/** histogram_fraction over classic `le` bucket series. */
export function histogramFraction(args: Value[], ctx: FnCtx): Sample[] {
  const lower = args[0].type === 'scalar' ? args[0].v : Number.NaN;
  const upper = args[1].type === 'scalar' ? args[1].v : Number.NaN;
  const out: Sample[] = [];
  for (const g of bucketGroups(args[2].type === 'vector' ? args[2].samples : [], ctx.notes).values())
    out.push({ metric: g.metric, v: bucketFraction(lower, upper, g.buckets) });
  return out;
}

/** Parses an `le` value as Go's strconv.ParseFloat would (no surrounding spaces, no hex). */
function parseLe(s: string): number | undefined {
  const m = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (m)
    return m[2].toLowerCase() === 'nan'
      ? Number.NaN
      : m[1] === '-'
        ? Number.NEGATIVE_INFINITY
        : Number.POSITIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}
