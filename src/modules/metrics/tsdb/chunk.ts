/**
 * Gorilla-style XOR chunk: timestamps as delta-of-delta, values as XOR against the previous
 * value (Pelkonen et al., VLDB 2015; the layout follows Prometheus' XOR chunk in spirit).
 *
 * Layout: [u16 sample count, big-endian] then a bit stream:
 *   sample 0: t as 64-bit two's complement (hi, lo), v as raw 64 float bits
 *   sample n: dod = (t_n - t_{n-1}) - (t_{n-1} - t_{n-2}) (the delta before sample 1 is 0), as
 *             '0' | '10'+14b | '110'+17b | '1110'+20b | '1111'+64b (signed),
 *             then the value: '0' if equal bits, else '1' and either '0' + the meaningful bits
 *             in the previous leading/trailing window, or '1' + 5b leading zeros + 6b meaningful
 *             bit count (64 stored as 0) + the meaningful bits.
 * Values are compared and stored by bits, so NaN payloads (STALE_NAN), -0 and ±Inf round-trip.
 */
import { BitWriter } from './bits.ts';

/** Samples per chunk before a new one is cut (Prometheus' default). */
export const SAMPLES_PER_CHUNK = 120;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('tsdb: a little-endian host is required');
}
const TWO32 = 4294967296;

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Incremental encoder for one chunk; the bytes are readable at any point via `bytes()`. */
export class XorEncoder {
  readonly w: BitWriter;
  count = 0;
  mint = 0;
  maxt = 0;
  private tDelta = 0;
  private vHi = 0;
  private vLo = 0;
  private leading = 0xff; // 0xff = no previous window
  private trailing = 0;

  constructor(initialBytes = 32) {
    this.w = new BitWriter(initialBytes);
    this.w.writeBits(0, 16);
  }

  /** Appends a sample; the caller guarantees t is an integer greater than the previous one. */
  append(t: number, v: number): void {
    const w = this.w;
    f64[0] = v;
    const lo = u32[0];
    const hi = u32[1];
    if (this.count === 0) {
      const thi = Math.floor(t / TWO32);
      w.writeBits(thi >>> 0, 32);
      w.writeBits((t - thi * TWO32) >>> 0, 32);
      w.writeBits(hi, 32);
      w.writeBits(lo, 32);
      this.mint = t;
    } else {
      const delta = t - this.maxt;
      this.writeDod(delta - this.tDelta);
      this.tDelta = delta;
      this.writeValue(hi, lo);
    }
    this.maxt = t;
    this.vHi = hi;
    this.vLo = lo;
    this.count++;
    w.setUint16(0, this.count);
  }

  private writeDod(dod: number): void {
    const w = this.w;
    if (dod === 0) {
      w.writeBit(0);
    } else if (dod >= -8192 && dod <= 8191) {
      w.writeBits(0b10, 2);
      w.writeBits(dod & 0x3fff, 14);
    } else if (dod >= -65536 && dod <= 65535) {
      w.writeBits(0b110, 3);
      w.writeBits(dod & 0x1ffff, 17);
    } else if (dod >= -524288 && dod <= 524287) {
      w.writeBits(0b1110, 4);
      w.writeBits(dod & 0xfffff, 20);
    } else {
      w.writeBits(0b1111, 4);
      const dhi = Math.floor(dod / TWO32);
      w.writeBits(dhi >>> 0, 32);
      w.writeBits((dod - dhi * TWO32) >>> 0, 32);
    }
  }

