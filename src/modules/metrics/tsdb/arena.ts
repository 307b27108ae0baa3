/**
 * Slab storage for closed head chunks. One Uint8Array per chunk would cost ~200 bytes of
 * object and allocator overhead on a ~180-byte payload; packing chunks into 1 MiB slabs costs
 * nothing per chunk. Chunks close roughly in time order and die together at a block cut, so a
 * slab empties as a whole and is then dropped (live-byte counting, no compaction needed).
 */

const SLAB_BYTES = 1 << 20;
const SLAB_SHIFT = 2 ** 21; // ref = slab * SLAB_SHIFT + offset

/** Append-only slabs with per-slab live-byte counts. */
export class ChunkArena {
  private slabs: (Uint8Array | null)[] = [];
  private live: number[] = [];
  private cur = -1;
  private off = SLAB_BYTES;

  /** Copies `bytes` into the arena; returns its reference. */
  alloc(bytes: Uint8Array): number {
    if (this.off + bytes.length > SLAB_BYTES) {
      // Leave the full slab; it is dropped once every chunk in it is freed.
      if (this.cur >= 0 && this.live[this.cur] === 0) this.slabs[this.cur] = null;
      this.slabs.push(new Uint8Array(SLAB_BYTES));
      this.live.push(0);
      this.cur = this.slabs.length - 1;
      this.off = 0;
    }
    const ref = this.cur * SLAB_SHIFT + this.off;
    this.slabs[this.cur]!.set(bytes, this.off);
    this.off += bytes.length;
    this.live[this.cur] += bytes.length;
    return ref;
  }

  /** A view of a stored chunk (valid until freed). */
  view(ref: number, len: number): Uint8Array {
    const slab = Math.floor(ref / SLAB_SHIFT);
    const off = ref - slab * SLAB_SHIFT;
    return this.slabs[slab]!.subarray(off, off + len);
  }

  /** Releases a stored chunk. */
  free(ref: number, len: number): void {
    const slab = Math.floor(ref / SLAB_SHIFT);
    this.live[slab] -= len;
    if (this.live[slab] === 0 && slab !== this.cur) this.slabs[slab] = null;
  }

  /** Bytes held by slabs still allocated. */
  get allocatedBytes(): number {
    let n = 0;
    for (const s of this.slabs) if (s) n += s.length;
    return n;
  }
}
