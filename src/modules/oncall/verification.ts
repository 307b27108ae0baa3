/**
 * Contact-method verification for the signed-in user: Vigil sends a six-digit code through the
 * method (an ordinary notify delivery), the user types it back, and the method counts as verified
 * for as long as its destination stays the same (the record is keyed by a fingerprint of the
 * destination, so editing the URL or address asks for a new verification). Codes are stored
 * hashed, expire after 30 minutes and allow 5 attempts.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Db } from '../../db/db.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Clock } from '../../kernel/clock.ts';
import { VigilError } from '../../kernel/errors.ts';
import { newId } from '../../kernel/ids.ts';
import type { NotifyApi } from '../notify/module.ts';
import { toChannel } from './engine.ts';
import type { OncallStore } from './store.ts';

export const CODE_TTL_MS = 30 * 60_000;
export const MAX_ATTEMPTS = 5;

interface Tables {
  oncall_contact_verifications: {
    id: string;
    user_key: string;
    code_hash: string | null;
    code_expires_at: number | null;
    attempts: number;
    verified_at: number | null;
    updated_at: number;
  };
}
const vk = (db: Db) => db.kysely as unknown as Kysely<Tables>;

/** A stable fingerprint of where a method delivers (not its urgency or signing secret). */
export function methodFingerprint(m: Record<string, unknown>): string {
  const dest = {
    type: m.type,
    url: m.url ?? null,
    to: Array.isArray(m.to) ? [...(m.to as string[])].map((x) => x.toLowerCase()).sort() : null,
    topic: m.topic ?? null,
    server: m.server ?? null,
    routing_key: m.routing_key ?? null,
  };
  return createHash('sha256').update(JSON.stringify(dest)).digest('hex').slice(0, 32);
}

const hashCode = (id: string, code: string) => createHash('sha256').update(`${id}:${code}`).digest('hex');
const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

export interface VerificationDeps {
  db: Db;
  store: OncallStore;
  clock: Clock;
  notify: NotifyApi;
}

export function verificationRoutes(d: VerificationDeps) {
  const tags = ['oncall'];
  const me = (req: FastifyRequest) => {
    const user = req.principal?.userKey;
    if (!user)
      throw new VigilError(
        400,
        'invalid-request',
        'contact verification is for the signed-in user: sign in or use a personal token',
      );
    return user;
  };
  const methodsOf = async (user: string) =>
    ((await d.store.find('contact', user))?.spec.methods as Array<Record<string, unknown>> | undefined) ?? [];
  const method = async (user: string, index: number) => {
    const m = (await methodsOf(user))[index];
    if (!m) throw new VigilError(404, 'not-found', `you have no contact method #${index}`);
    return { m, id: `${user}|${methodFingerprint(m)}` };
  };
  const Index = Type.Object({ index: Type.Integer({ minimum: 0, maximum: 19 }) });
  return async (app: FastifyInstance) => {
    app.get(
      '/api/v1/oncall/me/verifications',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          description: 'Verification state of each of the signed-in user’s contact methods, by index.',
        },
      },
      async (req) => {
        const user = me(req);
        const methods = await methodsOf(user);
        const rows = await vk(d.db)
          .selectFrom('oncall_contact_verifications')
          .selectAll()
          .where('user_key', '=', user)
          .execute();
        const byId = new Map(rows.map((r) => [r.id, r]));
        const now = d.clock.now();
        return {
          items: methods.map((m, index) => {
            const r = byId.get(`${user}|${methodFingerprint(m)}`);
            const pending = Boolean(r?.code_hash && Number(r.code_expires_at) > now);
            return {
              method: index,
              verified: r?.verified_at != null,
              verified_at: iso(r?.verified_at == null ? null : Number(r.verified_at)),
              code_pending: pending,
              code_expires_at: pending ? iso(Number(r!.code_expires_at)) : null,
            };
          }),
        };
      },
    );
    app.post(
      '/api/v1/oncall/me/contact-methods/:index/verification',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          params: Index,
          description: 'Sends a verification code through the contact method (answers with the delivery).',
        },
      },
      async (req, reply) => {
        const user = me(req);
        const index = (req.params as { index: number }).index;
        const { m, id } = await method(user, index);
        const now = d.clock.now();
        const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
        const values = {
          code_hash: hashCode(id, code),
          code_expires_at: now + CODE_TTL_MS,
          attempts: 0,
          updated_at: now,
        };
        let delivery = '';
        await inTransaction(d.db, async (tx) => {
          const k = tx.db as unknown as Kysely<Tables>;
          const exists = await k
            .selectFrom('oncall_contact_verifications')
            .select('id')
            .where('id', '=', id)
            .executeTakeFirst();
          if (exists)
            await k.updateTable('oncall_contact_verifications').set(values).where('id', '=', id).execute();
          else
            await k
              .insertInto('oncall_contact_verifications')
              .values({ id, user_key: user, verified_at: null, ...values })
              .execute();
          const r = await d.notify.enqueue(tx, {
            idempotencyKey: `verify:${id}:${newId(d.clock)}`,
            channel: toChannel(`contact:${user}:${index}`, m),
            message: {
              kind: 'test',
              // The code is only in the body: the delivery log shows titles to every viewer.
              title: 'Your Vigil verification code',
              summary: `Your code is ${code}. Enter it on your on-call page in Vigil to verify this contact method; it expires in 30 minutes.`,
              recipient: user,
            },
          });
          delivery = r.id;
        });
        return reply
          .code(202)
          .send({ method: index, delivery_id: delivery, code_expires_at: iso(now + CODE_TTL_MS) });
      },
    );
    app.post(
      '/api/v1/oncall/me/contact-methods/:index/verification/confirm',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          params: Index,
          body: Type.Object(
            { code: Type.String({ minLength: 1, maxLength: 20 }) },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const user = me(req);
        const index = (req.params as { index: number }).index;
        const { id } = await method(user, index);
        const now = d.clock.now();
        const code = (req.body as { code: string }).code.replace(/\s+/g, '');
        const r = await vk(d.db)
          .selectFrom('oncall_contact_verifications')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirst();
        if (!r?.code_hash)
          throw new VigilError(
            409,
            'conflict',
            'no verification code was sent for this method: send one first',
          );
        if (Number(r.code_expires_at) <= now)
          throw new VigilError(410, 'gone', 'the verification code has expired: send a new one');
        if (Number(r.attempts) >= MAX_ATTEMPTS)
          throw new VigilError(429, 'too-many-attempts', 'too many wrong codes: send a new one');
        const want = Buffer.from(r.code_hash, 'hex');
        const got = Buffer.from(hashCode(id, code), 'hex');
        if (!timingSafeEqual(want, got)) {
          await vk(d.db)
            .updateTable('oncall_contact_verifications')
            .set({ attempts: Number(r.attempts) + 1, updated_at: now })
            .where('id', '=', id)
            .execute();
          throw new VigilError(400, 'invalid-request', 'that code is not right', {
            errors: [{ path: 'body.code', message: 'That code is not right: check the latest message.' }],
          });
        }
        await vk(d.db)
          .updateTable('oncall_contact_verifications')
          .set({ verified_at: now, code_hash: null, code_expires_at: null, attempts: 0, updated_at: now })
          .where('id', '=', id)
          .execute();
        return { method: index, verified: true, verified_at: iso(now) };
      },
    );
  };
}
