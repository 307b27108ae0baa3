/**
 * The domain event log: modules append events about a subject (an incident, a service, a flag)
 * inside their transaction; the timeline of a subject is the ordered list of its events, and
 * in-process subscribers (SSE, engines) hear about each event once it has committed.
 */

import { sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Clock } from '../../kernel/clock.ts';
import { newId } from '../../kernel/ids.ts';

export interface DomainEvent {
  id: string;
  seq?: number;
  at: number;
  type: string;
  subject: { kind: string; key: string };
  actor: string;
  data: Record<string, unknown>;
}

export type EventInput = Omit<DomainEvent, 'id' | 'at' | 'seq'> & { at?: number };
export type Listener = (e: DomainEvent) => void;

/** PostgreSQL advisory locks: the audit chain's (see audit.ts) and the event log's. */
const AUDIT_LOCK = 727272;
const EVENTS_LOCK = 727273;
/** NOTIFY channel of committed events (scoped to the schema by the store). */
const CHANNEL = 'vigil_events';
/** Transactions that hold both locks already. */
const locked = new WeakSet<Tx>();

/** Rows per multi-row insert in `appendMany`. */
const APPEND_CHUNK = 500;

/** Appends and reads domain events; fans committed events out to subscribers. */
export class Timeline {
  private listeners = new Set<Listener>();

  constructor(
    private db: Db,
    private clock: Clock,
  ) {}

