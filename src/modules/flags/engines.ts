/**
 * The flags module's engines.
 *
 * `flags-events` consumes the event log durably: `alert.firing` / `alert.resolved` (published by
 * the alerting module: data `{ rule, labels, env? }`, the environment taken from `env`, else
 * `labels.env`, else none = every environment) pull kill-switch triggers and stop staged rollouts
 * guarded by that alert; flag events keep the served-percentage history and lifespans that
 * staleness and the lifespan figure use.
 *
 * `flags-rollouts` advances staged rollouts: a durable timer per running rollout fires when the
 * current step's wait is over; the step advances only if every guard is healthy. Guards are alert
 * rules (healthy while not firing) or PromQL queries through the metrics module's `query` (healthy
 * while the result is empty). Without a metrics module a query guard is `unknown` and the rollout
 * holds its step (never advances blind). Running rollouts are also watched every interval, so a
 * firing guard pauses or rolls back without waiting for the next step.
 */
import type { Db } from '../../db/db.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Engine, StepResult } from '../../engines/runner.ts';
import { newId } from '../../kernel/ids.ts';
import type { ActorContext } from '../catalog/catalog-service.ts';
import type { ModuleDirectory } from '../module.ts';
import type { DomainEvent } from '../timeline/timeline.ts';
import { loadDefinition, loadDefinitions, readTx } from './definitions.ts';
import { effectiveFlag, type FlagDefinition, servedPercentages } from './effective.ts';
import type { PlannedRollout, RolloutGuard } from './plan.ts';
import { advanceRollout, nextAction, pauseRollout, type RolloutState, rollbackRollout } from './rollout.ts';
import { type FlagsDeps, type FlagsService, ROLLOUT_TIMER } from './service.ts';
import { flagsStore } from './store.ts';

/** Event types the alerting module is expected to publish (subject: the alert rule). */
export const ALERT_FIRING = 'alert.firing';
export const ALERT_RESOLVED = 'alert.resolved';

const FLAG_EVENT_TYPES = [
  'flag.created',
  'flag.updated',
  'flag.deleted',
  'flag.toggled',
  'flag.override_cleared',
  'flag.rollout_started',
  'flag.rollout_paused',
  'flag.rollout_resumed',
  'flag.rollout_rolled_back',
  'flag.rollout_advanced',
  'flag.rollout_completed',
];

/** What the flags module needs from a metrics module (`ctx.modules.find('metrics')`). */
export interface MetricsQueryApi {
  /** Instant PromQL query at `time` (epoch ms); a vector/matrix result, or `{ result: [...] }`. */
  query(expr: string, time?: number): Promise<unknown>;
}

export type GuardStatus = { status: 'healthy' } | { status: 'firing' | 'unknown'; guard: string };

/**
 * Alert env from an alert event: `env`, else `labels.env`, else '' (any environment). The rules
 * module publishes `{ fingerprint, rule, labels, … }` with subject `{ kind: 'alert', key: fingerprint }`.
 */
export function alertEnv(data: Record<string, unknown>): string {
  const labels = (data.labels ?? {}) as Record<string, unknown>;
  const env = data.env ?? labels.env;
  return typeof env === 'string' ? env : '';
}

const guardName = (g: RolloutGuard) => ('alert' in g ? `alert:${g.alert}` : `query:${g.query}`);

function nonEmpty(res: unknown): boolean {
  if (Array.isArray(res)) return res.length > 0;
  if (res && typeof res === 'object') {
    const r = res as Record<string, any>;
    if (r.resultType !== 'scalar' && Array.isArray(r.result)) return r.result.length > 0;
    if (r.data && Array.isArray(r.data.result)) return r.data.result.length > 0;
    // A scalar condition fails while it is non-zero (e.g. `scalar(rate(errors[5m])) > bool 0.05`).
    if (r.resultType === 'scalar' && Array.isArray(r.result)) return Number(r.result[1]) !== 0;
  }
  return false;
}

const SYSTEM_ROLLOUTS: ActorContext = { actor: 'system:flags-rollouts' };

