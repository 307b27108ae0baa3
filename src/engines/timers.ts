/**
 * Durable timers: business deadlines (escalate in 15 min, heartbeat due, re-notify) are rows with
 * a `due_at`, so a restart never forgets them. Workers claim due rows with a conditional UPDATE
 * and check the row count, which hands each row to exactly one claimer on SQLite and PostgreSQL.
 */
import type { Db } from '../db/db.ts';
import type { Tx } from '../db/tx.ts';
import type { Clock } from '../kernel/clock.ts';
import { newId } from '../kernel/ids.ts';

export interface DueTimer<P = unknown> {
  id: string;
  kind: string;
  key: string;
  dueAt: number;
  payload: P;
  attempts: number;
}

export class TimerStore {
  constructor(
    private db: Db,
    private clock: Clock,
  ) {}

  /** Creates or moves the timer (kind, key) to `dueAt` (upsert; clears any claim). */
  async schedule(tx: Tx, t: { kind: string; key: string; dueAt: number; payload?: unknown }): Promise<void> {
    const payload = JSON.stringify(t.payload ?? null);
    const res = await tx.db
      .updateTable('timers')
      .set({ due_at: t.dueAt, payload, claimed_by: null, claimed_until: null, attempts: 0 })
      .where('kind', '=', t.kind)
      .where('key', '=', t.key)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) {
      await tx.db
        .insertInto('timers')
        .values({
          id: newId(this.clock),
          kind: t.kind,
          key: t.key,
          due_at: t.dueAt,
          payload,
          claimed_by: null,
          claimed_until: null,
          attempts: 0,
          created_at: this.clock.now(),
        })
        .execute();
    }
  }

  /**
   * `schedule` for many timers at once: one multi-row upsert on (kind, key) per chunk. A key given
   * twice keeps its last entry, as consecutive `schedule` calls would.
   */
  async scheduleMany(
    tx: Tx,
    items: Array<{ kind: string; key: string; dueAt: number; payload?: unknown }>,
  ): Promise<void> {
    const last = new Map<string, (typeof items)[number]>();
    for (const t of items) {
      const k = `${t.kind}\u0000${t.key}`;
      last.delete(k); // keep the order of last appearance
      last.set(k, t);
    }
    const rows = [...last.values()].map((t) => ({
      id: newId(this.clock),
      kind: t.kind,
      key: t.key,
      due_at: t.dueAt,
      payload: JSON.stringify(t.payload ?? null),
      claimed_by: null,
      claimed_until: null,
      attempts: 0,
      created_at: this.clock.now(),
    }));
    for (let i = 0; i < rows.length; i += 500) {
      await tx.db
        .insertInto('timers')
        .values(rows.slice(i, i + 500))
        .onConflict((oc) =>
          oc.columns(['kind', 'key']).doUpdateSet((eb) => ({
            due_at: eb.ref('excluded.due_at'),
            payload: eb.ref('excluded.payload'),
            claimed_by: null,
            claimed_until: null,
            attempts: 0,
          })),
        )
        .execute();
    }
  }

  /** Deletes the timers of `kind` with these keys. */
  async cancelMany(tx: Tx, kind: string, keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 500) {
      await tx.db
        .deleteFrom('timers')
        .where('kind', '=', kind)
        .where('key', 'in', keys.slice(i, i + 500))
        .execute();
    }
  }

  async cancel(tx: Tx, kind: string, key: string): Promise<void> {
    await tx.db.deleteFrom('timers').where('kind', '=', kind).where('key', '=', key).execute();
  }

  /** Claims up to `limit` due timers of `kind` for `holder` for `leaseMs`; each row goes to one claimer. */
  async claimDue<P = unknown>(
    kind: string,
    holder: string,
    limit = 100,
    leaseMs = 60_000,
  ): Promise<DueTimer<P>[]> {
    const now = this.clock.now();
    const candidates = await this.db.kysely
      .selectFrom('timers')
      .selectAll()
      .where('kind', '=', kind)
      .where('due_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('due_at')
      .limit(limit)
      .execute();
    const claimed: DueTimer<P>[] = [];
    for (const c of candidates) {
      const res = await this.db.kysely
        .updateTable('timers')
        .set({ claimed_by: holder, claimed_until: now + leaseMs, attempts: Number(c.attempts) + 1 })
        .where('id', '=', c.id)
        .where('due_at', '=', c.due_at)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) {
        claimed.push({
          id: c.id,
          kind: c.kind,
          key: c.key,
          dueAt: Number(c.due_at),
          payload: JSON.parse(c.payload) as P,
          attempts: Number(c.attempts) + 1,
        });
      }
    }
    return claimed;
  }

  /** Deletes a claimed timer once its work is done (only if still held by `holder`). */
  async complete(tx: Tx, id: string, holder: string): Promise<boolean> {
    const res = await tx.db
      .deleteFrom('timers')
      .where('id', '=', id)
      .where('claimed_by', '=', holder)
      .executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  }

  /** Releases a claimed timer to run again at `dueAt` (after a failure). */
  async release(id: string, holder: string, dueAt: number): Promise<void> {
    await this.db.kysely
      .updateTable('timers')
      .set({ claimed_by: null, claimed_until: null, due_at: dueAt })
      .where('id', '=', id)
      .where('claimed_by', '=', holder)
      .execute();
  }

  /** Earliest due time of `kind`, or null. */
  async nextDue(kind: string): Promise<number | null> {
    const r = await this.db.kysely
      .selectFrom('timers')
      .select((eb) => eb.fn.min('due_at').as('d'))
      .where('kind', '=', kind)
      .executeTakeFirst();
    return r?.d == null ? null : Number(r.d);
  }
}
