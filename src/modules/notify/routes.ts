/**
 * Notify HTTP routes: the delivery log (`GET /api/v1/deliveries?status=failed`), manual retry,
 * channel health, and the one-click action pages (`GET /ack/<token>` confirms, `POST` performs;
 * policy `public` because the signed single-use token is the credential).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Db } from '../../db/db.ts';
import type { Clock } from '../../kernel/clock.ts';
import { notFound, VigilError } from '../../kernel/errors.ts';
import type { ModuleDirectory } from '../module.ts';
import type { LinkClaims, LinkSigner } from './action-links.ts';
import { type Delivery, type NotifyStore, nk } from './store.ts';
import { esc } from './transports/render.ts';

/** The incidents module's published api, as far as notify uses it. */
export interface IncidentsPort {
  acknowledge(id: string, actor: string): Promise<unknown>;
  resolve(id: string, actor: string, note?: string): Promise<unknown>;
  get(
    id: string,
  ): Promise<{ title?: string; human_id?: string; humanId?: string; status?: string } | undefined | null>;
}

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

/** API shape of a delivery (channel config is never shown: it may hold secrets). */
export function presentDelivery(d: Delivery): Record<string, unknown> {
  return {
    id: d.id,
    idempotency_key: d.idempotencyKey,
    status: d.status,
    channel: { type: d.channel.type, key: d.channel.key },
    incident_id: d.incidentId,
    recipient: d.message.recipient ?? null,
    kind: d.message.kind ?? 'notify',
    title: d.message.title,
    attempts: d.attempts,
    last_detail: d.lastDetail,
    next_attempt_at: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
    sent_at: iso(d.sentAt),
  };
}

function page(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
        `<title>${esc(title)}</title></head><body style="font-family:sans-serif;max-width:36em;margin:3em auto">` +
        `<h1>${esc(title)}</h1>${body}</body></html>`,
    );
}

const verb = (a: LinkClaims['action']) => (a === 'acknowledge' ? 'Acknowledge' : 'Resolve');

export interface NotifyRouteDeps {
  db: Db;
  store: NotifyStore;
  signer: LinkSigner;
  clock: Clock;
  modules: ModuleDirectory;
}

