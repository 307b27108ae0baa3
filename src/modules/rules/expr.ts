/**
 * PromQL helpers for rules: the "data" part of a threshold expression (to tell missing data from
 * a condition that is simply false), the labels a missing series would carry (as absent()
 * derives them), and shifting every selector by an offset (day-over-day helper).
 */
import type { Expr, VectorSelector } from '../metrics/promql/index.ts';
import { formatExpr, parseExpr } from '../metrics/promql/index.ts';

const COMPARISONS = new Set(['==', '!=', '>', '<', '>=', '<=']);

function unwrap(e: Expr): Expr {
  return e.type === 'ParenExpr' ? unwrap(e.expr) : e;
}

/**
 * The expression whose emptiness means "no data": the vector side of a top-level filtering
 * comparison (`sum_over_time(x[8h]) < 1` → `sum_over_time(x[8h])`), else the whole expression.
 */
export function dataExprOf(expr: string): string {
  const e = unwrap(parseExpr(expr));
  if (e.type === 'BinaryExpr' && COMPARISONS.has(e.op) && !e.returnBool) {
    const l = unwrap(e.lhs);
    const r = unwrap(e.rhs);
    if (l.type !== 'NumberLiteral') return formatExpr(e.lhs);
    if (r.type !== 'NumberLiteral') return formatExpr(e.rhs);
  }
  return expr;
}

function selectors(e: Expr, out: VectorSelector[] = []): VectorSelector[] {
  switch (e.type) {
    case 'VectorSelector':
      out.push(e);
      break;
    case 'MatrixSelector':
      out.push(e.selector);
      break;
    case 'SubqueryExpr':
    case 'UnaryExpr':
    case 'ParenExpr':
      selectors(e.expr, out);
      break;
    case 'AggregateExpr':
      selectors(e.expr, out);
      break;
    case 'Call':
      for (const a of e.args) selectors(a, out);
      break;
    case 'BinaryExpr':
      selectors(e.lhs, out);
      selectors(e.rhs, out);
      break;
    default:
      break;
  }
  return out;
}

/** Labels of the synthetic "missing" series: equality matchers shared by the selectors (as absent()). */
export function missingLabels(expr: string): Record<string, string> {
  const sels = selectors(parseExpr(expr));
  const out: Record<string, string> = {};
  const conflict = new Set<string>();
  for (const s of sels) {
    for (const m of s.matchers) {
      if (m.type !== '=' || m.name === '__name__') continue;
      if (out[m.name] !== undefined && out[m.name] !== m.value) conflict.add(m.name);
      out[m.name] = m.value;
    }
  }
  for (const k of conflict) delete out[k];
  return out;
}

/** `expr` with every selector and subquery moved back by `offsetMs` (added to any offset). */
export function withOffset(expr: string, offsetMs: number): string {
  const e = parseExpr(expr);
  const walk = (n: Expr): void => {
    if (n.type === 'VectorSelector') n.offsetMs += offsetMs;
    else if (n.type === 'MatrixSelector') n.selector.offsetMs += offsetMs;
    else if (n.type === 'SubqueryExpr') n.offsetMs += offsetMs;
    else if (n.type === 'UnaryExpr' || n.type === 'ParenExpr' || n.type === 'AggregateExpr') walk(n.expr);
    else if (n.type === 'Call') n.args.forEach(walk);
    else if (n.type === 'BinaryExpr') {
      walk(n.lhs);
      walk(n.rhs);
    }
  };
  walk(e);
  return formatExpr(e);
}
