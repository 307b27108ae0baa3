/**
 * Persistence of the rules module: alert instances (so `for` timers survive a restart), per-group
 * evaluation health, the transition history of each alert, and the last known check states.
 */
import type { Kysely } from 'kysely';
import type { Db } from '../../db/db.ts';
import type { Tx } from '../../db/tx.ts';
import { newId } from '../../kernel/ids.ts';
import type { AlertInstance } from './state-machine.ts';

type Q = Kysely<any>;
const q = (tx: Tx | Db): Q => ('afterCommit' in tx ? (tx.db as unknown as Q) : (tx.kysely as unknown as Q));

/** Health of one rule after its last evaluation. */
export interface RuleHealth {
  health: 'ok' | 'err' | 'unknown';
  lastError: string | null;
  lastEvaluation: number | null;
  evaluationMs: number;
}

export interface GroupState {
  lastEvalAt: number | null;
  evaluationMs: number;
  rules: Record<string, RuleHealth>;
}

export interface HistoryRow {
  fingerprint: string;
  ruleId: string;
  group: string;
  from: string;
  to: string;
  at: number;
  value: number | null;
  labels: Record<string, string>;
}

/** Rows per multi-row insert: 12 columns × 400 stays under SQLite's and PostgreSQL's parameter limits. */
const INSERT_CHUNK = 400;
const UPSERT_COLUMNS = [
  'group_key',
  'labels',
  'annotations',
  'state',
  'active_at',
  'fired_at',
  'keep_firing_since',
  'value',
  'window',
  'updated_at',
];

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export class RulesStore {
  constructor(private db: Db) {}

  /** All persisted instances, grouped by rule id. */
  async loadAlerts(): Promise<Map<string, Map<string, AlertInstance>>> {
    const rows = await q(this.db).selectFrom('rules_alerts').selectAll().execute();
    const out = new Map<string, Map<string, AlertInstance>>();
    for (const r of rows) {
      let m = out.get(r.rule_id);
      if (!m) out.set(r.rule_id, (m = new Map()));
      m.set(r.fingerprint, {
        fingerprint: r.fingerprint,
        labels: JSON.parse(r.labels),
        annotations: JSON.parse(r.annotations),
        state: r.state,
        activeAt: Number(r.active_at),
        firedAt: num(r.fired_at),
        keepFiringSince: num(r.keep_firing_since),
        value: r.value === null ? Number.NaN : Number(r.value),
        window: r.window,
      });
    }
    return out;
  }

  async upsertAlert(tx: Tx, ruleId: string, group: string, a: AlertInstance, now: number): Promise<void> {
    const row = {
      group_key: group,
      labels: JSON.stringify(a.labels),
      annotations: JSON.stringify(a.annotations),
      state: a.state,
      active_at: a.activeAt,
      fired_at: a.firedAt,
      keep_firing_since: a.keepFiringSince,
      value: Number.isFinite(a.value) ? a.value : null,
      window: a.window,
      updated_at: now,
    };
    const res = await q(tx)
      .updateTable('rules_alerts')
      .set(row)
      .where('rule_id', '=', ruleId)
      .where('fingerprint', '=', a.fingerprint)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0)
      await q(tx)
        .insertInto('rules_alerts')
        .values({ rule_id: ruleId, fingerprint: a.fingerprint, ...row })
        .execute();
  }

  /** Inserts or updates instances, in multi-row statements (INSERT … ON CONFLICT DO UPDATE). */
  async upsertAlerts(
    tx: Tx,
    rows: Array<{ ruleId: string; group: string; alert: AlertInstance }>,
    now: number,
  ): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await q(tx)
        .insertInto('rules_alerts')
        .values(
          rows.slice(i, i + INSERT_CHUNK).map(({ ruleId, group, alert: a }) => ({
            rule_id: ruleId,
            fingerprint: a.fingerprint,
            group_key: group,
            labels: JSON.stringify(a.labels),
            annotations: JSON.stringify(a.annotations),
            state: a.state,
            active_at: a.activeAt,
            fired_at: a.firedAt,
            keep_firing_since: a.keepFiringSince,
            value: Number.isFinite(a.value) ? a.value : null,
            window: a.window,
            updated_at: now,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['rule_id', 'fingerprint'])
            .doUpdateSet((eb) => Object.fromEntries(UPSERT_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)]))),
        )
        .execute();
    }
  }

  async deleteAlert(tx: Tx, ruleId: string, fp: string): Promise<void> {
    await q(tx)
      .deleteFrom('rules_alerts')
      .where('rule_id', '=', ruleId)
      .where('fingerprint', '=', fp)
      .execute();
  }

  async addHistory(tx: Tx, h: HistoryRow | HistoryRow[]): Promise<void> {
    const all = Array.isArray(h) ? h : [h];
    for (let i = 0; i < all.length; i += INSERT_CHUNK) {
      await q(tx)
        .insertInto('rules_history')
        .values(
          all.slice(i, i + INSERT_CHUNK).map((r) => ({
            id: newId(),
            fingerprint: r.fingerprint,
            rule_id: r.ruleId,
            group_key: r.group,
            from_state: r.from,
            to_state: r.to,
            at: r.at,
            value: r.value !== null && Number.isFinite(r.value) ? r.value : null,
            labels: JSON.stringify(r.labels),
          })),
        )
        .execute();
    }
  }

  /** Transitions of one alert instance, newest first. */
  async history(fp: string, limit = 200): Promise<HistoryRow[]> {
    const rows = await q(this.db)
      .selectFrom('rules_history')
      .selectAll()
      .where('fingerprint', '=', fp)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      ruleId: r.rule_id,
      group: r.group_key,
      from: r.from_state,
      to: r.to_state,
      at: Number(r.at),
      value: num(r.value),
      labels: JSON.parse(r.labels),
    }));
  }

  async loadGroups(): Promise<Map<string, GroupState>> {
    const rows = await q(this.db).selectFrom('rules_groups').selectAll().execute();
    return new Map(
      rows.map((r) => [
        r.group_key,
        {
          lastEvalAt: num(r.last_eval_at),
          evaluationMs: Number(r.evaluation_ms ?? 0),
          rules: JSON.parse(r.rules),
        },
      ]),
    );
  }

  async saveGroup(tx: Tx, key: string, s: GroupState): Promise<void> {
    const row = { last_eval_at: s.lastEvalAt, evaluation_ms: s.evaluationMs, rules: JSON.stringify(s.rules) };
    const res = await q(tx)
      .updateTable('rules_groups')
      .set(row)
      .where('group_key', '=', key)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0)
      await q(tx)
        .insertInto('rules_groups')
        .values({ group_key: key, ...row })
        .execute();
  }

  async deleteGroup(tx: Tx, key: string): Promise<void> {
    await q(tx).deleteFrom('rules_groups').where('group_key', '=', key).execute();
  }

  async loadCheckStates(): Promise<Map<string, { service: string | null; state: string; since: number }>> {
    const rows = await q(this.db).selectFrom('rules_check_states').selectAll().execute();
    return new Map(rows.map((r) => [r.key, { service: r.service, state: r.state, since: Number(r.since) }]));
  }

  async saveCheckState(tx: Tx, key: string, s: { service: string | null; state: string; since: number }) {
    const res = await q(tx)
      .updateTable('rules_check_states')
      .set({ service: s.service, state: s.state, since: s.since })
      .where('key', '=', key)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0)
      await q(tx)
        .insertInto('rules_check_states')
        .values({ key, service: s.service, state: s.state, since: s.since })
        .execute();
  }
}
