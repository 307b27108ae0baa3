/**
 * Calendar helpers in the organisation's time zone: local date parts (for human ids), the
 * `next_business_day` response target (Mon–Fri 09:00 local), and ISO weeks for reports.
 */
import { DAY } from '../../kernel/clock.ts';

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function fmt(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** True when `zone` is an IANA zone this runtime knows. */
export function isZone(zone: string): boolean {
  try {
    fmt(zone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock parts of instant `ms` in `zone`. */
export function localParts(ms: number, zone: string): LocalParts {
  const p: Record<string, string> = {};
  for (const x of fmt(zone).formatToParts(new Date(ms))) p[x.type] = x.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    weekday: WEEKDAYS.indexOf(p.weekday),
  };
}

/** The instant at local wall time y-m-d hh:mm in `zone` (first match across DST shifts). */
export function zonedTime(zone: string, y: number, m: number, d: number, hh: number, mm: number): number {
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  let t = guess;
  // Two passes settle the offset, including around DST changes.
  for (let i = 0; i < 2; i++) {
    const p = localParts(t, zone);
    const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    t += guess - asUtc;
  }
  return t;
}

/**
 * `next_business_day`: 09:00 local on the first Monday–Friday after the local calendar day of
 * `from` (opened Friday 14:00 → Monday 09:00; opened Tuesday 03:00 → Wednesday 09:00).
 */
export function nextBusinessDay(from: number, zone: string): number {
  const p = localParts(from, zone);
  let date = Date.UTC(p.year, p.month - 1, p.day);
  for (;;) {
    date += DAY;
    const wd = new Date(date).getUTCDay();
    if (wd !== 0 && wd !== 6) break;
  }
  const d = new Date(date);
  return zonedTime(zone, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 9, 0);
}

/** Formats a human id from a pattern with {YYYY} {MM} {DD} and {N…} (counter, zero-padded to the number of Ns). */
export function formatHumanId(pattern: string, parts: LocalParts, n: number): string {
  const pad = (v: number, w: number) => String(v).padStart(w, '0');
  return pattern
    .replaceAll('{YYYY}', String(parts.year))
    .replaceAll('{MM}', pad(parts.month, 2))
    .replaceAll('{DD}', pad(parts.day, 2))
    .replace(/\{(N+)\}/g, (_, ns: string) => pad(n, ns.length));
}

/** The counter scope of a pattern: the date tokens it contains, so `{YYYY}` counts per year. */
export function counterScope(pattern: string, parts: LocalParts): string {
  const scope = pattern.replace(/\{N+\}/g, '');
  return formatHumanId(scope, parts, 0);
}

/** Monday (UTC date, YYYY-MM-DD) of the ISO week containing `ms` in `zone`. */
export function weekStart(ms: number, zone: string): string {
  const p = localParts(ms, zone);
  const date = Date.UTC(p.year, p.month - 1, p.day) - ((p.weekday + 6) % 7) * DAY;
  return new Date(date).toISOString().slice(0, 10);
}
