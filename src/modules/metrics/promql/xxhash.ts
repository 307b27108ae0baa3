/**
 * xxHash64 (seed 0) of a label set, byte-compatible with Prometheus' labels.Hash(), so that
 * limit_ratio picks the same series Prometheus does. BigInt-based: only used by limit_ratio.
 */
import type { Labels } from '../storage.ts';

const M = (1n << 64n) - 1n;
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;

const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M;
const round = (acc: bigint, lane: bigint) => (rotl((acc + lane * P2) & M, 31n) * P1) & M;
const merge = (acc: bigint, val: bigint) => ((((acc ^ round(0n, val)) * P1) & M) + P4) & M;

function u64(b: Uint8Array, i: number): bigint {
  let v = 0n;
  for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k]);
  return v;
}

/** xxHash64 of bytes with seed 0, as an unsigned BigInt. */
export function xxhash64(b: Uint8Array): bigint {
  const len = b.length;
  let i = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (P1 + P2) & M;
    let v2 = P2;
    let v3 = 0n;
    let v4 = (M + 1n - P1) & M;
    for (; i + 32 <= len; i += 32) {
      v1 = round(v1, u64(b, i));
      v2 = round(v2, u64(b, i + 8));
      v3 = round(v3, u64(b, i + 16));
      v4 = round(v4, u64(b, i + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    h = merge(h, v1);
    h = merge(h, v2);
    h = merge(h, v3);
    h = merge(h, v4);
  } else h = P5;
  h = (h + BigInt(len)) & M;
  for (; i + 8 <= len; i += 8) {
    h ^= round(0n, u64(b, i));
    h = (rotl(h, 27n) * P1 + P4) & M;
  }
  if (i + 4 <= len) {
    const w = BigInt(b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)) + (BigInt(b[i + 3]) << 24n);
    h ^= (w * P1) & M;
    h = (rotl(h, 23n) * P2 + P3) & M;
    i += 4;
  }
  for (; i < len; i++) {
    h ^= (BigInt(b[i]) * P5) & M;
    h = (rotl(h, 11n) * P1) & M;
  }
  h ^= h >> 33n;
  h = (h * P2) & M;
  h ^= h >> 29n;
  h = (h * P3) & M;
  h ^= h >> 32n;
  return h;
}

const enc = new TextEncoder();

/** Prometheus' labels.Hash() of a label set, as a float64 (for ratio sampling). */
export function labelsHash(labels: Labels): number {
  // \xff must be the single byte 0xff, not its UTF-8 encoding: encode parts separately.
  const parts: number[] = [];
  for (const l of labels) {
    parts.push(...enc.encode(l.name), 0xff, ...enc.encode(l.value), 0xff);
  }
  return Number(xxhash64(Uint8Array.from(parts)));
}
