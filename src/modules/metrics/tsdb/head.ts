/**
 * The in-memory head: the most recent samples of every active series, in Gorilla chunks,
 * with an inverted index (postings) over interned label strings.
 *
 * Chunks are cut at SAMPLES_PER_CHUNK samples or when a sample crosses a chunk-range boundary
 * (aligned to the block duration), so a block cut copies whole chunks and never re-encodes.
 * Memory per series is kept low on purpose (goal: ≤ 2 kB): label sets live in one shared
 * Int32Array pool, series are found by a 32-bit hash of their labels (no key strings), and
 * closed chunks are packed into slabs (arena.ts) with their metadata in one flat number array.
 */
import type { Labels } from '../storage.ts';
import { ActiveChunks } from './active.ts';
import { ChunkArena } from './arena.ts';
import { decodeChunkInto, SAMPLES_PER_CHUNK } from './chunk.ts';
import { INGEST_REASONS, IngestError, type IngestReason } from './errors.ts';
import { SymbolTable, type TsdbLimits } from './labels.ts';
import type { IndexReader, Postings } from './postings.ts';
import { SampleBuf } from './samplebuf.ts';

/** A chunk handed to readers and block writers. */
export interface HeadChunk {
  bytes: Uint8Array;
  mint: number;
  maxt: number;
}

/** Fields per closed chunk in MemSeries.closed: [arena ref, byte length, mint, maxt, samples]. */
const CF = 5;

/** One active series. */
export class MemSeries {
  /** Slot of the open chunk in the head's ActiveChunks, or -1. */
  slot = -1;
  /** Closed chunks, CF numbers each (a packed double array: no per-chunk objects). */
  closed: number[] | null = null;
  /** The appender holding uncommitted samples for this series, with its last pending sample. */
  pendApp: object | null = null;
  pendT = 0;
  pendV = 0;
  /** Whether the WAL holds this series' record. */
  logged = false;
  deleted = false;
  /** Collision chain of the hash table. */
  nextInBucket: MemSeries | null = null;

  constructor(
    readonly id: number,
    readonly hash: number,
    /** Offset of [name, value, ...] symbol ids in the head's label pool, and pair count. */
    public lsetOff: number,
    readonly lsetLen: number,
  ) {}
}

const EMPTY = new Int32Array(0);
const cmp = new Float64Array(2);
const cmpBits = new Uint32Array(cmp.buffer);
const one = new Float64Array(1);
const oneBits = new Int32Array(one.buffer);

/** True when two floats have identical bits (distinguishes -0 and NaN payloads). */
export function sameBits(a: number, b: number): boolean {
  cmp[0] = a;
  cmp[1] = b;
  return cmpBits[0] === cmpBits[2] && cmpBits[1] === cmpBits[3];
}

/** FNV-1a over names and values with separators. */
export function hashLabels(labels: Labels): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < labels.length; i++) {
    const { name, value } = labels[i];
    for (let k = 0; k < name.length; k++) h = Math.imul(h ^ name.charCodeAt(k), 16777619);
    h = Math.imul(h ^ 0xff, 16777619);
    for (let k = 0; k < value.length; k++) h = Math.imul(h ^ value.charCodeAt(k), 16777619);
    h = Math.imul(h ^ 0xfe, 16777619);
  }
  return h | 0;
}

/** The head block: series, postings and in-memory chunks. */
export class Head implements IndexReader {
  /** Interned label strings; rebuilt with the label pool so churned values do not pile up. */
  symbols = new SymbolTable();
  readonly series: (MemSeries | undefined)[] = [];
  private readonly byHash = new Map<number, MemSeries>();
  private readonly index = new Map<string, Map<string, number[]>>();
  /** Labels of removed series still referenced by an open appender (their pool slots are gone). */
  private readonly removedLabels = new WeakMap<MemSeries, Labels>();
  private all: number[] = [];
  private pool = new Int32Array(1 << 12);
  private poolEnd = 0;
  private poolDead = 0;
  readonly arena = new ChunkArena();
  readonly active = new ActiveChunks();
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

  /** The series with exactly these (normalized) labels, if any. */
  lookup(labels: Labels, hash = hashLabels(labels)): MemSeries | undefined {
    for (let s = this.byHash.get(hash) ?? null; s !== null; s = s.nextInBucket) {
      if (this.sameLabels(s, labels)) return s;
    }
    return undefined;
  }

  private sameLabels(s: MemSeries, labels: Labels): boolean {
    if (s.lsetLen !== labels.length) return false;
    const strs = this.symbols.strs;
    const pool = this.pool;
    for (let i = 0, p = s.lsetOff; i < labels.length; i++, p += 2) {
      if (strs[pool[p]] !== labels[i].name || strs[pool[p + 1]] !== labels[i].value) return false;
    }
    return true;
  }

