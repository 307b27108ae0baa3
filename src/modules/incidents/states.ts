/**
 * The incident state machine: triggered → acknowledged → investigating → identified →
 * monitoring → resolved, plus declined / merged / cancelled. Active states may move freely
 * among each other (investigations go back and forth); terminal states only leave by re-open.
 */
import { conflict } from '../../kernel/errors.ts';
import type { Status } from './types.ts';

export const ACTIVE: readonly Status[] = ['acknowledged', 'investigating', 'identified', 'monitoring'];
export const TERMINAL: readonly Status[] = ['resolved', 'declined', 'merged', 'cancelled'];

const ALLOWED: Record<Status, readonly Status[]> = {
  triggered: [...ACTIVE, 'resolved', 'declined', 'merged', 'cancelled'],
  acknowledged: ['investigating', 'identified', 'monitoring', 'resolved', 'declined', 'merged', 'cancelled'],
  investigating: ['identified', 'monitoring', 'resolved', 'merged', 'cancelled'],
  identified: ['investigating', 'monitoring', 'resolved', 'merged', 'cancelled'],
  monitoring: ['investigating', 'identified', 'resolved', 'merged'],
  resolved: [],
  declined: [],
  merged: [],
  cancelled: [],
};

/** The states `from` may move to (what the console offers; merged goes through merge). */
export function nextStatuses(from: Status): Status[] {
  return [...ALLOWED[from]];
}

/** True when the incident is still open (not in a terminal state). */
export function isOpen(s: Status): boolean {
  return !TERMINAL.includes(s);
}

/** Throws 409 with the allowed next states unless `from → to` is a legal transition. */
export function assertTransition(humanId: string, from: Status, to: Status): void {
  if (ALLOWED[from].includes(to)) return;
  const next = ALLOWED[from];
  throw conflict(
    `incident ${humanId} cannot go from ${from} to ${to}; ${
      next.length ? `allowed next: ${next.join(', ')}` : `${from} is final (re-open it first)`
    }`,
    { from, to, allowed: [...next] },
  );
}

/** Whether moving to `to` counts as (implicitly) acknowledging the incident. */
export function acknowledges(to: Status): boolean {
  return ACTIVE.includes(to) || to === 'resolved';
}
