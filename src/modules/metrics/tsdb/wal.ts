/**
 * Write-ahead log: an append-only sequence of segment files (`wal/00000001`, ...) holding
 * series records (id + labels) and sample batches, written with writeSync on every commit so a
 * committed append survives a process kill (fsync is a policy: always, never, or at most every
 * N ms, checked on commit). After a block cut, sealed segments whose samples are all older than
 * the cut are replaced by a checkpoint (`wal/checkpoint.NNNNNNNN`) of the live series records.
 *
 * Record framing (8-byte aligned): a 16-byte header [u8 type][3 pad][u32 payload length]
 * [u32 crc32(payload)][u32 0], then the payload padded to a multiple of 8.
 *   series (1): UTF-8 JSON [[id, [name, value, ...]], ...]
 *   samples (2): [f64 baseT][u32 n][u32 0][f64 value × n] then per sample two zigzag varints:
 *                the series id minus the previous id, t minus the previous t (baseT first)
 * A torn or corrupt record ends the log: the segment is truncated there and later ones removed.
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export const REC_SERIES = 1;
export const REC_SAMPLES = 2;
const HEADER = 16;

/** When to fsync the WAL after a commit's write. */
export type WalFsync = 'always' | 'never' | number;

/** One decoded series record entry. */
export interface WalSeries {
  id: number;
  /** Flat [name, value, ...] pairs, sorted by name. */
  labels: string[];
}

/** Handlers called during replay, in log order. */
export interface WalVisitor {
  series(entries: WalSeries[]): void;
  samples(refs: Uint32Array, baseT: number, tdeltas: Int32Array, values: Float64Array): void;
}

const pad8 = (n: number) => (n + 7) & ~7;
const segName = (n: number) => String(n).padStart(8, '0');

function frame(type: number, payload: Uint8Array): Buffer {
  const buf = Buffer.alloc(HEADER + pad8(payload.length));
  buf[0] = type;
  buf.writeUInt32LE(payload.length, 4);
  buf.writeUInt32LE(crc32(payload), 8);
  buf.set(payload, HEADER);
  return buf;
}

/** Encodes a series record. */
export function encodeSeries(entries: WalSeries[]): Buffer {
  return frame(REC_SERIES, Buffer.from(JSON.stringify(entries.map((e) => [e.id, e.labels]))));
}

let varScratch = new Uint8Array(1 << 16);

