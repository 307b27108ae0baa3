/**
 * The in-memory head: the most recent samples of every active series, in Gorilla chunks,
 * with an inverted index (postings) over interned label strings.
 *
 * Chunks are cut at SAMPLES_PER_CHUNK samples or when a sample crosses a chunk-range boundary
 * (aligned to the block duration), so a block cut copies whole chunks and never re-encodes.
 */
import type { Labels } from '../storage.ts';
import { labelsKey } from '../storage.ts';
import { chunkCount, decodeChunkInto, newResumePoint, SAMPLES_PER_CHUNK, XorEncoder } from './chunk.ts';
import { INGEST_REASONS, IngestError, type IngestReason } from './errors.ts';
import { internLabels, labelsFromSymbols, SymbolTable, type TsdbLimits } from './labels.ts';
import type { IndexReader, Postings } from './postings.ts';
import { SampleBuf } from './samplebuf.ts';

/** A closed, immutable chunk. */
export interface HeadChunk {
  bytes: Uint8Array;
  mint: number;
  maxt: number;
}

/** One active series; per-series state is kept small (see docs/adr/0002-embedded-tsdb.md). */
export class MemSeries {
  /** The chunk being appended to. */
  enc: XorEncoder | null = null;
  /** Exclusive end of the chunk range the active chunk belongs to. */
  encEnd = 0;
  closed: HeadChunk[] | null = null;
  lastT = Number.NEGATIVE_INFINITY;
  lastV = 0;
  /** The appender holding uncommitted samples for this series, with its last pending sample. */
  pendApp: object | null = null;
  pendT = 0;
  pendV = 0;
  /** Whether the WAL holds this series' record. */
  logged = false;
  deleted = false;

  constructor(
    readonly id: number,
    readonly lset: Int32Array,
  ) {}
}

const EMPTY = new Int32Array(0);
const cmp = new Float64Array(2);
const cmpBits = new Uint32Array(cmp.buffer);

/** True when two floats have identical bits (distinguishes -0 and NaN payloads). */
export function sameBits(a: number, b: number): boolean {
  cmp[0] = a;
  cmp[1] = b;
  return cmpBits[0] === cmpBits[2] && cmpBits[1] === cmpBits[3];
}

/** The head block: series, postings and in-memory chunks. */
export class Head implements IndexReader {
  readonly symbols = new SymbolTable();
  readonly series: (MemSeries | undefined)[] = [];
  private readonly byKey = new Map<string, MemSeries>();
  private readonly index = new Map<string, Map<string, number[]>>();
  private all: number[] = [];
  nextId = 1;
  numSeries = 0;
  numSamples = 0;
  minT = Number.POSITIVE_INFINITY;
  maxT = Number.NEGATIVE_INFINITY;
  /** No sample older than this is accepted (the end of the newest persisted block). */
  minValidTime = Number.NEGATIVE_INFINITY;
  readonly rejected: Record<IngestReason, number>;

  constructor(
    readonly chunkRange: number,
    readonly limits: TsdbLimits,
  ) {
    this.rejected = Object.fromEntries(INGEST_REASONS.map((r) => [r, 0])) as Record<IngestReason, number>;
  }

  /** Counts and throws a refusal. */
  reject(reason: IngestReason, detail?: string): never {
    this.rejected[reason]++;
    throw new IngestError(reason, detail);
  }

  /** Oldest timestamp an appender accepts now (Prometheus: max(minValid, maxt - range/2)). */
  appendableMinT(): number {
    return Math.max(this.minValidTime, this.maxT - this.chunkRange / 2);
  }

  /** Finds or creates the series for a normalized label set. */
  getOrCreate(labels: Labels): MemSeries {
    const key = labelsKey(labels);
    const s = this.byKey.get(key);
    if (s) return s;
    if (this.numSeries >= this.limits.maxSeries)
      this.reject('limit_series', `${this.limits.maxSeries} series`);
    return this.create(this.nextId, labels, key);
  }

  /** Creates a series with a known id (WAL replay); returns the existing one if present. */
  createWithId(id: number, labels: Labels): MemSeries {
    const key = labelsKey(labels);
    return this.byKey.get(key) ?? this.create(id, labels, key);
  }

  private create(id: number, labels: Labels, key: string): MemSeries {
    const s = new MemSeries(id, internLabels(labels, this.symbols));
    this.series[id] = s;
    this.byKey.set(key, s);
    if (id >= this.nextId) this.nextId = id + 1;
    this.numSeries++;
    for (const l of labels) {
      let byValue = this.index.get(l.name);
      if (!byValue) this.index.set(l.name, (byValue = new Map()));
      const list = byValue.get(l.value);
      if (list) insertSorted(list, id);
      else byValue.set(l.value, [id]);
    }
    insertSorted(this.all, id);
    return s;
  }

  /**
   * Applies one committed sample, enforcing order; returns false (and counts) when refused.
   * Same timestamp with identical value bits is accepted silently as a no-op.
   */
  appendCommitted(s: MemSeries, t: number, v: number): boolean {
    if (t <= s.lastT) {
      if (t < s.lastT) this.rejected.out_of_order++;
      else if (!sameBits(v, s.lastV)) this.rejected.duplicate++;
      return false;
    }
    let enc = s.enc;
    if (enc === null || enc.count >= SAMPLES_PER_CHUNK || t >= s.encEnd) {
      if (enc !== null) (s.closed ??= []).push({ bytes: enc.finish(), mint: enc.mint, maxt: enc.maxt });
      s.enc = enc = new XorEncoder(64);
      s.encEnd = Math.floor(t / this.chunkRange) * this.chunkRange + this.chunkRange;
    }
    enc.append(t, v);
    s.lastT = t;
    s.lastV = v;
    this.numSamples++;
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
    return true;
  }

