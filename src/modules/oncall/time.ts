/**
 * Wall-clock helpers for rotations: local times in IANA zones (through Luxon), calendar-day
 * arithmetic, instants and turn lengths. Everything returns epoch milliseconds.
 */
import { DateTime, IANAZone } from 'luxon';
import { DAY, parseDuration } from '../../kernel/clock.ts';
import { invalid } from '../../kernel/errors.ts';

/** An instant as epoch milliseconds or an ISO-8601 string with an offset (`2026-03-10T09:00:00Z`). */
export type Instant = number | string;

/** A local calendar date. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** True when `zone` is an IANA zone name Luxon (and so the ICU data of this Node) knows. */
export function isValidZone(zone: string): boolean {
  // Luxon builds an Intl formatter per check, which dominated profiles; the answer never changes.
  let ok = validZones.get(zone);
  if (ok === undefined) validZones.set(zone, (ok = IANAZone.isValidZone(zone)));
  return ok;
}

const validZones = new Map<string, boolean>();

/** Parses `HH:MM` (00:00–24:00) into minutes after local midnight. */
export function parseClock(hhmm: string): number {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(hhmm);
  if (!m || (m[1] === '24' && m[2] !== '00')) throw invalid(`invalid time of day "${hhmm}" (expected HH:MM)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Parses `YYYY-MM-DD` into a local date. */
export function parseLocalDate(s: string): LocalDate {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) throw invalid(`invalid date "${s}" (expected YYYY-MM-DD)`);
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  if (!DateTime.fromObject(d, { zone: 'UTC' }).isValid) throw invalid(`invalid date "${s}"`);
  return d;
}

/** Parses an instant; strings must carry an offset or `Z` so that they are unambiguous. */
export function parseInstant(v: Instant): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw invalid(`invalid instant ${v}`);
    return v;
  }
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(v)) throw invalid(`instant "${v}" needs an offset or Z`);
  const dt = DateTime.fromISO(v, { setZone: true });
  if (!dt.isValid) throw invalid(`invalid instant "${v}"`);
  return dt.toMillis();
}

/** Adds whole calendar days to a date (pure calendar arithmetic, no zone involved). */
export function addDays(d: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a calendar date. */
export function weekdayOf(d: LocalDate): number {
  return new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay() || 7;
}

/** Whole calendar days from `a` to `b`. */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / DAY);
}

/**
 * The instant of local date `d` at `minutes` after midnight in `zone`. A time that does not exist
 * (spring-forward gap) moves forward by the gap (02:30 → 03:30); an ambiguous one (fall-back)
 * takes the later, standard-time occurrence — Luxon's rules, pinned by tests.
 */
export function localToMs(zone: string, d: LocalDate, minutes: number): number {
  if (minutes === 24 * 60) return localToMs(zone, addDays(d, 1), 0);
  const key = `${zone}|${d.year}-${d.month}-${d.day}|${minutes}`;
  let ms = memo.get(key);
  if (ms === undefined) {
    const hour = Math.floor(minutes / 60);
    ms = DateTime.fromObject(
      { year: d.year, month: d.month, day: d.day, hour, minute: minutes % 60 },
      { zone },
    ).toMillis();
    // Zone rules do not change while the process runs, so the answer can be kept; the cap bounds memory.
    if (memo.size >= 50_000) memo.clear();
    memo.set(key, ms);
  }
  return ms;
}

const memo = new Map<string, number>();

/** Local date, ISO weekday (1 = Monday … 7 = Sunday) and minute of day of an instant in `zone`. */
export function localParts(zone: string, ms: number): LocalDate & { weekday: number; minute: number } {
  const t = DateTime.fromMillis(ms, { zone });
  return { year: t.year, month: t.month, day: t.day, weekday: t.weekday, minute: t.hour * 60 + t.minute };
}

/** A turn length: calendar days (hand-off keeps local wall-clock time) or elapsed milliseconds. */
export type TurnLength = { kind: 'calendar'; days: number } | { kind: 'elapsed'; ms: number };

/**
 * Parses a turn length. `Nd` and `Nw` are calendar units (a daily 09:00 hand-off stays at 09:00
 * local across DST, so such a turn lasts 23 or 25 h); anything else (`12h`, `90m`, `1d12h`) is
 * elapsed time.
 */
export function parseTurn(s: string): TurnLength {
  const m = /^(\d+)\s*(d|w)$/.exec(s.trim());
  if (m) {
    const days = Number(m[1]) * (m[2] === 'w' ? 7 : 1);
    if (days <= 0) throw invalid(`turn length must be positive ("${s}")`);
    return { kind: 'calendar', days };
  }
  let ms: number;
  try {
    ms = parseDuration(s);
  } catch {
    throw invalid(`invalid turn length "${s}" (e.g. 1w, 2d, 12h)`);
  }
  if (ms < 60_000) throw invalid(`turn length must be at least 1 minute ("${s}")`);
  return { kind: 'elapsed', ms };
}

/** Parses a duration string or passes milliseconds through. */
export function toMs(v: string | number): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw invalid(`invalid duration ${v}`);
    return v;
  }
  try {
    return parseDuration(v);
  } catch {
    throw invalid(`invalid duration "${v}"`);
  }
}
