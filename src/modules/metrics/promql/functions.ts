/** Functions over instant vectors and scalars (math, dates, labels, sorting, histogram_quantile). */
import type { Labels } from '../storage.ts';
import { PromQLEvalError } from './errors.ts';
import { histogramFraction, histogramQuantile } from './histogram.ts';
import { dropName, getLabel, isWellFormed, setLabel } from './labels-util.ts';
import { compileRegex } from './regex.ts';
import type { AnnotationSink, Sample, Value } from './types.ts';

/** What an instant-vector function sees besides its arguments. */
export interface FnCtx {
  ts: number;
  notes: AnnotationSink;
}

/** An instant-vector function: evaluated arguments in, samples out. */
export type InstantFn = (args: Value[], ctx: FnCtx) => Sample[];

const vec = (v: Value): Sample[] => (v.type === 'vector' ? v.samples : []);
const num = (v: Value): number => (v.type === 'scalar' ? v.v : Number.NaN);
const str = (v: Value): string => (v.type === 'string' ? v.s : '');

function simple(f: (x: number) => number): InstantFn {
  return (args) => vec(args[0]).map((s) => ({ metric: dropName(s.metric), v: f(s.v) }));
}

/** UTC calendar fields of a Unix time in seconds (no Date: pure arithmetic, any range). */
export interface Civil {
  year: number;
  month: number;
  day: number;
  dayOfWeek: number;
  dayOfYear: number;
  hour: number;
  minute: number;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 to y-m-d (proleptic Gregorian; Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Calendar fields of `seconds` since the epoch, UTC. */
export function civil(seconds: number): Civil {
  const days = Math.floor(seconds / 86400);
  const secOfDay = seconds - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return {
    year,
    month,
    day,
    dayOfWeek: (((days + 4) % 7) + 7) % 7,
    dayOfYear: days - daysFromCivil(year, 1, 1) + 1,
    hour: Math.floor(secOfDay / 3600),
    minute: Math.floor((secOfDay % 3600) / 60),
  };
}

function dateFn(f: (c: Civil) => number): InstantFn {
  return (args, ctx) => {
    const input: Sample[] = args.length ? vec(args[0]) : [{ metric: [], v: ctx.ts / 1000 }];
    const out: Sample[] = [];
    for (const s of input) {
      // Go converts with int64(f): truncation toward zero; non-finite values pass through.
      out.push({ metric: dropName(s.metric), v: Number.isFinite(s.v) ? f(civil(Math.trunc(s.v))) : s.v });
    }
    return out;
  };
}

const daysInMonth = (c: Civil) => (c.month === 2 && isLeap(c.year) ? 29 : MONTH_DAYS[c.month - 1]);

/** Go's math.Pow special cases that differ from JS. */
export function goPow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Number.POSITIVE_INFINITY || y === Number.NEGATIVE_INFINITY)) return 1;
  return x ** y;
}

/** Expands Go regexp replacement templates ($1, ${1}, $name, $$). */
export function expandTemplate(tpl: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i];
    if (c !== '$' || i + 1 >= tpl.length) {
      out += c;
      continue;
    }
    if (tpl[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    let end: number;
    if (tpl[i + 1] === '{') {
      const close = tpl.indexOf('}', i + 2);
      if (close < 0) {
        out += c;
        continue;
      }
      name = tpl.slice(i + 2, close);
      end = close;
    } else {
      const mm = /^[A-Za-z0-9_]+/.exec(tpl.slice(i + 1));
      if (!mm) {
        out += c;
        continue;
      }
      name = mm[0];
      end = i + mm[0].length;
    }
    if (/^\d+$/.test(name)) out += m[Number(name)] ?? '';
    else out += m.groups?.[name] ?? '';
    i = end;
  }
  return out;
}

function validLabelName(s: string): boolean {
  return s.length > 0 && isWellFormed(s);
}

function labelReplace(args: Value[]): Sample[] {
  const [dst, repl, src, re] = [str(args[1]), str(args[2]), str(args[3]), str(args[4])];
  let regex: RegExp;
  try {
    regex = compileRegex(re);
  } catch (e) {
    throw new PromQLEvalError(
      `invalid regular expression in label_replace(): ${re}: ${(e as Error).message}`,
    );
  }
  if (!validLabelName(dst))
    throw new PromQLEvalError(`invalid destination label name in label_replace(): ${dst}`);
  const out: Sample[] = [];
  for (const s of vec(args[0])) {
    const m = regex.exec(getLabel(s.metric, src));
    let metric = s.metric;
    if (m) metric = setLabel(metric, dst, expandTemplate(repl, m));
    out.push({ metric, v: s.v });
  }
  return out;
}