export function notifyRoutes(deps: NotifyRouteDeps) {
  const { store, signer, clock, modules } = deps;
  const incidents = () => {
    const api = modules.find<IncidentsPort>('incidents');
    if (!api)
      throw new VigilError(
        503,
        'incidents-unavailable',
        'the incidents module is not loaded, so links cannot act',
      );
    return api;
  };
  return async (app: FastifyInstance) => {
    // Browsers post the confirmation form as urlencoded; the body carries nothing we need.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) =>
      done(null, { raw: body }),
    );
    const tags = ['notifications'];
    app.get(
      '/api/v1/deliveries',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          querystring: Type.Object({
            status: Type.Optional(
              Type.Union([
                Type.Literal('pending'),
                Type.Literal('sent'),
                Type.Literal('failed'),
                Type.Literal('cancelled'),
              ]),
            ),
            incident: Type.Optional(Type.String({ maxLength: 200 })),
            channel: Type.Optional(Type.String({ maxLength: 200 })),
            recipient: Type.Optional(Type.String({ maxLength: 320, description: 'user key (e-mail)' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
            cursor: Type.Optional(
              Type.String({ maxLength: 100, description: 'next_cursor of the previous page' }),
            ),
          }),
        },
      },
      async (req) => {
        const q = req.query as {
          status?: 'pending' | 'sent' | 'failed' | 'cancelled';
          incident?: string;
          channel?: string;
          recipient?: string;
          limit?: number;
          cursor?: string;
        };
        const limit = q.limit ?? 100;
        // One extra row tells whether there is a next page.
        const items = await store.list({
          status: q.status,
          incidentId: q.incident,
          channelKey: q.channel,
          recipient: q.recipient,
          before: q.cursor,
          limit: limit + 1,
        });
        const page = items.slice(0, limit);
        return {
          items: page.map(presentDelivery),
          next_cursor: items.length > limit ? page[page.length - 1].id : null,
        };
      },
    );
    app.get(
      '/api/v1/deliveries/:id',
      { config: { policy: 'viewer' }, schema: { tags, params: Type.Object({ id: Type.String() }) } },
      async (req) => {
        const d = await store.get((req.params as { id: string }).id);
        if (!d) throw notFound('delivery', (req.params as { id: string }).id);
        return presentDelivery(d);
      },
    );
    app.post(
      '/api/v1/deliveries/:id/retry',
      { config: { policy: 'operator' }, schema: { tags, params: Type.Object({ id: Type.String() }) } },
      async (req) => {
        const id = (req.params as { id: string }).id;
        if (!(await store.retry(id, clock.now())))
          throw new VigilError(409, 'conflict', `delivery "${id}" is not failed`);
        return presentDelivery((await store.get(id))!);
      },
    );
    app.get('/api/v1/notify/channels', { config: { policy: 'viewer' }, schema: { tags } }, async () => {
      const rows = await nk(deps.db)
        .selectFrom('notify_channels')
        .selectAll()
        .orderBy('channel_key')
        .execute();
      return {
        items: rows.map((r) => ({
          key: r.channel_key,
          type: r.channel_type,
          failing: Number(r.failing) === 1,
          consecutive_failures: Number(r.consecutive_failures),
          last_error: r.last_error,
          updated_at: iso(Number(r.updated_at)),
        })),
      };
    });

    // A wildcard, not `:token`: tokens are longer than the router's 100-character parameter limit.
    const Token = Type.Object({ '*': Type.String({ minLength: 10, maxLength: 2000 }) });
    app.get(
      '/ack/*',
      { config: { policy: 'public' }, schema: { hide: true, params: Token } },
      async (req, reply) => {
        const now = clock.now();
        let c: LinkClaims;
        try {
          c = signer.verify((req.params as Record<string, string>)['*'], now);
        } catch (err) {
          return page(
            reply,
            (err as VigilError).status ?? 400,
            'Link not usable',
            `<p>${esc((err as Error).message)}</p>`,
          );
        }
        if (await signer.isUsed(c.nonce))
          return page(reply, 410, 'Link already used', '<p>This link has already been used.</p>');
        const inc = await modules
          .find<IncidentsPort>('incidents')
          ?.get(c.incidentId)
          .catch(() => null);
        const name = inc
          ? `${inc.human_id ?? inc.humanId ?? c.incidentId}: ${inc.title ?? ''}`
          : c.incidentId;
        return page(
          reply,
          200,
          `${verb(c.action)} incident?`,
          `<p>${esc(name)}</p><form method="post"><button type="submit">${verb(c.action)}</button></form>`,
        );
      },
    );
    app.post(
      '/ack/*',
      { config: { policy: 'public' }, schema: { hide: true, params: Token } },
      async (req, reply) => {
        const now = clock.now();
        const c = signer.verify((req.params as Record<string, string>)['*'], now);
        const api = incidents();
        const undo = await signer.spend(c, now);
        const actor = c.user ?? 'link';
        try {
          if (c.action === 'acknowledge') await api.acknowledge(c.incidentId, actor);
          else await api.resolve(c.incidentId, actor, 'resolved from a notification link');
        } catch (err) {
          await undo(); // the action did not happen: the link stays usable
          throw err;
        }
        const done = c.action === 'acknowledge' ? 'acknowledged' : 'resolved';
        if ((req.headers.accept ?? '').includes('text/html'))
          return page(reply, 200, `Incident ${done}`, `<p>Thank you. The incident is ${done}.</p>`);
        return { incident_id: c.incidentId, action: c.action, actor, status: done };
      },
    );
  };
}
