/**
 * The rule evaluation engine: each group is evaluated at the slots of its interval (aligned to
 * the epoch, at the engine's `now`), alert transitions are persisted with their durable
 * `alert.firing` / `alert.resolved` timeline events in one transaction, and check-based rules are
 * fed by consuming `check.state_changed` events. State lives in memory and in rules_* tables, so a
 * restart resumes `for` timers where they were.
 */
import type { Db } from '../../db/db.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Engine, StepResult } from '../../engines/runner.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { Timeline } from '../timeline/timeline.ts';
import {
  type CheckState,
  type CompiledGroup,
  type CompiledRule,
  compileGroup,
  evaluateGroup,
  type RuleQuerier,
} from './evaluate.ts';
import type { RuleGroup } from './kinds.ts';
import type { AlertInstance, Transition } from './state-machine.ts';
import { type GroupState, type HistoryRow, RulesStore } from './store.ts';

export const CHECK_CONSUMER = 'rules-check-states';

export interface RulesEngineDeps {
  db: Db;
  timeline: Timeline;
  catalog: CatalogService;
  querier: () => RuleQuerier;
  baseUrl: string;
}

/** Evaluates rule groups; also the read model behind the rules API. */
/** How often the engine re-reads rule groups between evaluation slots. */
const CONFIG_POLL_MS = 5_000;

export class RulesEngine implements Engine {
  readonly name = 'rules-eval';
  readonly intervalMs = 60_000;
  readonly store: RulesStore;
  private loaded = false;
  private alerts = new Map<string, Map<string, AlertInstance>>();
  private groupStates = new Map<string, GroupState>();
  private checks = new Map<string, CheckState>();
  private config: CompiledGroup[] | null = null;
  private compiled = new Map<string, { json: string; group: CompiledGroup }>();

  constructor(private deps: RulesEngineDeps) {
    this.store = new RulesStore(deps.db);
  }

  /** Drops the cached group definitions (called when a rule_group changes). */
  invalidate(): void {
    this.config = null;
  }

  /** Compiled groups (cached; `refresh` re-reads the catalog). */
  async groups(): Promise<CompiledGroup[]> {
    if (!this.config) await this.refresh();
    return this.config!;
  }

  /**
   * Re-reads rule groups from the catalog, recompiling only changed ones. The evaluating replica
   * does this every step: config events reach in-process subscribers of the writing replica only.
   */
  private async refresh(): Promise<void> {
    const objs: Array<{ key: string; spec: unknown }> = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.catalog.list('rule_group', { limit: 500, cursor });
      objs.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const next = new Map<string, { json: string; group: CompiledGroup }>();
    for (const o of objs) {
      const json = JSON.stringify(o.spec);
      const prev = this.compiled.get(o.key);
      next.set(o.key, {
        json,
        group: prev?.json === json ? prev.group : compileGroup(o.key, o.spec as RuleGroup, this.deps.baseUrl),
      });
    }
    this.compiled = next;
    this.config = [...next.values()].map((c) => c.group).sort((a, b) => a.key.localeCompare(b.key));
  }

  async step(now: number): Promise<StepResult> {
    await this.ensureLoaded();
    await this.drainCheckEvents();
    await this.refresh();
    const groups = this.config!;
    await this.resolveOrphans(groups, now);
    let next = Number.POSITIVE_INFINITY;
    for (const g of groups) {
      const slot = Math.floor(now / g.intervalMs) * g.intervalMs;
      next = Math.min(next, slot + g.intervalMs);
      const st = this.groupStates.get(g.key);
      if (st?.lastEvalAt != null && st.lastEvalAt >= slot) continue;
      await this.evaluate(g, slot);
    }
    // Rule groups created or changed (here or on another replica) are picked up within
    // CONFIG_POLL_MS, not only at the next slot of the groups that existed before.
    return {
      nextDueAt: Math.min(Number.isFinite(next) ? next : Number.POSITIVE_INFINITY, now + CONFIG_POLL_MS),
    };
  }

  /** Loads persisted state once (and again after a restart: a new engine starts unloaded). */
  private async ensureLoaded(): Promise<void> {
    if (this.loaded && !(await this.staleMemory())) return;
    this.alerts = await this.store.loadAlerts();
    this.groupStates = await this.store.loadGroups();
    this.checks = await this.store.loadCheckStates();
    this.loaded = true;
  }

  /**
   * True when another replica evaluated since this one last did (the lease moved and came back):
   * then memory is reloaded from the tables, which the other replica kept up to date.
   */
  private async staleMemory(): Promise<boolean> {
    const stored = await this.store.loadGroups();
    for (const [key, s] of stored) if (this.groupStates.get(key)?.lastEvalAt !== s.lastEvalAt) return true;
    return false;
  }

