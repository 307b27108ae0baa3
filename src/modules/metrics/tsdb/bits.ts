/**
 * Bit-level writer and reader for the Gorilla-style chunk codec. Bits are packed MSB-first into
 * bytes. Callers write at most 32 bits at a time; 64-bit quantities are split into hi/lo words
 * because JS bitwise operators work on 32-bit integers.
 */

/** Appends bits MSB-first to a growable byte buffer. */
export class BitWriter {
  buf: Uint8Array;
  /** Number of bits written so far. */
  nbits = 0;

  constructor(initialBytes = 32) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** Bytes holding the written bits (the last byte may be partially used). */
  get byteLength(): number {
    return (this.nbits + 7) >>> 3;
  }

  private ensure(extraBits: number): void {
    const need = (this.nbits + extraBits + 7) >>> 3;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.byteLength));
    this.buf = next;
  }

  /** Writes one bit. */
  writeBit(bit: number): void {
    this.ensure(1);
    if (bit) this.buf[this.nbits >>> 3] |= 0x80 >>> (this.nbits & 7);
    this.nbits++;
  }

  /** Writes the low `n` bits of `v` (0 ≤ n ≤ 32), most significant first. */
  writeBits(v: number, n: number): void {
    if (n === 0) return;
    this.ensure(n);
    const buf = this.buf;
    let pos = this.nbits;
    while (n > 0) {
      const free = 8 - (pos & 7);
      const take = Math.min(free, n);
      // Take the top `take` bits of the remaining n bits.
      const bits = (v >>> (n - take)) & ((1 << take) - 1);
      buf[pos >>> 3] |= bits << (free - take);
      n -= take;
      pos += take;
    }
    this.nbits = pos;
  }

  /** Overwrites a big-endian uint16 at a byte offset (used for the chunk's sample count). */
  setUint16(byteOffset: number, v: number): void {
    this.buf[byteOffset] = (v >>> 8) & 0xff;
    this.buf[byteOffset + 1] = v & 0xff;
  }

  /** A right-sized copy of the written bytes. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.byteLength);
  }
}

/** Reads bits MSB-first from a byte buffer. */
export class BitReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    startBit = 0,
  ) {
    this.pos = startBit;
  }

  /** Reads one bit; throws past the end (a corrupt chunk must not loop forever). */
  readBit(): number {
    const pos = this.pos;
    if (pos >>> 3 >= this.buf.length) throw new RangeError('chunk: read past end');
    this.pos = pos + 1;
    return (this.buf[pos >>> 3] >>> (7 - (pos & 7))) & 1;
  }

  /** Reads `n` bits (0 ≤ n ≤ 32) as an unsigned integer. */
  readBits(n: number): number {
    if (n === 0) return 0;
    let pos = this.pos;
    if ((pos + n - 1) >>> 3 >= this.buf.length) throw new RangeError('chunk: read past end');
    const buf = this.buf;
    let v = 0;
    while (n > 0) {
      const avail = 8 - (pos & 7);
      const take = Math.min(avail, n);
      const bits = (buf[pos >>> 3] >>> (avail - take)) & ((1 << take) - 1);
      v = (v << take) | bits;
      n -= take;
      pos += take;
    }
    this.pos = pos;
    return v >>> 0;
  }
}
