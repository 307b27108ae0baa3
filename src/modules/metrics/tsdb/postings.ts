/**
 * Postings (sorted series-id lists) and matcher evaluation shared by the head and blocks.
 * Semantics follow Prometheus' PostingsForMatchers: a matcher that matches the empty string
 * (`foo=""`, `foo!="x"`, `foo=~"x|"`, `foo!~".+"`) also matches series without the label, so it
 * is evaluated by subtracting the series whose value does NOT match.
 */
import { compileRegex } from '../promql/index.ts';
import type { Matcher } from '../storage.ts';

/** Sorted, duplicate-free series ids. */
export type Postings = ArrayLike<number>;

/** What matcher evaluation needs from an index (head or block). */
export interface IndexReader {
  /** Series ids having label name=value (sorted; empty when none). */
  postings(name: string, value: string): Postings;
  /** All values present for a label name (any order). */
  labelValues(name: string): Iterable<string>;
  /** All series ids (sorted). */
  allPostings(): Postings;
}

const EMPTY = new Int32Array(0);

/** Intersection of sorted lists. */
export function intersect(lists: Postings[]): Postings {
  if (lists.length === 0) return EMPTY;
  const sorted = [...lists].sort((a, b) => a.length - b.length);
  let acc: Postings = sorted[0];
  for (let k = 1; k < sorted.length && acc.length > 0; k++) {
    const b = sorted[k];
    const out = new Int32Array(acc.length);
    let n = 0;
    let j = 0;
    for (let i = 0; i < acc.length; i++) {
      const x = acc[i];
      // Gallop-free merge; b is at least as long as acc.
      while (j < b.length && b[j] < x) j++;
      if (j === b.length) break;
      if (b[j] === x) out[n++] = x;
    }
    acc = out.subarray(0, n);
  }
  return acc;
}

/** Union of sorted lists. */
export function union(lists: Postings[]): Postings {
  if (lists.length === 0) return EMPTY;
  if (lists.length === 1) return lists[0];
  let total = 0;
  for (const l of lists) total += l.length;
  const all = new Int32Array(total);
  let at = 0;
  for (const l of lists) {
    all.set(l as ArrayLike<number>, at);
    at += l.length;
  }
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[n++] = all[i];
  return all.subarray(0, n);
}

/** Elements of `a` not in `b` (both sorted). */
export function subtract(a: Postings, b: Postings): Postings {
  if (b.length === 0) return a;
  const out = new Int32Array(a.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    while (j < b.length && b[j] < x) j++;
    if (j < b.length && b[j] === x) continue;
    out[n++] = x;
  }
  return out.subarray(0, n);
}

/**
 * A predicate on label values for one matcher. Regexes go through the PromQL engine's RE2
 * translation (anchored, `.` matches newline, `(?i)` and `(?P<name>` supported), so the store
 * and the in-memory querier agree on every pattern.
 */
export function matcherFn(m: Matcher): (v: string) => boolean {
  switch (m.type) {
    case '=':
      return (v) => v === m.value;
    case '!=':
      return (v) => v !== m.value;
    case '=~': {
      const re = compileRegex(m.value);
      return (v) => re.test(v);
    }
    case '!~': {
      const re = compileRegex(m.value);
      return (v) => !re.test(v);
    }
    default:
      throw new Error(`unknown matcher type ${(m as Matcher).type}`);
  }
}

/** For a regex that is a plain alternation of literals (`a|b|c`), the literals; else null. */
export function literalAlternatives(src: string): string[] | null {
  return /^[A-Za-z0-9_\-:/ ,@]+(\|[A-Za-z0-9_\-:/ ,@]+)*$/.test(src) ? src.split('|') : null;
}

/** Postings of series whose value for `m.name` satisfies the matcher (series lacking it excluded). */
function postingsWithMatchingValue(ix: IndexReader, name: string, fn: (v: string) => boolean): Postings {
  const lists: Postings[] = [];
  for (const v of ix.labelValues(name)) if (v !== '' && fn(v)) lists.push(ix.postings(name, v));
  return union(lists);
}

/** Series ids matching all matchers (all series when there are none). */
export function selectPostings(ix: IndexReader, matchers: Matcher[]): Postings {
  const its: Postings[] = [];
  const notIts: Postings[] = [];
  for (const m of matchers) {
    const fn = matcherFn(m);
    if (fn('')) {
      // Matches absent labels too: remove the series whose value fails the matcher.
      const inverse = (v: string) => !fn(v);
      if (m.type === '!=' && m.value !== '') notIts.push(ix.postings(m.name, m.value));
      else notIts.push(postingsWithMatchingValue(ix, m.name, inverse));
    } else if (m.type === '=') {
      its.push(ix.postings(m.name, m.value));
    } else if (m.type === '=~' && literalAlternatives(m.value)) {
      its.push(union(literalAlternatives(m.value)!.map((v) => ix.postings(m.name, v))));
    } else {
      its.push(postingsWithMatchingValue(ix, m.name, fn));
    }
    if (its.length > 0 && its[its.length - 1].length === 0) return EMPTY;
  }
  if (its.length === 0) its.push(ix.allPostings());
  return subtract(intersect(its), union(notIts));
}
