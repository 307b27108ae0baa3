/**
 * Operating flags: kill-switch overrides (on/off/clear, optionally linked to an incident), staged
 * rollouts driven by people (start/pause/resume/rollback), client keys, and the read views (list
 * with per-environment state and staleness, detail with history, evaluation preview). Every change
 * is audited with before/after and appended to the flag's timeline in the same transaction.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/db.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { TimerStore } from '../../engines/timers.ts';
import type { Clock } from '../../kernel/clock.ts';
import { conflict, invalid, notFound, VigilError } from '../../kernel/errors.ts';
import { newId } from '../../kernel/ids.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { ActorContext, CatalogService } from '../catalog/catalog-service.ts';
import { catalogStore } from '../catalog/catalog-store.ts';
import type { Timeline } from '../timeline/timeline.ts';
import { compileCondition } from './conditions.ts';
import { loadDefinition, loadDefinitions, loadSegments, readTx } from './definitions.ts';
import {
  activeOverride,
  declaredEnabled,
  effectiveFlag,
  type FlagDefinition,
  type Override,
  type RolloutRecord,
  servedPercentages,
} from './effective.ts';
import { compileFlagSet, compileSegments } from './evaluate.ts';
import type { EvaluationContext, Reason, Rule } from './flag.ts';
import { exportFlagd } from './flagd-export.ts';
import { importFlagd } from './flagd-import.ts';
import { lifespanDays, staleness } from './lifecycle.ts';
import {
  checkConventions,
  type FlagConventions,
  type FlagSpec,
  flagFromSpec,
  type PlannedRollout,
} from './plan.ts';
import {
  initialRollout,
  pauseRollout,
  type RolloutState,
  resumeRollout,
  rollbackRollout,
  rolloutPercentage,
  startRollout,
} from './rollout.ts';
import { type FlagRuntimeCache, hashClientKey } from './runtime-cache.ts';
import { environmentSpec, flagToSpec, segmentToSpec } from './spec.ts';
import { type ClientKey, flagsStore } from './store.ts';

export const ROLLOUT_TIMER = 'flags.rollout';
export const CLIENT_KEY_PREFIX = 'vfk_';
export const timerKey = (flag: string, env: string) => `${flag}/${env}`;

export type RolloutVerb = 'start' | 'pause' | 'resume' | 'rollback';

/** Shared dependencies of the service and the engines. */
export interface FlagsDeps {
  db: Db;
  clock: Clock;
  audit: AuditLog;
  timeline: Timeline;
  timers: TimerStore;
  cache: FlagRuntimeCache;
}

/** One environment's state as the API presents it. */
export function envState(
  def: FlagDefinition,
  env: string,
  overrides: Map<string, Override>,
  rollouts: Map<string, RolloutRecord>,
  percentages: Record<string, number | null>,
) {
  const o = activeOverride(def.flag, env, overrides.get(env));
  const planned = def.rollouts.find((r) => r.env === env);
  const rec = rollouts.get(env);
  const served = effectiveFlag(def, overrides, rollouts).environments[env];
  return {
    enabled: served?.enabled ?? false,
    declared_enabled: declaredEnabled(def.flag, env),
    override: o
      ? {
          enabled: o.enabled,
          reason: o.reason,
          by: o.actor,
          incident: o.incident,
          at: new Date(o.at).toISOString(),
        }
      : null,
    rollout: planned ? rolloutView(planned, rec?.state ?? initialRollout()) : null,
    percentage: percentages[env] ?? null,
  };
}

/** A staged rollout's plan and state for the API. */
export function rolloutView(planned: PlannedRollout, state: RolloutState) {
  const step = planned.plan.steps[state.stepIndex];
  const next =
    state.status === 'running' && state.stepStartedAt !== null
      ? new Date(state.stepStartedAt + (step?.wait ?? 0)).toISOString()
      : null;
  return {
    status: state.status,
    step: state.stepIndex + 1,
    steps: planned.plan.steps.map((s) => ({ percentage: s.percentage, wait_ms: s.wait ?? 0 })),
    percentage: rolloutPercentage(state, planned.plan),
    on_guard_failure: planned.plan.onGuardFailure,
    guards: planned.guards,
    paused_reason: state.pausedReason ?? null,
    next_step_at: next,
  };
}

