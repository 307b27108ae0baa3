/**
 * Restriction windows: the local-time spans in which a layer is active, turned into instants.
 */
import { invalid } from '../../kernel/errors.ts';
import { addDays, daysBetween, localParts, localToMs, parseClock, weekdayOf } from './time.ts';
import { type Restriction, WEEKDAYS, type Weekday } from './types.ts';

/** A half-open span of time [start, end) in epoch ms. */
export interface Interval {
  start: number;
  end: number;
}

interface CompiledRestriction {
  /** ISO weekdays (1 = Monday) a window may start on. */
  days: Set<number>;
  startMin: number;
  /** Days after the start day on which the window ends. */
  endDayOffset: number;
  endMin: number;
}

function weekdayNumber(d: string): number {
  const i = WEEKDAYS.indexOf(d.toLowerCase() as Weekday);
  if (i < 0) throw invalid(`invalid weekday "${d}" (expected mon … sun)`);
  return i + 1;
}

function parseDayTime(s: string): { day: number; min: number } {
  const m = /^([a-zA-Z]{3})\s+(\d{2}:\d{2})$/.exec(s.trim());
  if (!m) throw invalid(`invalid weekly restriction time "${s}" (expected e.g. "fri 18:00")`);
  return { day: weekdayNumber(m[1]), min: parseClock(m[2]) };
}

/** Checks and pre-computes a restriction; throws VigilError(400) on a malformed one. */
export function compileRestriction(r: Restriction): CompiledRestriction {
  if (r.type === 'daily') {
    const startMin = parseClock(r.start);
    const endMin = parseClock(r.end);
    if (startMin === endMin) throw invalid(`daily restriction ${r.start}–${r.end} is empty`);
    const days = new Set((r.days ?? WEEKDAYS).map(weekdayNumber));
    if (days.size === 0) throw invalid('daily restriction lists no days');
    return { days, startMin, endMin, endDayOffset: endMin <= startMin ? 1 : 0 };
  }
  if (r.type === 'weekly') {
    const s = parseDayTime(r.start);
    const e = parseDayTime(r.end);
    let offset = (e.day - s.day + 7) % 7;
    if (offset === 0 && e.min <= s.min) offset = 7;
    if (offset === 0 && e.min === s.min) throw invalid(`weekly restriction ${r.start}–${r.end} is empty`);
    return { days: new Set([s.day]), startMin: s.min, endMin: e.min, endDayOffset: offset };
  }
  throw invalid(`unknown restriction type "${(r as { type: string }).type}"`);
}

/** Sorts intervals and joins overlapping or touching ones. */
export function mergeIntervals(xs: Interval[]): Interval[] {
  const sorted = [...xs].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const x of sorted) {
    const last = out[out.length - 1];
    if (last && x.start <= last.end) last.end = Math.max(last.end, x.end);
    else out.push({ ...x });
  }
  return out;
}

/**
 * The union of all windows of `rs` in `zone` that intersect [from, to), not clipped to the range
 * (so a window keeps its true start). Windows are built per local day, so DST moves nothing:
 * 09:00–18:00 is 09:00–18:00 local on the day of a transition too.
 */
export function restrictionWindows(rs: Restriction[], zone: string, from: number, to: number): Interval[] {
  const compiled = rs.map(compileRestriction);
  if (compiled.length === 0) return [];
  const first = localParts(zone, from);
  const last = localParts(zone, to);
  // A window may start up to its length in days before `from` (7 for a weekly one), plus one day of zone slack.
  const back = Math.max(...compiled.map((c) => c.endDayOffset)) + 1;
  const start0 = addDays(first, -back);
  const n = daysBetween(start0, last) + 1;
  const windows: Interval[] = [];
  for (let i = 0; i < n + 1; i++) {
    const d = addDays(start0, i);
    const weekday = weekdayOf(d);
    for (const c of compiled) {
      if (!c.days.has(weekday)) continue;
      const start = localToMs(zone, d, c.startMin);
      const end = localToMs(zone, addDays(d, c.endDayOffset), c.endMin);
      if (end > from && start < to && end > start) windows.push({ start, end });
    }
  }
  return mergeIntervals(windows);
}
