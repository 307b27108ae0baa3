/**
 * Reads and writes of the flags module's own tables (overrides, rollouts, alert state, client
 * keys, served-percentage history, lifespans). Every function takes the Kysely handle of the
 * caller's transaction so one use case stays atomic with its audit and timeline entries.
 */
import type { Kysely } from 'kysely';
import type { Tx } from '../../db/tx.ts';
import type { Override, RolloutRecord } from './effective.ts';
import type { FlagStateRecord } from './lifecycle.ts';
import type { RolloutStatus } from './rollout.ts';

type K = Kysely<any>;
const k = (tx: Tx | { db: unknown }): K => tx.db as K;

/** A client key as stored (the secret itself is never stored). */
export interface ClientKey {
  id: string;
  name: string;
  env: string;
  prefix: string;
  /** Evaluations per second allowed for this key (token bucket); null = unlimited. */
  rateLimit: number | null;
  createdBy: string;
  createdAt: number;
  revokedAt: number | null;
}

const toOverride = (r: any): Override => ({
  flag: r.flag,
  env: r.env,
  enabled: Number(r.enabled) === 1,
  basis: Number(r.basis) === 1,
  reason: r.reason,
  actor: r.actor,
  incident: r.incident ?? null,
  at: Number(r.at),
});

const toRollout = (r: any): RolloutRecord => ({
  flag: r.flag,
  env: r.env,
  actor: r.actor,
  state: {
    status: r.status as RolloutStatus,
    stepIndex: Number(r.step_index),
    stepStartedAt: r.step_started_at === null ? null : Number(r.step_started_at),
    updatedAt: r.updated_at === null ? null : Number(r.updated_at),
    ...(r.paused_reason ? { pausedReason: r.paused_reason } : {}),
  },
});

