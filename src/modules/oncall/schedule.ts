/**
 * The final on-call timeline of a schedule: layers stacked by priority, overrides on top, gaps
 * explicit. Pure functions of (schedule, instants).
 */
import { DAY } from '../../kernel/clock.ts';
import { invalid } from '../../kernel/errors.ts';
import { type CompiledLayer, compileLayer, rawLayerShifts } from './rotation.ts';
import { isValidZone, parseInstant, toMs } from './time.ts';
import type { Handoff, Reminder, Schedule, Shift } from './types.ts';

const SCAN = 14 * DAY;
const HORIZON = 2 * 366 * DAY;

interface Source {
  start: number;
  end: number;
  user: string | null;
  layer: string | null;
  isOverride: boolean;
  priority: number;
  id: string;
}

interface Compiled {
  layers: CompiledLayer[];
  overrides: Source[];
}

/** Validates and parses a schedule; throws VigilError(400) on the first problem. */
export function compileSchedule(s: Schedule): Compiled {
  if (!isValidZone(s.time_zone)) throw invalid(`schedule "${s.key}": unknown time zone "${s.time_zone}"`);
  const seen = new Set<string>();
  const layers = s.layers.map((l) => {
    if (seen.has(l.key)) throw invalid(`schedule "${s.key}": duplicate layer "${l.key}"`);
    seen.add(l.key);
    return compileLayer(l, s.time_zone);
  });
  const overrides = (s.overrides ?? []).map((o, i): Source => {
    const start = parseInstant(o.start);
    const end = parseInstant(o.end);
    if (end <= start) throw invalid(`schedule "${s.key}": override ${o.id ?? i} ends before it starts`);
    // Overrides sit above every layer; a later override wins over an earlier one.
    const id = `override:${o.id ?? i}`;
    return { start, end, user: o.user, layer: null, isOverride: true, priority: 1_000_000 + i, id };
  });
  shiftNotices(s);
  return { layers, overrides };
}

/** Default lead time of the reminder before a shift. */
export const DEFAULT_REMINDER_MS = 60 * 60_000;
const MAX_REMINDER_MS = 7 * DAY;

/**
 * What a schedule's `notifications:` asks for: the reminder lead (null: no reminder) and whether
 * the incoming person is told at the hand-off. Default: both, reminder 1 h before. Throws
 * VigilError(400) on a bad lead time.
 */
export function shiftNotices(s: Schedule): { reminderMs: number | null; handoff: boolean } {
  const n = s.notifications ?? {};
  let lead = DEFAULT_REMINDER_MS;
  if (n.reminder_before !== undefined) {
    lead = toMs(n.reminder_before);
    if (lead < 60_000 || lead > MAX_REMINDER_MS)
      throw invalid(`schedule "${s.key}": notifications.reminder_before must be between 1 minute and 7 days`);
  }
  if (n.enabled === false) return { reminderMs: null, handoff: false };
  return { reminderMs: n.reminder === false ? null : lead, handoff: n.handoff !== false };
}

function sources(c: Compiled, from: number, to: number): Source[] {
  const out: Source[] = [];
  c.layers.forEach((l, priority) => {
    for (const s of rawLayerShifts(l, from, to)) {
      out.push({ ...s, user: s.userKey, isOverride: false, priority, id: `${l.key}#${s.turn}` });
    }
  });
  for (const o of c.overrides) if (o.end > from && o.start < to) out.push(o);
  return out;
}

/** Sweeps [from, to): at every instant the highest-priority source wins; uncovered time is a gap. */
function sweep(src: Source[], from: number, to: number): Shift[] {
  const points = new Set<number>([from, to]);
  for (const s of src) {
    if (s.start > from && s.start < to) points.add(s.start);
    if (s.end > from && s.end < to) points.add(s.end);
  }
  const cuts = [...points].sort((a, b) => a - b);
  const byStart = [...src].sort((a, b) => a.start - b.start);
  const active = new Set<Source>();
  let next = 0;
  const out: Shift[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i];
    const b = cuts[i + 1];
    while (next < byStart.length && byStart[next].start <= a) active.add(byStart[next++]);
    let win: Source | null = null;
    for (const s of active) {
      if (s.end <= a) active.delete(s);
      else if (!win || s.priority > win.priority) win = s;
    }
    const userKey = win ? win.user : null;
    const layer = win && !win.isOverride ? win.layer : null;
    const isOverride = win ? win.isOverride : false;
    const prev = out[out.length - 1];
    if (prev && prev.userKey === userKey && prev.layer === layer && prev.isOverride === isOverride)
      prev.end = b;
    else out.push({ start: a, end: b, userKey, layer, isOverride, id: `${win ? win.id : 'gap'}@${a}` });
  }
  return out;
}

