/**
 * The escalation state machine: pure functions of (state, policy, now). The state is plain JSON,
 * so an engine can store it with `nextDueAt` as a durable timer and continue after a restart.
 */
import { invalid } from '../../kernel/errors.ts';
import { compilePolicy, type EscalationPolicy } from './policy.ts';
import { type ResolveTargets, type Target, targetText } from './targets.ts';

/** The incident being escalated. */
export interface IncidentRef {
  id: string;
  severity: string;
  service?: string;
}

export type EscalationStatus =
  | 'pending'
  | 'escalating'
  | 'acknowledged'
  | 'resolved'
  | 'exhausted'
  | 'notified';

/** JSON-serialisable progress of one incident's escalation. */
export interface EscalationState {
  version: 1;
  policyKey: string;
  incident: IncidentRef;
  /** `pending` until the first step; `notified` when the severity does not page (terminal). */
  status: EscalationStatus;
  startedAt: number;
  /** Pass over the ladder (repeats and ack-timeout re-triggers), used in idempotency keys. */
  cycle: number;
  /** Repeats done since the last (re)trigger, bounded by the policy's `repeat`. */
  repeatsDone: number;
  /** Index of the next level to notify (0-based). */
  level: number;
  /** Levels notified so far, over all passes. */
  steps: number;
  nextDueAt: number | null;
  /** Snapshot of the policy's ack timeout at start, so `acknowledge` needs no policy. */
  ackTimeoutMs: number | null;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  history: Array<{ at: number; event: string; level?: number; cycle?: number; by?: string }>;
}

interface ActionBase {
  /** When the action became due (≤ the `now` of the step that produced it). */
  dueAt: number;
  /** Stable across retries and restarts: write the delivery row under this key before sending. */
  idempotencyKey: string;
}

/** Something the engine must do; notify actions are per user. */
export type EscalationAction =
  | (ActionBase & {
      kind: 'notify';
      user: string;
      /** Which of the user's contact methods to use (the severity's rule). */
      urgency: 'high' | 'low';
      target: Target;
      level: number;
      repeat: number;
      step: number;
    })
  | (ActionBase & { kind: 'unresolved'; target: Target; level: number; repeat: number; step: number })
  | (ActionBase & { kind: 'channel'; channel: string })
  | (ActionBase & { kind: 'ticket'; webhook: string })
  | (ActionBase & { kind: 'exhausted'; repeat: number });

/** Result of a step: the new state, what to do now, and when to step again (`null`: never). */
export interface StepResult {
  state: EscalationState;
  actions: EscalationAction[];
  nextDueAt: number | null;
}

/** Begins an escalation; the first step is due at `now` (it produces the first notifications). */
export function startEscalation(
  policy: EscalationPolicy,
  incident: IncidentRef,
  now: number,
): EscalationState {
  const p = compilePolicy(policy);
  return {
    version: 1,
    policyKey: policy.key,
    incident: { ...incident },
    status: 'pending',
    startedAt: now,
    cycle: 0,
    repeatsDone: 0,
    level: 0,
    steps: 0,
    nextDueAt: now,
    ackTimeoutMs: p.ackTimeoutMs,
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedAt: null,
    history: [{ at: now, event: 'started' }],
  };
}

/**
 * Advances the escalation to `now`, firing everything due on the way in order (a restart that
 * missed several levels catches up in one step; idempotency keys make a replay harmless).
 * Targets are resolved at `now`. A level that reaches nobody is skipped at once.
 */