  /** Labels of a series. */
  labelsOf(s: MemSeries): Labels {
    return labelsFromSymbols(s.lset, this.symbols.strs);
  }

  /** Chunks of a series (closed first, then the active one), oldest first. */
  *chunksOf(s: MemSeries): Generator<HeadChunk> {
    if (s.closed) yield* s.closed;
    if (s.enc && s.enc.count > 0) yield { bytes: s.enc.bytes(), mint: s.enc.mint, maxt: s.enc.maxt };
  }

  /** Appends the samples of a series within [mint, maxt] to `out`. */
  decodeInto(id: number, mint: number, maxt: number, out: SampleBuf): void {
    const s = this.series[id]!;
    const closed = s.closed;
    if (closed !== null) {
      for (let k = 0; k < closed.length; k++) {
        const c = closed[k];
        if (c.maxt < mint || c.mint > maxt) continue;
        out.reserve(chunkCount(c.bytes));
        out.n = decodeChunkInto(c.bytes, out.ts, out.vs, out.n, mint, maxt);
      }
    }
    const enc = s.enc;
    if (enc !== null && enc.count > 0 && enc.maxt >= mint && enc.mint <= maxt) {
      // A query starting inside the growing chunk keeps a resume point for the next one.
      const resume = enc.mint < mint ? (enc.resume ??= newResumePoint()) : null;
      out.reserve(enc.count);
      // The whole backing buffer: bits past the written end are zero and never read.
      out.n = decodeChunkInto(enc.w.buf, out.ts, out.vs, out.n, mint, maxt, resume);
    }
  }

  /** Samples of one series within [mint, maxt] in fresh arrays (tests, tools). */
  samplesById(id: number, mint: number, maxt: number): { ts: Float64Array; vs: Float64Array } {
    const b = new SampleBuf(16);
    this.decodeInto(id, mint, maxt, b);
    return { ts: b.ts.slice(0, b.n), vs: b.vs.slice(0, b.n) };
  }

  get minTime(): number {
    return this.minT;
  }

  get maxTime(): number {
    return this.maxT;
  }

  labelsById(id: number): Labels {
    return this.labelsOf(this.series[id]!);
  }

  postings(name: string, value: string): Postings {
    return this.index.get(name)?.get(value) ?? EMPTY;
  }

  labelValues(name: string): Iterable<string> {
    return this.index.get(name)?.keys() ?? [];
  }

  labelNames(): string[] {
    return [...this.index.keys()];
  }

  allPostings(): Postings {
    return this.all;
  }

  /**
   * Drops every chunk entirely before `cutT` (already persisted in a block), removes series left
   * without samples, and raises minValidTime to `cutT`.
   */
  truncateBefore(cutT: number): void {
    this.minValidTime = Math.max(this.minValidTime, cutT);
    const removed = new Set<number>();
    let minT = Number.POSITIVE_INFINITY;
    for (const id of this.all) {
      const s = this.series[id]!;
      if (s.closed) {
        const keep = s.closed.filter((c) => c.maxt >= cutT);
        for (const c of s.closed) if (c.maxt < cutT) this.numSamples -= chunkCount(c.bytes);
        s.closed = keep.length ? keep : null;
      }
      if (s.enc && s.enc.maxt < cutT) {
        this.numSamples -= s.enc.count;
        s.enc = null;
      }
      const first = s.closed ? s.closed[0].mint : s.enc ? s.enc.mint : null;
      if (first === null) {
        if (s.pendApp === null) removed.add(id);
      } else if (first < minT) minT = first;
    }
    this.minT = minT;
    if (this.numSamples === 0) this.maxT = Math.max(this.maxT, cutT - 1);
    if (removed.size) this.removeSeries(removed);
  }

  private removeSeries(removed: Set<number>): void {
    // Collect the touched lists first so each is filtered once, whatever its length.
    const dirty = new Map<string, Set<string>>();
    for (const id of removed) {
      const s = this.series[id]!;
      s.deleted = true;
      this.series[id] = undefined;
      const labels = this.labelsOf(s);
      this.byKey.delete(labelsKey(labels));
      for (const l of labels) {
        let values = dirty.get(l.name);
        if (!values) dirty.set(l.name, (values = new Set()));
        values.add(l.value);
      }
    }
    for (const [name, values] of dirty) {
      const byValue = this.index.get(name)!;
      for (const value of values) {
        const list = byValue.get(value)!.filter((x) => !removed.has(x));
        if (list.length) byValue.set(value, list);
        else byValue.delete(value);
      }
      if (byValue.size === 0) this.index.delete(name);
    }
    this.all = this.all.filter((x) => !removed.has(x));
    this.numSeries -= removed.size;
  }

  /** Bytes held in chunk payloads. */
  chunkBytes(): { bytes: number; chunks: number } {
    let bytes = 0;
    let chunks = 0;
    for (const id of this.all) {
      const s = this.series[id]!;
      for (const c of this.chunksOf(s)) {
        bytes += c.bytes.length;
        chunks++;
      }
    }
    return { bytes, chunks };
  }
}

function insertSorted(list: number[], id: number): void {
  if (list.length === 0 || list[list.length - 1] < id) {
    list.push(id);
    return;
  }
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] !== id) list.splice(lo, 0, id);
}
