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
import { BitReader, BitWriter } from './bits.ts';

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
 * Decodes a chunk, appending samples with mint ≤ t ≤ maxt to the output arrays starting at
 * `at`; returns the new fill position. Outputs must have room for chunkCount() more samples.
 */
export function decodeChunkInto(
  bytes: Uint8Array,
  ts: Float64Array,
  vs: Float64Array,
  at: number,
  mint = Number.NEGATIVE_INFINITY,
  maxt = Number.POSITIVE_INFINITY,
): number {
  const n = chunkCount(bytes);
  if (n === 0) return at;
  const r = new BitReader(bytes, 16);
  const thi = r.readBits(32) | 0;
  let t = thi * TWO32 + r.readBits(32);
  let hi = r.readBits(32);
  let lo = r.readBits(32);
  let tDelta = 0;
  let leading = 0;
  let trailing = 0;
  for (let i = 0; ; ) {
    if (t > maxt) break;
    if (t >= mint) {
      u32[0] = lo;
      u32[1] = hi;
      ts[at] = t;
      vs[at] = f64[0];
      at++;
    }
    if (++i >= n) break;
    // Timestamp.
    // The prefix is up to four 1-bits terminated by a 0 (the fourth 1 has no terminator).
    let ones = 0;
    while (ones < 4 && r.readBit() === 1) ones++;
    let dod = 0;
    if (ones === 1) dod = signExtend(r.readBits(14), 14);
    else if (ones === 2) dod = signExtend(r.readBits(17), 17);
    else if (ones === 3) dod = signExtend(r.readBits(20), 20);
    else if (ones === 4) {
      const dhi = r.readBits(32) | 0;
      dod = dhi * TWO32 + r.readBits(32);
    }
    tDelta += dod;
    t += tDelta;
    // Value.
    if (r.readBit() === 1) {
      if (r.readBit() === 1) {
        leading = r.readBits(5);
        let sig = r.readBits(6);
        if (sig === 0) sig = 64;
        trailing = 64 - leading - sig;
      }
      const sig = 64 - leading - trailing;
      let shi = 0;
      let slo: number;
      if (sig > 32) {
        shi = r.readBits(sig - 32);
        slo = r.readBits(32);
      } else {
        slo = r.readBits(sig);
      }
      let xhi: number;
      let xlo: number;
      if (trailing >= 32) {
        xhi = slo << (trailing - 32);
        xlo = 0;
      } else if (trailing === 0) {
        xhi = shi;
        xlo = slo;
      } else {
        xhi = (shi << trailing) | (slo >>> (32 - trailing));
        xlo = slo << trailing;
      }
      hi = (hi ^ xhi) >>> 0;
      lo = (lo ^ xlo) >>> 0;
    }
  }
  return at;
}

function signExtend(v: number, bits: number): number {
  return v >= 2 ** (bits - 1) ? v - 2 ** bits : v;
}

/** Decodes a whole chunk into fresh arrays (tests, tools). */
export function decodeChunk(bytes: Uint8Array): { ts: Float64Array; vs: Float64Array } {
  const n = chunkCount(bytes);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  decodeChunkInto(bytes, ts, vs, 0);
  return { ts, vs };
}
