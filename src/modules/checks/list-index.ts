/**
 * The status list's read model (`checks_index` + `checks_index_labels`): the spec fields a list
 * filters on, kept current by a durable consumer of the catalog's `check.*` / `heartbeat.*`
 * events (their data carries the spec), and the paginated list query that joins it with the
 * probe and heartbeat state tables. Filtering, ordering and pagination happen in SQL, so a page
 * costs the same with 100 or 10 000 checks.
 */
import { type Kysely, sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Clock } from '../../kernel/clock.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { DomainEvent, Timeline } from '../timeline/timeline.ts';

const CONSUMER = 'checks:index';
const BUILT = 'index_built';
export const INDEX_EVENT_TYPES = ['check', 'heartbeat'].flatMap((k) =>
  ['created', 'updated', 'deleted'].map((v) => `${k}.${v}`),
);

type Q = Kysely<any>;
const q = (tx: Tx | Q): Q => ('afterCommit' in tx ? (tx.db as unknown as Q) : (tx as Q));

/** One row of a list page: index fields and the joined state columns. */
export interface IndexedRow {
  key: string;
  kind: 'check' | 'heartbeat';
  name: string;
  type: string;
  service: string | null;
  labels: Record<string, string>;
  runbook: string | null;
  state: string;
  changedAt: number | null;
  lastRunAt: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  lastErrorClass: string | null;
  deadlineAt: number | null;
}

export interface IndexFilter {
  kind?: 'check' | 'heartbeat';
  service?: string;
  type?: string;
  /** Any of these visible states. */
  states?: string[];
  /** `name=value` or `name`. */
  label?: string;
  /** Case-insensitive substring of the key or the name. */
  search?: string;
  /** Keyset cursor: rows after (key, kind). */
  after?: { key: string; kind: string };
  limit: number;
}

const num = (v: unknown) => (v == null ? null : Number(v));

/** The visible state: paused wins; a probe without a state row is unknown, a heartbeat new. */
const STATE_SQL = sql<string>`case when i.kind = 'check'
  then case when s.paused = 1 then 'paused' else coalesce(s.state, 'unknown') end
  else case when h.paused = 1 then 'paused' else coalesce(h.state, 'new') end end`;

