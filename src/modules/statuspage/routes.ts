/**
 * Public status page routes (HTML, Statuspage v2 JSON with open CORS, feeds, maintenance .ics),
 * served from a cache that is rebuilt on change rather than per request, and the operators' API.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resolveCaller } from '../../http/auth.ts';
import { invalid, notFound, unauthorized } from '../../kernel/errors.ts';
import { actorOf } from '../catalog/catalog-routes.ts';
import type { TokenService } from '../identity/tokens.ts';
import { COMPONENT_STATUSES, type ComponentStatus } from './kinds.ts';
import { INCIDENT_STATUSES } from './model.ts';
import type { Encoded, PageRenderer, Rendered } from './render.ts';
import type { SpIncident, StatusPageService } from './service.ts';
import { feeds, renderSignInNeeded } from './views.ts';

const DOC_PATHS = [
  'summary.json',
  'status.json',
  'components.json',
  'incidents.json',
  'incidents/unresolved.json',
  'scheduled-maintenances.json',
  'scheduled-maintenances/upcoming.json',
  'scheduled-maintenances/active.json',
];

const presentIncident = (i: SpIncident) => ({
  id: i.id,
  page: i.page,
  kind: i.kind,
  name: i.name,
  status: i.status,
  impact: i.impact,
  incident_id: i.incidentId,
  components: i.components,
  scheduled_for: i.scheduledFor === null ? null : new Date(i.scheduledFor).toISOString(),
  scheduled_until: i.scheduledUntil === null ? null : new Date(i.scheduledUntil).toISOString(),
  created_at: new Date(i.createdAt).toISOString(),
  resolved_at: i.resolvedAt === null ? null : new Date(i.resolvedAt).toISOString(),
  updates: i.updates.map((u) => ({
    ...u,
    created_at: new Date(u.createdAt).toISOString(),
    createdAt: undefined,
  })),
});

const StatusEnum = Type.Union(COMPONENT_STATUSES.map((s) => Type.Literal(s)));
const Components = Type.Record(Type.String({ maxLength: 64 }), StatusEnum);

/** Where `/` and friends on a custom domain go (the page's own paths under /status/<page>). */
const ROOT_PATHS = /^\/(?:|history(?:\/\d{4}-\d{2})?|history\.atom|history\.rss|maintenance\.ics)$/;

