/**
 * Immutable block files: the chunks of a time range plus an index (symbols, series with their
 * chunk references, postings). Written to a temp file, fsynced and renamed into place; read
 * lazily: the index is loaded on open, chunk bytes are read with readSync when queried.
 *
 * File: "VIGTSDB1" | chunk bytes ... | index | footer (32 bytes):
 *   [f64 index offset][u32 index length][u32 crc32(index)][u64 0]["VIGTSDB1"]
 * Index: [u32 meta JSON length][meta JSON][u32 nsymbols]([u32 len][utf8])*
 *   [u32 nseries]([u16 nlabels]([u32 name sym][u32 value sym])*[u32 nchunks]
 *     ([f64 mint][f64 maxt][f64 offset][u32 length])*)*
 *   [u32 npostings]([u32 name sym][u32 value sym][u32 count]([u32 series index])*)*
 * Series are sorted by label set; a series index is its position in that order.
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { crc32 } from 'node:zlib';
import type { Labels } from '../storage.ts';
import { chunkCount, decodeChunkInto } from './chunk.ts';
import type { HeadChunk } from './head.ts';
import { labelsFromSymbols } from './labels.ts';
import type { Postings } from './postings.ts';
import type { SeriesSource } from './querier.ts';
import { SampleBuf } from './samplebuf.ts';

const MAGIC = Buffer.from('VIGTSDB1');
const FOOTER = 32;
/** Bytes of one chunk reference in the index: [f64 mint][f64 maxt][f64 offset][u32 length]. */
const CHUNK_REF = 28;

/** What a block file says about itself. */
export interface BlockMeta {
  /** Covered range [mint, maxt) (aligned; maxt exclusive). */
  mint: number;
  maxt: number;
  /** Actual sample time bounds (inclusive). */
  minTime: number;
  maxTime: number;
  numSeries: number;
  numChunks: number;
  numSamples: number;
  /** File size in bytes. */
  bytes: number;
}

