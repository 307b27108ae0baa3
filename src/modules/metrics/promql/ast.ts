/**
 * Typed PromQL syntax tree, as produced by parseExpr. Durations are in milliseconds, `@`
 * timestamps in milliseconds since the epoch.
 */
import type { Matcher } from '../storage.ts';

/** The four PromQL value types. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** Byte offset of a node's first character in the query text. */
export interface Node {
  pos: number;
}

/** A float literal (hex, Inf and NaN included). */
export interface NumberLiteral extends Node {
  type: 'NumberLiteral';
  value: number;
}

/** A string literal, escapes decoded. */
export interface StringLiteral extends Node {
  type: 'StringLiteral';
  value: string;
}

/** `@` modifier: a fixed timestamp (ms) or the query's start()/end(). */
export type AtModifier = number | 'start' | 'end';

/** An instant vector selector such as `up{job="api"}`. */
export interface VectorSelector extends Node {
  type: 'VectorSelector';
  /** Metric name when given outside braces (or as a quoted name inside them). */
  name?: string;
  /** All matchers, including the `__name__` matcher derived from `name`. */
  matchers: Matcher[];
  offsetMs: number;
  at?: AtModifier;
}

/** A range vector selector such as `x[5m]`. */
export interface MatrixSelector extends Node {
  type: 'MatrixSelector';
  selector: VectorSelector;
  rangeMs: number;
}

/** A subquery `expr[range:step]`. */
export interface SubqueryExpr extends Node {
  type: 'SubqueryExpr';
  expr: Expr;
  rangeMs: number;
  /** 0 means "the engine's default subquery step". */
  stepMs: number;
  offsetMs: number;
  at?: AtModifier;
}

/** A function call; `func` is a key of FUNCTIONS. */
export interface Call extends Node {
  type: 'Call';
  func: string;
  args: Expr[];
}

/** Aggregation operators. */
export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile'
  | 'count_values'
  | 'limitk'
  | 'limit_ratio';

/** An aggregation, with its optional parameter (topk k, quantile phi, ...). */
export interface AggregateExpr extends Node {
  type: 'AggregateExpr';
  op: AggregateOp;
  expr: Expr;
  param?: Expr;
  grouping: string[];
  without: boolean;
}

/** Binary operators (arithmetic, comparison, set). */
export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '^'
  | 'atan2'
  | '=='
  | '!='
  | '>'
  | '<'
  | '>='
  | '<='
  | 'and'
  | 'or'
  | 'unless';

/** Matching cardinality of a vector-vector operation. */
export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

/** Vector matching of a binary operation between two instant vectors. */
export interface VectorMatching {
  card: Cardinality;
  /** True for `on(...)`, false for `ignoring(...)` (or no clause). */
  on: boolean;
  labels: string[];
  /** Extra labels named in group_left/group_right. */
  include: string[];
}

/** A binary operation. */
export interface BinaryExpr extends Node {
  type: 'BinaryExpr';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** Present when both sides are instant vectors. */
  matching?: VectorMatching;
}

/** Unary minus or plus. */
export interface UnaryExpr extends Node {
  type: 'UnaryExpr';
  op: '-' | '+';
  expr: Expr;
}

/** A parenthesized expression (kept for positions and printing). */
export interface ParenExpr extends Node {
  type: 'ParenExpr';
  expr: Expr;
}

/** Any PromQL expression. */
export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | Call
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

/** Comparison operators (filter unless `bool`). */
export function isComparisonOp(op: BinaryOp): boolean {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

/** Set operators (always many-to-many). */
export function isSetOp(op: BinaryOp): boolean {
  return op === 'and' || op === 'or' || op === 'unless';
}

/** Strips any number of parentheses around an expression. */
export function unwrapParens(e: Expr): Expr {
  while (e.type === 'ParenExpr') e = e.expr;
  return e;
}
