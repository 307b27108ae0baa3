/** Query result shapes (Prometheus HTTP API style) and Prometheus-compatible number formatting. */
import type { Labels } from '../storage.ts';

/** `[timestamp in seconds, value]`, as in Prometheus' JSON API (value not yet stringified). */
export type Point = [number, number];

/** One sample of an instant-vector result. */
export interface VectorSample {
  metric: Labels;
  value: Point;
}

/** One series of a range-vector result. */
export interface MatrixSeries {
  metric: Labels;
  values: Point[];
}

/** Annotations produced while evaluating (Prometheus' "PromQL warning/info" messages). */
export interface Annotations {
  warnings: string[];
  infos: string[];
}

/** A query result in Prometheus API shape, with annotations. */
export type QueryResult = Annotations &
  (
    | { resultType: 'vector'; result: VectorSample[] }
    | { resultType: 'matrix'; result: MatrixSeries[] }
    | { resultType: 'scalar'; result: Point }
    | { resultType: 'string'; result: [number, string] }
  );

/**
 * Formats a float like Prometheus' JSON API: `+Inf`, `-Inf`, `NaN`, otherwise the shortest
 * round-trip decimal without exponent (Go's strconv.FormatFloat(v, 'f', -1, 64)).
 */
export function formatPromValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // Expand exponent notation into plain decimal digits.
  let mant = s.slice(0, e);
  const exp = Number(s.slice(e + 1));
  let sign = '';
  if (mant[0] === '-') {
    sign = '-';
    mant = mant.slice(1);
  }
  const dot = mant.indexOf('.');
  const digits = mant.replace('.', '');
  const intLen = (dot < 0 ? mant.length : dot) + exp;
  if (intLen <= 0) return `${sign}0.${'0'.repeat(-intLen)}${digits}`;
  if (intLen >= digits.length) return sign + digits + '0'.repeat(intLen - digits.length);
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

/** Prometheus' JSON `data` object for /api/v1/query and /api/v1/query_range. */
export interface PromJSONData {
  resultType: QueryResult['resultType'];
  result: unknown;
}

const labelsObject = (labels: Labels): Record<string, string> => {
  const o: Record<string, string> = {};
  for (const l of labels) o[l.name] = l.value;
  return o;
};

/** Converts a query result into Prometheus' API JSON shape (values as strings, labels as objects). */
export function toPromJSON(r: QueryResult): PromJSONData {
  switch (r.resultType) {
    case 'scalar':
      return { resultType: 'scalar', result: [r.result[0], formatPromValue(r.result[1])] };
    case 'string':
      return { resultType: 'string', result: r.result };
    case 'vector':
      return {
        resultType: 'vector',
        result: r.result.map((s) => ({
          metric: labelsObject(s.metric),
          value: [s.value[0], formatPromValue(s.value[1])],
        })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: r.result.map((s) => ({
          metric: labelsObject(s.metric),
          values: s.values.map((p) => [p[0], formatPromValue(p[1])]),
        })),
      };
  }
}