/** Evaluates a rollout's guards in `env` (alert state from the store, queries via the metrics module). */
export async function guardStatus(
  tx: Tx,
  modules: ModuleDirectory,
  env: string,
  guards: RolloutGuard[],
  now: number,
): Promise<GuardStatus> {
  const firing = await flagsStore.firingAlerts(tx, env);
  let unknown: string | null = null;
  for (const g of guards) {
    if ('alert' in g) {
      if (firing.has(g.alert)) return { status: 'firing', guard: guardName(g) };
      continue;
    }
    const metrics = modules.find<MetricsQueryApi>('metrics');
    if (typeof metrics?.query !== 'function') {
      unknown ??= guardName(g);
      continue;
    }
    try {
      if (nonEmpty(await metrics.query(g.query, now))) return { status: 'firing', guard: guardName(g) };
    } catch {
      unknown ??= guardName(g);
    }
  }
  return unknown ? { status: 'unknown', guard: unknown } : { status: 'healthy' };
}

/** Pauses or rolls back a running rollout because `guard` fires (inside `tx`). */
async function stopForGuard(
  service: FlagsService,
  tx: Tx,
  planned: PlannedRollout,
  state: RolloutState,
  guard: string,
  now: number,
): Promise<void> {
  const reason = `guard ${guard} is failing`;
  const rollback = planned.plan.onGuardFailure === 'rollback';
  const next = rollback ? rollbackRollout(state, now, reason) : pauseRollout(state, now, reason);
  await service.transition(tx, SYSTEM_ROLLOUTS, planned, state, next, {
    type: rollback ? 'flag.rollout_rolled_back' : 'flag.rollout_paused',
    reason,
    guard,
  });
}

/** Consumes alert and flag events (triggers, guard stops, percentage history, lifespans). */
export class FlagEventsEngine implements Engine {
  readonly name = 'flags-events';
  readonly intervalMs = 5_000;

  constructor(
    private d: FlagsDeps,
    private service: FlagsService,
  ) {}

  async step(): Promise<StepResult> {
    const r = await this.d.timeline.consume(
      'flags-events',
      { types: [ALERT_FIRING, ALERT_RESOLVED, ...FLAG_EVENT_TYPES] },
      (tx, events) => this.handle(tx, events),
    );
    return { more: r.more };
  }

  async handle(tx: Tx, events: DomainEvent[]): Promise<void> {
    const touched = new Map<string, number>();
    for (const e of events) {
      if (e.type === ALERT_FIRING || e.type === ALERT_RESOLVED) {
        await this.alert(tx, e);
        continue;
      }
      const key = e.subject.key;
      if (e.type === 'flag.deleted') {
        await flagsStore.markLifespan(tx, key, e.at, true);
        for (const r of await flagsStore.rollouts(tx, { flag: key })) {
          await this.d.timers.cancel(tx, ROLLOUT_TIMER, `${key}/${r.env}`);
        }
        await flagsStore.forgetFlag(tx, key);
        tx.afterCommit(() => this.d.cache.invalidate());
      } else if (e.type === 'flag.created') await flagsStore.markLifespan(tx, key, e.at, false);
      else if (e.type === 'flag.updated') {
        await flagsStore.markLifespan(
          tx,
          key,
          e.at,
          (e.data.spec as { archived?: boolean })?.archived === true,
        );
      }
      touched.set(key, e.at);
    }
    for (const [key, at] of touched) await this.recordPercentages(tx, key, at);
  }

  /** Appends the flag's served percentages to its history when they changed. */
  private async recordPercentages(tx: Tx, key: string, at: number): Promise<void> {
    const def = await loadDefinition(tx, key);
    if (!def) return;
    const ov = new Map((await flagsStore.overrides(tx, key)).map((o) => [o.env, o]));
    const ro = new Map((await flagsStore.rollouts(tx, { flag: key })).map((r) => [r.env, r]));
    const percentages = servedPercentages(def, ov, ro);
    const hist = await flagsStore.history(tx, key);
    const last = hist[hist.length - 1];
    if (last && JSON.stringify(last.percentages) === JSON.stringify(percentages)) return;
    await flagsStore.appendHistory(tx, newId(this.d.clock), key, { at, percentages });
  }

  private async alert(tx: Tx, e: DomainEvent): Promise<void> {
    const rule = String(e.data.rule ?? e.subject.key ?? '');
    if (!rule) return;
    const env = alertEnv(e.data);
    const firing = e.type === ALERT_FIRING;
    // One rule fires as several instances (label sets); each event names its instance.
    const instance = String(e.data.fingerprint ?? e.subject.key ?? '');
    await flagsStore.setAlert(tx, rule, env, firing, e.at, instance);
    if (!firing) return;
    const defs = await loadDefinitions(tx);
    const now = this.d.clock.now();
    for (const def of defs.values()) {
      await this.pullTriggers(tx, def, rule, env);
      for (const planned of def.rollouts) {
        if (env && planned.env !== env) continue;
        if (!planned.guards.some((g) => 'alert' in g && g.alert === rule)) continue;
        const rec = (await flagsStore.rollouts(tx, { flag: def.flag.key })).find(
          (r) => r.env === planned.env,
        );
        if (rec?.state.status !== 'running') continue;
        await stopForGuard(this.service, tx, planned, rec.state, `alert:${rule}`, now);
      }
    }
  }

