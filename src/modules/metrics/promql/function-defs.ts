/** Signatures of PromQL functions, used by the parser's type checks. */
import type { ValueType } from './ast.ts';

/** Argument types and return type of a function. */
export interface FunctionDef {
  args: ValueType[];
  /** Number of trailing optional args (-1: the last arg repeats any number of times). */
  variadic: number;
  returns: ValueType;
}

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

const def = (args: ValueType[], returns: ValueType, variadic = 0): FunctionDef => ({
  args,
  variadic,
  returns,
});

const vToV = def([V], V);
const mToV = def([M], V);
const dateFn = def([V], V, 1);

/** Every function the engine knows, keyed by name. */
export const FUNCTIONS: Record<string, FunctionDef> = {
  abs: vToV,
  absent: vToV,
  absent_over_time: mToV,
  acos: vToV,
  acosh: vToV,
  asin: vToV,
  asinh: vToV,
  atan: vToV,
  atanh: vToV,
  avg_over_time: mToV,
  ceil: vToV,
  changes: mToV,
  clamp: def([V, S, S], V),
  clamp_max: def([V, S], V),
  clamp_min: def([V, S], V),
  cos: vToV,
  cosh: vToV,
  count_over_time: mToV,
  day_of_month: dateFn,
  day_of_week: dateFn,
  day_of_year: dateFn,
  days_in_month: dateFn,
  deg: vToV,
  delta: mToV,
  deriv: mToV,
  double_exponential_smoothing: def([M, S, S], V),
  exp: vToV,
  first_over_time: mToV,
  floor: vToV,
  histogram_avg: vToV,
  histogram_count: vToV,
  histogram_fraction: def([S, S, V], V),
  histogram_quantile: def([S, V], V),
  histogram_stddev: vToV,
  histogram_stdvar: vToV,
  histogram_sum: vToV,
  hour: dateFn,
  idelta: mToV,
  increase: mToV,
  irate: mToV,
  label_join: def([V, STR, STR, STR], V, -1),
  label_replace: def([V, STR, STR, STR, STR], V),
  last_over_time: mToV,
  ln: vToV,
  log10: vToV,
  log2: vToV,
  mad_over_time: mToV,
  max_over_time: mToV,
  min_over_time: mToV,
  minute: dateFn,
  month: dateFn,
  pi: def([], S),
  predict_linear: def([M, S], V),
  present_over_time: mToV,
  quantile_over_time: def([S, M], V),
  rad: vToV,
  rate: mToV,
  resets: mToV,
  round: def([V, S], V, 1),
  scalar: def([V], S),
  sgn: vToV,
  sin: vToV,
  sinh: vToV,
  sort: vToV,
  sort_by_label: def([V, STR], V, -1),
  sort_by_label_desc: def([V, STR], V, -1),
  sort_desc: vToV,
  sqrt: vToV,
  stddev_over_time: mToV,
  stdvar_over_time: mToV,
  sum_over_time: mToV,
  tan: vToV,
  tanh: vToV,
  time: def([], S),
  timestamp: vToV,
  ts_of_first_over_time: mToV,
  ts_of_last_over_time: mToV,
  ts_of_max_over_time: mToV,
  ts_of_min_over_time: mToV,
  vector: def([S], V),
  year: dateFn,
};

/** Human name of a value type as Prometheus prints it in errors. */
export function typeName(t: ValueType): string {
  return t === 'vector' ? 'instant vector' : t === 'matrix' ? 'range vector' : t;
}
