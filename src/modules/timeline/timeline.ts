/**
 * The domain event log: modules append events about a subject (an incident, a service, a flag)
 * inside their transaction; the timeline of a subject is the ordered list of its events, and
 * in-process subscribers (SSE, engines) hear about each event once it has committed.
 */

import type { Db } from '../../db/db.ts';
import type { Tx } from '../../db/tx.ts';
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

/** Appends and reads domain events; fans committed events out to subscribers. */
export class Timeline {
  private listeners = new Set<Listener>();

  constructor(
    private db: Db,
    private clock: Clock,
  ) {}

  /** Appends an event in `tx`; subscribers are told after commit. */
  async append(tx: Tx, input: EventInput): Promise<DomainEvent> {
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
    tx.afterCommit(() => this.emit(event));
    return event;
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

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
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
