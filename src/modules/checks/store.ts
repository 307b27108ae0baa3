/** Persistence of probe state, raw results and rollups (module-owned tables, both engines). */
import { type Kysely, sql } from 'kysely';
import type { Tx } from '../../db/tx.ts';
import type { ProbeResult } from './probes/index.ts';
import { BUCKET_COLUMNS, bucketOf, bucketStart, type Resolution } from './rollups.ts';
import type { CheckState } from './state-machine.ts';

/** A probe's persisted state row. */
export interface StateRow {
  key: string;
  state: CheckState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  paused: boolean;
  lastRunAt: number | null;
  lastStatus: string | null;
  lastLatencyMs: number | null;
  lastErrorClass: string | null;
  lastError: string | null;
  lastLatenessMs: number | null;
  changedAt: number | null;
}

/** A stored raw result. */
export interface ResultRow {
  id: string;
  checkKey: string;
  at: number;
  status: string;
  latencyMs: number;
  errorClass: string | null;
  error: string | null;
  location: string;
  latenessMs: number | null;
  details: Record<string, unknown> | null;
}

type Q = Kysely<any>;

/** A rollup bucket's counts (list summaries need no histogram). */
export interface RollupCount {
  key: string;
  start: number;
  total: number;
  ok: number;
  latencySum: number;
}
const q = (tx: Tx | Kysely<any>): Q => ('afterCommit' in tx ? (tx.db as unknown as Q) : (tx as Q));

function toState(r: any): StateRow {
  return {
    key: r.key,
    state: r.state,
    consecutiveFailures: Number(r.consecutive_failures),
    consecutiveSuccesses: Number(r.consecutive_successes),
    paused: Number(r.paused) === 1,
    lastRunAt: r.last_run_at == null ? null : Number(r.last_run_at),
    lastStatus: r.last_status,
    lastLatencyMs: r.last_latency_ms == null ? null : Number(r.last_latency_ms),
    lastErrorClass: r.last_error_class,
    lastError: r.last_error,
    lastLatenessMs: r.last_lateness_ms == null ? null : Number(r.last_lateness_ms),
    changedAt: r.changed_at == null ? null : Number(r.changed_at),
  };
}

/** A fresh state row for a check seen for the first time. */
export function initialState(key: string): StateRow {
  return {
    key,
    state: 'unknown',
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    paused: false,
    lastRunAt: null,
    lastStatus: null,
    lastLatencyMs: null,
    lastErrorClass: null,
    lastError: null,
    lastLatenessMs: null,
    changedAt: null,
  };
}