export function statusPageRoutes(svc: StatusPageService, renderer: PageRenderer, tokens: TokenService) {
  const plugin = async (app: FastifyInstance) => {
    const pub = { config: { policy: 'public' as const }, schema: { hide: true } };
    type P = { page?: string };
    const pageOf = (req: FastifyRequest) => (req.params as P).page ?? renderer.pageForHost(req.headers.host);
    const wantsHtml = (req: FastifyRequest) => /text\/html/.test(String(req.headers.accept ?? ''));

    /** The rendered page, or null after answering 401 for a private page nobody signed in to read. */
    async function load(
      req: FastifyRequest,
      reply: FastifyReply,
      key = pageOf(req),
    ): Promise<Rendered | null> {
      const r = await renderer.render(key);
      reply.header('etag', r.etag);
      if (!r.data.page.private) {
        reply.header('cache-control', 'public, max-age=10');
        return r;
      }
      reply.header('cache-control', 'private, no-store').header('vary', 'cookie, authorization');
      const who = await resolveCaller(tokens, req);
      if (who && who !== 'bad-token') return r;
      if (wantsHtml(req)) {
        await reply
          .code(401)
          .type('text/html; charset=utf-8')
          .send(renderSignInNeeded(r.data.page.name, `/status-pages/${encodeURIComponent(r.data.page.key)}`));
        return null;
      }
      throw unauthorized(
        `status page "${r.data.page.key}" is private: sign in, or send Authorization: Bearer <token>`,
      );
    }
    /** 304 when the client already has this rendering (monitors and widgets poll these). */
    const notModified = (req: FastifyRequest, reply: FastifyReply, r: Rendered) =>
      req.headers['if-none-match'] === r.etag ? reply.code(304).send() : undefined;
    /** Sends a pre-encoded body, gzipped when the client accepts it. */
    const send = (req: FastifyRequest, reply: FastifyReply, body: Encoded) => {
      const vary = reply.getHeader('vary');
      reply.header('vary', vary ? `${vary}, accept-encoding` : 'accept-encoding');
      return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
        ? reply.header('content-encoding', 'gzip').send(body.gzip)
        : reply.send(body.plain);
    };
    const HTML_HEADERS = {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy':
        "default-src 'none'; style-src 'self'; img-src * data:; form-action 'self'; base-uri 'none'; frame-ancestors 'self'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
    };
    const html = async (req: FastifyRequest, reply: FastifyReply, key?: string) => {
      const r = await load(req, reply, key ?? pageOf(req));
      if (r) return notModified(req, reply, r) ?? send(req, reply.headers(HTML_HEADERS), r.htmlBytes);
    };
    const history = async (
      req: FastifyRequest,
      reply: FastifyReply,
      key: string | undefined,
      month?: string,
    ) => {
      const r = await load(req, reply, key);
      if (!r) return;
      const m = month ?? (await renderer.latestMonth(r.data.page.key));
      const body = await renderer.history(r.data.page.key, m);
      if (body === undefined)
        throw invalid(
          `"${month}" is not a month; use YYYY-MM, e.g. ${new Date(r.data.now).toISOString().slice(0, 7)}`,
        );
      return reply.headers(HTML_HEADERS).send(body);
    };
    const atom = async (req: FastifyRequest, reply: FastifyReply, key?: string) => {
      const r = await load(req, reply, key);
      if (r) return reply.type('application/atom+xml').send(r.atom);
    };
    const rss = async (req: FastifyRequest, reply: FastifyReply, key?: string) => {
      const r = await load(req, reply, key);
      if (r) return reply.type('application/rss+xml').send(r.rss);
    };
    const ics = async (req: FastifyRequest, reply: FastifyReply, key?: string) => {
      const r = await load(req, reply, key);
      if (r) return reply.type('text/calendar; charset=utf-8').send(r.ics);
    };

    app.get('/status', pub, (req, reply) => html(req, reply));
    app.get('/status/:page', pub, (req, reply) => html(req, reply));
    app.get('/status/:page/style.css', pub, async (req, reply) =>
      reply
        .type('text/css; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .send(await renderer.css((req.params as { page: string }).page)),
    );
    app.get('/status/:page/history', pub, (req, reply) => history(req, reply, pageOf(req)));
    app.get('/status/:page/history/:month', pub, (req, reply) =>
      history(req, reply, pageOf(req), (req.params as { month: string }).month),
    );

    for (const path of DOC_PATHS) {
      const doc = async (req: FastifyRequest, reply: FastifyReply) => {
        const r = await load(req, reply);
        if (!r) return;
        if (!r.data.page.private) reply.header('access-control-allow-origin', '*');
        return (
          notModified(req, reply, r) ?? send(req, reply.type('application/json; charset=utf-8'), r.json[path])
        );
      };
      app.get(`/api/v2/${path}`, pub, doc);
      app.get(`/status/:page/api/v2/${path}`, pub, doc);
    }
    app.get('/status/:page/history.atom', pub, (req, reply) => atom(req, reply));
    app.get('/status/:page/history.rss', pub, (req, reply) => rss(req, reply));
    app.get('/status/:page/components/:component/history.atom', pub, async (req, reply) => {
      const r = await load(req, reply);
      if (!r) return;
      const { component } = req.params as { component: string };
      if (!r.data.page.components.some((c) => c.key === component))
        throw notFound('component', `${r.data.page.key}/${component}`);
      return reply.type('application/atom+xml').send(feeds(r.data, component).atom);
    });
    app.get('/status/:page/maintenance.ics', pub, (req, reply) => ics(req, reply));

    // A custom domain serves its page at the root: the Host header picks the page (GET/HEAD only;
    // every other path on that host behaves as usual).
    app.addHook('onRequest', async (req, reply) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return;
      const key = renderer.pageForHost(req.headers.host);
      if (!key) return;
      const path = req.url.split('?')[0];
      if (!ROOT_PATHS.test(path)) return;
      if (path === '/') await html(req, reply, key);
      else if (path === '/history.atom') await atom(req, reply, key);
      else if (path === '/history.rss') await rss(req, reply, key);
      else if (path === '/maintenance.ics') await ics(req, reply, key);
      else await history(req, reply, key, path.split('/')[2]);
      return reply;
    });

    // Operators.
    const tags = ['status pages'];
    const P = Type.Object({ page: Type.String({ maxLength: 64 }) });
    app.get(
      '/api/v1/status-pages/:page/components',
      { config: { policy: 'viewer' }, schema: { tags, params: P } },
      async (req) => {
        const { page } = req.params as { page: string };
        const def = await svc.page(page);
        const states = await svc.componentStates(page);
        return {
          items: def.components.map((c) => {
            const s = states.get(c.key);
            return {
              key: c.key,
              name: c.name,
              status: s?.status ?? 'operational',
              automatic_status: s?.autoStatus ?? null,
              manual_status: s?.manualStatus ?? null,
              description: c.description ?? null,
              group: c.group ?? null,
              only_show_if_degraded: c.only_show_if_degraded ?? false,
              checks: c.checks ?? [],
              services: c.services ?? [],
              updated_at: s ? new Date(s.updatedAt).toISOString() : null,
            };
          }),
        };
      },
    );
    app.put(
      '/api/v1/status-pages/:page/components/:component',
      {
        config: { policy: 'responder' },
        schema: {
          tags,
          params: Type.Object({
            page: Type.String({ maxLength: 64 }),
            component: Type.String({ maxLength: 64 }),
          }),
          body: Type.Object(
            { status: Type.Union([StatusEnum, Type.Null(), Type.Literal('auto')]) },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const { page, component } = req.params as { page: string; component: string };
        const { status } = req.body as { status: ComponentStatus | 'auto' | null };
        await svc.setManual(actorOf(req), page, component, status === 'auto' ? null : status);
        return reply.code(204).send();
      },
    );
    app.get(
      '/api/v1/status-pages/:page/incidents',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          params: P,
          querystring: Type.Object(
            {
              kind: Type.Optional(Type.Union([Type.Literal('incident'), Type.Literal('maintenance')])),
              state: Type.Optional(
                Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('all')], {
                  description: 'open: not yet resolved/completed (default all)',
                }),
              ),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
              cursor: Type.Optional(Type.String({ maxLength: 100 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const { page } = req.params as { page: string };
        const q = req.query as {
          kind?: 'incident' | 'maintenance';
          state?: string;
          limit?: number;
          cursor?: string;
        };
        await svc.page(page);
        let before: { at: number; id: string } | undefined;
        if (q.cursor) {
          const m = /^(\d+):([0-9A-Za-z]+)$/.exec(q.cursor);
          if (!m)
            throw invalid('cursor must come from a previous next_cursor', {
              errors: [{ path: 'querystring.cursor', message: 'not a cursor' }],
            });
          before = { at: Number(m[1]), id: m[2] };
        }
        const limit = q.limit ?? 50;
        const items = await svc.listIncidents(page, {
          kind: q.kind,
          unresolvedOnly: q.state === 'open',
          resolvedOnly: q.state === 'resolved',
          limit: limit + 1,
          before,
        });
        const more = items.length > limit;
        const shown = items.slice(0, limit);
        const last = shown.at(-1);
        return {
          items: shown.map(presentIncident),
          next_cursor: more && last ? `${last.createdAt}:${last.id}` : null,
        };
      },
    );
    app.get(
      '/api/v1/status-pages/:page/summary',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          summary: "The page's Statuspage summary document as readers see it now (not cached by browsers)",
          params: P,
        },
      },
      async (req, reply) =>
        reply
          .header('cache-control', 'no-store')
          .send((await renderer.render((req.params as { page: string }).page)).docs['summary.json']),
    );
    app.post(
      '/api/v1/status-pages/:page/preview',
      {
        config: { policy: 'responder' },
        schema: {
          tags,
          summary:
            'Renders the public page as it would look with a draft incident or update (nothing is stored)',
          params: P,
          body: Type.Object(
            {
              id: Type.Optional(
                Type.String({ maxLength: 64, description: 'an existing incident this draft updates' }),
              ),
              name: Type.Optional(Type.String({ maxLength: 300 })),
              status: Type.Optional(Type.Union(INCIDENT_STATUSES.map((s) => Type.Literal(s)))),
              body: Type.String({ maxLength: 10000 }),
              components: Type.Optional(Components),
              impact: Type.Optional(
                Type.Union(['none', 'minor', 'major', 'critical'].map((s) => Type.Literal(s))),
              ),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => renderer.preview((req.params as { page: string }).page, req.body as never),
    );
    app.post(
      '/api/v1/status-pages/:page/incidents',
      {
        config: { policy: 'responder' },
        schema: {
          tags,
          params: P,
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 300 }),
              status: Type.Optional(Type.Union(INCIDENT_STATUSES.map((s) => Type.Literal(s)))),
              body: Type.String({ minLength: 1, maxLength: 10000 }),
              components: Type.Optional(Components),
              incident_id: Type.Optional(Type.String({ maxLength: 64 })),
              impact: Type.Optional(
                Type.Union(
                  ['none', 'minor', 'major', 'critical'].map((s) => Type.Literal(s)),
                  {
                    description: 'overrides the impact derived from the component statuses',
                  },
                ),
              ),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const i = await svc.createIncident(
          actorOf(req),
          (req.params as { page: string }).page,
          req.body as never,
        );
        return reply.code(201).send(presentIncident(i));
      },
    );
    app.get(
      '/api/v1/status-incidents/:id',
      {
        config: { policy: 'viewer' },
        schema: { tags, params: Type.Object({ id: Type.String({ maxLength: 64 }) }) },
      },
      async (req, reply) => {
        const i = await svc.getIncident((req.params as { id: string }).id);
        if (!i) return reply.callNotFound();
        return presentIncident(i);
      },
    );
    app.post(
      '/api/v1/status-incidents/:id/updates',
      {
        config: { policy: 'responder' },
        schema: {
          tags,
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          body: Type.Object(
            {
              status: Type.Optional(Type.String({ maxLength: 32 })),
              body: Type.String({ minLength: 1, maxLength: 10000 }),
              components: Type.Optional(Components),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req) =>
        presentIncident(
          await svc.updateIncident(actorOf(req), (req.params as { id: string }).id, req.body as never),
        ),
    );
    app.post(
      '/api/v1/status-pages/:page/maintenances',
      {
        config: { policy: 'operator' },
        schema: {
          tags,
          params: P,
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 300 }),
              body: Type.String({ minLength: 1, maxLength: 10000 }),
              scheduled_for: Type.String({ format: 'date-time' }),
              scheduled_until: Type.String({ format: 'date-time' }),
              components: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 200 }),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const b = req.body as {
          name: string;
          body: string;
          scheduled_for: string;
          scheduled_until: string;
          components: string[];
        };
        const m = await svc.scheduleMaintenance(actorOf(req), (req.params as { page: string }).page, {
          ...b,
          scheduled_for: Date.parse(b.scheduled_for),
          scheduled_until: Date.parse(b.scheduled_until),
        });
        return reply.code(201).send(presentIncident(m));
      },
    );
  };
  // Not encapsulated: the custom-domain hook must see requests for `/` (served by the console module).
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}
