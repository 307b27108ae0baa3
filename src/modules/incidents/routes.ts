/**
 * REST routes of the incidents module. Thin: validate, call one service method, present.
 * Policies: viewer reads; responder opens, acknowledges, resolves, annotates and edits
 * postmortems; settings are a catalog kind (operator).
 */
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalid } from '../../kernel/errors.ts';
import { actorOf, ifMatchVersion } from '../catalog/catalog-routes.ts';
import { timelineMarkdown } from './markdown.ts';
import type { PostmortemService } from './postmortems.ts';
import {
  presentAlert,
  presentEvent,
  presentIncident,
  presentItem,
  presentPostmortem,
  presentPostmortemRow,
} from './present.ts';
import type { ReportService } from './report-service.ts';
import { type GroupBy, reportCsv } from './reports.ts';
import type { IncidentService, ListFilter } from './service.ts';
import { type Incident, STATUSES } from './types.ts';

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const Str = (max = 200) => Type.String({ minLength: 1, maxLength: max });
const Opt = <T extends TSchema>(t: T) => Type.Optional(t);
const Body = <P extends Record<string, TSchema>>(p: P) => Type.Object(p, { additionalProperties: false });

/** Parses an ISO time or epoch ms from a query/body value. */
function time(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(n)) throw invalid(`${name} must be an ISO time or epoch milliseconds (got "${v}")`);
  return n;
}

/** The optional `note` of a body that may be absent (POST …/resolve without a body). */
function noteOf(body: unknown): string | undefined {
  const note = (body as { note?: unknown } | null | undefined)?.note;
  if (note === undefined || note === null) return undefined;
  if (typeof note !== 'string' || note.length > 20_000)
    throw invalid('note must be a string of at most 20000 characters');
  return note;
}

export interface RouteServices {
  incidents: IncidentService;
  postmortems: PostmortemService;
  reports: ReportService;
}