export const checksStore = {
  async allStates(db: Tx | Q): Promise<StateRow[]> {
    return (await q(db).selectFrom('checks_state').selectAll().orderBy('key').execute()).map(toState);
  },

  async getState(db: Tx | Q, key: string): Promise<StateRow | null> {
    const r = await q(db).selectFrom('checks_state').selectAll().where('key', '=', key).executeTakeFirst();
    return r ? toState(r) : null;
  },

  async putState(db: Tx | Q, s: StateRow, now: number): Promise<void> {
    await checksStore.putStates(db, [s], now);
  },

  /** Upserts many state rows in one statement per 200. */
  async putStates(db: Tx | Q, states: StateRow[], now: number): Promise<void> {
    const rows = states.map((s) => ({
      key: s.key,
      state: s.state,
      consecutive_failures: s.consecutiveFailures,
      consecutive_successes: s.consecutiveSuccesses,
      paused: s.paused ? 1 : 0,
      last_run_at: s.lastRunAt,
      last_status: s.lastStatus,
      last_latency_ms: s.lastLatencyMs,
      last_error_class: s.lastErrorClass,
      last_error: s.lastError,
      last_lateness_ms: s.lastLatenessMs,
      changed_at: s.changedAt,
      updated_at: now,
    }));
    const cols = Object.keys(rows[0] ?? {}).filter((c) => c !== 'key');
    for (let i = 0; i < rows.length; i += 200) {
      await q(db)
        .insertInto('checks_state')
        .values(rows.slice(i, i + 200))
        .onConflict((oc) =>
          oc.column('key').doUpdateSet(Object.fromEntries(cols.map((c) => [c, sql.ref(`excluded.${c}`)]))),
        )
        .execute();
    }
  },

  /** The paused flag of each of `keys` that has a state row. */
  async pausedFlags(db: Tx | Q, keys: string[]): Promise<Map<string, boolean>> {
    const out = new Map<string, boolean>();
    for (let i = 0; i < keys.length; i += 500) {
      const rows = await q(db)
        .selectFrom('checks_state')
        .select(['key', 'paused'])
        .where('key', 'in', keys.slice(i, i + 500))
        .execute();
      for (const r of rows) out.set(r.key, Number(r.paused) === 1);
    }
    return out;
  },

  async deleteState(db: Tx | Q, key: string): Promise<void> {
    await q(db).deleteFrom('checks_state').where('key', '=', key).execute();
  },

  async insertResult(db: Tx | Q, r: ResultRow): Promise<void> {
    await checksStore.insertResults(db, [r]);
  },

  /** Inserts many raw results (one statement per 500). */
  async insertResults(db: Tx | Q, rs: ResultRow[]): Promise<void> {
    for (let i = 0; i < rs.length; i += 500) {
      await q(db)
        .insertInto('checks_results')
        .values(
          rs.slice(i, i + 500).map((r) => ({
            id: r.id,
            check_key: r.checkKey,
            at: r.at,
            status: r.status,
            latency_ms: r.latencyMs,
            error_class: r.errorClass,
            error: r.error,
            location: r.location,
            lateness_ms: r.latenessMs,
            details: r.details ? JSON.stringify(r.details) : null,
          })),
        )
        .execute();
    }
  },

  /**
   * Adds many results to their minute, hour and day rollups: counts are summed per bucket in
   * memory, then each bucket is one row of a multi-row upsert that increments in SQL (so
   * concurrent writers still never lose counts).
   */
  async addManyToRollups(
    db: Tx | Q,
    items: Array<{ key: string; at: number; result: ProbeResult }>,
  ): Promise<void> {
    const buckets = new Map<string, Record<string, any>>();
    for (const { key, at, result } of items) {
      const ok = result.status !== 'down';
      const h = ok ? BUCKET_COLUMNS[bucketOf(result.latencyMs)] : null;
      for (const resolution of ['minute', 'hour', 'day'] as Resolution[]) {
        const start = bucketStart(at, resolution);
        const id = `${key}\u0000${resolution}\u0000${start}`;
        let row = buckets.get(id);
        if (!row) {
          row = { check_key: key, resolution, start, total: 0, up: 0, degraded: 0, down: 0, latency_sum: 0 };
          for (const c of BUCKET_COLUMNS) row[c] = 0;
          buckets.set(id, row);
        }
        row.total++;
        row[result.status]++;
        if (ok) row.latency_sum += result.latencyMs;
        if (h) row[h]++;
      }
    }
    const rows = [...buckets.values()];
    const counters = ['total', 'up', 'degraded', 'down', 'latency_sum', ...BUCKET_COLUMNS];
    const inc = (col: string) => sql`checks_rollups.${sql.ref(col)} + excluded.${sql.ref(col)}`;
    const set = Object.fromEntries(counters.map((c) => [c, inc(c)]));
    for (let i = 0; i < rows.length; i += 300) {
      await q(db)
        .insertInto('checks_rollups')
        .values(rows.slice(i, i + 300))
        .onConflict((oc) => oc.columns(['check_key', 'resolution', 'start']).doUpdateSet(set))
        .execute();
    }
  },

  /** Adds one result to its minute, hour and day rollups (atomic increments). */
  async addToRollups(db: Tx | Q, key: string, at: number, result: ProbeResult): Promise<void> {
    await checksStore.addManyToRollups(db, [{ key, at, result }]);
  },

  async results(
    db: Q,
    key: string,
    opts: { from?: number; to?: number; limit?: number; status?: string },
  ): Promise<ResultRow[]> {
    let qb = q(db).selectFrom('checks_results').selectAll().where('check_key', '=', key);
    if (opts.status !== undefined) qb = qb.where('status', '=', opts.status);
    if (opts.from !== undefined) qb = qb.where('at', '>=', opts.from);
    if (opts.to !== undefined) qb = qb.where('at', '<', opts.to);
    const rows = await qb
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(opts.limit ?? 100)
      .execute();
    return rows.map((r: any) => ({
      id: r.id,
      checkKey: r.check_key,
      at: Number(r.at),
      status: r.status,
      latencyMs: Number(r.latency_ms),
      errorClass: r.error_class,
      error: r.error,
      location: r.location,
      latenessMs: r.lateness_ms == null ? null : Number(r.lateness_ms),
      details: r.details ? JSON.parse(r.details) : null,
    }));
  },

  async rollups(db: Q, keys: string[], resolution: Resolution, from: number, to: number): Promise<any[]> {
    if (keys.length === 0) return [];
    return q(db)
      .selectFrom('checks_rollups')
      .selectAll()
      .where('check_key', 'in', keys)
      .where('resolution', '=', resolution)
      .where('start', '>=', from)
      .where('start', '<', to)
      .orderBy('start')
      .execute();
  },

  /** Counts and latency sums per key and bucket in [from, to) (no histogram: list summaries). */
  async rollupCounts(
    db: Q,
    keys: string[],
    resolution: Resolution,
    from: number,
    to: number,
  ): Promise<RollupCount[]> {
    if (keys.length === 0) return [];
    const rows = await q(db)
      .selectFrom('checks_rollups')
      .select(['check_key', 'start', 'total', 'up', 'degraded', 'latency_sum'])
      .where('check_key', 'in', keys)
      .where('resolution', '=', resolution)
      .where('start', '>=', from)
      .where('start', '<', to)
      .execute();
    return rows.map((r: any) => ({
      key: r.check_key,
      start: Number(r.start),
      total: Number(r.total),
      ok: Number(r.up) + Number(r.degraded),
      latencySum: Number(r.latency_sum),
    }));
  },

  /** The hour bucket starting at `hourStart` and the day bucket at `dayStart` of each key, in one query. */
  async currentCounts(
    db: Q,
    keys: string[],
    hourStart: number,
    dayStart: number | null,
  ): Promise<{ hour: Map<string, RollupCount>; day: Map<string, RollupCount> }> {
    const hour = new Map<string, RollupCount>();
    const day = new Map<string, RollupCount>();
    if (keys.length === 0) return { hour, day };
    const rows = await q(db)
      .selectFrom('checks_rollups')
      .select(['check_key', 'resolution', 'start', 'total', 'up', 'degraded', 'latency_sum'])
      .where('check_key', 'in', keys)
      .where((eb) =>
        eb.or([
          eb.and([eb('resolution', '=', 'hour'), eb('start', '=', hourStart)]),
          ...(dayStart === null ? [] : [eb.and([eb('resolution', '=', 'day'), eb('start', '=', dayStart)])]),
        ]),
      )
      .execute();
    for (const r of rows as any[]) {
      const c = {
        key: r.check_key,
        start: Number(r.start),
        total: Number(r.total),
        ok: Number(r.up) + Number(r.degraded),
        latencySum: Number(r.latency_sum),
      };
      (r.resolution === 'hour' ? hour : day).set(c.key, c);
    }
    return { hour, day };
  },

  /** Sums of ok (up + degraded) and total per key over one resolution's buckets in [from, to). */
  async uptimeSums(
    db: Q,
    keys: string[],
    resolution: Resolution,
    from: number,
    to: number,
  ): Promise<Map<string, { ok: number; total: number }>> {
    const out = new Map<string, { ok: number; total: number }>();
    if (keys.length === 0) return out;
    const rows = await q(db)
      .selectFrom('checks_rollups')
      .select((eb) => [
        'check_key',
        eb.fn.sum<number>('up').as('up'),
        eb.fn.sum<number>('degraded').as('degraded'),
        eb.fn.sum<number>('total').as('total'),
      ])
      .where('check_key', 'in', keys)
      .where('resolution', '=', resolution)
      .where('start', '>=', from)
      .where('start', '<', to)
      .groupBy('check_key')
      .execute();
    for (const r of rows)
      out.set(r.check_key, { ok: Number(r.up) + Number(r.degraded), total: Number(r.total) });
    return out;
  },

  /** Deletes raw results before `rawBefore` and rollups of each resolution before its cutoff. */
  async prune(db: Q, rawBefore: number, rollupBefore: Record<Resolution, number>): Promise<number> {
    const r = await q(db).deleteFrom('checks_results').where('at', '<', rawBefore).executeTakeFirst();
    let n = Number(r.numDeletedRows);
    for (const [res, before] of Object.entries(rollupBefore)) {
      const d = await q(db)
        .deleteFrom('checks_rollups')
        .where('resolution', '=', res)
        .where('start', '<', before)
        .executeTakeFirst();
      n += Number(d.numDeletedRows);
    }
    return n;
  },
};
