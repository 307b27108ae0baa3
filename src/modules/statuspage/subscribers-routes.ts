/**
 * Subscriber routes: the public subscription pages under `/status/<page>/…` (HTML forms that work
 * without JavaScript, RFC 8058 one-click unsubscribe) and the operators' API under
 * `/api/v1/status-pages/<page>/subscribers`.
 */
import formbody from '@fastify/formbody';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { VigilError } from '../../kernel/errors.ts';
import { SLUG_PATTERN } from '../../kernel/ids.ts';
import { actorOf } from '../catalog/catalog-routes.ts';
import type { StatusPageService } from './service.ts';
import { presentSubscriber, type SubscriberService } from './subscribers.ts';
import {
  checkInbox,
  confirmForm,
  managePage,
  message,
  subscribeForm,
  unsubscribeForm,
} from './subscribers-html.ts';

const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

type Form = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
const many = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function subscriberRoutes(svc: SubscriberService, pages: StatusPageService) {
  return async (app: FastifyInstance) => {
    await app.register(formbody);
    const pub = { config: { policy: 'public' as const }, schema: { hide: true } };
    const html = (reply: FastifyReply, body: string, code = 200) =>
      reply.code(code).headers(HTML_HEADERS).send(body);
    const pageOr404 = async (key: string, reply: FastifyReply) => {
      try {
        return await pages.page(key);
      } catch (err) {
        if (err instanceof VigilError && err.status === 404) {
          reply
            .code(404)
            .headers(HTML_HEADERS)
            .send(
              '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found</title></head><body><main><h1>No such status page</h1></main></body></html>',
            );
          return undefined;
        }
        throw err;
      }
    };
    const invalidLink = (page: Awaited<ReturnType<typeof pages.page>>, reply: FastifyReply) =>
      html(
        reply,
        message(
          page,
          'This link is no longer valid',
          'The subscription it belonged to does not exist any more (it may have been removed). You can subscribe again.',
          { href: `/status/${page.key}/subscribe`, label: 'Subscribe to updates' },
        ),
        404,
      );

    /** Private pages take no self-service sign-ups: operators add their subscribers. */
    const openPageOr404 = async (key: string, reply: FastifyReply) => {
      const page = await pageOr404(key, reply);
      if (page?.private) {
        html(
          reply,
          message(
            page,
            'Subscriptions are managed by the operators',
            'This status page is private, so it takes no sign-ups here. Ask its operators to add you.',
          ),
          404,
        );
        return undefined;
      }
      return page;
    };

    app.get('/status/:page/subscribe', pub, async (req, reply) => {
      const page = await openPageOr404((req.params as { page: string }).page, reply);
      if (page) return html(reply, subscribeForm(page));
    });

    app.post('/status/:page/subscribe', pub, async (req, reply) => {
      const page = await openPageOr404((req.params as { page: string }).page, reply);
      if (!page) return;
      const body = (req.body ?? {}) as Form;
      const email = one(body.email);
      const components = many(body.components);
      // Behind a reverse proxy every request comes from the proxy: the client is the address the
      // nearest proxy appended to X-Forwarded-For (a forged header only evades the per-client
      // limit; the per-page limit still holds).
      const xff = req.headers['x-forwarded-for'];
      const forwarded = (Array.isArray(xff) ? xff.join(',') : (xff ?? ''))
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
        .pop();
      const wait = svc.throttleSubscribe(page.key, forwarded ?? req.ip);
      if (wait > 0)
        return html(
          reply.header('retry-after', String(Math.ceil(wait / 1000))),
          subscribeForm(page, {
            email,
            components,
            error: `Too many attempts from your network; try again in ${Math.ceil(wait / 60_000)} minutes.`,
          }),
          429,
        );
      try {
        await svc.subscribeEmail(page.key, { email, components });
      } catch (err) {
        if (err instanceof VigilError && err.status === 400)
          return html(reply, subscribeForm(page, { email, components, error: fieldMessage(err) }), 400);
        throw err;
      }
      return html(reply, checkInbox(page, email.trim()));
    });

    app.get('/status/:page/subscribe/confirm', pub, async (req, reply) => {
      const page = await pageOr404((req.params as { page: string }).page, reply);
      if (!page) return;
      const token = one((req.query as Form).token);
      const sub = await svc.byToken(page.key, token);
      if (!sub) return invalidLink(page, reply);
      if (sub.state === 'confirmed')
        return html(reply, managePage(page, token, sub, 'Your subscription is already confirmed.'));
      // A button, not an automatic confirmation: mail scanners that follow links must not confirm.
      return html(reply, confirmForm(page, token, sub.address));
    });

    app.post('/status/:page/subscribe/confirm', pub, async (req, reply) => {
      const page = await pageOr404((req.params as { page: string }).page, reply);
      if (!page) return;
      const token = one(((req.body ?? {}) as Form).token) || one((req.query as Form).token);
      const sub = await svc.confirm(page.key, token);
      if (!sub) return invalidLink(page, reply);
      return html(reply, managePage(page, token, sub, 'You are subscribed.'));
    });

    app.get('/status/:page/subscription', pub, async (req, reply) => {
      const page = await pageOr404((req.params as { page: string }).page, reply);
      if (!page) return;
      const token = one((req.query as Form).token);
      const sub = await svc.byToken(page.key, token);
      if (!sub) return invalidLink(page, reply);
      return html(reply, managePage(page, token, sub));
    });

    app.post('/status/:page/subscription', pub, async (req, reply) => {
      const page = await pageOr404((req.params as { page: string }).page, reply);
      if (!page) return;
      const body = (req.body ?? {}) as Form;
      const token = one(body.token);
      if (!(await svc.byToken(page.key, token))) return invalidLink(page, reply);
      const sub = await svc.updateComponentsByToken(page.key, token, many(body.components));
      return html(reply, managePage(page, token, sub, 'Saved.'));
    });

    app.get('/status/:page/unsubscribe', pub, async (req, reply) => {
      const page = await pageOr404((req.params as { page: string }).page, reply);
      if (!page) return;
      const token = one((req.query as Form).token);
      const sub = await svc.byToken(page.key, token);
      if (!sub)
        return html(
          reply,
          message(page, 'You are unsubscribed', 'This address gets no more status updates from this page.'),
        );
      return html(reply, unsubscribeForm(page, token, sub.address));
    });

    // RFC 8058: a POST with `List-Unsubscribe=One-Click` (or the form's button) unsubscribes at
    // once. Unknown tokens answer 200 as well: the address is not subscribed either way.
    app.post('/status/:page/unsubscribe', pub, async (req, reply) => {
      const page = await pageOr404((req.params as { page: string }).page, reply);
      if (!page) return;
      const token = one((req.query as Form).token) || one(((req.body ?? {}) as Form).token);
      await svc.unsubscribeByToken(page.key, token);
      return html(
        reply,
        message(page, 'You are unsubscribed', 'This address gets no more status updates from this page.', {
          href: `/status/${page.key}/subscribe`,
          label: 'Subscribe again',
        }),
      );
    });

    // Operators.
    const tags = ['status pages'];
    const P = Type.Object({ page: Type.String({ maxLength: 64 }) });
    const PI = Type.Object({ page: Type.String({ maxLength: 64 }), id: Type.String({ maxLength: 64 }) });
    const Key = Type.String({ pattern: SLUG_PATTERN, maxLength: 64 });
    const Filter = Type.Object(
      {
        q: Type.Optional(Type.String({ maxLength: 200 })),
        type: Type.Optional(Type.Union([Type.Literal('email'), Type.Literal('webhook')])),
        state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('confirmed')])),
        component: Type.Optional(Key),
      },
      { additionalProperties: false },
    );
    const Sub = Type.Object({
      id: Type.String(),
      page: Type.String(),
      type: Type.String(),
      address: Type.String(),
      components: Type.Union([Type.Array(Type.String()), Type.Null()]),
      state: Type.String(),
      description: Type.Union([Type.String(), Type.Null()]),
      source: Type.String(),
      created_at: Type.String(),
      confirmed_at: Type.Union([Type.String(), Type.Null()]),
    });

    app.get(
      '/api/v1/status-pages/:page/subscribers',
      {
        config: { policy: 'operator' },
        schema: {
          tags,
          summary: 'Subscribers of a status page (newest first, cursor pagination)',
          params: P,
          querystring: Type.Composite([
            Filter,
            Type.Object({
              cursor: Type.Optional(Type.String({ maxLength: 64 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
            }),
          ]),
          response: {
            200: Type.Object({
              items: Type.Array(Sub),
              next_cursor: Type.Union([Type.String(), Type.Null()]),
            }),
          },
        },
      },
      async (req) => {
        const r = await svc.list((req.params as { page: string }).page, req.query as never);
        return { items: r.items.map(presentSubscriber), next_cursor: r.nextCursor };
      },
    );

    app.get(
      '/api/v1/status-pages/:page/subscribers/counts',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          summary: 'How many subscribers a page has, by state, type and component',
          params: P,
        },
      },
      async (req) => svc.counts((req.params as { page: string }).page),
    );

    app.get(
      '/api/v1/status-pages/:page/subscribers/export.csv',
      {
        config: { policy: 'operator' },
        schema: {
          tags,
          summary: 'Subscribers as CSV (same filters as the list)',
          params: P,
          querystring: Filter,
        },
      },
      async (req, reply) => {
        const page = (req.params as { page: string }).page;
        const csv = await svc.exportCsv(page, req.query as never);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${page}-subscribers.csv"`)
          .header('cache-control', 'no-store')
          .send(csv);
      },
    );

    app.post(
      '/api/v1/status-pages/:page/subscribers',
      {
        config: { policy: 'operator' },
        schema: {
          tags,
          summary: 'Add an e-mail (confirmation mail unless `confirmed`) or webhook subscriber',
          params: P,
          body: Type.Union([
            Type.Object(
              {
                type: Type.Literal('email'),
                email: Type.String({ minLength: 1, maxLength: 254 }),
                components: Type.Optional(Type.Array(Key, { maxItems: 200 })),
                confirmed: Type.Optional(Type.Boolean()),
              },
              { additionalProperties: false },
            ),
            Type.Object(
              {
                type: Type.Literal('webhook'),
                url: Type.String({ minLength: 1, maxLength: 2000 }),
                components: Type.Optional(Type.Array(Key, { maxItems: 200 })),
                description: Type.Optional(Type.String({ maxLength: 200 })),
              },
              { additionalProperties: false },
            ),
          ]),
        },
      },
      async (req, reply) => {
        const s = await svc.add(actorOf(req), (req.params as { page: string }).page, req.body as never);
        // The webhook signing secret is shown once, here.
        return reply.code(201).send({ ...presentSubscriber(s), ...(s.secret ? { secret: s.secret } : {}) });
      },
    );

    app.patch(
      '/api/v1/status-pages/:page/subscribers/:id',
      {
        config: { policy: 'operator' },
        schema: {
          tags,
          summary: "Change a subscriber's components (empty = every component)",
          params: PI,
          body: Type.Object(
            { components: Type.Array(Key, { maxItems: 200 }) },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const { page, id } = req.params as { page: string; id: string };
        const { components } = req.body as { components: string[] };
        return presentSubscriber(await svc.updateComponents(actorOf(req), page, id, components));
      },
    );

    app.post(
      '/api/v1/status-pages/:page/subscribers/:id/resend-confirmation',
      {
        config: { policy: 'operator' },
        schema: { tags, summary: 'Send the confirmation mail of a pending subscriber again', params: PI },
      },
      async (req, reply) => {
        const { page, id } = req.params as { page: string; id: string };
        await svc.resendConfirmation(page, id);
        return reply.code(202).send({ sent: true });
      },
    );

    app.delete(
      '/api/v1/status-pages/:page/subscribers/:id',
      { config: { policy: 'operator' }, schema: { tags, summary: 'Remove a subscriber', params: PI } },
      async (req, reply) => {
        const { page, id } = req.params as { page: string; id: string };
        await svc.remove(actorOf(req), page, id);
        return reply.code(204).send();
      },
    );

    app.get(
      '/api/v1/status-pages/:page/subscriber-deliveries',
      {
        config: { policy: 'operator' },
        schema: {
          tags,
          summary: 'Webhook deliveries to subscribers, newest first',
          params: P,
          querystring: Type.Object(
            {
              subscriber: Type.Optional(Type.String({ maxLength: 64 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const page = (req.params as { page: string }).page;
        await pages.page(page);
        const items = await svc.deliveries(page, req.query as never);
        const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
        return {
          items: items.map((d) => ({
            id: d.id,
            subscriber: d.subscriber,
            address: d.address,
            event_type: d.eventType,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.status === 'pending' ? iso(d.nextAt) : null,
            last_error: d.lastError,
            created_at: iso(d.createdAt),
            sent_at: iso(d.sentAt),
          })),
        };
      },
    );
  };
}

function fieldMessage(err: VigilError): string {
  const errors = (err.details?.errors ?? []) as Array<{ message: string }>;
  return errors[0]?.message ?? err.message;
}
