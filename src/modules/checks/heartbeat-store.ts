/** Persistence of heartbeat state and pings. */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Tx } from '../../db/tx.ts';
import type { HeartbeatState } from './heartbeat-schedule.ts';

export interface HeartbeatRow {
  key: string;
  uuid: string;
  slug: string;
  state: HeartbeatState;
  paused: boolean;
  nPings: number;
  lastPingAt: number | null;
  lastPingKind: string | null;
  startedAt: number | null;
  startedRid: string | null;
  lastDurationMs: number | null;
  deadlineAt: number | null;
  changedAt: number | null;
}

export interface PingRow {
  id: string;
  heartbeatKey: string;
  at: number;
  kind: 'success' | 'start' | 'fail' | 'log';
  exitStatus: number | null;
  rid: string | null;
  durationMs: number | null;
  method: string;
  remoteAddr: string | null;
  userAgent: string | null;
  body: string | null;
  bodyTruncated: boolean;
}

type Q = Kysely<any>;
const q = (tx: Tx | Q): Q => ('afterCommit' in tx ? (tx.db as unknown as Q) : (tx as Q));
const num = (v: unknown) => (v == null ? null : Number(v));

function toRow(r: any): HeartbeatRow {
  return {
    key: r.key,
    uuid: r.uuid,
    slug: r.slug,
    state: r.state,
    paused: Number(r.paused) === 1,
    nPings: Number(r.n_pings),
    lastPingAt: num(r.last_ping_at),
    lastPingKind: r.last_ping_kind,
    startedAt: num(r.started_at),
    startedRid: r.started_rid,
    lastDurationMs: num(r.last_duration_ms),
    deadlineAt: num(r.deadline_at),
    changedAt: num(r.changed_at),
  };
}

function toDb(h: HeartbeatRow, now: number) {
  return {
    uuid: h.uuid,
    slug: h.slug,
    state: h.state,
    paused: h.paused ? 1 : 0,
    n_pings: h.nPings,
    last_ping_at: h.lastPingAt,
    last_ping_kind: h.lastPingKind,
    started_at: h.startedAt,
    started_rid: h.startedRid,
    last_duration_ms: h.lastDurationMs,
    deadline_at: h.deadlineAt,
    changed_at: h.changedAt,
    updated_at: now,
  };
}

const STATE_COLUMNS = Object.keys(toDb({} as HeartbeatRow, 0));

function pingFromDb(r: any): PingRow {
  return {
    id: r.id,
    heartbeatKey: r.heartbeat_key,
    at: Number(r.at),
    kind: r.kind,
    exitStatus: num(r.exit_status),
    rid: r.rid,
    durationMs: num(r.duration_ms),
    method: r.method,
    remoteAddr: r.remote_addr,
    userAgent: r.user_agent,
    body: r.body,
    bodyTruncated: Number(r.body_truncated) === 1,
  };
}

/** Journal insert statements by row count (parameters in pingToDb's column order). */
const journalInsertSql = new Map<number, string>();

function pingToDb(p: PingRow) {
  return {
    id: p.id,
    heartbeat_key: p.heartbeatKey,
    at: p.at,
    kind: p.kind,
    exit_status: p.exitStatus,
    rid: p.rid,
    duration_ms: p.durationMs,
    method: p.method,
    remote_addr: p.remoteAddr,
    user_agent: p.userAgent,
    body: p.body,
    body_truncated: p.bodyTruncated ? 1 : 0,
  };
}