/**
 * The unclipped timeline around [from, to): the window is widened to the true start of whatever
 * covers `from` and the true end of whatever covers `to`, so shift ids and extents do not depend
 * on where the caller's window begins.
 */
function timeline(s: Schedule, from: number, to: number): Shift[] {
  if (!(to > from)) throw invalid(`empty range [${from}, ${to})`);
  const c = compileSchedule(s);
  const first = sources(c, from, to);
  let lo = from;
  let hi = to;
  for (const x of first) {
    if (x.start <= from && x.end > from) lo = Math.min(lo, x.start);
    if (x.start < to && x.end >= to) hi = Math.max(hi, x.end);
  }
  return sweep(lo === from && hi === to ? first : sources(c, lo, hi), lo, hi);
}

/** The final timeline over [from, to): contiguous, covering the range exactly, gaps as `userKey: null`. */
export function computeShifts(schedule: Schedule, fromMs: number, toMs: number): Shift[] {
  return timeline(schedule, fromMs, toMs)
    .filter((x) => x.end > fromMs && x.start < toMs)
    .map((x) => ({ ...x, start: Math.max(x.start, fromMs), end: Math.min(x.end, toMs) }));
}

/**
 * Who is on call at `atMs`, with the whole (unclipped) shift that contains it. A gap has no true
 * start, so its shift reaches back at most 14 days and forward to the next hand-off (≤ 2 years).
 */
export function whoIsOnCall(schedule: Schedule, atMs: number): { user: string | null; shift: Shift } {
  const shift = timeline(schedule, atMs, atMs + 1).find((x) => x.start <= atMs && x.end > atMs)!;
  if (shift.userKey !== null || shift.isOverride) return { user: shift.userKey, shift };
  const before = timeline(schedule, atMs - SCAN, atMs + 1);
  const start = before[before.length - 1].start;
  const next = firstChange(schedule, atMs, null);
  const end = next ?? atMs + HORIZON;
  return { user: null, shift: { ...shift, start, end, id: `gap@${start}` } };
}

/** The first instant after `afterMs` at which the person on call is no longer `current`. */
function firstChange(schedule: Schedule, afterMs: number, current: string | null): number | null {
  for (let a = afterMs + 1; a < afterMs + HORIZON; a += SCAN) {
    const hit = computeShifts(schedule, a, a + SCAN).find((x) => x.userKey !== current);
    if (hit) return hit.start;
  }
  return null;
}

/** Stretches of [from, to) with nobody on call. */
export function gaps(schedule: Schedule, fromMs: number, toMs: number): Shift[] {
  return computeShifts(schedule, fromMs, toMs).filter((x) => x.userKey === null);
}

/** Changes of the person on call strictly after `afterMs` and before `toMs`. */
function handoffsBetween(schedule: Schedule, afterMs: number, toMs: number, limit = Infinity): Handoff[] {
  const out: Handoff[] = [];
  let prev = whoIsOnCall(schedule, afterMs).user;
  for (let a = afterMs + 1; a < toMs && out.length < limit; a += SCAN) {
    for (const sh of computeShifts(schedule, a, Math.min(a + SCAN, toMs))) {
      if (sh.userKey !== prev && out.length < limit) {
        out.push({ at: sh.start, from: prev, to: sh.userKey, shift: whoIsOnCall(schedule, sh.start).shift });
      }
      prev = sh.userKey;
    }
  }
  return out;
}

/** The next `count` hand-offs after `fromMs` (looking at most two years ahead). */
export function nextHandoffs(schedule: Schedule, fromMs: number, count: number): Handoff[] {
  return handoffsBetween(schedule, fromMs, fromMs + HORIZON, count);
}

/** Pre-shift reminders due in [fromMs, toMs): one per hand-off to a person, `leadMs` before it. */
export function reminders(schedule: Schedule, fromMs: number, toMs: number, leadMs: number): Reminder[] {
  return handoffsBetween(schedule, fromMs + leadMs - 1, toMs + leadMs)
    .filter((h) => h.to !== null)
    .map((h) => ({ at: h.at - leadMs, userKey: h.to!, shift: h.shift }));
}

/** Every user a schedule can put on call (participants and override users), sorted. */
export function scheduleUsers(schedule: Schedule): string[] {
  const users = new Set<string>();
  for (const l of schedule.layers) for (const p of l.participants) users.add(p);
  for (const o of schedule.overrides ?? []) if (o.user !== null) users.add(o.user);
  return [...users].sort();
}