  /** Finds or creates the series for a normalized label set. */
  getOrCreate(labels: Labels): MemSeries {
    const hash = hashLabels(labels);
    const s = this.lookup(labels, hash);
    if (s) return s;
    if (this.numSeries >= this.limits.maxSeries)
      this.reject('limit_series', `${this.limits.maxSeries} series`);
    return this.create(this.nextId, labels, hash);
  }

  /** Creates a series with a known id (WAL replay); returns the existing one if present. */
  createWithId(id: number, labels: Labels): MemSeries {
    const hash = hashLabels(labels);
    return this.lookup(labels, hash) ?? this.create(id, labels, hash);
  }

  private create(id: number, labels: Labels, hash: number): MemSeries {
    const need = this.poolEnd + labels.length * 2;
    if (need > this.pool.length) {
      const next = new Int32Array(Math.max(need, this.pool.length * 2));
      next.set(this.pool.subarray(0, this.poolEnd));
      this.pool = next;
    }
    const off = this.poolEnd;
    for (let i = 0; i < labels.length; i++) {
      this.pool[off + 2 * i] = this.symbols.intern(labels[i].name);
      this.pool[off + 2 * i + 1] = this.symbols.intern(labels[i].value);
    }
    this.poolEnd = need;
    const s = new MemSeries(id, hash, off, labels.length);
    s.nextInBucket = this.byHash.get(hash) ?? null;
    this.byHash.set(hash, s);
    this.series[id] = s;
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

  /** Timestamp of the series' newest sample (-Infinity when the head holds none). */
  lastT(s: MemSeries): number {
    return s.slot >= 0 ? this.active.maxt[s.slot] : Number.NEGATIVE_INFINITY;
  }

  /** Whether `v` has the same bits as the series' newest value. */
  sameAsLast(s: MemSeries, v: number): boolean {
    if (s.slot < 0) return false;
    one[0] = v;
    return oneBits[0] === this.active.vLo[s.slot] && oneBits[1] === this.active.vHi[s.slot];
  }

  /**
   * Applies one committed sample, enforcing bounds and order; returns false (and counts) when
   * refused. Same timestamp with identical value bits is accepted silently as a no-op.
   */
  appendCommitted(s: MemSeries, t: number, v: number): boolean {
    const a = this.active;
    let slot = s.slot;
    if (t < this.minValidTime) {
      this.rejected.out_of_bounds++;
      return false;
    }
    if (slot >= 0) {
      const last = a.maxt[slot];
      if (t <= last) {
        if (t < last) this.rejected.out_of_order++;
        else if (!this.sameAsLast(s, v)) this.rejected.duplicate++;
        return false;
      }
    }
    if (slot < 0 || a.count[slot] >= SAMPLES_PER_CHUNK || t >= a.end[slot]) {
      // A full 120-sample chunk of scrape data takes ~180 bytes: size the first one for that
      // instead of growing it through every smaller class; later ones follow their predecessor.
      let hint = 160;
      if (slot >= 0) {
        hint = a.byteLength(slot);
        this.closeChunk(s, slot);
      }
      s.slot = slot = a.open(Math.floor(t / this.chunkRange) * this.chunkRange + this.chunkRange, hint);
    }
    a.append(slot, t, v);
    this.numSamples++;
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
    return true;
  }

  private closeChunk(s: MemSeries, slot: number): void {
    const a = this.active;
    const bytes = a.bytes(slot);
    const ref = this.arena.alloc(bytes);
    (s.closed ??= []).push(ref, bytes.length, a.mint[slot], a.maxt[slot], a.count[slot]);
    a.free(slot);
    s.slot = -1;
  }

  /** Labels of a series. */
  labelsOf(s: MemSeries): Labels {
    if (s.deleted) return this.removedLabels.get(s)!;
    const out: Labels = new Array(s.lsetLen);
    const strs = this.symbols.strs;
    for (let i = 0, p = s.lsetOff; i < s.lsetLen; i++, p += 2) {
      out[i] = { name: strs[this.pool[p]], value: strs[this.pool[p + 1]] };
    }
    return out;
  }

  /** Labels as a flat [name, value, ...] list (WAL records). */
  flatLabels(s: MemSeries): string[] {
    const out: string[] = new Array(s.lsetLen * 2);
    for (let i = 0; i < out.length; i++) out[i] = this.symbols.strs[this.pool[s.lsetOff + i]];
    return out;
  }

  /** Chunks of a series (closed first, then the active one), oldest first. */
  chunksOf(s: MemSeries): HeadChunk[] {
    const out: HeadChunk[] = [];
    const c = s.closed;
    if (c !== null) {
      for (let k = 0; k < c.length; k += CF) {
        out.push({ bytes: this.arena.view(c[k], c[k + 1]), mint: c[k + 2], maxt: c[k + 3] });
      }
    }
    const a = this.active;
    if (s.slot >= 0) out.push({ bytes: a.bytes(s.slot), mint: a.mint[s.slot], maxt: a.maxt[s.slot] });
    return out;
  }

  /** Appends the samples of a series within [mint, maxt] to `out`. */
  decodeInto(id: number, mint: number, maxt: number, out: SampleBuf): void {
    const s = this.series[id]!;
    const c = s.closed;
    if (c !== null) {
      for (let k = 0; k < c.length; k += CF) {
        if (c[k + 3] < mint || c[k + 2] > maxt) continue;
        out.reserve(c[k + 4]);
        out.n = decodeChunkInto(this.arena.view(c[k], c[k + 1]), out.ts, out.vs, out.n, mint, maxt);
      }
    }
    const a = this.active;
    const slot = s.slot;
    if (slot >= 0 && a.maxt[slot] >= mint && a.mint[slot] <= maxt) {
      // A query starting inside the growing chunk keeps a resume point for the next one.
      const resume = a.mint[slot] < mint ? a.resumeFor(slot) : null;
      out.reserve(a.count[slot]);
      out.n = decodeChunkInto(a.slab(slot), out.ts, out.vs, out.n, mint, maxt, resume, a.offset(slot));
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
      const c = s.closed;
      if (c !== null) {
        let keep = 0;
        for (let k = 0; k < c.length; k += CF) {
          if (c[k + 3] < cutT) {
            this.arena.free(c[k], c[k + 1]);
            this.numSamples -= c[k + 4];
          } else {
            for (let f = 0; f < CF; f++) c[keep + f] = c[k + f];
            keep += CF;
          }
        }
        c.length = keep;
        if (keep === 0) s.closed = null;
      }
      if (s.slot >= 0 && this.active.maxt[s.slot] < cutT) {
        this.numSamples -= this.active.count[s.slot];
        this.active.free(s.slot);
        s.slot = -1;
      }
      const first = s.closed ? s.closed[2] : s.slot >= 0 ? this.active.mint[s.slot] : null;
      if (first === null) {
        if (s.pendApp === null) removed.add(id);
      } else if (first < minT) minT = first;
    }
    this.minT = minT;
    if (removed.size) this.removeSeries(removed);
  }

  private removeSeries(removed: Set<number>): void {
    // Collect the touched lists first so each is filtered once, whatever its length.
    const dirty = new Map<string, Set<string>>();
    for (const id of removed) {
      const s = this.series[id]!;
      const labels = this.labelsOf(s);
      this.removedLabels.set(s, labels);
      s.deleted = true;
      this.series[id] = undefined;
      this.unlinkHash(s);
      this.poolDead += s.lsetLen * 2;
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
    if (this.poolDead > this.poolEnd / 2) this.compactPool();
  }

  private unlinkHash(s: MemSeries): void {
    let prev: MemSeries | null = null;
    for (let cur = this.byHash.get(s.hash) ?? null; cur !== null; prev = cur, cur = cur.nextInBucket) {
      if (cur !== s) continue;
      if (prev) prev.nextInBucket = cur.nextInBucket;
      else if (cur.nextInBucket) this.byHash.set(s.hash, cur.nextInBucket);
      else this.byHash.delete(s.hash);
      return;
    }
  }

  /** Rewrites the label pool and the symbol table without removed series' entries. */
  private compactPool(): void {
    const next = new Int32Array(Math.max(1 << 12, (this.poolEnd - this.poolDead) * 2));
    const oldStrs = this.symbols.strs;
    const symbols = new SymbolTable();
    const remap = new Int32Array(oldStrs.length).fill(-1);
    let end = 0;
    for (const id of this.all) {
      const s = this.series[id]!;
      for (let k = 0; k < s.lsetLen * 2; k++) {
        const old = this.pool[s.lsetOff + k];
        if (remap[old] < 0) remap[old] = symbols.intern(oldStrs[old]);
        next[end + k] = remap[old];
      }
      s.lsetOff = end;
      end += s.lsetLen * 2;
    }
    this.pool = next;
    this.poolEnd = end;
    this.poolDead = 0;
    this.symbols = symbols;
  }

  /** Bytes held in chunk payloads, and the number of chunks. */
  chunkBytes(): { bytes: number; chunks: number } {
    let bytes = 0;
    let chunks = 0;
    for (const id of this.all) {
      const s = this.series[id]!;
      const c = s.closed;
      if (c !== null) {
        for (let k = 0; k < c.length; k += CF) bytes += c[k + 1];
        chunks += c.length / CF;
      }
      if (s.slot >= 0) {
        bytes += this.active.byteLength(s.slot);
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
