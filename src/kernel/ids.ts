/** Identifiers: ULIDs (sortable by creation time) for rows, slugs for human keys. */
import { monotonicFactory } from 'ulidx';
import type { Clock } from './clock.ts';

const ulid = monotonicFactory();

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
