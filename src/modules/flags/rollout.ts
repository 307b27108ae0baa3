/**
 * Staged rollouts as a pure state machine (WT-4: 10 % → 50 % → 100 % with waits while KPIs are
 * watched). The state is a plain record the service stores; `nextAction` tells an engine what is
 * due at `now` given whether the guards (KPI alerts) are healthy, and when to look again.
 *
 * Semantics: a step is held for its `wait` before advancing; advancing past the last step completes
 * the rollout. A failing guard pauses or rolls back (to 0 %) per `onGuardFailure`. Resuming a paused
 * rollout restarts the current step's wait, so the full observation window is watched again.
 */
import { conflict } from '../../kernel/errors.ts';
import { type Flag, percentageSplit } from './flag.ts';

export interface RolloutStep {
  /** Share of users on, 0 < percentage ≤ 100. */
  percentage: number;
  /** How long to hold this step before advancing (ms); 0/absent advances at the next check. */
  wait?: number;
}

export interface RolloutPlan {
  steps: RolloutStep[];
  onGuardFailure: 'pause' | 'rollback';
}

export type RolloutStatus = 'pending' | 'running' | 'paused' | 'completed' | 'rolled_back';

export interface RolloutState {
  status: RolloutStatus;
  stepIndex: number;
  /** When the current step began (epoch ms); null before start. */
  stepStartedAt: number | null;
  pausedReason?: string;
  /** When the last transition happened (epoch ms). */
  updatedAt: number | null;
}

export interface RolloutAction {
  kind: 'advance' | 'pause' | 'rollback' | 'none';
  /** When the next advance is (or was) due; absent when nothing is scheduled. */
  dueAt?: number;
  reason?: string;
}

/** Problems of a plan (empty = valid): steps present, percentages in (0, 100] and non-decreasing. */
export function validateRolloutPlan(plan: RolloutPlan): string[] {
  const out: string[] = [];
  if (plan.steps.length === 0) out.push('a rollout needs at least one step');
  let prev = 0;
  plan.steps.forEach((s, i) => {
    if (!(s.percentage > 0 && s.percentage <= 100)) out.push(`step ${i + 1}: percentage must be in (0, 100]`);
    if (s.percentage < prev)
      out.push(`step ${i + 1}: percentage ${s.percentage} is below the previous ${prev}`);
    if (s.wait !== undefined && !(s.wait >= 0)) out.push(`step ${i + 1}: wait must be ≥ 0`);
    prev = s.percentage;
  });
  return out;
}

/** A rollout that has not started. */
export function initialRollout(): RolloutState {
  return { status: 'pending', stepIndex: 0, stepStartedAt: null, updatedAt: null };
}

function expect(state: RolloutState, allowed: RolloutStatus[], action: string): void {
  if (!allowed.includes(state.status)) throw conflict(`cannot ${action} a rollout that is ${state.status}`);
}

/** pending → running at the first step. */
export function startRollout(state: RolloutState, now: number): RolloutState {
  expect(state, ['pending'], 'start');
  return { status: 'running', stepIndex: 0, stepStartedAt: now, updatedAt: now };
}

/** running → paused (the percentage stays where it is). */
export function pauseRollout(state: RolloutState, now: number, reason: string): RolloutState {
  expect(state, ['running'], 'pause');
  return { ...state, status: 'paused', pausedReason: reason, updatedAt: now };
}

/** paused → running; the current step's wait starts again. */
export function resumeRollout(state: RolloutState, now: number): RolloutState {
  expect(state, ['paused'], 'resume');
  return { status: 'running', stepIndex: state.stepIndex, stepStartedAt: now, updatedAt: now };
}

/** running → next step, or completed after the last one. */
export function advanceRollout(state: RolloutState, plan: RolloutPlan, now: number): RolloutState {
  expect(state, ['running'], 'advance');
  if (state.stepIndex >= plan.steps.length - 1) return { ...state, status: 'completed', updatedAt: now };
  return { status: 'running', stepIndex: state.stepIndex + 1, stepStartedAt: now, updatedAt: now };
}

/** Any live rollout → rolled_back (0 %). */
export function rollbackRollout(state: RolloutState, now: number, reason: string): RolloutState {
  expect(state, ['pending', 'running', 'paused'], 'roll back');
  return { ...state, status: 'rolled_back', pausedReason: reason, updatedAt: now };
}

/** The percentage of users that should be on in this state. */
export function rolloutPercentage(state: RolloutState, plan: RolloutPlan): number {
  if (state.status === 'pending' || state.status === 'rolled_back') return 0;
  if (state.status === 'completed') return plan.steps[plan.steps.length - 1]?.percentage ?? 0;
  return plan.steps[state.stepIndex]?.percentage ?? 0;
}

/** What is due at `now`: advance when the wait is over, pause/rollback when a guard fires. */
export function nextAction(
  state: RolloutState,
  plan: RolloutPlan,
  now: number,
  guardsHealthy: boolean,
): RolloutAction {
  if (state.status !== 'running') return { kind: 'none' };
  if (!guardsHealthy) return { kind: plan.onGuardFailure, reason: 'a rollout guard is failing' };
  const step = plan.steps[state.stepIndex];
  const dueAt = (state.stepStartedAt ?? now) + (step?.wait ?? 0);
  return now >= dueAt ? { kind: 'advance', dueAt } : { kind: 'none', dueAt };
}

/**
 * Applies a percentage to a boolean flag in one environment: enables it there with an on-first
 * split between its true and false variants (0 % keeps it enabled but serves off to everyone).
 */
export function withRolloutPercentage(
  flag: Flag,
  envKey: string,
  percentage: number,
  bucketBy?: string,
): Flag {
  const on = Object.keys(flag.variants).find((k) => flag.variants[k] === true);
  const off = Object.keys(flag.variants).find((k) => flag.variants[k] === false);
  if (flag.kind !== 'boolean' || !on || !off) {
    throw conflict(`flag "${flag.key}" needs true and false variants for a percentage rollout`);
  }
  const env = flag.environments[envKey] ?? { enabled: true };
  return {
    ...flag,
    environments: {
      ...flag.environments,
      [envKey]: { ...env, enabled: true, rollout: percentageSplit(on, off, percentage, bucketBy) },
    },
  };
}
