/** Pure scheduling arithmetic: stable per-check phase offsets so equal intervals do not fire together. */

/** FNV-1a 32-bit hash of a string (stable across processes and versions). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The phase of `key` within `intervalMs` (0 ≤ offset < interval). */
export function phaseOffset(key: string, intervalMs: number): number {
  return fnv1a(key) % intervalMs;
}

/** The first slot `offset + k·interval` at or after `t`. */
export function slotAtOrAfter(t: number, intervalMs: number, offset: number): number {
  const k = Math.ceil((t - offset) / intervalMs);
  return offset + k * intervalMs;
}
