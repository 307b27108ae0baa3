/**
 * Fractional splits with flagd's `fractional` bucketing: murmur3 x86_32 (seed 0) of
 * `salt + value` (salt defaults to the flag key, value to the targetingKey) mapped onto
 * [0, totalWeight) as `floor(hash * totalWeight / 2^32)`; the first bucket whose cumulative weight
 * exceeds that number wins. A user is "on" for an on-first split exactly when
 * `hash / 2^32 < onWeight / totalWeight`, so raising the percentage only ever adds users.
 */
import { attributeGetter } from './conditions.ts';
import type { EvaluationContext, Split } from './flag.ts';
import { murmur3Prefix, murmur3Resume } from './murmur3.ts';

/** Largest total weight flagd accepts (MaxInt32). */
export const MAX_TOTAL_WEIGHT = 2147483647;

const TWO_32 = 4294967296;

/** Maps a 32-bit hash onto [0, total) exactly (no precision loss for totals up to 2^31). */
export function bucketOf(hash: number, total: number): number {
  if (total <= 2097152) return Math.floor((hash * total) / TWO_32); // product < 2^53: exact
  const hi = Math.floor(hash / 65536);
  const lo = hash % 65536;
  return Math.floor((hi * total + Math.floor((lo * total) / 65536)) / 65536);
}

/** Problems of a split against the flag's variant names (empty = valid). */
export function validateSplit(split: Split, variants: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (!split.buckets || split.buckets.length === 0) return ['split needs at least one bucket'];
  let total = 0;
  for (const b of split.buckets) {
    if (!(b.variant in variants)) out.push(`split refers to unknown variant "${b.variant}"`);
    if (!Number.isInteger(b.weight) || b.weight < 0)
      out.push(`split weight ${b.weight} is not a non-negative integer`);
    total += b.weight;
  }
  if (total <= 0) out.push('split weights sum to 0');
  if (total > MAX_TOTAL_WEIGHT) out.push(`split weights sum beyond ${MAX_TOTAL_WEIGHT}`);
  return out;
}

/** Index of the bucket a context falls into, or -1 when the bucketing attribute is missing. */
export type SplitPicker = (ctx: EvaluationContext) => number;

/** Compiles a (validated) split for a flag key into a bucket picker. */
export function compileSplit(split: Split, flagKey: string): SplitPicker {
  const attrs = split.bucketBy === undefined ? ['targetingKey'] : ([] as string[]).concat(split.bucketBy);
  const getters = attrs.map(attributeGetter);
  const unleash = split.scheme === 'unleash';
  const salt = split.salt ?? flagKey;
  const prefix = murmur3Prefix(unleash ? `${salt}:` : salt);
  const ends: number[] = [];
  let total = 0;
  for (const b of split.buckets) ends.push((total += b.weight));
  const n = ends.length;
  const pick = (hash: number): number => {
    const x = unleash ? hash % total : bucketOf(hash, total);
    for (let i = 0; i < n; i++) if (x < ends[i]) return i;
    return n - 1;
  };
  if (getters.length === 1) {
    const get = getters[0];
    return (ctx) => {
      const v = get(ctx);
      if (typeof v === 'string') return v === '' ? -1 : pick(murmur3Resume(prefix, v));
      if (typeof v === 'number' || typeof v === 'boolean') return pick(murmur3Resume(prefix, String(v)));
      return -1;
    };
  }
  return (ctx) => {
    for (const get of getters) {
      const v = get(ctx);
      if (typeof v === 'string' && v !== '') return pick(murmur3Resume(prefix, v));
      if (typeof v === 'number' || typeof v === 'boolean') return pick(murmur3Resume(prefix, String(v)));
    }
    return -1;
  };
}
