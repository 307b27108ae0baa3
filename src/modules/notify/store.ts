/**
 * The outbox table. `enqueue` inserts in the caller's transaction (a second enqueue with the same
 * idempotency key does nothing); workers claim due rows with a conditional UPDATE and check the
 * row count, so several replicas never send one delivery twice.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Db } from '../../db/db.ts';
import type { Tx } from '../../db/tx.ts';
import type { Clock } from '../../kernel/clock.ts';
import { newId } from '../../kernel/ids.ts';
import type { Channel, ChannelType, EnqueueInput, Message } from './types.ts';

export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'cancelled';

/** A delivery as stored. */
export interface Delivery {
  id: string;
  idempotencyKey: string;
  channel: Channel & { key: string };
  message: Message;
  incidentId: string | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastDetail: string | null;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
}

interface DeliveryRow {
  id: string;
  idempotency_key: string;
  channel_type: string;
  channel_key: string;
  channel_config: string;
  message: string;
  incident_id: string | null;
  recipient: string | null;
  status: string;
  attempts: number;
  next_attempt_at: number;
  claimed_by: string | null;
  claimed_until: number | null;
  last_detail: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

/** The module's tables (not part of the foundation's Database type). */
export interface NotifyTables {
  notify_deliveries: DeliveryRow;
  notify_channels: {
    channel_key: string;
    channel_type: string;
    consecutive_failures: number;
    failing: number;
    last_error: string | null;
    updated_at: number;
  };
  notify_secrets: { name: string; value: string; created_at: number };
  notify_used_tokens: { nonce: string; used_at: number; expires_at: number };
}

/** Kysely typed for this module's tables (works for a Tx's handle too). */
export function nk(db: Db | Tx): Kysely<NotifyTables> {
  return ('kysely' in db ? db.kysely : db.db) as unknown as Kysely<NotifyTables>;
}

/** The default channel key: type plus a short hash of the config (URLs may hold secrets). */
export function channelKey(c: Channel): string {
  if (c.key) return c.key;
  const h = createHash('sha256').update(JSON.stringify(c.config)).digest('hex').slice(0, 10);
  return `${c.type}:${h}`;
}

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    idempotencyKey: r.idempotency_key,
    channel: {
      type: r.channel_type as ChannelType,
      key: r.channel_key,
      config: JSON.parse(r.channel_config),
    },
    message: JSON.parse(r.message),
    incidentId: r.incident_id,
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastDetail: r.last_detail,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    sentAt: r.sent_at == null ? null : Number(r.sent_at),
  };
}

export class NotifyStore {
  /** Called after a transaction that enqueued a new delivery commits (wakes the sender). */
  onEnqueued?: () => void;

  constructor(
    private db: Db,
    private clock: Clock,
  ) {}

  /** Writes a delivery in `tx`; returns whether it was new (false: the key existed already). */
  async enqueue(tx: Tx, input: EnqueueInput): Promise<{ id: string; created: boolean }> {
    const now = this.clock.now();
    const row = this.row(input, now);
    const res = await nk(tx)
      .insertInto('notify_deliveries')
      .values(row)
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .executeTakeFirst();
    const created = Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
    if (created && row.next_attempt_at <= now) this.wakeAfter(tx);
    return { id: row.id, created };
  }

  /**
   * `enqueue` for many deliveries at once (multi-row inserts), in order: a key that exists
   * already, or that an earlier entry of `inputs` used, is not written again (`created: false`).
   */
  async enqueueMany(tx: Tx, inputs: EnqueueInput[]): Promise<Array<{ id: string; created: boolean }>> {
    if (inputs.length <= 1) return Promise.all(inputs.map((i) => this.enqueue(tx, i)));
    const now = this.clock.now();
    const rows = inputs.map((i) => this.row(i, now));
    const inserted = new Set<string>();
    for (let i = 0; i < rows.length; i += 200) {
      const res = await nk(tx)
        .insertInto('notify_deliveries')
        .values(rows.slice(i, i + 200))
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returning('id')
        .execute();
      for (const r of res) inserted.add(r.id);
    }
    if (rows.some((r) => inserted.has(r.id) && r.next_attempt_at <= now)) this.wakeAfter(tx);
    return rows.map((r) => ({ id: r.id, created: inserted.has(r.id) }));
  }

