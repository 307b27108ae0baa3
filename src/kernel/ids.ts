/** Identifiers: ULIDs (sortable by creation time) for rows, slugs for human keys. */
import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulidx';
import type { Clock } from './clock.ts';

/**
 * ulidx draws one cryptographic random byte per character (16 calls per id in a new millisecond);
 * drawing them from a pool refilled 4 KiB at a time keeps the same source at a fraction of the cost.
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function pooledPrng(): number {
  if (poolAt >= pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++]! / 0xff;
}

const ulid = monotonicFactory(pooledPrng);

/** A new ULID; pass the clock so ids created on a VirtualClock sort by virtual time. */
export function newId(clock?: Clock): string {
  return ulid(clock ? clock.now() : undefined);
}

const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** True when `s` is a valid slug: lowercase letters, digits and inner dashes, 1–64 characters. */
export function isSlug(s: string): boolean {
  return SLUG_RE.test(s);
}

export const SLUG_PATTERN = SLUG_RE.source;

/** Turns a display name into a slug (`"Payments API"` → `payments-api`). */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/g, '');
}