export function incidentRoutes({ incidents, postmortems, reports }: RouteServices) {
  const actor = (req: FastifyRequest) => actorOf(req).actor;
  const send = async (
    reply: FastifyReply,
    inc: Incident,
    code = 200,
    extra: Record<string, unknown> = {},
  ) => {
    const alerts = (await incidents.alerts(inc.id)).map(presentAlert);
    const commanderRequired = await incidents.commanderRequired(inc);
    return reply
      .code(code)
      .header('etag', `"${inc.version}"`)
      .send(
        presentIncident(inc, incidents.url(inc.id), {
          alerts,
          commander_required: commanderRequired,
          ...extra,
        }),
      );
  };
  const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;

  return async (app: FastifyInstance) => {
    const tags = ['incidents'];
    const viewer = { config: { policy: 'viewer' as const } };
    const responder = { config: { policy: 'responder' as const } };

    app.get(
      '/api/v1/incidents',
      {
        ...viewer,
        schema: {
          tags,
          querystring: Type.Object({
            status: Opt(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
            open: Opt(Type.Boolean()),
            service: Opt(Str()),
            severity: Opt(Str()),
            commander: Opt(Str(320)),
            breached: Opt(Type.Boolean()),
            from: Opt(Str(40)),
            to: Opt(Str(40)),
            q: Opt(Type.String({ maxLength: 200 })),
            order: Opt(Type.Union([Type.Literal('newest'), Type.Literal('open_first')])),
            limit: Opt(Type.Integer({ minimum: 1, maximum: 500 })),
            before: Opt(Str()),
            cursor: Opt(Str(400)),
          }),
        },
      },
      async (req) => {
        const q = req.query as Omit<ListFilter, 'from' | 'to'> & { from?: string; to?: string };
        const { items, nextCursor } = await incidents.list({
          ...q,
          from: time(q.from, 'from'),
          to: time(q.to, 'to'),
        });
        return {
          items: items.map((i) => presentIncident(i, incidents.url(i.id))),
          next_cursor: nextCursor,
          next_before: items.length ? items[items.length - 1].id : null,
        };
      },
    );

    app.post(
      '/api/v1/incidents',
      {
        ...responder,
        schema: {
          tags,
          body: Body({
            title: Str(300),
            severity: Str(32),
            service: Str(64),
            summary: Opt(Type.String({ maxLength: 10_000 })),
            dedup_key: Opt(Str(300)),
            source: Opt(Body({ kind: Str(64), key: Str(300) })),
            alert: Opt(Body({ key: Str(300), title: Opt(Str(300)) })),
            links: Opt(Type.Array(Body({ title: Str(100), url: Str(2000) }), { maxItems: 20 })),
          }),
        },
      },
      async (req, reply) => {
        const b = req.body as any;
        const r = await incidents.open(
          {
            title: b.title,
            severity: b.severity,
            service: b.service,
            summary: b.summary,
            source: b.source,
            dedupKey: b.dedup_key,
            alert: b.alert,
            links: b.links,
          },
          actor(req),
        );
        reply.header('location', `/api/v1/incidents/${r.incident.id}`);
        return send(reply, r.incident, r.outcome === 'created' ? 201 : 200, { outcome: r.outcome });
      },
    );

    app.get('/api/v1/incidents/:id', { ...viewer, schema: { tags, params: Id } }, async (req, reply) => {
      const inc = await incidents.get(idOf(req));
      // No 304 on If-None-Match: the ETag is the incident's version (for If-Match), while the
      // body also lists linked alerts, which change without a new version.
      reply.header('cache-control', 'no-store');
      return send(reply, inc);
    });

    const act = (path: string, body: TSchema | undefined, run: (req: FastifyRequest) => Promise<Incident>) =>
      app.post(
        `/api/v1/incidents/:id/${path}`,
        { ...responder, schema: { tags, params: Id, ...(body ? { body } : {}) } },
        async (req, reply) => send(reply, await run(req)),
      );

    act('acknowledge', undefined, (req) => incidents.acknowledge(idOf(req), actor(req), ifMatchVersion(req)));
    act('resolve', undefined, (req) =>
      incidents.resolve(idOf(req), actor(req), {
        note: noteOf(req.body),
        expectedVersion: ifMatchVersion(req),
      }),
    );
    act(
      'status',
      Body({
        status: Type.Union(STATUSES.map((s) => Type.Literal(s))),
        note: Opt(Type.String({ maxLength: 20_000 })),
      }),
      (req) => {
        const b = req.body as { status: (typeof STATUSES)[number]; note?: string };
        return incidents.setStatus(idOf(req), actor(req), b.status, {
          note: b.note,
          expectedVersion: ifMatchVersion(req),
        });
      },
    );
    act('severity', Body({ severity: Str(32) }), (req) =>
      incidents.changeSeverity(idOf(req), actor(req), (req.body as any).severity, ifMatchVersion(req)),
    );
    act(
      'roles',
      Body({
        commander: Opt(Type.Union([Str(320), Type.Null()])),
        communications_lead: Opt(Type.Union([Str(320), Type.Null()])),
        add_responders: Opt(Type.Array(Str(320), { maxItems: 100 })),
        remove_responders: Opt(Type.Array(Str(320), { maxItems: 100 })),
      }),
      (req) => {
        const b = req.body as any;
        return incidents.setRoles(
          idOf(req),
          actor(req),
          {
            commander: b.commander,
            commsLead: b.communications_lead,
            addResponders: b.add_responders,
            removeResponders: b.remove_responders,
          },
          ifMatchVersion(req),
        );
      },
    );
    act('services', Body({ services: Type.Array(Str(64), { minItems: 1, maxItems: 100 }) }), (req) =>
      incidents.addServices(idOf(req), actor(req), (req.body as any).services),
    );
    act('links', Body({ title: Str(100), url: Str(2000) }), (req) =>
      incidents.addLink(idOf(req), actor(req), req.body as any),
    );
    act('merge', Body({ into: Str(100) }), (req) =>
      incidents.merge(idOf(req), actor(req), (req.body as any).into),
    );
    act('alerts', Body({ key: Str(300), title: Opt(Str(300)) }), async (req) => {
      await incidents.attachAlert(idOf(req), req.body as any, actor(req));
      return incidents.get(idOf(req));
    });

    app.post(
      '/api/v1/incidents/:id/notes',
      {
        ...responder,
        schema: { tags, params: Id, body: Body({ markdown: Str(20_000), corrects: Opt(Str(100)) }) },
      },
      async (req, reply) => {
        const b = req.body as { markdown: string; corrects?: string };
        await incidents.addNote(idOf(req), actor(req), b.markdown, b.corrects);
        return send(reply, await incidents.get(idOf(req)), 201);
      },
    );

    app.get('/api/v1/incidents/:id/timeline', { ...viewer, schema: { tags, params: Id } }, async (req) => {
      const inc = await incidents.get(idOf(req));
      const events = await incidents.timeline(inc.id);
      return { incident: inc.humanId, items: events.map(presentEvent) };
    });
    app.get(
      '/api/v1/incidents/:id/timeline.md',
      { ...viewer, schema: { tags, params: Id } },
      async (req, reply) => {
        const inc = await incidents.get(idOf(req));
        const md = timelineMarkdown(inc, await incidents.timeline(inc.id));
        return reply
          .type('text/markdown; charset=utf-8')
          .header('content-disposition', `inline; filename="${inc.humanId}-timeline.md"`)
          .send(md);
      },
    );

    // Postmortems and action items.
    app.get(
      '/api/v1/incidents/:id/postmortem',
      { ...viewer, schema: { tags, params: Id } },
      async (req, reply) => {
        const v = await postmortems.get(idOf(req));
        return reply.header('etag', `"${v.postmortem.version}"`).send(presentPostmortem(v));
      },
    );
    app.post(
      '/api/v1/incidents/:id/postmortem',
      { ...responder, schema: { tags, params: Id } },
      async (req, reply) => {
        const v = await postmortems.start(idOf(req), actor(req));
        return reply.code(201).header('etag', `"${v.postmortem.version}"`).send(presentPostmortem(v));
      },
    );
    app.put(
      '/api/v1/incidents/:id/postmortem',
      {
        ...responder,
        schema: {
          tags,
          params: Id,
          body: Body({ body: Opt(Type.String({ maxLength: 200_000 })), status: Opt(Str(32)) }),
        },
      },
      async (req, reply) => {
        const v = await postmortems.update(idOf(req), actor(req), req.body as any, ifMatchVersion(req));
        return reply.header('etag', `"${v.postmortem.version}"`).send(presentPostmortem(v));
      },
    );
    app.post(
      '/api/v1/incidents/:id/action-items',
      {
        ...responder,
        schema: {
          tags,
          params: Id,
          body: Body({ title: Str(500), owner: Opt(Str(320)), due_at: Opt(Str(40)) }),
        },
      },
      async (req, reply) => {
        const b = req.body as { title: string; owner?: string; due_at?: string };
        const item = await postmortems.addItem(idOf(req), actor(req), {
          title: b.title,
          owner: b.owner,
          dueAt: time(b.due_at, 'due_at'),
        });
        return reply.code(201).send(presentItem(item));
      },
    );
    app.get(
      '/api/v1/action-items',
      {
        ...viewer,
        schema: {
          tags,
          querystring: Type.Object({
            overdue: Opt(Type.Boolean()),
            owner: Opt(Str(320)),
            status: Opt(Str(32)),
            incident: Opt(Str(100)),
          }),
        },
      },
      async (req) => {
        const q = req.query as { overdue?: boolean; owner?: string; status?: string; incident?: string };
        const incidentId = q.incident ? (await incidents.get(q.incident)).id : undefined;
        return { items: (await postmortems.items({ ...q, incidentId })).map(presentItem) };
      },
    );
    app.patch(
      '/api/v1/action-items/:id',
      {
        ...responder,
        schema: {
          tags,
          params: Id,
          body: Body({
            status: Opt(Str(32)),
            owner: Opt(Type.Union([Str(320), Type.Null()])),
            due_at: Opt(Type.Union([Str(40), Type.Null()])),
            title: Opt(Str(500)),
          }),
        },
      },
      async (req) => {
        const b = req.body as {
          status?: string;
          owner?: string | null;
          due_at?: string | null;
          title?: string;
        };
        const dueAt = b.due_at === null ? null : time(b.due_at, 'due_at');
        return presentItem(
          await postmortems.updateItem(idOf(req), actor(req), {
            status: b.status,
            owner: b.owner,
            title: b.title,
            dueAt,
          }),
        );
      },
    );
    app.get(
      '/api/v1/postmortems',
      {
        ...viewer,
        schema: { tags, querystring: Type.Object({ status: Opt(Str(32)), overdue: Opt(Type.Boolean()) }) },
      },
      async (req) => ({ items: (await postmortems.list(req.query as any)).map(presentPostmortemRow) }),
    );

    app.get(
      '/api/v1/reports/incidents',
      {
        ...viewer,
        schema: {
          tags,
          querystring: Type.Object({
            from: Str(40),
            to: Opt(Str(40)),
            group_by: Opt(
              Type.Union([Type.Literal('severity'), Type.Literal('service'), Type.Literal('team')]),
            ),
            format: Opt(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
          }),
        },
      },
      async (req, reply) => {
        const q = req.query as { from: string; to?: string; group_by?: GroupBy; format?: string };
        const rep = await reports.report(
          time(q.from, 'from')!,
          time(q.to, 'to') ?? incidents.nowMs(),
          q.group_by ?? 'severity',
        );
        if (q.format === 'csv') return reply.type('text/csv; charset=utf-8').send(reportCsv(rep));
        return { ...rep, from: new Date(rep.from).toISOString(), to: new Date(rep.to).toISOString() };
      },
    );
  };
}
