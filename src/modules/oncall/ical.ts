/**
 * iCalendar feeds of a schedule (everyone) or of one person, built with ical-generator.
 * Times are written in UTC, which every calendar client converts correctly, so no VTIMEZONE
 * data has to be shipped.
 */
import { createHash } from 'node:crypto';
import ical from 'ical-generator';
import type { Schedule, Shift } from './types.ts';

/** Options of a feed; `generatedAt` becomes DTSTAMP so the output is deterministic. */
export interface ICalOptions {
  generatedAt: number;
  /** Calendar name; defaults to the schedule's name or key. */
  name?: string;
  /** Display names for user keys in event titles. */
  userNames?: Record<string, string>;
  /** Domain part of UIDs; default `vigil`. */
  uidDomain?: string;
}

/**
 * The UID of a shift: a hash of schedule key, shift id (source and true start) and user, so the
 * same shift keeps its UID every time the feed is regenerated, whatever window it was cut from.
 */
export function shiftUid(schedule: Schedule, shift: Shift, domain = 'vigil'): string {
  const h = createHash('sha256')
    .update(`${schedule.key}\n${shift.id}\n${shift.userKey ?? ''}`)
    .digest('hex');
  return `${h.slice(0, 32)}@${domain}`;
}

function build(schedule: Schedule, shifts: Shift[], opts: ICalOptions, title: string): string {
  const stamp = new Date(opts.generatedAt);
  const cal = ical({ name: title, prodId: { company: 'vigil', product: 'oncall', language: 'EN' } });
  for (const s of shifts) {
    if (s.userKey === null) continue;
    const who = opts.userNames?.[s.userKey] ?? s.userKey;
    const source = s.isOverride ? 'override' : `layer ${s.layer}`;
    cal.createEvent({
      id: shiftUid(schedule, s, opts.uidDomain),
      start: new Date(s.start),
      end: new Date(s.end),
      stamp,
      summary: `On call: ${who} (${schedule.name ?? schedule.key})`,
      description: `${schedule.name ?? schedule.key}: ${who} is on call (${source}).`,
    });
  }
  return cal.toString();
}

/** A feed with every staffed shift of the schedule (gaps are left out). */
export function scheduleToICal(schedule: Schedule, shifts: Shift[], opts: ICalOptions): string {
  return build(schedule, shifts, opts, opts.name ?? schedule.name ?? schedule.key);
}

/** A personal feed: only the shifts of `userKey`. */
export function userICal(schedule: Schedule, shifts: Shift[], userKey: string, opts: ICalOptions): string {
  const who = opts.userNames?.[userKey] ?? userKey;
  const title = opts.name ?? `${schedule.name ?? schedule.key} — ${who}`;
  return build(
    schedule,
    shifts.filter((s) => s.userKey === userKey),
    opts,
    title,
  );
}
