/** Binary operators: scalar/vector arithmetic and comparisons, vector matching, set operators. */
import type { Labels } from '../storage.ts';
import type { BinaryExpr, BinaryOp, VectorMatching } from './ast.ts';
import { isComparisonOp } from './ast.ts';
import { PromQLEvalError } from './errors.ts';
import { goPow } from './functions.ts';
import {
  dropName,
  formatLabels,
  getLabel,
  keepLabels,
  keyOf,
  removeLabels,
  setLabel,
  signatureFn,
} from './labels-util.ts';
import type { Sample } from './types.ts';

let kept = true;

/** Applies op to two floats; for comparisons sets `kept` and returns the left value. */
function elem(op: BinaryOp, l: number, r: number): number {
  kept = true;
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return l / r;
    case '%':
      return l % r;
    case '^':
      return goPow(l, r);
    case 'atan2':
      return Math.atan2(l, r);
    case '==':
      kept = l === r;
      return l;
    case '!=':
      kept = l !== r;
      return l;
    case '>':
      kept = l > r;
      return l;
    case '<':
      kept = l < r;
      return l;
    case '>=':
      kept = l >= r;
      return l;
    case '<=':
      kept = l <= r;
      return l;
    default:
      throw new PromQLEvalError(`operator "${op}" not allowed for scalar operations`);
  }
}

const dropsName = (op: BinaryOp) => !isComparisonOp(op);

/** scalar op scalar. */
export function scalarBinop(op: BinaryOp, l: number, r: number): number {
  const v = elem(op, l, r);
  return isComparisonOp(op) ? (kept ? 1 : 0) : v;
}

/** vector op scalar (swap: scalar op vector). */
export function vectorScalarBinop(
  node: BinaryExpr,
  samples: Sample[],
  scalar: number,
  swap: boolean,
): Sample[] {
  const op = node.op;
  const out: Sample[] = [];
  const cmp = isComparisonOp(op);
  const drop = dropsName(op) || node.returnBool;
  for (const s of samples) {
    const lv = swap ? scalar : s.v;
    const rv = swap ? s.v : scalar;
    let v = elem(op, lv, rv);
    if (cmp && swap) v = rv;
    if (node.returnBool) {
      v = kept ? 1 : 0;
      kept = true;
    }
    if (kept) out.push({ metric: drop ? dropName(s.metric) : s.metric, v });
  }
  return out;
}

/** and / or / unless. */
export function setBinop(node: BinaryExpr, lhs: Sample[], rhs: Sample[]): Sample[] {
  const m = node.matching!;
  const sig = signatureFn(m.on, m.labels);
  switch (node.op) {
    case 'and': {
      if (lhs.length === 0 || rhs.length === 0) return [];
      const rs = new Set(rhs.map((s) => sig(s.metric)));
      return lhs.filter((s) => rs.has(sig(s.metric)));
    }
    case 'or': {
      const ls = new Set(lhs.map((s) => sig(s.metric)));
      return [...lhs, ...rhs.filter((s) => !ls.has(sig(s.metric)))];
    }
    default: {
      const rs = new Set(rhs.map((s) => sig(s.metric)));
      return lhs.filter((s) => !rs.has(sig(s.metric)));
    }
  }
}

function resultMetric(
  many: Labels,
  one: Labels,
  op: BinaryOp,
  m: VectorMatching,
  returnBool: boolean,
): Labels {
  let l = dropsName(op) || returnBool ? dropName(many) : many;
  if (m.card === 'one-to-one') l = m.on ? keepLabels(l, m.labels) : removeLabels(l, m.labels);
  for (const name of m.include) l = setLabel(l, name, getLabel(one, name));
  return l;
}

/** Vector-vector arithmetic/comparison with one-to-one or many-to-one/one-to-many matching. */
export function vectorBinop(node: BinaryExpr, lhs: Sample[], rhs: Sample[]): Sample[] {
  const m = node.matching!;
  if (lhs.length === 0 || rhs.length === 0) return [];
  const swapped = m.card === 'one-to-many';
  if (swapped) [lhs, rhs] = [rhs, lhs];
  const sig = signatureFn(m.on, m.labels);
  const right = new Map<string, Sample>();
  for (const rs of rhs) {
    const k = sig(rs.metric);
    const dup = right.get(k);
    if (dup) {
      const group = m.on
        ? keepLabels(rs.metric, m.labels)
        : removeLabels(rs.metric, [...m.labels, '__name__']);
      throw new PromQLEvalError(
        `found duplicate series for the match group ${formatLabels(group)} on the ${swapped ? 'left' : 'right'} hand-side of the operation: [${formatLabels(rs.metric)}, ${formatLabels(dup.metric)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    right.set(k, rs);
  }
  const matched = new Map<string, Set<string> | null>();
  const out: Sample[] = [];
  const op = node.op;
  for (const ls of lhs) {
    const k = sig(ls.metric);
    const rs = right.get(k);
    if (!rs) continue;
    const [fl, fr] = swapped ? [rs.v, ls.v] : [ls.v, rs.v];
    let v = elem(op, fl, fr);
    if (node.returnBool) {
      v = kept ? 1 : 0;
    } else if (!kept) continue;
    const metric = resultMetric(ls.metric, rs.metric, op, m, node.returnBool);
    const seen = matched.get(k);
    if (m.card === 'one-to-one') {
      if (seen !== undefined)
        throw new PromQLEvalError(
          'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
        );
      matched.set(k, null);
    } else {
      const mk = keyOf(metric);
      if (seen) {
        if (seen.has(mk))
          throw new PromQLEvalError(
            'multiple matches for labels: grouping labels must ensure unique matches',
          );
        seen.add(mk);
      } else matched.set(k, new Set([mk]));
    }
    out.push({ metric, v });
  }
  return out;
}

/** Throws Prometheus' error when a computed vector holds two samples with the same labels. */
export function checkDuplicates(samples: Sample[]): void {
  if (samples.length < 2) return;
  const seen = new Set<string>();
  for (const s of samples) {
    const k = keyOf(s.metric);
    if (seen.has(k)) throw new PromQLEvalError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
}