/** Growable little-endian byte writer for the index. */
class ByteWriter {
  buf = Buffer.alloc(1 << 16);
  len = 0;
  private need(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u16(v: number): void {
    this.need(2);
    this.len = this.buf.writeUInt16LE(v, this.len);
  }
  u32(v: number): void {
    this.need(4);
    this.len = this.buf.writeUInt32LE(v, this.len);
  }
  f64(v: number): void {
    this.need(8);
    this.len = this.buf.writeDoubleLE(v, this.len);
  }
  bytes(b: Uint8Array): void {
    this.need(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
}

/** Streams series (in label order) into a new block file. */
export class BlockWriter {
  private readonly fd: number;
  private offset = MAGIC.length;
  private readonly symbols = new Map<string, number>();
  private readonly symList: string[] = [];
  private readonly series = new ByteWriter();
  private readonly postings = new Map<number, Map<number, number[]>>();
  private numSeries = 0;
  private numChunks = 0;
  private numSamples = 0;
  private minTime = Number.POSITIVE_INFINITY;
  private maxTime = Number.NEGATIVE_INFINITY;

  constructor(private readonly path: string) {
    this.fd = openSync(`${path}.tmp`, 'w');
    writeSync(this.fd, MAGIC);
  }

  private sym(s: string): number {
    let id = this.symbols.get(s);
    if (id === undefined) {
      id = this.symList.length;
      this.symList.push(s);
      this.symbols.set(s, id);
    }
    return id;
  }

  /** Adds one series; calls must come in ascending label order, chunks oldest first. */
  add(labels: Labels, chunks: HeadChunk[]): void {
    if (chunks.length === 0) return;
    const idx = this.numSeries++;
    const w = this.series;
    w.u16(labels.length);
    for (const l of labels) {
      const n = this.sym(l.name);
      const v = this.sym(l.value);
      w.u32(n);
      w.u32(v);
      let byValue = this.postings.get(n);
      if (!byValue) this.postings.set(n, (byValue = new Map()));
      const list = byValue.get(v);
      if (list) list.push(idx);
      else byValue.set(v, [idx]);
    }
    w.u32(chunks.length);
    for (const c of chunks) {
      w.f64(c.mint);
      w.f64(c.maxt);
      w.f64(this.offset);
      w.u32(c.bytes.length);
      writeSync(this.fd, c.bytes);
      this.offset += c.bytes.length;
      this.numChunks++;
      this.numSamples += chunkCount(c.bytes);
      if (c.mint < this.minTime) this.minTime = c.mint;
      if (c.maxt > this.maxTime) this.maxTime = c.maxt;
    }
  }

  /** Writes index and footer, fsyncs and renames into place; returns the reader. */
  finish(mint: number, maxt: number): BlockReader {
    const meta: Omit<BlockMeta, 'bytes'> = {
      mint,
      maxt,
      minTime: this.minTime,
      maxTime: this.maxTime,
      numSeries: this.numSeries,
      numChunks: this.numChunks,
      numSamples: this.numSamples,
    };
    const ix = new ByteWriter();
    const metaBuf = Buffer.from(JSON.stringify(meta));
    ix.u32(metaBuf.length);
    ix.bytes(metaBuf);
    ix.u32(this.symList.length);
    for (const s of this.symList) {
      const b = Buffer.from(s);
      ix.u32(b.length);
      ix.bytes(b);
    }
    ix.u32(this.numSeries);
    ix.bytes(this.series.buf.subarray(0, this.series.len));
    let np = 0;
    for (const m of this.postings.values()) np += m.size;
    ix.u32(np);
    for (const [n, byValue] of this.postings) {
      for (const [v, list] of byValue) {
        ix.u32(n);
        ix.u32(v);
        ix.u32(list.length);
        for (const x of list) ix.u32(x);
      }
    }
    const index = ix.buf.subarray(0, ix.len);
    const footer = Buffer.alloc(FOOTER);
    footer.writeDoubleLE(this.offset, 0);
    footer.writeUInt32LE(index.length, 8);
    footer.writeUInt32LE(crc32(index), 12);
    MAGIC.copy(footer, 24);
    writeSync(this.fd, index);
    writeSync(this.fd, footer);
    fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(`${this.path}.tmp`, this.path);
    return BlockReader.open(this.path);
  }

  /** Discards the unfinished temp file (after a failed write). */
  abort(): void {
    try {
      closeSync(this.fd);
      unlinkSync(`${this.path}.tmp`);
    } catch {
      // Best effort: a leftover .tmp file is removed on the next open.
    }
  }
}

/**
 * A loaded block: symbols, label sets and postings in memory; chunk references and chunk bytes
 * are read from the file per query. A day-long block has ~48 chunks per series, whose
 * references alone would cost ~1.5 kB per series per block if kept in memory.
 */
export class BlockReader implements SeriesSource {
  private constructor(
    readonly path: string,
    private fd: number,
    readonly meta: BlockMeta,
    private readonly symbols: string[],
    /** Per series: start into `lsets` (label pairs). */
    private readonly lsetStart: Uint32Array,
    private readonly lsets: Uint32Array,
    /** Per series: file offset of its chunk references and their count. */
    private readonly refsPos: Float64Array,
    private readonly refsCount: Uint32Array,
    private readonly index: Map<string, Map<string, Uint32Array>>,
  ) {}

  /** Opens a block file, verifying the footer and the index checksum. */
  static open(path: string): BlockReader {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const footer = Buffer.alloc(FOOTER);
      readSync(fd, footer, 0, FOOTER, size - FOOTER);
      if (!footer.subarray(24).equals(MAGIC)) throw new Error(`tsdb: bad block footer in ${path}`);
      const ixOff = footer.readDoubleLE(0);
      const ixLen = footer.readUInt32LE(8);
      const buf = Buffer.alloc(ixLen);
      readSync(fd, buf, 0, ixLen, ixOff);
      if (crc32(buf) !== footer.readUInt32LE(12))
        throw new Error(`tsdb: block index checksum mismatch in ${path}`);
      let p = 0;
      const metaLen = buf.readUInt32LE(p);
      const meta = { ...JSON.parse(buf.toString('utf8', p + 4, p + 4 + metaLen)), bytes: size } as BlockMeta;
      p += 4 + metaLen;
      const nsym = buf.readUInt32LE(p);
      p += 4;
      const symbols: string[] = new Array(nsym);
      for (let i = 0; i < nsym; i++) {
        const len = buf.readUInt32LE(p);
        symbols[i] = buf.toString('utf8', p + 4, p + 4 + len);
        p += 4 + len;
      }
      const nseries = buf.readUInt32LE(p);
      p += 4;
      const lsetStart = new Uint32Array(nseries + 1);
      const refsPos = new Float64Array(nseries);
      const refsCount = new Uint32Array(nseries);
      const lsets: number[] = [];
      for (let i = 0; i < nseries; i++) {
        lsetStart[i] = lsets.length;
        const nl = buf.readUInt16LE(p);
        p += 2;
        for (let k = 0; k < nl * 2; k++, p += 4) lsets.push(buf.readUInt32LE(p));
        const nch = buf.readUInt32LE(p);
        p += 4;
        refsPos[i] = ixOff + p;
        refsCount[i] = nch;
        p += nch * CHUNK_REF;
      }
      lsetStart[nseries] = lsets.length;
      const index = new Map<string, Map<string, Uint32Array>>();
      const np = buf.readUInt32LE(p);
      p += 4;
      const ids = new Uint32Array(Math.max(0, (ixLen - p) >>> 2));
      let at = 0;
      for (let i = 0; i < np; i++) {
        const name = symbols[buf.readUInt32LE(p)];
        const value = symbols[buf.readUInt32LE(p + 4)];
        const count = buf.readUInt32LE(p + 8);
        p += 12;
        for (let k = 0; k < count; k++, p += 4) ids[at + k] = buf.readUInt32LE(p);
        let byValue = index.get(name);
        if (!byValue) index.set(name, (byValue = new Map()));
        byValue.set(value, ids.subarray(at, at + count));
        at += count;
      }
      return new BlockReader(
        path,
        fd,
        meta,
        symbols,
        lsetStart,
        Uint32Array.from(lsets),
        refsPos,
        refsCount,
        index,
      );
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  get minTime(): number {
    return this.meta.minTime;
  }

  get maxTime(): number {
    return this.meta.maxTime;
  }

  get numSeries(): number {
    return this.lsetStart.length - 1;
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
    const all = new Uint32Array(this.numSeries);
    for (let i = 0; i < all.length; i++) all[i] = i;
    return all;
  }

  labelsById(id: number): Labels {
    return labelsFromSymbols(this.lsets.subarray(this.lsetStart[id], this.lsetStart[id + 1]), this.symbols);
  }

  /** Raw chunks of a series overlapping [mint, maxt]: one read for the references, one for the bytes. */
  chunksById(id: number, mint = Number.NEGATIVE_INFINITY, maxt = Number.POSITIVE_INFINITY): HeadChunk[] {
    const nch = this.refsCount[id];
    if (nch === 0) return [];
    const refs = Buffer.allocUnsafe(nch * CHUNK_REF);
    readSync(this.fd, refs, 0, refs.length, this.refsPos[id]);
    let first = -1;
    let last = -1;
    for (let c = 0; c < nch; c++) {
      const p = c * CHUNK_REF;
      if (refs.readDoubleLE(p + 8) < mint || refs.readDoubleLE(p) > maxt) continue;
      if (first < 0) first = c;
      last = c;
    }
    if (first < 0) return [];
    const start = refs.readDoubleLE(first * CHUNK_REF + 16);
    const end = refs.readDoubleLE(last * CHUNK_REF + 16) + refs.readUInt32LE(last * CHUNK_REF + 24);
    const buf = Buffer.allocUnsafe(end - start);
    readSync(this.fd, buf, 0, buf.length, start);
    const out: HeadChunk[] = [];
    for (let c = first; c <= last; c++) {
      const p = c * CHUNK_REF;
      const cmint = refs.readDoubleLE(p);
      const cmaxt = refs.readDoubleLE(p + 8);
      if (cmaxt < mint || cmint > maxt) continue;
      const off = refs.readDoubleLE(p + 16) - start;
      out.push({ mint: cmint, maxt: cmaxt, bytes: buf.subarray(off, off + refs.readUInt32LE(p + 24)) });
    }
    return out;
  }

  /** Appends the samples of a series within [mint, maxt] to `out`. */
  decodeInto(id: number, mint: number, maxt: number, out: SampleBuf): void {
    for (const c of this.chunksById(id, mint, maxt)) {
      out.reserve(chunkCount(c.bytes));
      out.n = decodeChunkInto(c.bytes, out.ts, out.vs, out.n, mint, maxt);
    }
  }

  /** Samples of one series within [mint, maxt] in fresh arrays (tests, tools). */
  samplesById(id: number, mint: number, maxt: number): { ts: Float64Array; vs: Float64Array } {
    const b = new SampleBuf(16);
    this.decodeInto(id, mint, maxt, b);
    return { ts: b.ts.slice(0, b.n), vs: b.vs.slice(0, b.n) };
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

const EMPTY = new Uint32Array(0);