/**
 * Which targeting rule decided a preview (1-based), or null when the fallthrough did: the first
 * rule whose conditions and segments all hold, as the compiled evaluator walks them.
 */
function matchedRule(
  rules: Rule[],
  segments: ReturnType<typeof compileSegments>,
  context: EvaluationContext,
  now: number,
  reason: Reason,
): number | null {
  if (reason !== 'TARGETING_MATCH' && reason !== 'SPLIT' && reason !== 'DEFAULT') return null;
  for (let i = 0; i < rules.length; i++) {
    const ms = (rules[i].conditions ?? []).map(compileCondition);
    for (const s of rules[i].segments ?? []) ms.push(...(segments.get(s) ?? []));
    if (ms.every((m) => m(context, now))) return i + 1;
  }
  return null;
}

export class FlagsService {
  constructor(private d: FlagsDeps) {}

  private async requireDef(tx: Tx, key: string): Promise<FlagDefinition> {
    const def = await loadDefinition(tx, key);
    if (!def) throw notFound('flag', key);
    return def;
  }

  private async requireEnv(tx: Tx, env: string): Promise<void> {
    if (!(await catalogStore.get(tx, 'environment', env))) throw notFound('environment', env);
  }

  /** The owning team of a flag (for scoped access checks); 404 when the flag does not exist. */
  async ownerOf(key: string): Promise<string | undefined> {
    return (await this.requireDef(readTx(this.d.db), key)).flag.owner;
  }

  /** The plan's (or an admin's) flag conventions, if any. */
  private async conventions(tx: Tx): Promise<FlagConventions | undefined> {
    const o = await catalogStore.get(tx, 'flag_conventions', 'default');
    return o ? (o.spec as FlagConventions) : undefined;
  }

  /** After a committed change on this replica, served sets are rebuilt. */
  private invalidateAfter(tx: Tx): void {
    tx.afterCommit(() => this.d.cache.invalidate());
  }

  /**
   * Turns a flag on or off in one environment (a runtime override of the definition). With an
   * incident id, the toggle is also appended to that incident's timeline.
   */
  async toggle(
    ctx: ActorContext,
    input: { flag: string; env: string; enabled: boolean; reason: string; incident?: string | null },
  ): Promise<{ changed: boolean; enabled: boolean }> {
    if (!input.reason?.trim()) throw invalid('a reason is required (-m "incident INC-…: why")');
    return inTransaction(this.d.db, async (tx) => {
      const def = await this.requireDef(tx, input.flag);
      await this.requireEnv(tx, input.env);
      return this.applyToggle(tx, ctx, def, { ...input, incident: input.incident ?? null });
    });
  }

