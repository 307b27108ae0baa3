/**
 * The probe state machine: results move a check between unknown, up, degraded, down and
 * not_running with hysteresis (down after N consecutive failures, back up after M successes),
 * so one dropped packet does not page anybody. Pure: the scheduler persists what it returns.
 */
import type { ProbeStatus } from './probes/index.ts';

export type CheckState = 'unknown' | 'up' | 'degraded' | 'down' | 'not_running';

export interface MachineState {
  state: CheckState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

export interface Transition {
  next: MachineState;
  /** Set when the visible state changed. */
  change: { from: CheckState; to: CheckState; reason: string } | null;
}

/** Applies one result; `downAfter`/`upAfter` default to 2 and 1. */
export function applyResult(
  cur: MachineState,
  result: { status: ProbeStatus; error: string | null },
  downAfter = 2,
  upAfter = 1,
): Transition {
  const failed = result.status === 'down';
  const next: MachineState = {
    state: cur.state,
    consecutiveFailures: failed ? cur.consecutiveFailures + 1 : 0,
    consecutiveSuccesses: failed ? 0 : cur.consecutiveSuccesses + 1,
  };
  if (failed) {
    if (cur.state !== 'down' && next.consecutiveFailures >= downAfter) {
      next.state = 'down';
    } else if (cur.state === 'not_running') {
      // Running again but still failing below the threshold: the state is not known yet.
      next.state = 'unknown';
    }
  } else {
    const wasBad = cur.state === 'down';
    if (!wasBad || next.consecutiveSuccesses >= upAfter) next.state = result.status;
  }
  if (next.state === cur.state) return { next, change: null };
  const reason = failed
    ? `${next.consecutiveFailures} consecutive failure(s): ${result.error ?? 'failed'}`
    : result.status === 'degraded'
      ? `degraded: ${result.error ?? 'degraded'}`
      : cur.state === 'down'
        ? `${next.consecutiveSuccesses} consecutive success(es)`
        : 'check succeeded';
  return { next, change: { from: cur.state, to: next.state, reason } };
}