  /**
   * PostgreSQL: appenders commit in seq order (the events lock), so durable consumers (`consume`)
   * never skip a late commit. The audit chain's lock is taken first: a transaction that appends
   * to both then always locks in the same order, whichever it calls first, so two such
   * transactions can never deadlock. Once per transaction.
   */
  private async lock(tx: Tx): Promise<void> {
    if (this.db.dialect !== 'postgres' || locked.has(tx)) return;
    await sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`.execute(tx.db);
    await sql`select pg_advisory_xact_lock(${EVENTS_LOCK})`.execute(tx.db);
    // Other replicas hear about the commit (NOTIFY is delivered at commit, never on rollback).
    const channel = this.db.channelName?.(CHANNEL);
    if (channel) await sql`select pg_notify(${channel}, ${this.origin ?? ''})`.execute(tx.db);
    // (Outside a transaction the locks end with each statement: nothing to remember.)
    if (tx.db.isTransaction) locked.add(tx);
  }

  /** Appends an event in `tx`; subscribers are told after commit. */
  async append(tx: Tx, input: EventInput): Promise<DomainEvent> {
    await this.lock(tx);
    const event: DomainEvent = { ...input, id: newId(this.clock), at: input.at ?? this.clock.now() };
    await tx.db
      .insertInto('events')
      .values({
        id: event.id,
        at: event.at,
        type: event.type,
        subject_kind: event.subject.kind,
        subject_key: event.subject.key,
        actor: event.actor,
        data: JSON.stringify(event.data),
      })
      .execute();
    tx.afterCommit(() => this.emitLocal(event));
    return event;
  }

  /**
   * Appends events in `tx` in the order given, as multi-row inserts (a batch of work writes its
   * events in one statement instead of one each); subscribers are told after commit, in order.
   */
  async appendMany(tx: Tx, inputs: EventInput[]): Promise<DomainEvent[]> {
    if (inputs.length === 0) return [];
    if (inputs.length === 1) return [await this.append(tx, inputs[0])];
    await this.lock(tx);
    const events = inputs.map(
      (input): DomainEvent => ({ ...input, id: newId(this.clock), at: input.at ?? this.clock.now() }),
    );
    // 7 parameters a row: chunks stay far below SQLite's and PostgreSQL's parameter limits.
    for (let i = 0; i < events.length; i += APPEND_CHUNK) {
      await tx.db
        .insertInto('events')
        .values(
          events.slice(i, i + APPEND_CHUNK).map((event) => ({
            id: event.id,
            at: event.at,
            type: event.type,
            subject_kind: event.subject.kind,
            subject_key: event.subject.key,
            actor: event.actor,
            data: JSON.stringify(event.data),
          })),
        )
        .execute();
    }
    tx.afterCommit(() => {
      for (const e of events) this.emitLocal(e);
    });
    return events;
  }

  /** Events of one subject, oldest first. */
  async forSubject(kind: string, key: string, limit = 500): Promise<DomainEvent[]> {
    const rows = await this.db.kysely
      .selectFrom('events')
      .selectAll()
      .where('subject_kind', '=', kind)
      .where('subject_key', '=', key)
      .orderBy('seq', 'asc')
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }

  /** Most recent events across subjects, newest first; `afterSeq` pages backwards. */
  async recent(opts: { limit?: number; beforeSeq?: number; types?: string[] } = {}): Promise<DomainEvent[]> {
    let q = this.db.kysely
      .selectFrom('events')
      .selectAll()
      .orderBy('seq', 'desc')
      .limit(opts.limit ?? 50);
    if (opts.beforeSeq !== undefined) q = q.where('seq', '<', opts.beforeSeq);
    if (opts.types?.length) q = q.where('type', 'in', opts.types);
    return (await q.execute()).map(toEvent);
  }

  /**
   * Durable consumption: hands the next batch of events (after the consumer's stored offset,
   * optionally only some types) to `handle` inside one transaction that also advances the
   * offset, so each event is handled once even across restarts. Run it from a singleton engine.
   * `limit` bounds the events handed over (of the wanted types, when `types` is given).
   */
  async consume(
    consumer: string,
    opts: { types?: string[]; limit?: number },
    handle: (tx: Tx, events: DomainEvent[]) => Promise<void>,
  ): Promise<{ handled: number; more: boolean }> {
    const limit = opts.limit ?? 200;
    return inTransaction(this.db, async (tx) => {
      const off = await tx.db
        .selectFrom('event_consumers')
        .select('seq')
        .where('name', '=', consumer)
        .executeTakeFirst();
      const after = off ? Number(off.seq) : 0;
      let wanted: DomainEvent[];
      let last: number;
      let more: boolean;
      if (opts.types?.length) {
        // Only the wanted types are read, up to the end of the log as of now: the offset then
        // moves past the others without reading them. (Appenders commit in seq order, so no event
        // at or below the bound can still appear.)
        const end = await tx.db
          .selectFrom('events')
          .select((eb) => eb.fn.max('seq').as('m'))
          .executeTakeFirst();
        const bound = Number(end?.m ?? 0);
        if (bound <= after) return { handled: 0, more: false };
        const rows = await tx.db
          .selectFrom('events')
          .selectAll()
          .where('seq', '>', after)
          .where('seq', '<=', bound)
          .where('type', 'in', opts.types)
          .orderBy('seq', 'asc')
          .limit(limit + 1)
          .execute();
        more = rows.length > limit;
        wanted = rows.slice(0, limit).map(toEvent);
        last = more ? wanted[limit - 1].seq! : bound;
      } else {
        const rows = await tx.db
          .selectFrom('events')
          .selectAll()
          .where('seq', '>', after)
          .orderBy('seq', 'asc')
          .limit(limit)
          .execute();
        if (rows.length === 0) return { handled: 0, more: false };
        wanted = rows.map(toEvent);
        last = wanted[wanted.length - 1].seq!;
        more = rows.length === limit;
      }
      if (wanted.length) await handle(tx, wanted);
      const now = this.clock.now();
      if (off) {
        await tx.db
          .updateTable('event_consumers')
          .set({ seq: last, updated_at: now })
          .where('name', '=', consumer)
          .execute();
      } else {
        await tx.db
          .insertInto('event_consumers')
          .values({ name: consumer, seq: last, updated_at: now })
          .execute();
      }
      return { handled: wanted.length, more };
    });
  }

  /** Starts `consumer` at the current end of the log (skip history), if it has no offset yet. */
  async initConsumerAtEnd(consumer: string): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      const off = await tx.db
        .selectFrom('event_consumers')
        .select('seq')
        .where('name', '=', consumer)
        .executeTakeFirst();
      if (off) return;
      const max = await tx.db
        .selectFrom('events')
        .select((eb) => eb.fn.max('seq').as('m'))
        .executeTakeFirst();
      await tx.db
        .insertInto('event_consumers')
        .values({ name: consumer, seq: Number(max?.m ?? 0), updated_at: this.clock.now() })
        .execute();
    });
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * PostgreSQL with several replicas: subscribers here also hear events committed by other
   * processes (other replicas, CLI commands), so engines woken by events react at once instead of
   * at their next poll and live views see every change. Each commit NOTIFYs; this process then
   * reads the events after the last one it has seen and emits those it did not append itself.
   */
  async listenAcrossReplicas(origin: string): Promise<void> {
    if (!this.db.listen || this.stopListening) return;
    this.origin = origin;
    const end = await this.db.kysely
      .selectFrom('events')
      .select((eb) => eb.fn.max('seq').as('m'))
      .executeTakeFirst();
    this.remoteSeq = Number(end?.m ?? 0);
    this.stopListening = await this.db.listen(CHANNEL, (from) => {
      if (from !== origin) this.catchUp();
    });
  }

  async stopListeningAcrossReplicas(): Promise<void> {
    const stop = this.stopListening;
    this.stopListening = null;
    this.origin = null;
    await stop?.();
    await this.catching;
  }

  private origin: string | null = null;
  private stopListening: (() => Promise<void>) | null = null;
  /** The highest seq read by a catch-up. */
  private remoteSeq = 0;
  /** Ids of events this process appended and emitted, not yet passed by a catch-up. */
  private emittedHere = new Set<string>();
  private catching: Promise<void> | null = null;
  private catchUpAgain = false;

  private emitLocal(e: DomainEvent): void {
    if (this.origin) {
      this.emittedHere.add(e.id);
      // A catch-up passes (and forgets) them; with no other writers, force one now and then.
      if (this.emittedHere.size > 2000) this.catchUp();
    }
    this.emit(e);
  }

  private catchUp(): void {
    if (this.catching) {
      this.catchUpAgain = true;
      return;
    }
    this.catching = (async () => {
      try {
        do {
          this.catchUpAgain = false;
          for (;;) {
            const rows = await this.db.kysely
              .selectFrom('events')
              .selectAll()
              .where('seq', '>', this.remoteSeq)
              .orderBy('seq', 'asc')
              .limit(500)
              .execute();
            for (const r of rows) {
              this.remoteSeq = Number(r.seq);
              if (this.emittedHere.delete(r.id)) continue;
              if (this.origin) this.emit(toEvent(r));
            }
            if (rows.length < 500) break;
          }
        } while (this.catchUpAgain && this.origin);
      } catch {
        // Wake-ups are an optimisation: engines still poll, and the next notification retries.
      } finally {
        this.catching = null;
      }
    })();
  }

  private emit(e: DomainEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // One broken listener must not starve the others.
      }
    }
  }
}

function toEvent(r: {
  seq: number;
  id: string;
  at: number;
  type: string;
  subject_kind: string;
  subject_key: string;
  actor: string;
  data: string;
}): DomainEvent {
  return {
    id: r.id,
    seq: Number(r.seq),
    at: Number(r.at),
    type: r.type,
    subject: { kind: r.subject_kind, key: r.subject_key },
    actor: r.actor,
    data: JSON.parse(r.data),
  };
}
