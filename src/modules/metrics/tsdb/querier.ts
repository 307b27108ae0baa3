/**
 * Answers Querier calls over several sources (persisted blocks, oldest first, then the head),
 * merging each series' samples across them by label set.
 */
import type { Labels, Matcher, SeriesSamples } from '../storage.ts';
import { labelsKey } from '../storage.ts';
import { compareLabels } from './labels.ts';
import { type IndexReader, selectPostings } from './postings.ts';
import { releaseScratch, type SampleBuf, takeScratch } from './samplebuf.ts';

/** A time-partitioned piece of the store (a block or the head). */
export interface SeriesSource extends IndexReader {
  /** Inclusive time range of the data (min > max when empty). */
  readonly minTime: number;
  readonly maxTime: number;
  labelNames(): string[];
  labelsById(id: number): Labels;
  /** Appends the series' samples within [mint, maxt] to `out` (reserving room first). */
  decodeInto(id: number, mint: number, maxt: number, out: SampleBuf): void;
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
  // Each series: its labels and the (source, id) parts holding its data, oldest source first.
  const series: { labels: Labels; src: SeriesSource; id: number; more: [SeriesSource, number][] | null }[] =
    [];
  if (hit.length === 1) {
    const src = hit[0];
    const ids = selectPostings(src, matchers);
    for (let i = 0; i < ids.length; i++)
      series.push({ labels: src.labelsById(ids[i]), src, id: ids[i], more: null });
  } else {
    const byKey = new Map<string, (typeof series)[number]>();
    for (const src of hit) {
      const ids = selectPostings(src, matchers);
      for (let i = 0; i < ids.length; i++) {
        const labels = src.labelsById(ids[i]);
        const key = labelsKey(labels);
        const e = byKey.get(key);
        if (!e) byKey.set(key, { labels, src, id: ids[i], more: null });
        else (e.more ??= []).push([src, ids[i]]);
      }
    }
    series.push(...byKey.values());
  }
  series.sort((a, b) => compareLabels(a.labels, b.labels));
  // Decode everything into the scratch buffer, then copy once into an exact-size result.
  const buf = takeScratch();
  const bounds = new Int32Array(series.length + 1);
  for (let i = 0; i < series.length; i++) {
    const e = series[i];
    const start = buf.n;
    e.src.decodeInto(e.id, mint, maxt, buf);
    if (e.more !== null) {
      for (const [src, id] of e.more) src.decodeInto(id, mint, maxt, buf);
      buf.dedupe(start);
    }
    bounds[i + 1] = buf.n;
  }
  const ts = buf.ts.slice(0, buf.n);
  const vs = buf.vs.slice(0, buf.n);
  releaseScratch();
  const out: SeriesSamples[] = [];
  for (let i = 0; i < series.length; i++) {
    const a = bounds[i];
    const b = bounds[i + 1];
    if (b > a)
      out.push({ labels: series[i].labels, timestamps: ts.subarray(a, b), values: vs.subarray(a, b) });
  }
  return out;
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
