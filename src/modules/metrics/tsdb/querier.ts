/**
 * Answers Querier calls over several sources (persisted blocks, oldest first, then the head),
 * merging each series' samples across them by label set.
 */
import type { Labels, Matcher, SeriesSamples } from '../storage.ts';
import { labelsKey } from '../storage.ts';
import { compareLabels } from './labels.ts';
import { type IndexReader, selectPostings } from './postings.ts';

/** A time-partitioned piece of the store (a block or the head). */
export interface SeriesSource extends IndexReader {
  /** Inclusive time range of the data (min > max when empty). */
  readonly minTime: number;
  readonly maxTime: number;
  labelNames(): string[];
  labelsById(id: number): Labels;
  samplesById(id: number, mint: number, maxt: number): { ts: Float64Array; vs: Float64Array };
}

const overlaps = (s: SeriesSource, mint: number, maxt: number) => s.minTime <= maxt && s.maxTime >= mint;

/** Series matching all matchers with their samples in [mint, maxt], sorted by labels. */
export function selectSeries(
  sources: SeriesSource[],
  matchers: Matcher[],
  mint: number,
  maxt: number,
): SeriesSamples[] {
  const hit = sources.filter((s) => overlaps(s, mint, maxt));
  const out: SeriesSamples[] = [];
  if (hit.length === 1) {
    const src = hit[0];
    const ids = selectPostings(src, matchers);
    for (let i = 0; i < ids.length; i++) {
      const { ts, vs } = src.samplesById(ids[i], mint, maxt);
      if (ts.length) out.push({ labels: src.labelsById(ids[i]), timestamps: ts, values: vs });
    }
  } else {
    const byKey = new Map<string, { labels: Labels; parts: { ts: Float64Array; vs: Float64Array }[] }>();
    for (const src of hit) {
      const ids = selectPostings(src, matchers);
      for (let i = 0; i < ids.length; i++) {
        const part = src.samplesById(ids[i], mint, maxt);
        if (part.ts.length === 0) continue;
        const labels = src.labelsById(ids[i]);
        const key = labelsKey(labels);
        const e = byKey.get(key);
        if (e) e.parts.push(part);
        else byKey.set(key, { labels, parts: [part] });
      }
    }
    for (const { labels, parts } of byKey.values()) out.push({ labels, ...concatParts(parts) });
  }
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

/** Concatenates time-ordered parts, dropping any timestamp not after the previous one. */
function concatParts(parts: { ts: Float64Array; vs: Float64Array }[]): {
  timestamps: Float64Array;
  values: Float64Array;
} {
  if (parts.length === 1) return { timestamps: parts[0].ts, values: parts[0].vs };
  let n = 0;
  for (const p of parts) n += p.ts.length;
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  let at = 0;
  for (const p of parts) {
    for (let i = 0; i < p.ts.length; i++) {
      if (at > 0 && p.ts[i] <= ts[at - 1]) continue;
      ts[at] = p.ts[i];
      vs[at] = p.vs[i];
      at++;
    }
  }
  return { timestamps: ts.subarray(0, at), values: vs.subarray(0, at) };
}

/** Sorted label names on matching series (all series when there are no matchers). */
export function selectLabelNames(
  sources: SeriesSource[],
  matchers: Matcher[],
  mint: number,
  maxt: number,
): string[] {
  const names = new Set<string>();
  for (const src of sources) {
    if (!overlaps(src, mint, maxt)) continue;
    if (matchers.length === 0) {
      for (const n of src.labelNames()) names.add(n);
      continue;
    }
    const ids = selectPostings(src, matchers);
    for (let i = 0; i < ids.length; i++) for (const l of src.labelsById(ids[i])) names.add(l.name);
  }
  return [...names].sort();
}

/** Sorted values of one label on matching series. */
export function selectLabelValues(
  sources: SeriesSource[],
  name: string,
  matchers: Matcher[],
  mint: number,
  maxt: number,
): string[] {
  const values = new Set<string>();
  for (const src of sources) {
    if (!overlaps(src, mint, maxt)) continue;
    if (matchers.length === 0) {
      for (const v of src.labelValues(name)) values.add(v);
      continue;
    }
    const ids = selectPostings(src, matchers);
    for (let i = 0; i < ids.length; i++) {
      for (const l of src.labelsById(ids[i])) if (l.name === name) values.add(l.value);
    }
  }
  return [...values].sort();
}
