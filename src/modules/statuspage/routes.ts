/**
 * Public status page routes (HTML, Statuspage v2 JSON with open CORS, feeds, maintenance .ics),
 * served from a cache that is rebuilt on change rather than per request, and the operators' API.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import ical from 'ical-generator';
import { actorOf } from '../catalog/catalog-routes.ts';
import { COMPONENT_STATUSES, type ComponentStatus } from './kinds.ts';
import { INCIDENT_STATUSES } from './model.ts';
import type { SpIncident, StatusPageService } from './service.ts';
import { feeds, type PageData, pageUrl } from './views.ts';

export interface Rendered {
  data: PageData;
  docs: Record<string, unknown>;
  html: string;
  atom: string;
  rss: string;
  ics: string;
}

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

export function statusPageRoutes(svc: StatusPageService, render: (page?: string) => Promise<Rendered>) {
  return async (app: FastifyInstance) => {
    const pub = { config: { policy: 'public' as const }, schema: { hide: true } };
    const cors = (reply: FastifyReply) =>
      reply.header('access-control-allow-origin', '*').header('cache-control', 'public, max-age=10');

    const html = async (page: string | undefined, reply: FastifyReply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'public, max-age=10')
        .send((await render(page)).html);
    app.get('/status', pub, async (_req, reply) => html(undefined, reply));
    app.get('/status/:page', pub, async (req, reply) => html((req.params as { page: string }).page, reply));

    for (const path of DOC_PATHS) {
      app.get(`/api/v2/${path}`, pub, async (_req, reply) => cors(reply).send((await render()).docs[path]));
      app.get(`/status/:page/api/v2/${path}`, pub, async (req, reply) =>
        cors(reply).send((await render((req.params as { page: string }).page)).docs[path]),
      );
    }
    app.get('/status/:page/history.atom', pub, async (req, reply) =>
      reply.type('application/atom+xml').send((await render((req.params as { page: string }).page)).atom),
    );
    app.get('/status/:page/history.rss', pub, async (req, reply) =>
      reply.type('application/rss+xml').send((await render((req.params as { page: string }).page)).rss),
    );
    app.get('/status/:page/components/:component/history.atom', pub, async (req, reply) => {
      const { page, component } = req.params as { page: string; component: string };
      const r = await render(page);
      return reply.type('application/atom+xml').send(feeds(r.data, component).atom);
    });
    app.get('/status/:page/maintenance.ics', pub, async (req, reply) =>
      reply
        .type('text/calendar; charset=utf-8')
        .send((await render((req.params as { page: string }).page)).ics),
    );

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
              checks: c.checks ?? [],
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
      { config: { policy: 'viewer' }, schema: { tags, params: P } },
      async (req) => ({
        items: (await svc.listIncidents((req.params as { page: string }).page, { limit: 100 })).map(
          presentIncident,
        ),
      }),
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
}

/** The maintenance calendar of a page (iCalendar). */
export function maintenanceIcs(d: PageData): string {
  const cal = ical({
    name: `${d.page.name} maintenance`,
    prodId: { company: 'Vigil', product: 'status page' },
  });
  for (const m of d.incidents) {
    if (m.kind !== 'maintenance' || m.scheduledFor === null) continue;
    cal.createEvent({
      id: `${m.id}@${d.page.key}`,
      start: new Date(m.scheduledFor),
      end: new Date(m.scheduledUntil ?? m.scheduledFor),
      summary: m.name,
      description: m.updates[m.updates.length - 1]?.body ?? '',
      url: `${pageUrl(d)}#${m.id}`,
      stamp: new Date(m.createdAt),
    });
  }
  return cal.toString();
}