  /** Sets an override inside `tx` (also used by alert triggers); records audit and timelines. */
  async applyToggle(
    tx: Tx,
    ctx: ActorContext,
    def: FlagDefinition,
    input: { env: string; enabled: boolean; reason: string; incident: string | null; trigger?: string },
  ): Promise<{ changed: boolean; enabled: boolean }> {
    const { env } = input;
    const key = def.flag.key;
    const overrides = new Map((await flagsStore.overrides(tx, key)).map((o) => [o.env, o]));
    const rollouts = new Map((await flagsStore.rollouts(tx, { flag: key })).map((r) => [r.env, r]));
    const before = effectiveFlag(def, overrides, rollouts).environments[env]?.enabled ?? false;
    const prev = activeOverride(def.flag, env, overrides.get(env));
    const now = this.d.clock.now();
    const o: Override = {
      flag: key,
      env,
      enabled: input.enabled,
      basis: declaredEnabled(def.flag, env),
      reason: input.reason,
      actor: ctx.actor,
      incident: input.incident,
      at: now,
    };
    await flagsStore.putOverride(tx, o);
    const data = {
      env,
      enabled: input.enabled,
      previous: before,
      reason: input.reason,
      by: ctx.actor,
      ...(input.incident ? { incident: input.incident } : {}),
      ...(input.trigger ? { trigger: input.trigger } : {}),
    };
    await this.d.audit.append(tx, {
      ...ctx,
      action: 'flag.toggle',
      object: { kind: 'flag', key },
      before: { env, enabled: before, override: prev ?? null },
      after: { env, enabled: input.enabled, override: o },
    });
    await this.d.timeline.append(tx, {
      type: 'flag.toggled',
      subject: { kind: 'flag', key },
      actor: ctx.actor,
      data,
    });
    if (input.incident) {
      await this.d.timeline.append(tx, {
        type: 'flag.toggled',
        subject: { kind: 'incident', key: input.incident },
        actor: ctx.actor,
        data: { flag: key, env, enabled: input.enabled, reason: input.reason, by: ctx.actor },
      });
    }
    this.invalidateAfter(tx);
    return { changed: before !== input.enabled, enabled: input.enabled };
  }

  /** Removes the override so the definition's declared state applies again. */
  async clearOverride(ctx: ActorContext, input: { flag: string; env: string; reason?: string }) {
    return inTransaction(this.d.db, async (tx) => {
      const def = await this.requireDef(tx, input.flag);
      const cur = (await flagsStore.overrides(tx, input.flag)).find((o) => o.env === input.env);
      if (!cur) throw notFound('override of flag', `${input.flag} in ${input.env}`);
      await flagsStore.deleteOverride(tx, input.flag, input.env);
      const enabled = declaredEnabled(def.flag, input.env);
      await this.d.audit.append(tx, {
        ...ctx,
        action: 'flag.override_clear',
        object: { kind: 'flag', key: input.flag },
        before: { env: input.env, override: cur },
        after: { env: input.env, override: null, declared_enabled: enabled },
      });
      await this.d.timeline.append(tx, {
        type: 'flag.override_cleared',
        subject: { kind: 'flag', key: input.flag },
        actor: ctx.actor,
        data: { env: input.env, reason: input.reason ?? null, by: ctx.actor, enabled },
      });
      this.invalidateAfter(tx);
      return { enabled };
    });
  }

  /** A person starts, pauses, resumes or rolls back the staged rollout of a flag in an environment. */
  async rollout(ctx: ActorContext, input: { flag: string; env: string; verb: RolloutVerb; reason?: string }) {
    return inTransaction(this.d.db, async (tx) => {
      const def = await this.requireDef(tx, input.flag);
      const planned = def.rollouts.find((r) => r.env === input.env);
      if (!planned) {
        throw conflict(`flag "${input.flag}" declares no staged rollout for environment "${input.env}"`);
      }
      const rec = (await flagsStore.rollouts(tx, { flag: input.flag })).find((r) => r.env === input.env);
      let state = rec?.state ?? initialRollout();
      const now = this.d.clock.now();
      const reason = input.reason ?? `${input.verb} by ${ctx.actor}`;
      if (input.verb === 'start' && (state.status === 'rolled_back' || state.status === 'completed')) {
        state = initialRollout(); // a finished rollout may be run again from its first step
      }
      const next =
        input.verb === 'start'
          ? startRollout(state, now)
          : input.verb === 'pause'
            ? pauseRollout(state, now, reason)
            : input.verb === 'resume'
              ? resumeRollout(state, now)
              : rollbackRollout(state, now, reason);
      await this.transition(tx, ctx, planned, rec?.state ?? initialRollout(), next, {
        type: `flag.rollout_${{ start: 'started', pause: 'paused', resume: 'resumed', rollback: 'rolled_back' }[input.verb]}`,
        reason,
      });
      return rolloutView(planned, next);
    });
  }