  private row(input: EnqueueInput, now: number): DeliveryRow {
    return {
      id: newId(this.clock),
      idempotency_key: input.idempotencyKey,
      channel_type: input.channel.type,
      channel_key: channelKey(input.channel),
      channel_config: JSON.stringify(input.channel.config),
      message: JSON.stringify(input.message),
      incident_id: input.incidentId ?? null,
      recipient: input.message.recipient ?? null,
      status: 'pending',
      attempts: 0,
      next_attempt_at: input.notBefore ?? now,
      claimed_by: null,
      claimed_until: null,
      last_detail: null,
      created_at: now,
      updated_at: now,
      sent_at: null,
    };
  }

  /** Wakes the sender once `tx` commits. */
  private wakeAfter(tx: Tx): void {
    const wake = this.onEnqueued;
    if (wake) tx.afterCommit(() => wake());
  }

  /**
   * Claims up to `limit` due pending deliveries for `holder` for `leaseMs`: one conditional UPDATE
   * over the candidates (a row already claimed by someone else no longer matches, so each row goes
   * to one claimer on SQLite and PostgreSQL alike), then the rows this claim took.
   */
  async claimDue(holder: string, now: number, limit: number, leaseMs: number): Promise<Delivery[]> {
    const k = nk(this.db);
    const due = (eb: any) =>
      eb.and([
        eb('status', '=', 'pending'),
        eb('next_attempt_at', '<=', now),
        eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]),
      ]);
    const ids = (
      await k
        .selectFrom('notify_deliveries')
        .select('id')
        .where(due)
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute()
    ).map((r) => r.id);
    if (!ids.length) return [];
    const until = now + leaseMs;
    await k
      .updateTable('notify_deliveries')
      .set({ claimed_by: holder, claimed_until: until })
      .where('id', 'in', ids)
      .where(due)
      .execute();
    // The candidates now carrying this claim are the ones it won (the sender never runs two
    // claims at once in one process, and other processes have other holder ids).
    const rows = await k
      .selectFrom('notify_deliveries')
      .selectAll()
      .where('id', 'in', ids)
      .where('claimed_by', '=', holder)
      .where('claimed_until', '=', until)
      .orderBy('next_attempt_at')
      .execute();
    return rows.map(toDelivery);
  }

  /**
   * Records attempts' outcomes in `tx` where `holder` still holds the claim: one UPDATE per
   * distinct outcome (a batch of successful sends is usually one); returns the ids it recorded.
   */
  async recordMany(
    tx: Tx,
    holder: string,
    items: Array<{
      id: string;
      patch: { status: DeliveryStatus; attempts: number; nextAttemptAt: number; detail: string; now: number };
    }>,
  ): Promise<Set<string>> {
    const groups = new Map<string, { patch: (typeof items)[number]['patch']; ids: string[] }>();
    for (const { id, patch } of items) {
      const k = JSON.stringify([patch.status, patch.attempts, patch.nextAttemptAt, patch.detail, patch.now]);
      const g = groups.get(k);
      if (g) g.ids.push(id);
      else groups.set(k, { patch, ids: [id] });
    }
    const held = new Set<string>();
    for (const { patch, ids } of groups.values()) {
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await nk(tx)
          .updateTable('notify_deliveries')
          .set({
            status: patch.status,
            attempts: patch.attempts,
            next_attempt_at: patch.nextAttemptAt,
            last_detail: patch.detail.slice(0, 1000),
            claimed_by: null,
            claimed_until: null,
            updated_at: patch.now,
            ...(patch.status === 'sent' ? { sent_at: patch.now } : {}),
          })
          .where('id', 'in', ids.slice(i, i + 500))
          .where('claimed_by', '=', holder)
          .returning('id')
          .execute();
        for (const r of rows) held.add(r.id);
      }
    }
    return held;
  }

  /** Channel health rows by key (those that exist). */
  async channels(tx: Tx, keys: string[]): Promise<Map<string, NotifyTables['notify_channels']>> {
    const out = new Map<string, NotifyTables['notify_channels']>();
    for (let i = 0; i < keys.length; i += 500) {
      const rows = await nk(tx)
        .selectFrom('notify_channels')
        .selectAll()
        .where('channel_key', 'in', keys.slice(i, i + 500))
        .execute();
      for (const r of rows) out.set(r.channel_key, r);
    }
    return out;
  }

  /** Writes channel health rows (insert or replace by key), one multi-row statement per chunk. */
  async saveChannels(tx: Tx, rows: Array<NotifyTables['notify_channels']>): Promise<void> {
    for (let i = 0; i < rows.length; i += 500) {
      await nk(tx)
        .insertInto('notify_channels')
        .values(rows.slice(i, i + 500))
        .onConflict((oc) =>
          oc.column('channel_key').doUpdateSet((eb) => ({
            channel_type: eb.ref('excluded.channel_type'),
            consecutive_failures: eb.ref('excluded.consecutive_failures'),
            failing: eb.ref('excluded.failing'),
            last_error: eb.ref('excluded.last_error'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  }

  /**
   * Cancels an incident's deliveries that are still waiting for a later time and were never
   * attempted (delayed reminders once the incident is acknowledged or resolved); returns how many.
   */
  async cancelPending(tx: Tx, f: { incidentId: string; after: number; detail: string }): Promise<number> {
    const res = await nk(tx)
      .updateTable('notify_deliveries')
      .set({ status: 'cancelled', last_detail: f.detail.slice(0, 1000), updated_at: f.after })
      .where('incident_id', '=', f.incidentId)
      .where('status', '=', 'pending')
      .where('attempts', '=', 0)
      .where('next_attempt_at', '>', f.after)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** Earliest next attempt among pending deliveries, or null. */
  async nextDue(): Promise<number | null> {
    const r = await nk(this.db)
      .selectFrom('notify_deliveries')
      .select((eb) => eb.fn.min('next_attempt_at').as('d'))
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return r?.d == null ? null : Number(r.d);
  }

  async get(id: string): Promise<Delivery | undefined> {
    const r = await nk(this.db)
      .selectFrom('notify_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? toDelivery(r) : undefined;
  }

  /**
   * Deliveries newest first (by id: ULIDs sort by creation time), optionally by status /
   * incident / channel / recipient; `before` continues after the last id of a previous page.
   */
  async list(f: {
    status?: DeliveryStatus;
    incidentId?: string;
    channelKey?: string;
    recipient?: string;
    before?: string;
    limit?: number;
  }): Promise<Delivery[]> {
    let q = nk(this.db)
      .selectFrom('notify_deliveries')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(f.limit ?? 100);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.incidentId) q = q.where('incident_id', '=', f.incidentId);
    if (f.channelKey) q = q.where('channel_key', '=', f.channelKey);
    if (f.recipient) q = q.where('recipient', '=', f.recipient.toLowerCase());
    if (f.before) q = q.where('id', '<', f.before);
    return (await q.execute()).map(toDelivery);
  }

  /** Puts a failed delivery back in the queue (manual retry). */
  async retry(id: string, now: number): Promise<boolean> {
    const res = await nk(this.db)
      .updateTable('notify_deliveries')
      .set({
        status: 'pending',
        next_attempt_at: now,
        updated_at: now,
        claimed_by: null,
        claimed_until: null,
      })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
}