const toKey = (r: any): ClientKey => ({
  id: r.id,
  name: r.name,
  env: r.env,
  prefix: r.prefix,
  rateLimit: r.rate_limit === null || r.rate_limit === undefined ? null : Number(r.rate_limit),
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

export const flagsStore = {
  async overrides(tx: Tx, flag?: string): Promise<Override[]> {
    let q = k(tx).selectFrom('flags_overrides').selectAll();
    if (flag !== undefined) q = q.where('flag', '=', flag);
    return (await q.execute()).map(toOverride);
  },

  async putOverride(tx: Tx, o: Override): Promise<void> {
    await k(tx).deleteFrom('flags_overrides').where('flag', '=', o.flag).where('env', '=', o.env).execute();
    await k(tx)
      .insertInto('flags_overrides')
      .values({
        flag: o.flag,
        env: o.env,
        enabled: o.enabled ? 1 : 0,
        basis: o.basis ? 1 : 0,
        reason: o.reason,
        actor: o.actor,
        incident: o.incident,
        at: o.at,
      })
      .execute();
  },

  async deleteOverride(tx: Tx, flag: string, env: string): Promise<void> {
    await k(tx).deleteFrom('flags_overrides').where('flag', '=', flag).where('env', '=', env).execute();
  },

  /** Drops a deleted flag's runtime state (a flag re-created under the same key starts clean). */
  async forgetFlag(tx: Tx, flag: string): Promise<void> {
    await k(tx).deleteFrom('flags_overrides').where('flag', '=', flag).execute();
    await k(tx).deleteFrom('flags_rollouts').where('flag', '=', flag).execute();
  },

  async rollouts(tx: Tx, filter: { flag?: string; status?: RolloutStatus } = {}): Promise<RolloutRecord[]> {
    let q = k(tx).selectFrom('flags_rollouts').selectAll();
    if (filter.flag !== undefined) q = q.where('flag', '=', filter.flag);
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    return (await q.execute()).map(toRollout);
  },

  async putRollout(tx: Tx, r: RolloutRecord): Promise<void> {
    await k(tx).deleteFrom('flags_rollouts').where('flag', '=', r.flag).where('env', '=', r.env).execute();
    await k(tx)
      .insertInto('flags_rollouts')
      .values({
        flag: r.flag,
        env: r.env,
        status: r.state.status,
        step_index: r.state.stepIndex,
        step_started_at: r.state.stepStartedAt,
        paused_reason: r.state.pausedReason ?? null,
        updated_at: r.state.updatedAt,
        actor: r.actor,
      })
      .execute();
  },

  /** Records whether an alert instance fires in an environment ('' = no environment given). */
  async setAlert(
    tx: Tx,
    rule: string,
    env: string,
    firing: boolean,
    at: number,
    instance = '',
  ): Promise<void> {
    await k(tx)
      .deleteFrom('flags_alerts')
      .where('rule', '=', rule)
      .where('env', '=', env)
      .where('instance', '=', instance)
      .execute();
    if (!firing) return;
    await k(tx).insertInto('flags_alerts').values({ rule, env, instance, firing: 1, since: at }).execute();
  },

  /** Rules firing in `env` or without an environment. */
  async firingAlerts(tx: Tx, env: string): Promise<Set<string>> {
    const rows = await k(tx)
      .selectFrom('flags_alerts')
      .select('rule')
      .where('firing', '=', 1)
      .where('env', 'in', [env, ''])
      .execute();
    return new Set(rows.map((r: any) => r.rule as string));
  },

  async insertKey(tx: Tx, key: ClientKey, hash: string): Promise<void> {
    await k(tx)
      .insertInto('flags_client_keys')
      .values({
        id: key.id,
        name: key.name,
        env: key.env,
        prefix: key.prefix,
        key_hash: hash,
        rate_limit: key.rateLimit,
        created_by: key.createdBy,
        created_at: key.createdAt,
        revoked_at: null,
      })
      .execute();
  },

  async keys(tx: Tx): Promise<ClientKey[]> {
    return (await k(tx).selectFrom('flags_client_keys').selectAll().orderBy('created_at').execute()).map(
      toKey,
    );
  },

  async keyByHash(tx: Tx, hash: string): Promise<ClientKey | undefined> {
    const r = await k(tx)
      .selectFrom('flags_client_keys')
      .selectAll()
      .where('key_hash', '=', hash)
      .executeTakeFirst();
    return r ? toKey(r) : undefined;
  },

  async revokeKey(tx: Tx, id: string, at: number): Promise<ClientKey | undefined> {
    await k(tx).updateTable('flags_client_keys').set({ revoked_at: at }).where('id', '=', id).execute();
    const r = await k(tx).selectFrom('flags_client_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toKey(r) : undefined;
  },

  async history(tx: Tx, flag: string): Promise<FlagStateRecord[]> {
    const rows = await k(tx)
      .selectFrom('flags_state_history')
      .selectAll()
      .where('flag', '=', flag)
      .orderBy('at')
      .orderBy('id')
      .execute();
    return rows.map((r: any) => ({ at: Number(r.at), percentages: JSON.parse(r.percentages) }));
  },

  async allHistory(tx: Tx): Promise<Map<string, FlagStateRecord[]>> {
    const rows = await k(tx)
      .selectFrom('flags_state_history')
      .selectAll()
      .orderBy('at')
      .orderBy('id')
      .execute();
    const out = new Map<string, FlagStateRecord[]>();
    for (const r of rows as any[]) {
      const list = out.get(r.flag) ?? [];
      list.push({ at: Number(r.at), percentages: JSON.parse(r.percentages) });
      out.set(r.flag, list);
    }
    return out;
  },

  async appendHistory(tx: Tx, id: string, flag: string, rec: FlagStateRecord): Promise<void> {
    await k(tx)
      .insertInto('flags_state_history')
      .values({ id, flag, at: rec.at, percentages: JSON.stringify(rec.percentages) })
      .execute();
  },

  async lifespans(tx: Tx): Promise<Array<{ flag: string; createdAt: number; retiredAt: number | null }>> {
    const rows = await k(tx).selectFrom('flags_lifespans').selectAll().execute();
    return rows.map((r: any) => ({
      flag: r.flag,
      createdAt: Number(r.created_at),
      retiredAt: r.retired_at === null ? null : Number(r.retired_at),
    }));
  },

  /** Starts a lifespan (idempotent) or, with `retiredAt`, ends it; a re-created flag starts again. */
  async markLifespan(tx: Tx, flag: string, at: number, retired: boolean): Promise<void> {
    const cur = await k(tx)
      .selectFrom('flags_lifespans')
      .selectAll()
      .where('flag', '=', flag)
      .executeTakeFirst();
    if (!cur) {
      await k(tx)
        .insertInto('flags_lifespans')
        .values({ flag, created_at: at, retired_at: retired ? at : null })
        .execute();
      return;
    }
    if (retired && cur.retired_at === null) {
      await k(tx).updateTable('flags_lifespans').set({ retired_at: at }).where('flag', '=', flag).execute();
    } else if (!retired && cur.retired_at !== null) {
      await k(tx)
        .updateTable('flags_lifespans')
        .set({ created_at: at, retired_at: null })
        .where('flag', '=', flag)
        .execute();
    }
  },
};