/** Appends `v` (a non-negative safe integer) as a LEB128 varint; returns the new position. */
function putUvarint(buf: Uint8Array, p: number, v: number): number {
  // Fast paths with 32-bit ops for the usual small deltas.
  if (v < 0x80) {
    buf[p] = v;
    return p + 1;
  }
  if (v < 0x4000) {
    buf[p] = (v & 0x7f) | 0x80;
    buf[p + 1] = v >>> 7;
    return p + 2;
  }
  if (v < 0x200000) {
    buf[p] = (v & 0x7f) | 0x80;
    buf[p + 1] = ((v >>> 7) & 0x7f) | 0x80;
    buf[p + 2] = v >>> 14;
    return p + 3;
  }
  while (v >= 0x80) {
    buf[p++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[p++] = v;
  return p;
}

const zigzag = (d: number) => (d >= 0 ? 2 * d : -2 * d - 1);
const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/**
 * Encodes a samples record; t - baseT must fit in an int32 for every sample. Values are raw
 * float64 (NaN payloads kept); series ids and timestamps are zigzag varint deltas from the
 * previous sample (remote_write batches repeat an id, scrapes step it by one), ~11 B/sample.
 */
export function encodeSamples(
  refs: ArrayLike<number>,
  ts: Float64Array,
  vs: Float64Array,
  from: number,
  to: number,
  baseT: number,
): Buffer {
  const n = to - from;
  // Each varint of a 53-bit zigzag value takes at most 8 bytes.
  if (varScratch.length < n * 16) varScratch = new Uint8Array(n * 16);
  const vb = varScratch;
  let p = 0;
  let prevRef = 0;
  let prevT = baseT;
  for (let i = from; i < to; i++) {
    p = putUvarint(vb, p, zigzag(refs[i] - prevRef));
    p = putUvarint(vb, p, zigzag(ts[i] - prevT));
    prevRef = refs[i];
    prevT = ts[i];
  }
  // Build the framed record in place (no intermediate payload copy).
  const len = 16 + n * 8 + p;
  const rec = Buffer.allocUnsafe(HEADER + pad8(len));
  rec.fill(0, 0, HEADER + 16);
  rec.fill(0, HEADER + len);
  rec[0] = REC_SAMPLES;
  rec.writeUInt32LE(len, 4);
  rec.writeDoubleLE(baseT, HEADER);
  rec.writeUInt32LE(n, HEADER + 8);
  rec.set(new Uint8Array(vs.buffer, vs.byteOffset + from * 8, n * 8), HEADER + 16);
  rec.set(vb.subarray(0, p), HEADER + 16 + n * 8);
  rec.writeUInt32LE(crc32(rec.subarray(HEADER, HEADER + len)), 8);
  return rec;
}

/** Decodes the varint section of a samples record into ids and time offsets from baseT. */
function decodeDeltas(buf: Uint8Array, p: number, end: number, refs: Uint32Array, tds: Int32Array): boolean {
  let ref = 0;
  let td = 0;
  for (let i = 0; i < refs.length; i++) {
    for (let k = 0; k < 2; k++) {
      let v = 0;
      let mul = 1;
      for (;;) {
        if (p >= end) return false;
        const b = buf[p++];
        v += (b & 0x7f) * mul;
        if (b < 0x80) break;
        mul *= 0x80;
      }
      if (k === 0) ref += unzigzag(v);
      else td += unzigzag(v);
    }
    refs[i] = ref;
    tds[i] = td;
  }
  return true;
}

/** Parses records from `buf`; returns the byte offset where valid data ends. */
export function readRecords(buf: Buffer, visit: WalVisitor): number {
  let off = 0;
  while (off + HEADER <= buf.length) {
    const type = buf[off];
    const len = buf.readUInt32LE(off + 4);
    const end = off + HEADER + pad8(len);
    if ((type !== REC_SERIES && type !== REC_SAMPLES) || end > buf.length) break;
    const payload = buf.subarray(off + HEADER, off + HEADER + len);
    if (crc32(payload) !== buf.readUInt32LE(off + 8)) break;
    if (type === REC_SERIES) {
      const raw = JSON.parse(payload.toString('utf8')) as [number, string[]][];
      visit.series(raw.map(([id, labels]) => ({ id, labels })));
    } else {
      // Copy into a fresh aligned buffer: typed-array views need 8-byte alignment.
      const ab = new Uint8Array(len);
      ab.set(payload);
      const n = new Uint32Array(ab.buffer, 8, 1)[0];
      const refs = new Uint32Array(n);
      const tds = new Int32Array(n);
      if (16 + n * 8 > len || !decodeDeltas(ab, 16 + n * 8, len, refs, tds)) break;
      visit.samples(refs, new Float64Array(ab.buffer, 0, 1)[0], tds, new Float64Array(ab.buffer, 16, n));
    }
    off = end;
  }
  return off;
}

/** The write-ahead log of one TSDB directory. */
export class Wal {
  private fd = -1;
  private seg = 0;
  private segSize = 0;
  /** Newest sample timestamp per segment number (for truncation). */
  private readonly segMaxT = new Map<number, number>();
  private lastSync = 0;
  /** Records dropped because of a torn or corrupt tail on open. */
  corruptions = 0;

  constructor(
    readonly dir: string,
    private readonly fsync: WalFsync,
    private readonly segmentBytes: number,
    private readonly now: () => number,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  private segments(): number[] {
    return readdirSync(this.dir)
      .filter((f) => /^\d{8}$/.test(f))
      .map(Number)
      .sort((a, b) => a - b);
  }

  private checkpoints(): number[] {
    return readdirSync(this.dir)
      .filter((f) => /^checkpoint\.\d{8}$/.test(f))
      .map((f) => Number(f.slice(11)))
      .sort((a, b) => a - b);
  }

  /** Replays checkpoint and segments, repairs a torn tail, and opens a segment for writing. */
  replay(visit: WalVisitor): void {
    for (const f of readdirSync(this.dir)) if (f.endsWith('.tmp')) unlinkSync(join(this.dir, f));
    const cps = this.checkpoints();
    const cp = cps.length ? cps[cps.length - 1] : 0;
    if (cp) readRecords(readFileSync(join(this.dir, `checkpoint.${segName(cp)}`)), visit);
    const segs = this.segments().filter((s) => s > cp);
    for (let i = 0; i < segs.length; i++) {
      const path = join(this.dir, segName(segs[i]));
      const buf = readFileSync(path);
      let maxT = Number.NEGATIVE_INFINITY;
      const end = readRecords(buf, {
        series: visit.series,
        samples: (refs, baseT, d, v) => {
          for (let k = 0; k < d.length; k++) if (baseT + d[k] > maxT) maxT = baseT + d[k];
          visit.samples(refs, baseT, d, v);
        },
      });
      this.segMaxT.set(segs[i], maxT);
      if (end < buf.length) {
        // Torn tail (or corruption): keep the valid prefix, drop everything after it.
        this.corruptions++;
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, end);
        fsyncSync(fd);
        closeSync(fd);
        for (const later of segs.slice(i + 1)) unlinkSync(join(this.dir, segName(later)));
        segs.length = i + 1;
        break;
      }
    }
    const last = segs.length ? segs[segs.length - 1] : cp;
    this.openSegment(segs.length ? last : last + 1);
  }

  private openSegment(n: number): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.seg = n;
    this.fd = openSync(join(this.dir, segName(n)), 'a');
    this.segSize = fstatSync(this.fd).size;
    if (!this.segMaxT.has(n)) this.segMaxT.set(n, Number.NEGATIVE_INFINITY);
  }

  private write(buf: Buffer, maxT: number): void {
    if (this.segSize > 0 && this.segSize + buf.length > this.segmentBytes) this.openSegment(this.seg + 1);
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.segSize += buf.length;
    if (maxT > this.segMaxT.get(this.seg)!) this.segMaxT.set(this.seg, maxT);
  }

  /** The current end of the log, for undoing a failed commit. */
  mark(): { seg: number; size: number } {
    return { seg: this.seg, size: this.segSize };
  }

  /**
   * Cuts the log back to a mark after a failed write (e.g. ENOSPC), so a half-written commit
   * neither replays nor hides the records written after it behind a torn record.
   */
  rollbackTo(mark: { seg: number; size: number }): void {
    while (this.seg > mark.seg) {
      closeSync(this.fd);
      this.fd = -1;
      unlinkSync(join(this.dir, segName(this.seg)));
      this.segMaxT.delete(this.seg);
      this.openSegment(this.seg - 1);
    }
    ftruncateSync(this.fd, mark.size);
    this.segSize = mark.size;
  }

  /** Logs new series. */
  logSeries(entries: WalSeries[]): void {
    if (entries.length) this.write(encodeSeries(entries), Number.NEGATIVE_INFINITY);
  }

  /** Logs a batch of samples (split so every record's time deltas fit an int32). */
  logSamples(refs: ArrayLike<number>, ts: Float64Array, vs: Float64Array, n: number): void {
    let from = 0;
    while (from < n) {
      let lo = ts[from];
      let hi = ts[from];
      let to = from + 1;
      for (; to < n; to++) {
        const t = ts[to];
        const nlo = Math.min(t, lo);
        const nhi = Math.max(t, hi);
        if (nhi - nlo > 0x7fffffff) break;
        lo = nlo;
        hi = nhi;
      }
      this.write(encodeSamples(refs, ts, vs, from, to, lo), hi);
      from = to;
    }
  }

  /** Applies the fsync policy after a commit. */
  sync(force = false): void {
    if (this.fd < 0) return;
    if (force || this.fsync === 'always') fsyncSync(this.fd);
    else if (typeof this.fsync === 'number') {
      const now = this.now();
      if (now - this.lastSync >= this.fsync) {
        fsyncSync(this.fd);
        this.lastSync = now;
      }
    }
  }

  /**
   * Drops sealed segments whose samples are all older than `cutT`, after writing a checkpoint
   * with the given live series (their samples ≥ cutT stay in the kept segments).
   */
  truncate(cutT: number, live: WalSeries[]): void {
    this.openSegment(this.seg + 1);
    let upto = 0;
    for (const s of this.segments()) {
      if (s >= this.seg) break;
      const maxT = this.segMaxT.get(s) ?? Number.POSITIVE_INFINITY;
      if (maxT >= cutT) break;
      upto = s;
    }
    if (!upto) return;
    const name = join(this.dir, `checkpoint.${segName(upto)}`);
    const fd = openSync(`${name}.tmp`, 'w');
    const buf = encodeSeries(live);
    writeSync(fd, buf, 0, buf.length);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(`${name}.tmp`, name);
    for (const c of this.checkpoints()) if (c < upto) unlinkSync(join(this.dir, `checkpoint.${segName(c)}`));
    for (const s of this.segments()) {
      if (s > upto) break;
      unlinkSync(join(this.dir, segName(s)));
      this.segMaxT.delete(s);
    }
  }

  /** Total bytes of segments and checkpoints. */
  size(): { bytes: number; segments: number } {
    let bytes = 0;
    let segments = 0;
    for (const f of readdirSync(this.dir)) {
      if (!/^(\d{8}|checkpoint\.\d{8})$/.test(f)) continue;
      bytes += statSync(join(this.dir, f)).size;
      if (!f.startsWith('c')) segments++;
    }
    return { bytes, segments };
  }

  close(): void {
    if (this.fd < 0) return;
    this.sync(true);
    closeSync(this.fd);
    this.fd = -1;
  }
}

/** Stand-in when the WAL is disabled (ephemeral stores, benchmarks): nothing is persisted. */
export class NoWal {
  corruptions = 0;
  replay(_visit: WalVisitor): void {}
  mark(): { seg: number; size: number } {
    return { seg: 0, size: 0 };
  }
  rollbackTo(_mark: { seg: number; size: number }): void {}
  logSeries(_entries: WalSeries[]): void {}
  logSamples(_refs: ArrayLike<number>, _ts: Float64Array, _vs: Float64Array, _n: number): void {}
  sync(_force = false): void {}
  truncate(_cutT: number, _live: WalSeries[]): void {}
  size(): { bytes: number; segments: number } {
    return { bytes: 0, segments: 0 };
  }
  close(): void {}
}