async function upsert(tx: Tx, kind: string, key: string, spec: Record<string, any>, seq: number) {
  const row = {
    name: String(spec.name ?? key),
    type: kind === 'check' ? String(spec.type) : 'heartbeat',
    service: (spec.service as string | undefined) ?? null,
    labels: JSON.stringify(spec.labels ?? {}),
    runbook: (spec.runbook as string | undefined) ?? null,
    deleted: 0,
    seq,
  };
  const res = await q(tx)
    .insertInto('checks_index')
    .values({ key, kind, ...row })
    .onConflict((oc) =>
      oc.columns(['key', 'kind']).doUpdateSet(row).where(sql.ref('checks_index.seq'), '<=', seq),
    )
    .executeTakeFirst();
  // An older event than the stored row (another replica got there first) changes nothing.
  if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) return;
  await q(tx).deleteFrom('checks_index_labels').where('kind', '=', kind).where('key', '=', key).execute();
  const labels = Object.entries((spec.labels ?? {}) as Record<string, string>);
  if (labels.length) {
    await q(tx)
      .insertInto('checks_index_labels')
      .values(labels.map(([name, value]) => ({ kind, key, name, value: String(value) })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

async function tombstone(tx: Tx, kind: string, key: string, seq: number) {
  // A tombstone (not a delete) so that a late, older upsert from another replica cannot revive it.
  await q(tx)
    .insertInto('checks_index')
    .values({ key, kind, name: key, type: '', service: null, labels: '{}', runbook: null, deleted: 1, seq })
    .onConflict((oc) =>
      oc
        .columns(['key', 'kind'])
        .doUpdateSet({ deleted: 1, seq })
        .where(sql.ref('checks_index.seq'), '<=', seq),
    )
    .execute();
  await q(tx).deleteFrom('checks_index_labels').where('kind', '=', kind).where('key', '=', key).execute();
}

/** Keeps the read model current and answers list queries from it. */
export class CheckIndex {
  private dirty = true;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | null = null;

  constructor(
    private db: Db,
    private clock: Clock,
    private timeline: Timeline,
    private catalog: CatalogService,
    /** How long a caught-up index is trusted without looking for other replicas' changes. */
    private maxAgeMs = 5_000,
  ) {}

  /** A check or heartbeat changed in this process: the next read catches up first. */
  markDirty(): void {
    this.dirty = true;
  }

  private needed(): boolean {
    const now = this.clock.now();
    return this.dirty || now - this.checkedAt > this.maxAgeMs || now < this.checkedAt;
  }

  /** Applies pending catalog events (one catch-up at a time in this process). */
  async fresh(): Promise<void> {
    for (;;) {
      if (this.running) {
        await this.running;
        continue;
      }
      if (!this.needed()) return;
      this.running = this.catchUp().finally(() => {
        this.running = null;
      });
    }
  }

  private async catchUp(): Promise<void> {
    this.dirty = false;
    this.checkedAt = this.clock.now();
    try {
      await this.buildOnce();
      for (;;) {
        const r = await this.timeline.consume(
          CONSUMER,
          { types: INDEX_EVENT_TYPES, limit: 500 },
          (tx, events) => this.apply(tx, events),
        );
        if (!r.more) break;
      }
    } catch (e) {
      this.dirty = true;
      throw e;
    }
  }

  /** First use on a database: the catalog's current objects, then events after that point. */
  private async buildOnce(): Promise<void> {
    const db = this.db.kysely as Q;
    const built = await db
      .selectFrom('checks_meta')
      .select('value')
      .where('name', '=', BUILT)
      .executeTakeFirst();
    if (built) return;
    // Start the consumer at the end first: events after it replay over the snapshot (idempotent).
    await this.timeline.initConsumerAtEnd(CONSUMER);
    const objs = await this.catalog.snapshot(['check', 'heartbeat']);
    await inTransaction(this.db, async (tx) => {
      for (const o of objs) await upsert(tx, o.kind, o.key, o.spec, 0);
      await q(tx)
        .insertInto('checks_meta')
        .values({ name: BUILT, value: '1' })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
    });
  }

  private async apply(tx: Tx, events: DomainEvent[]): Promise<void> {
    for (const e of events) {
      const seq = Number(e.seq ?? 0);
      const { kind, key } = e.subject;
      if (e.type.endsWith('.deleted')) await tombstone(tx, kind, key, seq);
      else await upsert(tx, kind, key, ((e.data as { spec?: Record<string, any> })?.spec ?? {}) as any, seq);
    }
  }

  /** One page of rows in (key, kind) order; `limit + 1` rows tell whether another page exists. */
  async page(f: IndexFilter): Promise<IndexedRow[]> {
    await this.fresh();
    let qb = (this.db.kysely as Q)
      .selectFrom('checks_index as i')
      .leftJoin('checks_state as s', (j) => j.onRef('s.key', '=', 'i.key').on('i.kind', '=', 'check'))
      .leftJoin('heartbeats_state as h', (j) => j.onRef('h.key', '=', 'i.key').on('i.kind', '=', 'heartbeat'))
      .select([
        'i.key',
        'i.kind',
        'i.name',
        'i.type',
        'i.service',
        'i.labels',
        'i.runbook',
        STATE_SQL.as('state'),
        sql<number | null>`case when i.kind = 'check' then s.changed_at else h.changed_at end`.as(
          'changed_at',
        ),
        sql<number | null>`case when i.kind = 'check' then s.last_run_at else h.last_ping_at end`.as(
          'last_run_at',
        ),
        sql<number | null>`case when i.kind = 'check' then s.last_latency_ms else h.last_duration_ms end`.as(
          'last_latency_ms',
        ),
        's.last_error',
        's.last_error_class',
        'h.deadline_at',
      ])
      .where('i.deleted', '=', 0);
    if (f.kind) qb = qb.where('i.kind', '=', f.kind);
    if (f.service) qb = qb.where('i.service', '=', f.service);
    if (f.type) qb = qb.where('i.type', '=', f.type);
    if (f.states?.length) qb = qb.where(STATE_SQL, 'in', f.states);
    if (f.label) {
      const eq = f.label.indexOf('=');
      const name = eq < 0 ? f.label : f.label.slice(0, eq);
      const value = eq < 0 ? undefined : f.label.slice(eq + 1);
      qb = qb.where(({ exists, selectFrom }) =>
        exists(
          (() => {
            let sub = selectFrom('checks_index_labels as l')
              .select(sql`1`.as('one'))
              .whereRef('l.kind', '=', 'i.kind')
              .whereRef('l.key', '=', 'i.key')
              .where('l.name', '=', name);
            if (value !== undefined) sub = sub.where('l.value', '=', value);
            return sub;
          })(),
        ),
      );
    }
    if (f.search) {
      const pat = `%${f.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb = qb.where((eb) =>
        eb.or([
          eb(sql`lower(i.key)`, 'like', sql`${pat} escape '\\'`),
          eb(sql`lower(i.name)`, 'like', sql`${pat} escape '\\'`),
        ]),
      );
    }
    if (f.after) {
      const a = f.after;
      // `key >= k` first so the primary key's range is used; the OR only trims the boundary key.
      qb = qb
        .where('i.key', '>=', a.key)
        .where((eb) => eb.or([eb('i.key', '>', a.key), eb('i.kind', '>', a.kind)]));
    }
    const rows = await qb
      .orderBy('i.key')
      .orderBy('i.kind')
      .limit(f.limit + 1)
      .execute();
    return rows.map((r: any) => ({
      key: r.key,
      kind: r.kind,
      name: r.name,
      type: r.type,
      service: r.service ?? null,
      labels: JSON.parse(r.labels),
      runbook: r.runbook ?? null,
      state: r.state,
      changedAt: num(r.changed_at),
      lastRunAt: num(r.last_run_at),
      lastLatencyMs: num(r.last_latency_ms),
      lastError: r.kind === 'check' ? (r.last_error ?? null) : null,
      lastErrorClass: r.kind === 'check' ? (r.last_error_class ?? null) : null,
      deadlineAt: r.kind === 'heartbeat' ? num(r.deadline_at) : null,
    }));
  }
}
