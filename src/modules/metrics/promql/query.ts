/** Public query entry points: instant and range queries returning Prometheus-shaped results. */
import type { Labels, Querier } from '../storage.ts';
import type { Expr } from './ast.ts';
import { Evaluator, type QueryOptions } from './engine.ts';
import { PromQLEvalError } from './errors.ts';
import { keyOf } from './labels-util.ts';
import { parseExpr, typeOf } from './parser.ts';
import type { MatrixSeries, Point, QueryResult } from './values.ts';

/** Extra options for range queries. */
export interface RangeQueryOptions extends QueryOptions {
  /** Maximum points per series (Prometheus' API allows 11000). */
  maxPointsPerSeries?: number;
}

function notes(ev: Evaluator) {
  return { warnings: [...ev.warnings], infos: [...ev.infos] };
}

/** Evaluates `expr` at `timeMs`. Throws PromQLParseError or PromQLEvalError. */
export function instantQuery(
  q: Querier,
  expr: string | Expr,
  timeMs: number,
  opts: QueryOptions = {},
): QueryResult {
  const ast = typeof expr === 'string' ? parseExpr(expr) : expr;
  const ev = new Evaluator(q, timeMs, timeMs, opts);
  ev.checkAbort();
  ev.preload(ast);
  const v = ev.eval(ast, timeMs);
  const t = timeMs / 1000;
  switch (v.type) {
    case 'scalar':
      return { resultType: 'scalar', result: [t, v.v], ...notes(ev) };
    case 'string':
      return { resultType: 'string', result: [t, v.s], ...notes(ev) };
    case 'vector':
      return {
        resultType: 'vector',
        result: v.samples.map((s) => ({ metric: s.metric, value: [t, s.v] })),
        ...notes(ev),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: v.series.map((s) => ({
          metric: s.metric,
          values: Array.from({ length: s.ts.length }, (_, i): Point => [s.ts[i] / 1000, s.vs[i]]),
        })),
        ...notes(ev),
      };
  }
}

/** Evaluates `expr` at every step in [startMs, endMs]; the result is always a matrix. */
export function rangeQuery(
  q: Querier,
  expr: string | Expr,
  startMs: number,
  endMs: number,
  stepMs: number,
  opts: RangeQueryOptions = {},
): QueryResult {
  const ast = typeof expr === 'string' ? parseExpr(expr) : expr;
  const type = typeOf(ast);
  if (type !== 'scalar' && type !== 'vector')
    throw new PromQLEvalError(
      `invalid expression type "${type === 'matrix' ? 'range vector' : type}" for range query, must be Scalar or instant Vector`,
      'bad-data',
    );
  if (!(stepMs > 0))
    throw new PromQLEvalError(
      'zero or negative query resolution step widths are not accepted. Try a positive integer',
      'bad-data',
    );
  if (endMs < startMs) throw new PromQLEvalError('end timestamp must not be before start time', 'bad-data');
  if ((endMs - startMs) / stepMs > (opts.maxPointsPerSeries ?? 11000))
    throw new PromQLEvalError(
      'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
      'bad-data',
    );
  const ev = new Evaluator(q, startMs, endMs, opts);
  ev.preload(ast);
  const series = new Map<string, MatrixSeries>();
  for (let t = startMs; t <= endMs; t += stepMs) {
    ev.checkAbort();
    const v = ev.eval(ast, t);
    if (v.type === 'scalar') {
      let s = series.get('');
      if (!s) series.set('', (s = { metric: [], values: [] }));
      s.values.push([t / 1000, v.v]);
      ev.addSamples(1);
      continue;
    }
    if (v.type !== 'vector') continue;
    ev.addSamples(v.samples.length);
    for (const smp of v.samples) {
      const k = keyOf(smp.metric);
      let s = series.get(k);
      if (!s) series.set(k, (s = { metric: smp.metric, values: [] }));
      s.values.push([t / 1000, smp.v]);
    }
  }
  const result = [...series.values()].sort((a, b) => compareLabels(a.metric, b.metric));
  return { resultType: 'matrix', result, ...notes(ev) };
}

/** Orders label sets as Prometheus does (pairwise by name, then value; shorter first). */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i].name !== b[i].name) return a[i].name < b[i].name ? -1 : 1;
    if (a[i].value !== b[i].value) return a[i].value < b[i].value ? -1 : 1;
  }
  return a.length - b.length;
}