  /** Stores a rollout transition, audits it, appends it to the flag's history and (re)arms its timer. */
  async transition(
    tx: Tx,
    ctx: ActorContext,
    planned: PlannedRollout,
    before: RolloutState,
    after: RolloutState,
    event: { type: string; reason?: string; guard?: string },
  ): Promise<void> {
    await flagsStore.putRollout(tx, { flag: planned.flag, env: planned.env, state: after, actor: ctx.actor });
    const from = rolloutPercentage(before, planned.plan);
    const to = rolloutPercentage(after, planned.plan);
    await this.d.audit.append(tx, {
      ...ctx,
      action: event.type,
      object: { kind: 'flag', key: planned.flag },
      before: { env: planned.env, ...before, percentage: from },
      after: { env: planned.env, ...after, percentage: to },
    });
    await this.d.timeline.append(tx, {
      type: event.type,
      subject: { kind: 'flag', key: planned.flag },
      actor: ctx.actor,
      data: {
        env: planned.env,
        status: after.status,
        step: after.stepIndex + 1,
        from_percentage: from,
        percentage: to,
        by: ctx.actor,
        ...(event.reason ? { reason: event.reason } : {}),
        ...(event.guard ? { guard: event.guard } : {}),
      },
    });
    const tk = timerKey(planned.flag, planned.env);
    if (after.status === 'running') {
      const wait = planned.plan.steps[after.stepIndex]?.wait ?? 0;
      await this.d.timers.schedule(tx, {
        kind: ROLLOUT_TIMER,
        key: tk,
        dueAt: (after.stepStartedAt ?? this.d.clock.now()) + wait,
        payload: { flag: planned.flag, env: planned.env },
      });
    } else {
      await this.d.timers.cancel(tx, ROLLOUT_TIMER, tk);
    }
    this.invalidateAfter(tx);
  }

  /** Issues a client key for one environment; the secret is returned once and stored hashed. */
  async createKey(
    ctx: ActorContext,
    input: { name: string; env: string; rateLimit?: number | null },
  ): Promise<{ key: ClientKey; secret: string }> {
    const secret = CLIENT_KEY_PREFIX + randomBytes(24).toString('base64url');
    const key: ClientKey = {
      id: newId(this.d.clock),
      name: input.name,
      env: input.env,
      prefix: secret.slice(0, 10),
      rateLimit: input.rateLimit ?? null,
      createdBy: ctx.actor,
      createdAt: this.d.clock.now(),
      revokedAt: null,
    };
    await inTransaction(this.d.db, async (tx) => {
      await this.requireEnv(tx, input.env);
      await flagsStore.insertKey(tx, key, hashClientKey(secret));
      await this.d.audit.append(tx, {
        ...ctx,
        action: 'flag_key.create',
        object: { kind: 'flag_key', key: key.id },
        after: { name: key.name, env: key.env, prefix: key.prefix, rateLimit: key.rateLimit },
      });
    });
    return { key, secret };
  }

  async listKeys(): Promise<ClientKey[]> {
    return flagsStore.keys(readTx(this.d.db));
  }

  async revokeKey(ctx: ActorContext, id: string): Promise<ClientKey> {
    const key = await inTransaction(this.d.db, async (tx) => {
      const before = (await flagsStore.keys(tx)).find((k) => k.id === id);
      if (!before) throw notFound('client key', id);
      const after = (await flagsStore.revokeKey(tx, id, this.d.clock.now()))!;
      await this.d.audit.append(tx, {
        ...ctx,
        action: 'flag_key.revoke',
        object: { kind: 'flag_key', key: id },
        before,
        after,
      });
      return after;
    });
    this.d.cache.forgetKeys();
    return key;
  }