  private async drainCheckEvents(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      const res = await this.deps.timeline.consume(
        CHECK_CONSUMER,
        { types: ['check.state_changed'] },
        async (tx, events) => {
          for (const e of events) {
            const d = e.data as { check?: string; service?: string | null; to?: string; at?: number };
            const key = d.check ?? e.subject.key;
            if (!key || !d.to) continue;
            const s = { service: d.service ?? null, state: d.to, since: Number(d.at ?? e.at) };
            await this.store.saveCheckState(tx, key, s);
            tx.afterCommit(() => this.checks.set(key, s));
          }
        },
      );
      if (!res.more) break;
    }
  }

  /** Firing alerts of rules that no longer exist are resolved (so incidents can close). */
  private async resolveOrphans(groups: CompiledGroup[], now: number): Promise<void> {
    const ids = new Set(groups.flatMap((g) => g.rules.map((r) => r.id)));
    const keys = new Set(groups.map((g) => g.key));
    for (const [ruleId, instances] of [...this.alerts]) {
      if (ids.has(ruleId)) continue;
      const group = ruleId.slice(0, ruleId.indexOf('/'));
      await inTransaction(this.deps.db, async (tx) => {
        for (const a of instances.values()) {
          await this.store.deleteAlert(tx, ruleId, a.fingerprint);
          if (a.state === 'firing') {
            const t: Transition = { instance: a, from: 'firing', to: 'resolved', at: now };
            await this.record(tx, ruleId, group, a.labels.alertname ?? ruleId, t, 'rule');
          }
        }
      });
      this.alerts.delete(ruleId);
    }
    for (const key of [...this.groupStates.keys()]) {
      if (keys.has(key)) continue;
      await inTransaction(this.deps.db, (tx) => this.store.deleteGroup(tx, key));
      this.groupStates.delete(key);
    }
  }

  /** Evaluates group `g` at `ts` and persists the outcome. */
  async evaluate(g: CompiledGroup, ts: number): Promise<void> {
    const t0 = performance.now();
    // Evaluate on a copy so a failed commit leaves memory as it was in the store.
    const working = new Map(this.alerts);
    const outcomes = await evaluateGroup(g, ts, this.deps.querier(), working, this.checks);
    const state: GroupState = {
      lastEvalAt: ts,
      evaluationMs: performance.now() - t0,
      rules: Object.fromEntries(outcomes.map((o) => [o.rule.id, o.health])),
    };
    await inTransaction(this.deps.db, async (tx) => {
      // Changed instances and history rows go in multi-row statements (a first round creates thousands).
      const changed: Array<{ ruleId: string; group: string; alert: AlertInstance }> = [];
      const history: HistoryRow[] = [];
      for (const o of outcomes) {
        if (!o.step) continue;
        for (const fp of o.step.removed) await this.store.deleteAlert(tx, o.rule.id, fp);
        for (const fp of o.step.changed) {
          const a = o.step.active.get(fp);
          if (a) changed.push({ ruleId: o.rule.id, group: g.key, alert: a });
        }
        for (const t of o.step.transitions) {
          history.push(this.historyRow(o.rule.id, g.key, t));
          await this.record(
            tx,
            o.rule.id,
            g.key,
            o.rule.name,
            t,
            o.rule.def.check ? 'check' : 'rule',
            o.rule,
            false,
          );
        }
      }
      await this.store.upsertAlerts(tx, changed, ts);
      await this.store.addHistory(tx, history);
      await this.store.saveGroup(tx, g.key, state);
    });
    this.alerts = working;
    this.groupStates.set(g.key, state);
  }

  private async record(
    tx: Tx,
    ruleId: string,
    group: string,
    name: string,
    t: Transition,
    source: 'rule' | 'check',
    rule?: CompiledRule,
    withHistory = true,
  ): Promise<void> {
    const a = t.instance;
    if (withHistory) await this.store.addHistory(tx, this.historyRow(ruleId, group, t));
    if (t.to !== 'firing' && t.to !== 'resolved') return;
    const data: Record<string, unknown> = {
      fingerprint: a.fingerprint,
      rule: name,
      rule_id: ruleId,
      group,
      labels: a.labels,
      annotations: a.annotations,
      value: Number.isFinite(a.value) ? a.value : null,
      starts_at: new Date(a.firedAt ?? a.activeAt).toISOString(),
      active_at: new Date(a.activeAt).toISOString(),
      source,
      generator_url: `${this.deps.baseUrl}/api/v1/rules?group=${encodeURIComponent(group)}&rule=${encodeURIComponent(name)}`,
    };
    if (rule?.def.expr) data.expr = rule.def.expr;
    if (t.to === 'resolved') data.ends_at = new Date(t.at).toISOString();
    await this.deps.timeline.append(tx, {
      type: t.to === 'firing' ? 'alert.firing' : 'alert.resolved',
      subject: { kind: 'alert', key: a.fingerprint },
      actor: 'system:rules',
      at: t.at,
      data,
    });
  }

  private historyRow(ruleId: string, group: string, t: Transition): HistoryRow {
    const a = t.instance;
    return {
      fingerprint: a.fingerprint,
      ruleId,
      group,
      from: t.from,
      to: t.to,
      at: t.at,
      value: a.value,
      labels: a.labels,
    };
  }

  /** Current instances of a rule (pending, firing; inactive M-of-N trackers excluded). */
  instances(ruleId: string): AlertInstance[] {
    return [...(this.alerts.get(ruleId)?.values() ?? [])].filter((a) => a.state !== 'inactive');
  }

  groupState(key: string): GroupState | undefined {
    return this.groupStates.get(key);
  }

  /** Loads state if the engine has not stepped yet (API reads before the first evaluation). */
  async ready(): Promise<void> {
    await this.ensureLoaded();
  }
}
