/** Vigil's PromQL engine: parser, evaluator, in-memory querier and result formatting. */
export type * from './ast.ts';
export type { QueryOptions } from './engine.ts';
export { type ParsePosition, type PromQLErrorKind, PromQLEvalError, PromQLParseError } from './errors.ts';
export { MemoryQuerier } from './memory-querier.ts';
export { parseExpr, typeOf } from './parser.ts';
export { formatDuration, formatExpr } from './printer.ts';
export { instantQuery, type RangeQueryOptions, rangeQuery } from './query.ts';
export { compileRegex } from './regex.ts';
export {
  formatPromValue,
  type MatrixSeries,
  type Point,
  type PromJSONData,
  type QueryResult,
  toPromJSON,
  type VectorSample,
} from './values.ts';