  /** Flags with per-environment state, staleness and lifespan; filters by tag, type and staleness. */
  async list(filter: { tag?: string; type?: string; stale?: boolean } = {}) {
    const tx = readTx(this.d.db);
    const now = this.d.clock.now();
    const [defs, overrides, rollouts, history, lifespans, conventions] = await Promise.all([
      loadDefinitions(tx),
      flagsStore.overrides(tx),
      flagsStore.rollouts(tx),
      flagsStore.allHistory(tx),
      flagsStore.lifespans(tx),
      this.conventions(tx),
    ]);
    const born = new Map(lifespans.map((l) => [l.flag, l.createdAt]));
    const items = [];
    for (const def of [...defs.values()].sort((a, b) => a.flag.key.localeCompare(b.flag.key))) {
      const f = def.flag;
      if (filter.type && f.type !== filter.type) continue;
      if (filter.tag && !f.tags.some((t) => t === filter.tag || t.startsWith(`${filter.tag}:`))) continue;
      const createdAt = born.get(f.key) ?? def.createdAt;
      const st = staleness(f, history.get(f.key) ?? [], now, { createdAt });
      if (filter.stale !== undefined && st.stale !== filter.stale) continue;
      const ov = new Map(overrides.filter((o) => o.flag === f.key).map((o) => [o.env, o]));
      const ro = new Map(rollouts.filter((r) => r.flag === f.key).map((r) => [r.env, r]));
      items.push(this.present(def, ov, ro, st, createdAt, now, conventions));
    }
    return { items, summary: this.lifespanSummary(lifespans, now), conventions: conventions ?? null };
  }

  private present(
    def: FlagDefinition,
    ov: Map<string, Override>,
    ro: Map<string, RolloutRecord>,
    st: { stale: boolean; reason: string },
    createdAt: number,
    now: number,
    conventions: FlagConventions | undefined,
  ) {
    const f = def.flag;
    const percentages = servedPercentages(def, ov, ro);
    const envs = new Set([...Object.keys(f.environments), ...ov.keys(), ...def.rollouts.map((r) => r.env)]);
    const environments: Record<string, ReturnType<typeof envState>> = {};
    for (const env of [...envs].sort()) environments[env] = envState(def, env, ov, ro, percentages);
    return {
      key: f.key,
      type: f.type,
      kind: f.kind,
      description: f.description ?? null,
      owner: f.owner ?? null,
      tags: f.tags,
      archived: f.archived ?? false,
      managed: def.managed,
      source: def.source,
      version: def.version,
      environments,
      triggers: def.triggers,
      stale: st.stale,
      stale_reason: st.reason,
      convention_problems: conventions ? checkConventions([f], conventions).map((p) => p.message) : [],
      lifespan_days: lifespanDays(createdAt, null, now),
      created_at: new Date(createdAt).toISOString(),
      updated_at: new Date(def.updatedAt).toISOString(),
    };
  }

  /** WT-10: days from creation to retirement (deleted or archived), target < 60 days. */
  lifespanSummary(rows: Array<{ flag: string; createdAt: number; retiredAt: number | null }>, now: number) {
    const days = rows.map((r) => lifespanDays(r.createdAt, r.retiredAt, now)).sort((a, b) => a - b);
    const retired = rows
      .filter((r) => r.retiredAt !== null)
      .map((r) => lifespanDays(r.createdAt, r.retiredAt, now));
    const mean = (xs: number[]) =>
      xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10 : null;
    return {
      flags: rows.length,
      retired: retired.length,
      mean_lifespan_days: mean(days),
      median_lifespan_days: days.length ? days[Math.floor((days.length - 1) / 2)] : null,
      mean_retired_lifespan_days: mean(retired),
      over_60_days: days.filter((d) => d > 60).length,
    };
  }

