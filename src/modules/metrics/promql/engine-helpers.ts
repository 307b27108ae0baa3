/** Small evaluator helpers: counter-name info, duplicate checks, absent() labels. */
import type { Labels } from '../storage.ts';
import type { Expr } from './ast.ts';
import { unwrapParens } from './ast.ts';
import { checkDuplicates } from './binary.ts';
import { getLabel, setLabel } from './labels-util.ts';
import type { Sample } from './types.ts';

/** Metric names rate()/increase() accept without a "might not be a counter" info. */
export function isCounterName(name: string): boolean {
  return name === '' || /(_total|_sum|_count|_bucket)$/.test(name);
}

/** The info annotation for rate()/increase() on a metric not named like a counter. */
export function nonCounterInfo(labels: Labels): string {
  const name = getLabel(labels, '__name__');
  return `PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "${name}"`;
}

/** Duplicate check after a name-dropping operation, skipped when all inputs share one name. */
export function checkNames(input: Sample[], out: Sample[]): void {
  if (out.length < 2) return;
  const first = getLabel(input[0].metric, '__name__');
  for (let i = 1; i < input.length; i++) {
    if (getLabel(input[i].metric, '__name__') !== first) {
      checkDuplicates(out);
      return;
    }
  }
}

/** Labels absent()/absent_over_time() report: the equality matchers of a plain selector. */
export function absentLabels(e: Expr): Labels {
  const u = unwrapParens(e);
  const sel = u.type === 'VectorSelector' ? u : u.type === 'MatrixSelector' ? u.selector : undefined;
  if (!sel) return [];
  let labels: Labels = [];
  const has = new Set<string>();
  for (const m of sel.matchers) {
    if (m.name === '__name__') continue;
    if (m.type === '=' && !has.has(m.name)) {
      labels = setLabel(labels, m.name, m.value);
      has.add(m.name);
    } else labels = setLabel(labels, m.name, '');
  }
  return labels;
}
