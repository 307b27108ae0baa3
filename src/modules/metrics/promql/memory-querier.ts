/**
 * A small in-memory Querier for tests, benchmarks and the conformance harness. Samples are kept
 * in growable Float64Arrays (which preserve the stale-marker NaN payload); select returns
 * zero-copy subarray views.
 */
import type { Labels, Matcher, Querier, SeriesSamples } from '../storage.ts';
import { labelsKey } from '../storage.ts';
import { compileRegex } from './regex.ts';

interface StoredSeries {
  labels: Labels;
  ts: Float64Array;
  vs: Float64Array;
  n: number;
}

/** True when a label set satisfies a matcher (a missing label has the empty value). */
export function matchLabel(m: Matcher, labels: Labels): boolean {
  let v = '';
  for (const l of labels) {
    if (l.name === m.name) {
      v = l.value;
      break;
    }
  }
  switch (m.type) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return compileRegex(m.value).test(v);
    case '!~':
      return !compileRegex(m.value).test(v);
  }
}

/** Compiles a matcher into a predicate over label sets (regex compiled once). */
export function compileMatcher(m: Matcher): (labels: Labels) => boolean {
  const get = (labels: Labels): string => {
    for (const l of labels) if (l.name === m.name) return l.value;
    return '';
  };
  switch (m.type) {
    case '=':
      return (labels) => get(labels) === m.value;
    case '!=':
      return (labels) => get(labels) !== m.value;
    case '=~': {
      const re = compileRegex(m.value);
      return (labels) => re.test(get(labels));
    }
    case '!~': {
      const re = compileRegex(m.value);
      return (labels) => !re.test(get(labels));
    }
  }
}

/** First index in ts[0..n) with ts[i] >= t. */
export function lowerBound(ts: ArrayLike<number>, n: number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** An in-memory Querier; add samples with `append` or whole series with `addSeries`. */
export class MemoryQuerier implements Querier {
  private readonly series = new Map<string, StoredSeries>();
  private byName = new Map<string, StoredSeries[]>();

  /** Adds one sample (replacing a sample at the same timestamp). */
  append(labels: Labels, t: number, v: number): void {
    const key = labelsKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, ts: new Float64Array(16), vs: new Float64Array(16), n: 0 };
      this.register(key, s);
    }
    // In-order appends are the fast path; earlier timestamps are inserted (tests load freely).
    let at = s.n;
    if (s.n > 0 && s.ts[s.n - 1] >= t) {
      at = lowerBound(s.ts, s.n, t);
      if (s.ts[at] === t) {
        s.vs[at] = v;
        return;
      }
    }
    if (s.n === s.ts.length) {
      const ts = new Float64Array(Math.max(16, s.n * 2));
      ts.set(s.ts.subarray(0, s.n));
      const vs = new Float64Array(Math.max(16, s.n * 2));
      vs.set(s.vs.subarray(0, s.n));
      s.ts = ts;
      s.vs = vs;
    }
    if (at < s.n) {
      s.ts.copyWithin(at + 1, at, s.n);
      s.vs.copyWithin(at + 1, at, s.n);
    }
    s.ts[at] = t;
    s.vs[at] = v;
    s.n++;
  }

  /** Adds a whole series at once (arrays are used as-is, not copied; timestamps ascending). */
  addSeries(labels: Labels, timestamps: Float64Array, values: Float64Array): void {
    const key = labelsKey(labels);
    if (this.series.has(key)) throw new Error(`series already present: ${key}`);
    this.register(key, { labels, ts: timestamps, vs: values, n: timestamps.length });
  }

  /** Removes all series. */
  clear(): void {
    this.series.clear();
    this.byName = new Map();
  }

  private register(key: string, s: StoredSeries): void {
    this.series.set(key, s);
    const name = s.labels.find((l) => l.name === '__name__')?.value ?? '';
    let list = this.byName.get(name);
    if (!list) this.byName.set(name, (list = []));
    list.push(s);
  }

  private candidates(matchers: Matcher[]): Iterable<StoredSeries> {
    const eqName = matchers.find((m) => m.name === '__name__' && m.type === '=');
    if (eqName) return this.byName.get(eqName.value) ?? [];
    return this.series.values();
  }

  private matching(matchers: Matcher[]): StoredSeries[] {
    const out: StoredSeries[] = [];
    const preds = matchers.map(compileMatcher);
    outer: for (const s of this.candidates(matchers)) {
      for (const p of preds) if (!p(s.labels)) continue outer;
      out.push(s);
    }
    return out;
  }

  select(matchers: Matcher[], mint: number, maxt: number): SeriesSamples[] {
    const out: SeriesSamples[] = [];
    for (const s of this.matching(matchers)) {
      const lo = lowerBound(s.ts, s.n, mint);
      const hi = lowerBound(s.ts, s.n, maxt + 1);
      if (hi <= lo) continue;
      out.push({ labels: s.labels, timestamps: s.ts.subarray(lo, hi), values: s.vs.subarray(lo, hi) });
    }
    return out;
  }

  labelNames(matchers: Matcher[], _mint: number, _maxt: number): string[] {
    const names = new Set<string>();
    const list = matchers.length ? this.matching(matchers) : this.series.values();
    for (const s of list) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  labelValues(name: string, matchers: Matcher[], _mint: number, _maxt: number): string[] {
    const values = new Set<string>();
    const list = matchers.length ? this.matching(matchers) : this.series.values();
    for (const s of list) {
      const v = s.labels.find((l) => l.name === name)?.value;
      if (v !== undefined && v !== '') values.add(v);
    }
    return [...values].sort();
  }
}