  private writeValue(hi: number, lo: number): void {
    const w = this.w;
    const xhi = (hi ^ this.vHi) >>> 0;
    const xlo = (lo ^ this.vLo) >>> 0;
    if (xhi === 0 && xlo === 0) {
      w.writeBit(0);
      return;
    }
    w.writeBit(1);
    let leading = xhi !== 0 ? Math.clz32(xhi) : 32 + Math.clz32(xlo);
    const trailing = xlo !== 0 ? ctz32(xlo) : 32 + ctz32(xhi);
    if (leading > 31) leading = 31;
    let lead: number;
    let trail: number;
    if (this.leading !== 0xff && leading >= this.leading && trailing >= this.trailing) {
      w.writeBit(0);
      lead = this.leading;
      trail = this.trailing;
    } else {
      w.writeBit(1);
      const sig = 64 - leading - trailing;
      w.writeBits(leading, 5);
      w.writeBits(sig & 63, 6);
      this.leading = lead = leading;
      this.trailing = trail = trailing;
    }
    const sig = 64 - lead - trail;
    // Shift the 64-bit xor right by `trail` and write its low `sig` bits.
    let shi: number;
    let slo: number;
    if (trail >= 32) {
      shi = 0;
      slo = xhi >>> (trail - 32);
    } else if (trail === 0) {
      shi = xhi;
      slo = xlo;
    } else {
      shi = xhi >>> trail;
      slo = ((xlo >>> trail) | (xhi << (32 - trail))) >>> 0;
    }
    if (sig > 32) {
      w.writeBits(shi, sig - 32);
      w.writeBits(slo, 32);
    } else {
      w.writeBits(slo, sig);
    }
  }

  /** Current encoded size in bytes. */
  get byteLength(): number {
    return this.w.byteLength;
  }

  /** A view of the encoded bytes so far (shares memory with the encoder). */
  bytes(): Uint8Array {
    return this.w.buf.subarray(0, this.w.byteLength);
  }

  /** A right-sized copy of the encoded bytes (for a closed chunk). */
  finish(): Uint8Array {
    return this.w.finish();
  }
}

/** Number of samples in an encoded chunk. */
export function chunkCount(bytes: Uint8Array): number {
  return (bytes[0] << 8) | bytes[1];
}

/**
 * Decoder state at one sample of a chunk, so a later decode can start there instead of at the
 * chunk's beginning (Gorilla streams are sequential). Valid while the chunk's earlier bits are
 * unchanged, which holds for a chunk being appended to. Rule queries slide forward in time, so
 * the head keeps one per active chunk. Layout: [valid, i, bitPos (from the chunk start), t, tDelta, hi, lo, lead, trail].
 */
export type ResumePoint = Float64Array;
const R_VALID = 0;
const R_I = 1;
const R_POS = 2;
const R_T = 3;
const R_DELTA = 4;
const R_HI = 5;
const R_LO = 6;
const R_LEAD = 7;
const R_TRAIL = 8;

/** A fresh (invalid) resume point. */
export function newResumePoint(): ResumePoint {
  return new Float64Array(9);
}

/** The 32 bits starting at bit `pos` (MSB-first); bits past the end read as 0. */
function peek32(buf: Uint8Array, pos: number): number {
  const b = pos >>> 3;
  const off = pos & 7;
  if (b + 4 < buf.length) {
    const w = (buf[b] << 24) | (buf[b + 1] << 16) | (buf[b + 2] << 8) | buf[b + 3];
    return off === 0 ? w >>> 0 : ((w << off) | (buf[b + 4] >>> (8 - off))) >>> 0;
  }
  let w = 0;
  for (let i = 0; i < 5; i++) w = w * 256 + (b + i < buf.length ? buf[b + i] : 0);
  // w holds 40 bits; drop `off` leading bits and keep 32.
  return Math.floor(w / 2 ** (8 - off)) % 4294967296;
}

/**
 * Decodes the chunk starting at byte `off` of `buf`, appending samples with mint ≤ t ≤ maxt to
 * the output arrays starting at `at`; returns the new fill position. Outputs must have room
 * for the chunk's sample count. With `resume`, decoding starts at the saved state when it lies
 * before `mint`, and the state just before `mint` is saved for the next call. The bit reads
 * are inlined here (rather than via BitReader) because queries spend their time in this loop.
 */
