/**
 * The audit trail: every change (API, console, CLI, plan apply, system) appends an event with
 * before/after, secrets redacted. Events form a hash chain (each carries the hash of the previous
 * one) so tampering is detectable by `verify`.
 */
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import type { Tx } from '../../db/tx.ts';
import type { Clock } from '../../kernel/clock.ts';
import { newId } from '../../kernel/ids.ts';

export interface AuditInput {
  actor: string;
  action: string;
  object: { kind: string; key: string };
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
  sourceIp?: string | null;
}

export interface AuditEvent {
  seq: number;
  id: string;
  at: number;
  actor: string;
  action: string;
  object: { kind: string; key: string };
  before: unknown;
  after: unknown;
  requestId: string | null;
  sourceIp: string | null;
  prevHash: string;
  hash: string;
}

/** The prev_hash of the very first event. */
export const GENESIS = '0'.repeat(64);
const SECRET_KEY = /(password|secret|token|api_?key|private_?key|credential|hash)$/i;

/** Replaces values of secret-looking keys with "[redacted]", recursively. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v);
    return out;
  }
  return value;
}

/** The hash of one event given its predecessor's hash and its stored before/after JSON text. */
export function chainHash(
  prev: string,
  e: Pick<AuditEvent, 'id' | 'at' | 'actor' | 'action' | 'object' | 'requestId' | 'sourceIp'>,
  before: string | null,
  after: string | null,
) {
  return createHash('sha256')
    .update(
      JSON.stringify([
        prev,
        e.id,
        e.at,
        e.actor,
        e.action,
        e.object.kind,
        e.object.key,
        before,
        after,
        e.requestId,
        e.sourceIp,
      ]),
    )
    .digest('hex');
}

export class AuditLog {
  constructor(
    private db: Db,
    private clock: Clock,
  ) {}

  /** Appends one event to the chain inside `tx` (serialised so the chain never forks). */
  async append(tx: Tx, input: AuditInput): Promise<void> {
    if (this.db.dialect === 'postgres') {
      await sql`select pg_advisory_xact_lock(727272)`.execute(tx.db);
    }
    const last = await tx.db
      .selectFrom('audit_events')
      .select('hash')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const prevHash = last?.hash ?? GENESIS;
    const before = input.before === undefined ? null : JSON.stringify(redact(input.before));
    const after = input.after === undefined ? null : JSON.stringify(redact(input.after));
    const base = {
      id: newId(this.clock),
      at: this.clock.now(),
      actor: input.actor,
      action: input.action,
      object: input.object,
      before: null,
      after: null,
      requestId: input.requestId ?? null,
      sourceIp: input.sourceIp ?? null,
    };
    const hash = chainHash(prevHash, base, before, after);
    await tx.db
      .insertInto('audit_events')
      .values({
        id: base.id,
        at: base.at,
        actor: base.actor,
        action: base.action,
        object_kind: base.object.kind,
        object_key: base.object.key,
        before,
        after,
        request_id: base.requestId,
        source_ip: base.sourceIp,
        prev_hash: prevHash,
        hash,
      })
      .execute();
  }

  /** Lists events, newest first, filtered by object, actor and time range. */
  async list(
    f: {
      kind?: string;
      key?: string;
      actor?: string;
      from?: number;
      to?: number;
      beforeSeq?: number;
      limit?: number;
    } = {},
  ): Promise<AuditEvent[]> {
    let q = this.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .orderBy('seq', 'desc')
      .limit(f.limit ?? 50);
    if (f.kind) q = q.where('object_kind', '=', f.kind);
    if (f.key) q = q.where('object_key', '=', f.key);
    if (f.actor) q = q.where('actor', '=', f.actor);
    if (f.from !== undefined) q = q.where('at', '>=', f.from);
    if (f.to !== undefined) q = q.where('at', '<', f.to);
    if (f.beforeSeq !== undefined) q = q.where('seq', '<', f.beforeSeq);
    return (await q.execute()).map(toAudit);
  }

  /**
   * Walks the chain in the store; returns the first broken link, if any. When older events were
   * archived (audit retention), the walk starts from the boundary hash recorded for the last
   * archive, so the first remaining event must link to the archived chain's last event.
   */
  async verify(): Promise<
    | { ok: true; count: number; archivedThroughSeq?: number }
    | { ok: false; count: number; brokenAt: number; reason: string }
  > {
    let prev = GENESIS;
    let count = 0;
    let after = -1;
    const boundary = await (
      this.db.kysely as unknown as Kysely<{ audit_archives: { to_seq: number; last_hash: string } }>
    )
      .selectFrom('audit_archives')
      .select(['to_seq', 'last_hash'])
      .orderBy('to_seq', 'desc')
      .limit(1)
      .executeTakeFirst()
      .catch(() => undefined);
    if (boundary) {
      prev = boundary.last_hash;
      after = Number(boundary.to_seq);
      const older = await this.db.kysely
        .selectFrom('audit_events')
        .select('seq')
        .where('seq', '<=', after)
        .limit(1)
        .executeTakeFirst();
      if (older)
        return {
          ok: false,
          count: 0,
          brokenAt: Number(older.seq),
          reason: 'archived event still in the store',
        };
    }
    const archived = boundary ? { archivedThroughSeq: after } : {};
    for (;;) {
      const rows = await this.db.kysely
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '>', after)
        .orderBy('seq', 'asc')
        .limit(1000)
        .execute();
      if (rows.length === 0) return { ok: true, count, ...archived };
      for (const r of rows) {
        const e = toAudit(r);
        if (e.prevHash !== prev)
          return { ok: false, count, brokenAt: e.seq, reason: 'previous-hash mismatch' };
        const expect = chainHash(prev, e, r.before, r.after);
        if (expect !== e.hash)
          return { ok: false, count, brokenAt: e.seq, reason: 'content does not match its hash' };
        prev = e.hash;
        count++;
        after = e.seq;
      }
    }
  }
}

/** Maps a stored row to an event. */
export function toAudit(r: {
  seq: number;
  id: string;
  at: number;
  actor: string;
  action: string;
  object_kind: string;
  object_key: string;
  before: string | null;
  after: string | null;
  request_id: string | null;
  source_ip: string | null;
  prev_hash: string;
  hash: string;
}): AuditEvent {
  return {
    seq: Number(r.seq),
    id: r.id,
    at: Number(r.at),
    actor: r.actor,
    action: r.action,
    object: { kind: r.object_kind, key: r.object_key },
    before: r.before === null ? null : JSON.parse(r.before),
    after: r.after === null ? null : JSON.parse(r.after),
    requestId: r.request_id,
    sourceIp: r.source_ip,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
