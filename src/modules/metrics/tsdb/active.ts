/**
 * The head's open (growing) chunks, stored column-wise: one slot per series with an open chunk,
 * its encoder state in typed-array columns and its bytes in size-classed slots of shared slabs.
 * An object-per-series encoder (XorEncoder + Uint8Array) costs ~500 bytes of V8 overhead;
 * this layout costs ~60 bytes of columns plus the chunk bytes, which is what keeps 100k+ series
 * within the memory goal. The bit format is exactly XorEncoder's (tested byte for byte).
 */
import { newResumePoint, type ResumePoint } from './chunk.ts';

const CLASS_BYTES = [64, 128, 256, 512, 1024, 2048, 4096];
const SLAB_BYTES = 1 << 16;
/** Most bits one sample can take: '1111' + 64 dod bits, then '11' + 5 + 6 + 64 value bits. */
const MAX_SAMPLE_BITS = 145;
const TWO32 = 4294967296;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function putBits(buf: Uint8Array, pos: number, v: number, n: number): void {
  while (n > 0) {
    const free = 8 - (pos & 7);
    const take = Math.min(free, n);
    buf[pos >>> 3] |= ((v >>> (n - take)) & ((1 << take) - 1)) << (free - take);
    n -= take;
    pos += take;
  }
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Column store of open chunks. Slots are reused after free(). */
export class ActiveChunks {
  private cap = 0;
  private used = 0;
  private readonly freeSlots: number[] = [];
  mint = new Float64Array(0);
  maxt = new Float64Array(0);
  /** Exclusive end of the chunk range the chunk belongs to (a new chunk starts past it). */
  end = new Float64Array(0);
  private tDelta = new Float64Array(0);
  /** Bits of the last value (int32 views of the float's high and low words). */
  vHi = new Int32Array(0);
  vLo = new Int32Array(0);
  private lead = new Uint8Array(0);
  private trail = new Uint8Array(0);
  count = new Uint16Array(0);
  private nbits = new Uint32Array(0);
  private cls = new Uint8Array(0);
  /** Slab index × 2^16 + byte offset of the slot's bytes. */
  private ref = new Uint32Array(0);
  private readonly slabs: Uint8Array[] = [];
  private readonly classFree: number[][] = CLASS_BYTES.map(() => []);
  private readonly classSlab: number[] = CLASS_BYTES.map(() => -1);
  private readonly classOff: number[] = CLASS_BYTES.map(() => SLAB_BYTES);
  private readonly resumes = new Map<number, ResumePoint>();

  private grow(): void {
    const cap = Math.max(1024, this.cap * 2);
    const g = <T extends Float64Array | Int32Array | Uint8Array | Uint16Array | Uint32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.mint = g(this.mint);
    this.maxt = g(this.maxt);
    this.end = g(this.end);
    this.tDelta = g(this.tDelta);
    this.vHi = g(this.vHi);
    this.vLo = g(this.vLo);
    this.lead = g(this.lead);
    this.trail = g(this.trail);
    this.count = g(this.count);
    this.nbits = g(this.nbits);
    this.cls = g(this.cls);
    this.ref = g(this.ref);
    this.cap = cap;
  }

  private allocMem(c: number): number {
    const fl = this.classFree[c];
    if (fl.length > 0) return fl.pop()!;
    const size = CLASS_BYTES[c];
    if (this.classOff[c] + size > SLAB_BYTES) {
      this.slabs.push(new Uint8Array(SLAB_BYTES));
      this.classSlab[c] = this.slabs.length - 1;
      this.classOff[c] = 0;
    }
    const r = this.classSlab[c] * SLAB_BYTES + this.classOff[c];
    this.classOff[c] += size;
    return r;
  }

  private freeMem(c: number, r: number): void {
    const off = r % SLAB_BYTES;
    this.slabs[(r - off) / SLAB_BYTES].fill(0, off, off + CLASS_BYTES[c]);
    this.classFree[c].push(r);
  }

  /** Opens an empty chunk ending its range at `end`; `sizeHint` is the expected byte size. */
  open(end: number, sizeHint = 0): number {
    let slot: number;
    if (this.freeSlots.length > 0) slot = this.freeSlots.pop()!;
    else {
      if (this.used === this.cap) this.grow();
      slot = this.used++;
    }
    let c = 0;
    while (c < CLASS_BYTES.length - 1 && CLASS_BYTES[c] < sizeHint + 24) c++;
    this.cls[slot] = c;
    this.ref[slot] = this.allocMem(c);
    this.nbits[slot] = 16; // the sample-count header
    this.count[slot] = 0;
    this.end[slot] = end;
    this.tDelta[slot] = 0;
    this.lead[slot] = 0xff;
    this.trail[slot] = 0;
    return slot;
  }

  /** Releases a slot and its bytes. */
  free(slot: number): void {
    this.freeMem(this.cls[slot], this.ref[slot]);
    this.resumes.delete(slot);
    this.freeSlots.push(slot);
  }

  /** The slab holding a slot's bytes and the byte offset within it. */
  slab(slot: number): Uint8Array {
    return this.slabs[Math.floor(this.ref[slot] / SLAB_BYTES)];
  }

  offset(slot: number): number {
    return this.ref[slot] % SLAB_BYTES;
  }

  byteLength(slot: number): number {
    return (this.nbits[slot] + 7) >>> 3;
  }

  /** A view of the slot's encoded bytes (valid until the next append or free). */
  bytes(slot: number): Uint8Array {
    const off = this.offset(slot);
    return this.slab(slot).subarray(off, off + this.byteLength(slot));
  }

  /** The slot's resume point for queries (created on first use). */
  resumeFor(slot: number): ResumePoint {
    let r = this.resumes.get(slot);
    if (!r) this.resumes.set(slot, (r = newResumePoint()));
    return r;
  }

  /** Appends a sample; t must be an integer greater than the slot's last timestamp. */
  append(slot: number, t: number, v: number): void {
    let c = this.cls[slot];
    let pos = this.nbits[slot];
    if (pos + MAX_SAMPLE_BITS > CLASS_BYTES[c] * 8) {
      // Move to the next size class; positions are relative to the slot, so resume points hold.
      const old = this.ref[slot];
      const r = this.allocMem(c + 1);
      const from = this.slabs[Math.floor(old / SLAB_BYTES)];
      const to = this.slabs[Math.floor(r / SLAB_BYTES)];
      to.set(from.subarray(old % SLAB_BYTES, (old % SLAB_BYTES) + ((pos + 7) >>> 3)), r % SLAB_BYTES);
      this.freeMem(c, old);
      this.cls[slot] = ++c;
      this.ref[slot] = r;
    }
    const r = this.ref[slot];
    const buf = this.slabs[Math.floor(r / SLAB_BYTES)];
    const base = (r % SLAB_BYTES) * 8;
    f64[0] = v;
    const lo = u32[0];
    const hi = u32[1];
    const n = this.count[slot];
    if (n === 0) {
      const thi = Math.floor(t / TWO32);
      putBits(buf, base + pos, thi >>> 0, 32);
      putBits(buf, base + pos + 32, (t - thi * TWO32) >>> 0, 32);
      putBits(buf, base + pos + 64, hi, 32);
      putBits(buf, base + pos + 96, lo, 32);
      pos += 128;
      this.mint[slot] = t;
    } else {
      const delta = t - this.maxt[slot];
      const dod = delta - this.tDelta[slot];
      this.tDelta[slot] = delta;
      const p = base + pos;
      if (dod === 0) {
        pos += 1;
      } else if (dod >= -8192 && dod <= 8191) {
        putBits(buf, p, 0b10, 2);
        putBits(buf, p + 2, dod & 0x3fff, 14);
        pos += 16;
      } else if (dod >= -65536 && dod <= 65535) {
        putBits(buf, p, 0b110, 3);
        putBits(buf, p + 3, dod & 0x1ffff, 17);
        pos += 20;
      } else if (dod >= -524288 && dod <= 524287) {
        putBits(buf, p, 0b1110, 4);
        putBits(buf, p + 4, dod & 0xfffff, 20);
        pos += 24;
      } else {
        putBits(buf, p, 0b1111, 4);
        const dhi = Math.floor(dod / TWO32);
        putBits(buf, p + 4, dhi >>> 0, 32);
        putBits(buf, p + 36, (dod - dhi * TWO32) >>> 0, 32);
        pos += 68;
      }
      pos = this.writeValue(slot, buf, base, pos, hi, lo);
    }
    this.maxt[slot] = t;
    this.vHi[slot] = hi | 0;
    this.vLo[slot] = lo | 0;
    this.count[slot] = n + 1;
    this.nbits[slot] = pos;
    const off = base >>> 3;
    buf[off] = ((n + 1) >>> 8) & 0xff;
    buf[off + 1] = (n + 1) & 0xff;
  }

  private writeValue(
    slot: number,
    buf: Uint8Array,
    base: number,
    pos: number,
    hi: number,
    lo: number,
  ): number {
    const xhi = (hi ^ this.vHi[slot]) >>> 0;
    const xlo = (lo ^ this.vLo[slot]) >>> 0;
    if (xhi === 0 && xlo === 0) return pos + 1; // a '0' bit (memory is zeroed)
    putBits(buf, base + pos, 1, 1);
    pos++;
    let leading = xhi !== 0 ? Math.clz32(xhi) : 32 + Math.clz32(xlo);
    const trailing = xlo !== 0 ? ctz32(xlo) : 32 + ctz32(xhi);
    if (leading > 31) leading = 31;
    let lead = this.lead[slot];
    let trail = this.trail[slot];
    if (lead !== 0xff && leading >= lead && trailing >= trail) {
      pos++; // '0': reuse the previous window
    } else {
      putBits(buf, base + pos, 1, 1);
      putBits(buf, base + pos + 1, leading, 5);
      putBits(buf, base + pos + 6, (64 - leading - trailing) & 63, 6);
      pos += 12;
      this.lead[slot] = lead = leading;
      this.trail[slot] = trail = trailing;
    }
    const sig = 64 - lead - trail;
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
      putBits(buf, base + pos, shi, sig - 32);
      putBits(buf, base + pos + sig - 32, slo, 32);
    } else {
      putBits(buf, base + pos, slo, sig);
    }
    return pos + sig;
  }

  /** Bytes allocated for open chunks (slabs). */
  get allocatedBytes(): number {
    return this.slabs.length * SLAB_BYTES;
  }
}
