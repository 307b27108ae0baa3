/**
 * Maintenance window occurrences. Recurrences are RRULEs evaluated on the window's local wall
 * time ("floating" dates), then each occurrence is placed in its IANA time zone with luxon, so
 * "02:00 Europe/Berlin every Sunday" stays at 02:00 local across daylight-saving changes.
 */
import { DateTime } from 'luxon';
import rrulePkg from 'rrule';
import { DAY, parseDuration } from '../../kernel/clock.ts';

const { RRule } = rrulePkg;

/** The spec fields of a `maintenance_window` object that timing depends on. */
export interface WindowTiming {
  start: string;
  end?: string;
  duration?: string;
  time_zone?: string;
  rrule?: string;
  notice?: string;
}

/** One concrete window: [start, end) in epoch ms, announced from `announceAt`. */
export interface Occurrence {
  start: number;
  end: number;
  announceAt: number;
}

const MAX_OCCURRENCES = 1000;

function zoneOf(t: WindowTiming): string {
  return t.time_zone ?? 'UTC';
}

function localStart(t: WindowTiming): DateTime {
  return DateTime.fromISO(t.start, { zone: zoneOf(t) });
}

/** Length of each occurrence in ms (from `end` on the first occurrence, or `duration`). */
export function windowLength(t: WindowTiming): number {
  if (t.end) return DateTime.fromISO(t.end, { zone: zoneOf(t) }).toMillis() - localStart(t).toMillis();
  return t.duration ? parseDuration(t.duration) : 0;
}

function ruleOf(t: WindowTiming, s: DateTime) {
  const text = t.rrule!.replace(/^RRULE:/i, '');
  const opts = RRule.parseString(text);
  const dtstart = new Date(Date.UTC(s.year, s.month - 1, s.day, s.hour, s.minute, s.second));
  return new RRule({ ...opts, dtstart, tzid: null });
}

/** Problems with a window's timing (bad zone, no length, unparsable RRULE). */
export function windowProblems(t: WindowTiming): string[] {
  const p: string[] = [];
  if (!DateTime.local().setZone(zoneOf(t)).isValid)
    return [`time_zone "${zoneOf(t)}" is not an IANA time zone`];
  if (!localStart(t).isValid) p.push(`start "${t.start}" is not a valid local time`);
  if (t.end && t.duration) p.push('give end or duration, not both');
  else if (!t.end && !t.duration) p.push('a window needs end or duration');
  else if (localStart(t).isValid && windowLength(t) <= 0) p.push('the window must end after it starts');
  if (t.rrule) {
    if (/DTSTART/i.test(t.rrule)) p.push('rrule must not contain DTSTART (start gives it)');
    try {
      if (localStart(t).isValid) ruleOf(t, localStart(t)).after(new Date(0), true);
    } catch (e) {
      p.push(`rrule "${t.rrule}" does not parse: ${(e as Error).message}`);
    }
  }
  return p;
}

/** Occurrences of a window that overlap [from, to), oldest first. */
export function occurrences(t: WindowTiming, from: number, to: number): Occurrence[] {
  const zone = zoneOf(t);
  const s = localStart(t);
  const len = windowLength(t);
  const notice = t.notice ? parseDuration(t.notice) : 0;
  const mk = (start: number): Occurrence => ({ start, end: start + len, announceAt: start - notice });
  if (!t.rrule) {
    const o = mk(s.toMillis());
    return o.end > from && o.start < to ? [o] : [];
  }
  // Search in floating (wall-clock-as-UTC) time with a day of slack for zone offsets.
  const floating = (ms: number) => {
    const d = DateTime.fromMillis(ms, { zone });
    return Date.UTC(d.year, d.month - 1, d.day, d.hour, d.minute, d.second);
  };
  const a = new Date(floating(from - len) - DAY);
  const b = new Date(floating(to) + DAY);
  const out: Occurrence[] = [];
  const dates = ruleOf(t, s).between(a, b, true, (_d: Date, i: number) => i < MAX_OCCURRENCES);
  for (const f of dates) {
    const local = DateTime.fromObject(
      {
        year: f.getUTCFullYear(),
        month: f.getUTCMonth() + 1,
        day: f.getUTCDate(),
        hour: f.getUTCHours(),
        minute: f.getUTCMinutes(),
        second: f.getUTCSeconds(),
      },
      { zone },
    );
    const o = mk(local.toMillis());
    if (o.end > from && o.start < to) out.push(o);
  }
  return out;
}

/** The occurrence covering `at`, if any. */
export function activeOccurrence(t: WindowTiming, at: number): Occurrence | null {
  return occurrences(t, at, at + 1)[0] ?? null;
}
