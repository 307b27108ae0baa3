/** Identifiers: ULIDs (sortable by creation time) for rows, slugs for human keys. */
import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulidx';
import type { Clock } from './clock.ts';

// Cryptographic randomness drawn 4 KiB at a time: ulidx's default asks the system for one byte
// per character (16 calls per new millisecond), which busy engines paid for on every row.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
/** A uniform random value in [0, 1) on a 1/32 grid: one base-32 ULID character per call. */
function random32(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return (pool[poolAt++] & 31) / 32;
}

const ulid = monotonicFactory(random32);

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
