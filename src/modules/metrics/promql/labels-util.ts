/** Label-set helpers for the evaluator; results are cached per label-set object where hot. */
import type { Label, Labels } from '../storage.ts';
import { labelsKey } from '../storage.ts';

const keyCache = new WeakMap<Labels, string>();
const dropCache = new WeakMap<Labels, Labels>();

/** Cached labelsKey(). */
export function keyOf(labels: Labels): string {
  let k = keyCache.get(labels);
  if (k === undefined) {
    k = labelsKey(labels);
    keyCache.set(labels, k);
  }
  return k;
}

/** The label set without `__name__` (same object when there is none). */
export function dropName(labels: Labels): Labels {
  if (labels.length === 0 || labels[0].name !== '__name__') {
    // Sorted: `__name__` sorts before lowercase names but after uppercase ones, so scan.
    let has = false;
    for (const l of labels) if (l.name === '__name__') has = true;
    if (!has) return labels;
  }
  let d = dropCache.get(labels);
  if (!d) {
    d = labels.filter((l) => l.name !== '__name__');
    dropCache.set(labels, d);
  }
  return d;
}

/** Value of a label ('' when absent). */
export function getLabel(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return '';
}

/** Returns a copy with `name` set (or removed when value is empty), keeping sort order. */
export function setLabel(labels: Labels, name: string, value: string): Labels {
  const out: Label[] = [];
  let done = false;
  for (const l of labels) {
    if (!done && l.name >= name) {
      if (value !== '') out.push({ name, value });
      done = true;
      if (l.name === name) continue;
    }
    out.push(l);
  }
  if (!done && value !== '') out.push({ name, value });
  return out;
}

/** Keeps only the named labels. */
export function keepLabels(labels: Labels, names: string[]): Labels {
  return labels.filter((l) => names.includes(l.name));
}

/** Removes the named labels. */
export function removeLabels(labels: Labels, names: string[]): Labels {
  return labels.filter((l) => !names.includes(l.name));
}

/** Prometheus' labels.String(): `{a="b", c="d"}`. */
export function formatLabels(labels: Labels): string {
  return `{${labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ')}}`;
}

/** Builds a grouping key function for `by`/`without`/`on`/`ignoring` label lists. */
export function signatureFn(on: boolean, names: string[]): (labels: Labels) => string {
  if (on) {
    return (labels) => {
      let s = '';
      for (const n of names) s += `${n}\xff${getLabel(labels, n)}\xfe`;
      return s;
    };
  }
  const skip = new Set([...names, '__name__']);
  return (labels) => {
    let s = '';
    for (const l of labels) if (!skip.has(l.name)) s += `${l.name}\xff${l.value}\xfe`;
    return s;
  };
}

/** True when a string is valid UTF-16 without lone surrogates (i.e. encodes to valid UTF-8). */
export function isWellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}