function labelJoin(args: Value[]): Sample[] {
  const dst = str(args[1]);
  const sep = str(args[2]);
  const srcs = args.slice(3).map(str);
  if (!validLabelName(dst))
    throw new PromQLEvalError(`invalid destination label name in label_join(): ${dst}`);
  for (const s of srcs)
    if (!validLabelName(s)) throw new PromQLEvalError(`invalid source label name in label_join(): ${s}`);
  return vec(args[0]).map((s) => ({
    metric: setLabel(s.metric, dst, srcs.map((n) => getLabel(s.metric, n)).join(sep)),
    v: s.v,
  }));
}

/** NaN-last sort by value. */
function sortByValue(desc: boolean): InstantFn {
  return (args) =>
    [...vec(args[0])].sort((a, b) => {
      const an = Number.isNaN(a.v);
      const bn = Number.isNaN(b.v);
      if (an || bn) return an === bn ? 0 : an ? 1 : -1;
      return desc ? b.v - a.v : a.v - b.v;
    });
}

const collator = new Intl.Collator('en', { numeric: true });

function sortByLabel(desc: boolean): InstantFn {
  return (args) => {
    const names = args.slice(1).map(str);
    const cmpLabels = (a: Labels, b: Labels): number => {
      for (const n of names) {
        const c = collator.compare(getLabel(a, n), getLabel(b, n));
        if (c !== 0) return c;
      }
      // Ties are broken by the full label set, so the order is deterministic.
      const ak = a.map((l) => `${l.name}\xff${l.value}`).join('\xfe');
      const bk = b.map((l) => `${l.name}\xff${l.value}`).join('\xfe');
      return ak < bk ? -1 : ak > bk ? 1 : 0;
    };
    return [...vec(args[0])].sort((a, b) => (desc ? -1 : 1) * cmpLabels(a.metric, b.metric));
  };
}

/** Functions evaluated on instant vectors/scalars, keyed by name. */
export const INSTANT_FUNCTIONS: Record<string, InstantFn> = {
  abs: simple(Math.abs),
  ceil: simple(Math.ceil),
  floor: simple(Math.floor),
  exp: simple(Math.exp),
  sqrt: simple(Math.sqrt),
  ln: simple(Math.log),
  log2: simple(Math.log2),
  log10: simple(Math.log10),
  sgn: simple((x) => (x > 0 ? 1 : x < 0 ? -1 : x)),
  sin: simple(Math.sin),
  cos: simple(Math.cos),
  tan: simple(Math.tan),
  asin: simple(Math.asin),
  acos: simple(Math.acos),
  atan: simple(Math.atan),
  sinh: simple(Math.sinh),
  cosh: simple(Math.cosh),
  tanh: simple(Math.tanh),
  asinh: simple(Math.asinh),
  acosh: simple(Math.acosh),
  atanh: simple(Math.atanh),
  deg: simple((x) => (x * 180) / Math.PI),
  rad: simple((x) => (x * Math.PI) / 180),
  round: (args) => {
    const to = args.length > 1 ? num(args[1]) : 1;
    const inv = 1 / to;
    return vec(args[0]).map((s) => ({ metric: dropName(s.metric), v: Math.floor(s.v * inv + 0.5) / inv }));
  },
  clamp: (args) => {
    const min = num(args[1]);
    const max = num(args[2]);
    if (max < min) return [];
    return vec(args[0]).map((s) => ({ metric: dropName(s.metric), v: goMax(min, goMin(max, s.v)) }));
  },
  clamp_max: (args) => vec(args[0]).map((s) => ({ metric: dropName(s.metric), v: goMin(s.v, num(args[1])) })),
  clamp_min: (args) => vec(args[0]).map((s) => ({ metric: dropName(s.metric), v: goMax(s.v, num(args[1])) })),
  day_of_month: dateFn((c) => c.day),
  day_of_week: dateFn((c) => c.dayOfWeek),
  day_of_year: dateFn((c) => c.dayOfYear),
  days_in_month: dateFn(daysInMonth),
  hour: dateFn((c) => c.hour),
  minute: dateFn((c) => c.minute),
  month: dateFn((c) => c.month),
  year: dateFn((c) => c.year),
  vector: (args) => [{ metric: [], v: num(args[0]) }],
  label_replace: labelReplace,
  label_join: labelJoin,
  sort: sortByValue(false),
  sort_desc: sortByValue(true),
  sort_by_label: sortByLabel(false),
  sort_by_label_desc: sortByLabel(true),
  histogram_quantile: histogramQuantile,
  // Native-histogram functions: classic float samples carry no histogram, so nothing is returned.
  histogram_avg: () => [],
  histogram_count: () => [],
  histogram_sum: () => [],
  histogram_stddev: () => [],
  histogram_stdvar: () => [],
  histogram_fraction: histogramFraction,
};

/** Go's math.Max/Min: NaN wins, and +0 beats -0 for max. */
function goMax(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  return Math.max(a, b);
}
function goMin(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  return Math.min(a, b);
}
