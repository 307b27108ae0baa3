/**
 * Silences: label matchers with a start and an end, an author and a comment. A silence is
 * pending before it starts, active until it ends and expired afterwards (no timer needed: every
 * evaluation compares with the clock). Expiring early moves the end to now.
 */
import type { Db } from '../../db/db.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Clock } from '../../kernel/clock.ts';
import { invalid, notFound } from '../../kernel/errors.ts';
import { newId } from '../../kernel/ids.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { ActorContext } from '../catalog/catalog-service.ts';
import type { Timeline } from '../timeline/timeline.ts';
import { type Labels, matchesAll, parseMatcher } from './matchers.ts';
import { adb, type SilenceRow } from './store.ts';
import type { SilenceInfo } from './suppress.ts';

export type SilenceState = 'pending' | 'active' | 'expired';

export interface Silence extends SilenceInfo {
  matcherText: string[];
  state: SilenceState;
  createdAt: number;
  updatedAt: number;
}

export interface NewSilence {
  matchers: string[];
  startsAt?: number;
  endsAt?: number;
  /** Length in ms when `endsAt` is not given. */
  durationMs?: number;
  comment: string;
}

const MAX_SILENCE_MS = 366 * 86_400_000;

export class SilenceService {
  constructor(
    private db: Db,
    private clock: Clock,
    private timeline: Timeline,
    private audit: AuditLog,
  ) {}

  private present(r: SilenceRow, now = this.clock.now()): Silence {
    const text: string[] = JSON.parse(r.matchers);
    const startsAt = Number(r.starts_at);
    const endsAt = Number(r.ends_at);
    return {
      id: r.id,
      matchers: text.map(parseMatcher),
      matcherText: text,
      startsAt,
      endsAt,
      createdBy: r.created_by,
      comment: r.comment,
      state: now < startsAt ? 'pending' : now < endsAt ? 'active' : 'expired',
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    };
  }

  /** Creates a silence; 400 when matchers do not parse, match everything, or the times are wrong. */
  async create(ctx: ActorContext, input: NewSilence): Promise<Silence> {
    const now = this.clock.now();
    if (!input.matchers?.length) throw invalid('a silence needs at least one matcher', { field: 'matchers' });
    const parsed = input.matchers.map((m) => {
      try {
        return parseMatcher(m);
      } catch (e) {
        throw invalid((e as Error).message, { field: 'matchers' });
      }
    });
    if (matchesAll(parsed, {} as Labels))
      throw invalid('the matchers would silence every alert (they match an empty label set)', {
        field: 'matchers',
      });
    if (!input.comment?.trim()) throw invalid('a silence needs a comment (why)', { field: 'comment' });
    const startsAt = input.startsAt ?? now;
    const endsAt = input.endsAt ?? (input.durationMs !== undefined ? startsAt + input.durationMs : undefined);
    if (endsAt === undefined) throw invalid('give ends_at or duration', { field: 'duration' });
    if (endsAt <= startsAt) throw invalid('ends_at must be after starts_at', { field: 'ends_at' });
    if (endsAt <= now) throw invalid('the silence would already be over', { field: 'ends_at' });
    if (endsAt - startsAt > MAX_SILENCE_MS)
      throw invalid('a silence may last at most 366 days', { field: 'duration' });
    const row: SilenceRow = {
      id: newId(this.clock),
      matchers: JSON.stringify(input.matchers),
      starts_at: startsAt,
      ends_at: endsAt,
      created_by: ctx.actor,
      comment: input.comment.trim(),
      created_at: now,
      updated_at: now,
    };
    await inTransaction(this.db, async (tx) => {
      await adb(tx).insertInto('alerts_silences').values(row).execute();
      const after = { matchers: input.matchers, starts_at: startsAt, ends_at: endsAt, comment: row.comment };
      await this.audit.append(tx, {
        actor: ctx.actor,
        action: 'silence.created',
        object: { kind: 'silence', key: row.id },
        after,
        requestId: ctx.requestId,
        sourceIp: ctx.sourceIp,
      });
      await this.timeline.append(tx, {
        type: 'silence.created',
        subject: { kind: 'silence', key: row.id },
        actor: ctx.actor,
        data: after,
      });
    });
    return this.present(row, now);
  }

  async get(id: string): Promise<Silence> {
    const r = await (this.db.kysely as unknown as ReturnType<typeof adb>)
      .selectFrom('alerts_silences')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!r) throw notFound('silence', id);
    return this.present(r);
  }

  /** Silences, newest first, optionally of one state. */
  async list(state?: SilenceState, limit = 500): Promise<Silence[]> {
    const rows = await (this.db.kysely as unknown as ReturnType<typeof adb>)
      .selectFrom('alerts_silences')
      .selectAll()
      .orderBy('created_at', 'desc')
      .limit(state === 'expired' ? limit : 5000)
      .execute();
    const now = this.clock.now();
    return rows
      .map((r) => this.present(r, now))
      .filter((s) => !state || s.state === state)
      .slice(0, limit);
  }

  /** Ends a silence now (a pending one never starts); expiring an expired silence changes nothing. */
  async expire(ctx: ActorContext, id: string): Promise<Silence> {
    const now = this.clock.now();
    const s = await this.get(id);
    if (s.state === 'expired') return s;
    const startsAt = s.state === 'pending' ? now : s.startsAt;
    await inTransaction(this.db, async (tx) => {
      await adb(tx)
        .updateTable('alerts_silences')
        .set({ starts_at: startsAt, ends_at: now, updated_at: now })
        .where('id', '=', id)
        .execute();
      await this.audit.append(tx, {
        actor: ctx.actor,
        action: 'silence.expired',
        object: { kind: 'silence', key: id },
        before: { ends_at: s.endsAt },
        after: { ends_at: now },
        requestId: ctx.requestId,
        sourceIp: ctx.sourceIp,
      });
      await this.timeline.append(tx, {
        type: 'silence.expired',
        subject: { kind: 'silence', key: id },
        actor: ctx.actor,
        data: {},
      });
    });
    return this.get(id);
  }

  /** Silences in force at `now`. */
  async activeAt(now: number): Promise<SilenceInfo[]> {
    const rows = await (this.db.kysely as unknown as ReturnType<typeof adb>)
      .selectFrom('alerts_silences')
      .selectAll()
      .where('starts_at', '<=', now)
      .where('ends_at', '>', now)
      .execute();
    return rows.map((r) => this.present(r, now));
  }
}