  /** One flag with its definition, per-environment state and history (timeline). */
  async detail(key: string) {
    const tx = readTx(this.d.db);
    const now = this.d.clock.now();
    const def = await this.requireDef(tx, key);
    const ov = new Map((await flagsStore.overrides(tx, key)).map((o) => [o.env, o]));
    const ro = new Map((await flagsStore.rollouts(tx, { flag: key })).map((r) => [r.env, r]));
    const createdAt =
      (await flagsStore.lifespans(tx)).find((l) => l.flag === key)?.createdAt ?? def.createdAt;
    const st = staleness(def.flag, await flagsStore.history(tx, key), now, { createdAt });
    const events = await this.d.timeline.forSubject('flag', key);
    const view = this.present(def, ov, ro, st, createdAt, now, await this.conventions(tx));
    // Alert guards of staged rollouts: which are firing now (as the flags-events consumer saw them).
    for (const planned of def.rollouts) {
      const r = view.environments[planned.env]?.rollout as (ReturnType<typeof rolloutView> & object) | null;
      if (!r) continue;
      const firing = await flagsStore.firingAlerts(tx, planned.env);
      Object.assign(r, {
        guard_states: planned.guards.map((g) =>
          'alert' in g
            ? { guard: g.alert, kind: 'alert', state: firing.has(g.alert) ? 'firing' : 'healthy' }
            : { guard: g.query, kind: 'query', state: 'checked_by_engine' },
        ),
      });
    }
    return {
      ...view,
      definition: def.flag,
      history: events.map((e) => ({
        at: new Date(e.at).toISOString(),
        type: e.type,
        actor: e.actor,
        data: e.data,
      })),
    };
  }

  /** The audit trail of one flag (definition changes, toggles, rollouts), newest first, with before/after. */
  async audit(key: string, opts: { cursor?: number; limit?: number } = {}) {
    await this.requireDef(readTx(this.d.db), key);
    const limit = opts.limit ?? 50;
    const events = await this.d.audit.list({ kind: 'flag', key, beforeSeq: opts.cursor, limit });
    return {
      items: events.map((e) => ({
        seq: e.seq,
        at: new Date(e.at).toISOString(),
        actor: e.actor,
        action: e.action,
        before: e.before ?? null,
        after: e.after ?? null,
      })),
      next_cursor: events.length === limit ? String(events[events.length - 1].seq) : null,
    };
  }

  /**
   * Creates a flag the way a person does in the console: like `POST /api/v1/flag-definitions`, but
   * the organisation's conventions (name pattern, required tags, default off in the listed
   * environments) are enforced first — a 400 whose `errors[]` name `key`, `tags` or
   * `environments.<env>`. (The generic definitions API and imports report violations instead.)
   */
  async createFlag(ctx: ActorContext, catalog: CatalogService, key: string, spec: FlagSpec) {
    const conventions = await this.conventions(readTx(this.d.db));
    if (conventions) {
      const { flag } = flagFromSpec(key, spec);
      const problems = checkConventions([flag], conventions);
      if (problems.length) {
        const field = (p: { path: string; message: string }) =>
          p.message.startsWith('name ')
            ? 'key'
            : p.message.startsWith('missing required tag')
              ? 'tags'
              : p.path.replace(/^flags\[\d+\]\.?/, '') || 'key';
        throw new VigilError(
          400,
          'validation-failed',
          `flag "${key}" does not follow the conventions: ${problems.map((p) => p.message).join('; ')}`,
          { errors: problems.map((p) => ({ path: field(p), message: p.message })) },
        );
      }
    }
    return catalog.create(ctx, 'flag', key, spec as unknown as Record<string, unknown>);
  }

  /** One environment's definitions (as declared, not overridden) as a flagd flag-definition document. */
  async exportFlagd(env: string) {
    const tx = readTx(this.d.db);
    await this.requireEnv(tx, env);
    const defs = [...(await loadDefinitions(tx)).values()].sort((a, b) =>
      a.flag.key.localeCompare(b.flag.key),
    );
    const { doc, problems } = exportFlagd(
      defs.map((d) => d.flag),
      await loadSegments(tx),
      env,
    );
    return { env, document: doc, problems };
  }