export function decodeChunkInto(
  buf: Uint8Array,
  ts: Float64Array,
  vs: Float64Array,
  at: number,
  mint = Number.NEGATIVE_INFINITY,
  maxt = Number.POSITIVE_INFINITY,
  resume: ResumePoint | null = null,
  off = 0,
): number {
  const n = (buf[off] << 8) | buf[off + 1];
  if (n === 0) return at;
  const base = off * 8;
  let i = 0;
  let pos = base + 16;
  let t: number;
  let hi: number;
  let lo: number;
  let tDelta = 0;
  let leading = 0;
  let trailing = 0;
  if (resume !== null && resume[R_VALID] === 1 && resume[R_T] < mint && resume[R_I] < n) {
    i = resume[R_I];
    pos = base + resume[R_POS];
    t = resume[R_T];
    tDelta = resume[R_DELTA];
    hi = resume[R_HI];
    lo = resume[R_LO];
    leading = resume[R_LEAD];
    trailing = resume[R_TRAIL];
  } else {
    const thi = peek32(buf, pos) | 0;
    t = thi * TWO32 + peek32(buf, pos + 32);
    hi = peek32(buf, pos + 64);
    lo = peek32(buf, pos + 96);
    pos += 128;
  }
  // The newest decoder state before `mint`, saved so the next query can start there.
  let skipped = false;
  let sI = 0;
  let sPos = 0;
  let sT = 0;
  let sDelta = 0;
  let sHi = 0;
  let sLo = 0;
  let sLead = 0;
  let sTrail = 0;
  const limit = buf.length * 8;
  for (;;) {
    if (t > maxt) break;
    if (t >= mint) {
      u32[0] = lo;
      u32[1] = hi;
      ts[at] = t;
      vs[at] = f64[0];
      at++;
    } else if (resume !== null) {
      skipped = true;
      sI = i;
      sPos = pos;
      sT = t;
      sDelta = tDelta;
      sHi = hi;
      sLo = lo;
      sLead = leading;
      sTrail = trailing;
    }
    if (++i >= n) break;
    if (pos >= limit) throw new RangeError('chunk: read past end');
    // Timestamp: the prefix is up to four 1-bits terminated by a 0.
    let w = peek32(buf, pos);
    if (w >>> 31 === 0) {
      pos += 1;
    } else if (w >>> 30 === 2) {
      const d = (w >>> 16) & 0x3fff; // bits after '10'
      tDelta += d >= 0x2000 ? d - 0x4000 : d;
      pos += 16;
    } else if (w >>> 29 === 6) {
      const d = (w >>> 12) & 0x1ffff;
      tDelta += d >= 0x10000 ? d - 0x20000 : d;
      pos += 20;
    } else if (w >>> 28 === 14) {
      const d = (w >>> 8) & 0xfffff;
      tDelta += d >= 0x80000 ? d - 0x100000 : d;
      pos += 24;
    } else {
      const dhi = peek32(buf, pos + 4) | 0;
      tDelta += dhi * TWO32 + peek32(buf, pos + 36);
      pos += 68;
    }
    t += tDelta;
    // Value.
    w = peek32(buf, pos);
    if (w >>> 31 === 0) {
      pos += 1;
      continue;
    }
    if (w >>> 30 === 3) {
      leading = (w >>> 25) & 31;
      let sig = (w >>> 19) & 63;
      if (sig === 0) sig = 64;
      trailing = 64 - leading - sig;
      pos += 13;
    } else {
      pos += 2;
    }
    const sig = 64 - leading - trailing;
    let shi = 0;
    let slo: number;
    if (sig > 32) {
      shi = peek32(buf, pos) >>> (64 - sig);
      slo = peek32(buf, pos + sig - 32);
    } else {
      slo = peek32(buf, pos) >>> (32 - sig);
    }
    pos += sig;
    if (trailing >= 32) {
      hi = (hi ^ (slo << (trailing - 32))) >>> 0;
    } else if (trailing === 0) {
      hi = (hi ^ shi) >>> 0;
      lo = (lo ^ slo) >>> 0;
    } else {
      hi = (hi ^ ((shi << trailing) | (slo >>> (32 - trailing)))) >>> 0;
      lo = (lo ^ (slo << trailing)) >>> 0;
    }
  }
  if (skipped && resume !== null) {
    resume[R_VALID] = 1;
    resume[R_I] = sI;
    resume[R_POS] = sPos - base;
    resume[R_T] = sT;
    resume[R_DELTA] = sDelta;
    resume[R_HI] = sHi;
    resume[R_LO] = sLo;
    resume[R_LEAD] = sLead;
    resume[R_TRAIL] = sTrail;
  }
  return at;
}

/** Decodes a whole chunk into fresh arrays (tests, tools). */
export function decodeChunk(bytes: Uint8Array): { ts: Float64Array; vs: Float64Array } {
  const n = chunkCount(bytes);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  decodeChunkInto(bytes, ts, vs, 0);
  return { ts, vs };
}