export const heartbeatStore = {
  async all(db: Tx | Q): Promise<HeartbeatRow[]> {
    return (await q(db).selectFrom('heartbeats_state').selectAll().orderBy('key').execute()).map(toRow);
  },
  async get(db: Tx | Q, key: string): Promise<HeartbeatRow | null> {
    const r = await q(db)
      .selectFrom('heartbeats_state')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
    return r ? toRow(r) : null;
  },
  async insert(db: Tx | Q, h: HeartbeatRow, now: number): Promise<void> {
    await q(db)
      .insertInto('heartbeats_state')
      .values({ key: h.key, ...toDb(h, now) })
      .execute();
  },
  async update(db: Tx | Q, h: HeartbeatRow, now: number): Promise<void> {
    await q(db).updateTable('heartbeats_state').set(toDb(h, now)).where('key', '=', h.key).execute();
  },
  async delete(db: Tx | Q, key: string): Promise<void> {
    await q(db).deleteFrom('heartbeats_state').where('key', '=', key).execute();
  },
  /**
   * Rows of `keys` (one query; missing keys are absent from the map). `lock` (PostgreSQL) holds
   * them until commit, so a concurrent delete cannot slip between this read and `upsertMany`.
   */
  async getMany(db: Tx | Q, keys: string[], lock = false): Promise<Map<string, HeartbeatRow>> {
    const out = new Map<string, HeartbeatRow>();
    if (keys.length === 0) return out;
    let query = q(db).selectFrom('heartbeats_state').selectAll().where('key', 'in', keys).orderBy('key');
    if (lock) query = query.forUpdate();
    for (const r of await query.execute()) out.set(r.key, toRow(r));
    return out;
  },
  /** Writes existing rows back in multi-row statements (rows read by `getMany` in the same tx). */
  async upsertMany(db: Tx | Q, rows: Array<{ row: HeartbeatRow; now: number }>): Promise<void> {
    for (let i = 0; i < rows.length; i += 200) {
      await q(db)
        .insertInto('heartbeats_state')
        .values(rows.slice(i, i + 200).map(({ row, now }) => ({ key: row.key, ...toDb(row, now) })))
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet((eb) => Object.fromEntries(STATE_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)]))),
        )
        .execute();
    }
  },
  async insertPing(db: Tx | Q, p: PingRow): Promise<void> {
    await heartbeatStore.insertPings(db, [p]);
  },
  /** Inserts pings in chunks of multi-row statements (a group commit writes many at once). */
  async insertPings(db: Tx | Q, pings: PingRow[]): Promise<void> {
    for (let i = 0; i < pings.length; i += 200) {
      await q(db)
        .insertInto('heartbeats_pings')
        .values(pings.slice(i, i + 200).map(pingToDb))
        .execute();
    }
  },

  /**
   * Appends pings to the journal (no secondary index: an append touches the table's last pages).
   * The hot path of ping ingestion: the statement is compiled by Kysely once per row count and
   * reused with new parameters.
   */
  async journalPings(db: Tx | Q, pings: PingRow[]): Promise<void> {
    for (let i = 0; i < pings.length; i += 200) {
      const chunk = pings.slice(i, i + 200);
      let sqlText = journalInsertSql.get(chunk.length);
      if (!sqlText) {
        sqlText = q(db).insertInto('heartbeats_ping_journal').values(chunk.map(pingToDb)).compile().sql;
        journalInsertSql.set(chunk.length, sqlText);
      }
      const params = chunk.flatMap((p) => Object.values(pingToDb(p)));
      await q(db).executeQuery(CompiledQuery.raw(sqlText, params));
    }
  },

  /** Every journal ping, in order, and the last seq read. */
  async journal(db: Tx | Q): Promise<{ pings: PingRow[]; lastSeq: number }> {
    const rows = await q(db).selectFrom('heartbeats_ping_journal').selectAll().orderBy('seq').execute();
    return {
      pings: rows.map(pingFromDb),
      lastSeq: rows.length ? Number(rows[rows.length - 1].seq) : 0,
    };
  },

  /** The journal's last seq (0 when empty). */
  async journalEnd(db: Tx | Q): Promise<number> {
    const r = (await q(db)
      .selectFrom('heartbeats_ping_journal')
      .select((eb: any) => eb.fn.max('seq').as('m'))
      .executeTakeFirst()) as { m: number | string | null } | undefined;
    return r?.m == null ? 0 : Number(r.m);
  },

  /** Moves journal rows up to `throughSeq` into the indexed ping table. */
  async moveJournal(db: Tx | Q, throughSeq: number): Promise<number> {
    const cols = [
      'id',
      'heartbeat_key',
      'at',
      'kind',
      'exit_status',
      'rid',
      'duration_ms',
      'method',
      'remote_addr',
      'user_agent',
      'body',
      'body_truncated',
    ] as const;
    const res = await q(db)
      .insertInto('heartbeats_pings')
      .columns([...cols])
      .expression((eb) =>
        eb
          .selectFrom('heartbeats_ping_journal')
          .select([...cols])
          .where('seq', '<=', throughSeq)
          .orderBy('seq'),
      )
      .executeTakeFirst();
    await q(db).deleteFrom('heartbeats_ping_journal').where('seq', '<=', throughSeq).execute();
    return Number(res.numInsertedOrUpdatedRows ?? 0);
  },

  async pings(db: Q, key: string, limit: number): Promise<PingRow[]> {
    const rows = await q(db)
      .selectFrom('heartbeats_pings')
      .selectAll()
      .where('heartbeat_key', '=', key)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(pingFromDb);
  },
  /** Keeps the newest `keep` pings of `key`. */
  async trimPings(db: Tx | Q, key: string, keep: number): Promise<void> {
    const cut = await q(db)
      .selectFrom('heartbeats_pings')
      .select(['at', 'id'])
      .where('heartbeat_key', '=', key)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .offset(keep)
      .limit(1)
      .executeTakeFirst();
    if (!cut) return;
    await q(db)
      .deleteFrom('heartbeats_pings')
      .where('heartbeat_key', '=', key)
      .where((eb) => eb.or([eb('at', '<', cut.at), eb.and([eb('at', '=', cut.at), eb('id', '<=', cut.id)])]))
      .execute();
  },
  async meta(db: Q, name: string): Promise<string | null> {
    const r = await q(db)
      .selectFrom('checks_meta')
      .select('value')
      .where('name', '=', name)
      .executeTakeFirst();
    return r ? String(r.value) : null;
  },
  async setMetaIfAbsent(db: Q, name: string, value: string): Promise<void> {
    await q(db)
      .insertInto('checks_meta')
      .values({ name, value })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  },
};