export function stepEscalation(
  state: EscalationState,
  policy: EscalationPolicy,
  now: number,
  resolveTargets: ResolveTargets,
): StepResult {
  if (state.policyKey !== policy.key)
    throw invalid(`state belongs to policy "${state.policyKey}", not "${policy.key}"`);
  const p = compilePolicy(policy);
  const rule = p.rule(state.incident.severity);
  const st: EscalationState = structuredClone(state);
  const actions: EscalationAction[] = [];
  const id = st.incident.id;
  for (let guard = 0; guard < 100_000; guard++) {
    const due = st.nextDueAt;
    if (due === null || now < due) break;
    if (st.status === 'acknowledged') {
      // Ack timeout: the incident is still open, so page again from level 1 in a new cycle.
      Object.assign(st, { status: 'escalating', level: 0, repeatsDone: 0, cycle: st.cycle + 1 });
      st.history.push({ at: due, event: 're-triggered', cycle: st.cycle });
      continue;
    }
    if (st.status === 'pending') {
      for (const channel of rule.channels)
        actions.push({ kind: 'channel', channel, dueAt: due, idempotencyKey: `${id}:channel:${channel}` });
      if (rule.ticket)
        actions.push({
          kind: 'ticket',
          webhook: rule.ticket,
          dueAt: due,
          idempotencyKey: `${id}:ticket:${rule.ticket}`,
        });
      if (!rule.page) {
        Object.assign(st, { status: 'notified', nextDueAt: null });
        st.history.push({ at: due, event: 'notified' });
        break;
      }
      if (rule.also_notify.length)
        notifyLevel(st, rule.also_notify, 0, due, now, resolveTargets, actions, rule.urgency);
      st.status = 'escalating';
      continue;
    }
    if (st.status !== 'escalating') break;
    if (st.level < p.levels.length) {
      const lv = p.levels[st.level];
      const reached = notifyLevel(
        st,
        lv.targets,
        st.level + 1,
        due,
        now,
        resolveTargets,
        actions,
        rule.urgency,
      );
      st.history.push({
        at: due,
        event: reached ? 'notified-level' : 'skipped-level',
        level: st.level + 1,
        cycle: st.cycle,
      });
      st.level++;
      st.steps++;
      st.nextDueAt = reached ? due + lv.delayMs : due;
      continue;
    }
    if (st.repeatsDone < p.repeat) {
      Object.assign(st, { level: 0, repeatsDone: st.repeatsDone + 1, cycle: st.cycle + 1 });
      continue;
    }
    Object.assign(st, { status: 'exhausted', nextDueAt: null });
    st.history.push({ at: due, event: 'exhausted', cycle: st.cycle });
    actions.push({
      kind: 'exhausted',
      repeat: st.cycle,
      dueAt: due,
      idempotencyKey: `${id}:exhausted:${st.cycle}`,
    });
  }
  return { state: st, actions, nextDueAt: st.nextDueAt };
}

/** Emits one notify action per distinct user the targets reach; returns whether anyone was reached. */
function notifyLevel(
  st: EscalationState,
  targets: Target[],
  level: number,
  due: number,
  now: number,
  resolve: ResolveTargets,
  actions: EscalationAction[],
  urgency: 'high' | 'low',
): boolean {
  const seen = new Set<string>();
  const base = { level, repeat: st.cycle, step: st.steps, dueAt: due };
  for (const target of targets) {
    const reached = resolve(target, now);
    if (reached.length === 0) {
      const key = `${st.incident.id}:${level}:${st.cycle}:unresolved:${targetText(target)}`;
      actions.push({ kind: 'unresolved', target, ...base, idempotencyKey: key });
    }
    for (const user of reached) {
      if (seen.has(user)) continue;
      seen.add(user);
      actions.push({
        kind: 'notify',
        user,
        urgency,
        target,
        ...base,
        idempotencyKey: `${st.incident.id}:${level}:${st.cycle}:${user}`,
      });
    }
  }
  return seen.size > 0;
}

/** Stops further levels (or arms the ack-timeout re-trigger); no-op once acknowledged, resolved or not paging. */
export function acknowledge(state: EscalationState, by: string, now: number): EscalationState {
  if (!['pending', 'escalating', 'exhausted'].includes(state.status)) return state;
  const st = structuredClone(state);
  Object.assign(st, {
    status: 'acknowledged',
    acknowledgedBy: by,
    acknowledgedAt: now,
    nextDueAt: st.ackTimeoutMs === null ? null : now + st.ackTimeoutMs,
  });
  st.history.push({ at: now, event: 'acknowledged', by });
  return st;
}

/** Ends the escalation for good; no-op when already resolved. */
export function resolve(state: EscalationState, now: number, by?: string): EscalationState {
  if (state.status === 'resolved') return state;
  const st = structuredClone(state);
  Object.assign(st, { status: 'resolved', resolvedAt: now, nextDueAt: null });
  st.history.push({ at: now, event: 'resolved', ...(by ? { by } : {}) });
  return st;
}