  /** "When alert X fires (in env), turn flag Y off/on" — applied unless the flag already serves that. */
  private async pullTriggers(tx: Tx, def: FlagDefinition, rule: string, env: string): Promise<void> {
    for (const t of def.triggers) {
      if (t.alert !== rule) continue;
      if (env && t.env && t.env !== env) continue;
      const envs = t.env ? [t.env] : env ? [env] : Object.keys(def.flag.environments);
      const enabled = t.set === 'on';
      for (const target of envs) {
        const ov = new Map((await flagsStore.overrides(tx, def.flag.key)).map((o) => [o.env, o]));
        const ro = new Map((await flagsStore.rollouts(tx, { flag: def.flag.key })).map((r) => [r.env, r]));
        if ((effectiveFlag(def, ov, ro).environments[target]?.enabled ?? false) === enabled) continue;
        await this.service.applyToggle(tx, { actor: `alert:${rule}` }, def, {
          env: target,
          enabled,
          reason: `alert ${rule} is firing${env ? ` in ${env}` : ''}`,
          incident: null,
          trigger: rule,
        });
      }
    }
  }
}

/** Advances staged rollouts when their step's wait is over and guards are healthy. */
export class RolloutEngine implements Engine {
  readonly name = 'flags-rollouts';
  readonly intervalMs = 60_000;

  constructor(
    private d: FlagsDeps & { modules: ModuleDirectory; instanceId: string },
    private service: FlagsService,
  ) {}

  async step(now: number): Promise<StepResult> {
    const due = await this.d.timers.claimDue<{ flag: string; env: string }>(ROLLOUT_TIMER, this.d.instanceId);
    const running = await flagsStore.rollouts(readTx(this.d.db), { status: 'running' });
    const dueKeys = new Map(due.map((t) => [`${t.payload.flag}/${t.payload.env}`, t]));
    for (const r of running) await this.check(r.flag, r.env, now, dueKeys.get(`${r.flag}/${r.env}`)?.id);
    for (const [k, t] of dueKeys) {
      if (!running.some((r) => `${r.flag}/${r.env}` === k)) {
        await inTransaction(this.d.db, (tx) => this.d.timers.complete(tx, t.id, this.d.instanceId));
      }
    }
    return { nextDueAt: await this.d.timers.nextDue(ROLLOUT_TIMER) };
  }

  private async check(flag: string, env: string, now: number, timerId?: string): Promise<void> {
    const def = await loadDefinition(readTx(this.d.db), flag);
    const planned = def?.rollouts.find((r) => r.env === env);
    if (!planned) return;
    const guard = await guardStatus(readTx(this.d.db), this.d.modules, env, planned.guards, now);
    await inTransaction(this.d.db as Db, async (tx) => {
      const rec = (await flagsStore.rollouts(tx, { flag })).find((r) => r.env === env);
      if (rec?.state.status !== 'running') return;
      if (guard.status === 'firing') {
        if (timerId) await this.d.timers.complete(tx, timerId, this.d.instanceId);
        await stopForGuard(this.service, tx, planned, rec.state, guard.guard, now);
        return;
      }
      const action = nextAction(rec.state, planned.plan, now, true);
      if (action.kind !== 'advance') return;
      if (guard.status === 'unknown') {
        // Never advance blind: hold the step and look again at the next interval.
        await this.d.timers.schedule(tx, {
          kind: ROLLOUT_TIMER,
          key: `${flag}/${env}`,
          dueAt: now + this.intervalMs,
          payload: { flag, env },
        });
        return;
      }
      if (timerId) await this.d.timers.complete(tx, timerId, this.d.instanceId);
      const next = advanceRollout(rec.state, planned.plan, now);
      await this.service.transition(tx, SYSTEM_ROLLOUTS, planned, rec.state, next, {
        type: next.status === 'completed' ? 'flag.rollout_completed' : 'flag.rollout_advanced',
        reason: 'step wait over and guards healthy',
      });
    });
  }
}