  /**
   * Imports a flagd document into environment `env`: new flags are created (type from the
   * document's metadata, else `release`), existing API-managed flags get their variants, default and
   * that environment replaced (other environments are kept); plan-managed flags are left alone.
   * Segments (`$evaluators`) are created or replaced likewise. `dryRun` reports without writing.
   */
  async importFlagd(
    ctx: ActorContext,
    catalog: CatalogService,
    input: { document: unknown; env: string; dryRun?: boolean },
  ) {
    const tx = readTx(this.d.db);
    await this.requireEnv(tx, input.env);
    const imp = importFlagd(input.document, { env: input.env });
    const problems = imp.problems.map((p) => ({ flag: p.flag ?? null, path: p.path, message: p.message }));
    const result = {
      env: input.env,
      dry_run: Boolean(input.dryRun),
      created: [] as string[],
      updated: [] as string[],
      segments: [] as string[],
      skipped: [] as Array<{ key: string; reason: string }>,
      problems,
    };
    const plannedSegments: Array<{ key: string; spec: Record<string, unknown>; exists: boolean }> = [];
    for (const seg of imp.segments) {
      const cur = await catalogStore.get(tx, 'segment', seg.key);
      if (cur?.managed) {
        result.skipped.push({ key: seg.key, reason: `segment is managed by the plan (${cur.source})` });
        continue;
      }
      plannedSegments.push({ key: seg.key, spec: segmentToSpec(seg), exists: Boolean(cur) });
    }
    const plannedFlags: Array<{ key: string; spec: Record<string, unknown>; exists: boolean }> = [];
    for (const flag of imp.flags) {
      const cur = await catalogStore.get(tx, 'flag', flag.key);
      if (cur?.managed) {
        result.skipped.push({ key: flag.key, reason: `managed by the plan (${cur.source})` });
        continue;
      }
      let spec: Record<string, unknown>;
      try {
        if (cur) {
          const old = cur.spec as Record<string, unknown> & { environments?: Record<string, unknown> };
          spec = {
            ...old,
            variants: flag.variants,
            default_variant: flag.defaultVariant,
            environments: { ...(old.environments ?? {}), [input.env]: environmentSpec(flag, input.env) },
          };
        } else {
          spec = flagToSpec(flag) as unknown as Record<string, unknown>;
        }
      } catch (e) {
        problems.push({ flag: flag.key, path: `flags.${flag.key}`, message: (e as Error).message });
        continue;
      }
      plannedFlags.push({ key: flag.key, spec, exists: Boolean(cur) });
    }
    for (const s of plannedSegments) {
      if (!input.dryRun) {
        if (s.exists) await catalog.update(ctx, 'segment', s.key, s.spec);
        else await catalog.create(ctx, 'segment', s.key, s.spec);
      }
      result.segments.push(s.key);
    }
    for (const f of plannedFlags) {
      if (!input.dryRun) {
        try {
          if (f.exists) await catalog.update(ctx, 'flag', f.key, f.spec);
          else await catalog.create(ctx, 'flag', f.key, f.spec);
        } catch (e) {
          problems.push({ flag: f.key, path: `flags.${f.key}`, message: (e as Error).message });
          continue;
        }
      }
      (f.exists ? result.updated : result.created).push(f.key);
    }
    return result;
  }

  /** Evaluates a flag as served for a context, in one or every environment (a preview; nothing stored). */
  async preview(key: string, context: EvaluationContext, env?: string) {
    const tx = readTx(this.d.db);
    const def = await this.requireDef(tx, key);
    const ov = new Map((await flagsStore.overrides(tx, key)).map((o) => [o.env, o]));
    const ro = new Map((await flagsStore.rollouts(tx, { flag: key })).map((r) => [r.env, r]));
    const served = effectiveFlag(def, ov, ro);
    const segs = await loadSegments(tx);
    const envs = env ? [env] : Object.keys(served.environments).sort();
    const results: Record<string, unknown> = {};
    const now = this.d.clock.now();
    const segMatchers = compileSegments(segs);
    for (const e of envs) {
      const r = compileFlagSet([served], segs, e).evaluate(key, context, { now });
      results[e] = {
        value: r.value ?? null,
        variant: r.variant ?? null,
        reason: r.reason,
        rule: matchedRule(served.environments[e]?.targeting ?? [], segMatchers, context, now, r.reason),
        ...(r.errorCode ? { error_code: r.errorCode, error_message: r.errorMessage } : {}),
      };
    }
    return { key, context, results };
  }
}
