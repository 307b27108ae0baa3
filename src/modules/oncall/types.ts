/**
 * Schedule domain types. Field names follow the ops plan (`schedules:` in vigil.yaml), so a
 * validated plan section is usable as-is; instants are epoch ms or ISO strings with an offset.
 */
import type { Instant } from './time.ts';

/** Day of the week as written in plans. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * When a layer is active, in the layer's zone. `daily`: every listed day (default all) from
 * `start` to `end` (`end` ≤ `start` runs past midnight); `weekly`: one span of the week such as
 * `fri 18:00` → `mon 09:00`. Restrictions hide the layer; they never shift whose turn it is.
 */
export type Restriction =
  | { type: 'daily'; start: string; end: string; days?: Weekday[] }
  | { type: 'weekly'; start: string; end: string };

/** One rotation: participants take turns of length `turn`, handing off at `handoff` local time. */
export interface RotationLayer {
  key: string;
  name?: string;
  /** User keys in rotation order; turn 0 belongs to the first. */
  participants: string[];
  /** `1w`, `2d` (calendar: hand-off keeps local time) or `12h`, `90m` (elapsed time). */
  turn: string;
  /** Local time of day of the hand-off, `HH:MM`; default `00:00`. */
  handoff?: string;
  /** IANA zone of `handoff`, `start` and restrictions; defaults to the schedule's zone. */
  time_zone?: string;
  /** Local date (`YYYY-MM-DD`) of the first hand-off; the layer is empty before it. */
  start: string;
  /** The layer is empty from this instant on. */
  end?: Instant;
  restrictions?: Restriction[];
}

/** Someone (or, with `user: null`, deliberately nobody) covers [start, end) above every layer. */
export interface ScheduleOverride {
  id?: string;
  user: string | null;
  start: Instant;
  end: Instant;
  reason?: string;
}

/** An on-call schedule: layers stacked by priority (later in the list wins) plus overrides. */
export interface Schedule {
  key: string;
  name?: string;
  /** Default zone for layers; also the zone iCal feeds are labelled with. */
  time_zone: string;
  layers: RotationLayer[];
  /** Later overrides win over earlier ones where they overlap. */
  overrides?: ScheduleOverride[];
  /** Reminders before a shift and hand-off notices; default: both on, reminder 1 h before. */
  notifications?: ShiftNotifications;
}

/** Per-schedule shift notices (`notifications:` in a schedule). */
export interface ShiftNotifications {
  /** false: nothing is sent for this schedule. Default true. */
  enabled?: boolean;
  /** false: no reminder before a shift. Default true. */
  reminder?: boolean;
  /** How long before a shift the reminder goes out (duration or ms). Default `1h`. */
  reminder_before?: string | number;
  /** false: no notice to the incoming person when a shift starts. Default true. */
  handoff?: boolean;
}

/** A piece of the final timeline; `userKey: null` is a gap (nobody on call). */
export interface Shift {
  start: number;
  end: number;
  userKey: string | null;
  /** Key of the layer that supplied the user (`null` for gaps and overrides). */
  layer: string | null;
  isOverride: boolean;
  /** Stable identity (source and true start), used for iCal UIDs; unchanged when the query window moves. */
  id: string;
}

/** A turn of one layer after restrictions; `turn` counts from 0 at the layer's start. */
export interface LayerShift {
  start: number;
  end: number;
  userKey: string;
  layer: string;
  turn: number;
}

/** A change of the person on call. */
export interface Handoff {
  at: number;
  from: string | null;
  to: string | null;
  /** The shift that starts at `at`. */
  shift: Shift;
}

/** A pre-shift reminder to send at `at` to `userKey`, whose shift starts `leadMs` later. */
export interface Reminder {
  at: number;
  userKey: string;
  shift: Shift;
}
