/**
 * MurmurHash3 x86_32 over the UTF-8 bytes of a string, as flagd (`fractional`) and Unleash hash.
 *
 * Written here rather than taken from npm because it is the hot path of every percentage split:
 * `imurmurhash` (used by flagd-core) and `murmurhash3js` (used by unleash-client) feed UTF-16 code
 * units as if they were bytes, so non-ASCII keys bucket differently from flagd's Go/Java/Rust
 * evaluators, and encoding through a Buffer first allocates on every call. This version encodes
 * UTF-8 into a shared scratch buffer and can resume from a precomputed prefix state (the flag
 * key), so `flagKey + targetingKey` is never concatenated.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Hash state after some bytes: running hash, pending tail bytes (little-endian), their count, total length. */
export interface MurmurState {
  readonly h: number;
  readonly k: number;
  readonly kn: number;
  readonly len: number;
}

// Scratch buffer for the UTF-8 bytes of the hashed string: evaluation is synchronous, so one
// module-level buffer (grown when a longer key shows up) avoids any per-call allocation.
let buf = new Uint8Array(256);

/** Writes the UTF-8 encoding of `s` into `buf` from `at`; returns the end offset. */
function encode(s: string, at: number): number {
  const n = s.length;
  if (buf.length < at + n * 3) {
    const bigger = new Uint8Array(Math.max(buf.length * 2, at + n * 3));
    bigger.set(buf.subarray(0, at));
    buf = bigger;
  }
  const b = buf;
  let o = at;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      b[o++] = c;
    } else if (c < 0x800) {
      b[o++] = 0xc0 | (c >> 6);
      b[o++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          b[o++] = 0xf0 | (c >> 18);
          b[o++] = 0x80 | ((c >> 12) & 0x3f);
          b[o++] = 0x80 | ((c >> 6) & 0x3f);
          b[o++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd; // lone surrogate: encoded as U+FFFD like TextEncoder / Buffer.from(s, 'utf8')
      }
      b[o++] = 0xe0 | (c >> 12);
      b[o++] = 0x80 | ((c >> 6) & 0x3f);
      b[o++] = 0x80 | (c & 0x3f);
    }
  }
  return o;
}

/** Mixes the full blocks of buf[0, n) into `h`; returns the new hash state. */
function blocks(h: number, n: number): number {
  const b = buf;
  const end = n & ~3;
  for (let i = 0; i < end; i += 4) {
    let k = b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return h;
}

/** The tail bytes (n % 4 of them, after the full blocks) of buf[0, n) packed little-endian. */
function tailOf(n: number): number {
  const at = n & ~3;
  let k = 0;
  for (let j = n - 1; j >= at; j--) k = (k << 8) | buf[j];
  return k;
}

function finish(h: number, k: number, kn: number, len: number): number {
  if (kn > 0) {
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Precomputes the state after hashing `prefix` (e.g. the flag key) with `seed`. */
export function murmur3Prefix(prefix: string, seed = 0): MurmurState {
  const n = encode(prefix, 0);
  return { h: blocks(seed | 0, n), k: tailOf(n), kn: n & 3, len: n };
}

/** Hashes `prefix + s` where the prefix state came from `murmur3Prefix`; returns an unsigned 32-bit int. */
export function murmur3Resume(state: MurmurState, s: string): number {
  const kn = state.kn;
  for (let j = 0; j < kn; j++) buf[j] = (state.k >>> (j << 3)) & 0xff;
  const n = encode(s, kn);
  return finish(blocks(state.h, n), tailOf(n), n & 3, state.len - kn + n);
}

/** MurmurHash3 x86_32 of the UTF-8 bytes of `s`; returns an unsigned 32-bit int. */
export function murmur3(s: string, seed = 0): number {
  const n = encode(s, 0);
  return finish(blocks(seed | 0, n), tailOf(n), n & 3, n);
}
