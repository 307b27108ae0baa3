/**
 * Pure heartbeat timing: when the next ping is expected (a period, or a cron expression in a
 * time zone — croner handles DST gaps and repeats) and which deadline follows a given state.
 */
import { Cron } from 'croner';
import { HOUR, parseDuration } from '../../kernel/clock.ts';

export type HeartbeatState = 'new' | 'up' | 'late' | 'down' | 'started' | 'paused';

/** Defaults follow Healthchecks.io: period 1 day, grace 1 hour. */
export const DEFAULT_PERIOD = 24 * HOUR;
export const DEFAULT_GRACE = HOUR;

export interface HeartbeatTiming {
  period?: string;
  schedule?: string;
  time_zone?: string;
  grace?: string;
  max_run_time?: string;
  min_run_time?: string;
}

const crons = new Map<string, Cron>();
function cronFor(expr: string, tz: string): Cron {
  const k = `${tz}\u0000${expr}`;
  let c = crons.get(k);
  if (!c) {
    c = new Cron(expr, { timezone: tz, paused: true });
    crons.set(k, c);
  }
  return c;
}

/** The next time a ping is expected after one at `t`. */
export function expectedAfter(spec: HeartbeatTiming, t: number): number {
  if (spec.schedule) {
    const next = cronFor(spec.schedule, spec.time_zone ?? 'UTC').nextRun(new Date(t));
    return next ? next.getTime() : Number.MAX_SAFE_INTEGER;
  }
  return t + (spec.period ? parseDuration(spec.period) : DEFAULT_PERIOD);
}

export function graceOf(spec: HeartbeatTiming): number {
  return spec.grace ? parseDuration(spec.grace) : DEFAULT_GRACE;
}

/** How long a started run may take before the heartbeat is down (max_run_time, else grace). */
export function maxRunOf(spec: HeartbeatTiming): number {
  return spec.max_run_time ? parseDuration(spec.max_run_time) : graceOf(spec);
}

/** A durable deadline: at `at`, move to `to` for `reason`. */
export interface Deadline {
  at: number;
  to: 'late' | 'down';
  reason: string;
}

/** The deadline after a success at `t`: late when the next expected ping is missed. */
export function deadlineAfterSuccess(spec: HeartbeatTiming, t: number): Deadline {
  return { at: expectedAfter(spec, t), to: 'late', reason: 'expected ping did not arrive' };
}

/** The deadline after becoming late at `lateAt` (the missed expected time). */
export function deadlineAfterLate(spec: HeartbeatTiming, expectedAt: number): Deadline {
  return { at: expectedAt + graceOf(spec), to: 'down', reason: 'no ping within the grace time' };
}

/** The deadline after a start signal at `t`. */
export function deadlineAfterStart(spec: HeartbeatTiming, t: number): Deadline {
  return { at: t + maxRunOf(spec), to: 'down', reason: 'run did not finish within its max run time' };
}
