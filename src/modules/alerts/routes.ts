/**
 * HTTP API of the alerts module: the alert store (list, detail), aggregation groups, silences
 * CRUD, the maintenance calendar and integration keys. Inbound endpoints live in ingest-routes.ts.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { parseDuration } from '../../kernel/clock.ts';
import { invalid } from '../../kernel/errors.ts';
import { actorOf } from '../catalog/catalog-routes.ts';
import type { WindowCalendar, WindowOccurrence } from './calendar.ts';
import type { IntegrationKeys } from './integrations.ts';
import type { AlertPage, AlertQueries } from './queries.ts';
import type { Silence, SilenceService } from './silences.ts';
import type { StoredAlert } from './store.ts';

const tags = ['alerts'];
const iso = (t: number | null | undefined) => (t == null ? null : new Date(t).toISOString());

/** snake_case JSON of an alert. */
export function presentAlert(a: StoredAlert) {
  return {
    fingerprint: a.fingerprint,
    external_key: a.externalKey,
    source: a.source,
    integration: a.integration,
    state: a.state,
    status: a.status,
    reason: a.reason,
    labels: a.labels,
    annotations: a.annotations,
    starts_at: iso(a.startsAt),
    ends_at: iso(a.endsAt),
    generator_url: a.generatorUrl,
    value: a.value,
    acknowledged: a.acknowledged,
    routes: a.routes,
    received: a.received,
    first_seen_at: iso(a.firstSeenAt),
    updated_at: iso(a.updatedAt),
  };
}

export function presentSilence(s: Silence) {
  return {
    id: s.id,
    matchers: s.matcherText,
    starts_at: iso(s.startsAt),
    ends_at: iso(s.endsAt),
    state: s.state,
    created_by: s.createdBy,
    comment: s.comment,
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
  };
}

export function presentWindow(w: WindowOccurrence) {
  return {
    key: w.key,
    title: w.title,
    description: w.description,
    services: w.services,
    start: iso(w.start),
    end: iso(w.end),
    announce_at: iso(w.announceAt),
    emergency: w.emergency,
    recurring: w.recurring,
  };
}

function time(v: string | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw invalid(`${field} "${v}" is not an ISO 8601 time`);
  return t;
}

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const IntegrationKey = Type.Object({ key: Type.String({ minLength: 1, maxLength: 64 }) });

export function alertRoutes(d: {
  queries: AlertQueries;
  silences: SilenceService;
  calendar: WindowCalendar;
  keys: IntegrationKeys;
  now: () => number;
}) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    app.get(
      '/api/v1/alerting/alerts',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          querystring: Type.Object({
            state: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved')])),
            status: Type.Optional(
              Type.String({ enum: ['active', 'silenced', 'inhibited', 'muted', 'resolved'] }),
            ),
            source: Type.Optional(Type.String({ maxLength: 64 })),
            label: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            cursor: Type.Optional(Type.String({ maxLength: 400 })),
          }),
        },
      },
      async (req) => {
        const q = req.query as {
          state?: 'firing' | 'resolved';
          status?: string;
          source?: string;
          label?: string | string[];
          limit?: number;
          cursor?: string;
        };
        const matchers = q.label === undefined ? [] : Array.isArray(q.label) ? q.label : [q.label];
        let page: AlertPage;
        try {
          page = await d.queries.page({ ...q, matchers });
        } catch (e) {
          throw invalid((e as Error).message, {
            field: q.cursor && /cursor/.test(String(e)) ? 'cursor' : 'label',
          });
        }
        return { alerts: page.alerts.map(presentAlert), next_cursor: page.nextCursor };
      },
    );

    app.get('/api/v1/alerting/counts', { config: { policy: 'viewer' }, schema: { tags } }, async () =>
      d.queries.counts(),
    );

    app.get(
      '/api/v1/alerting/alerts/:fingerprint',
      {
        config: { policy: 'viewer' },
        schema: { tags, params: Type.Object({ fingerprint: Type.String({ minLength: 1, maxLength: 200 }) }) },
      },
      async (req) => {
        const { alert, history, groups } = await d.queries.get(
          (req.params as { fingerprint: string }).fingerprint,
        );
        return {
          ...presentAlert(alert),
          groups,
          history: history.map((e) => ({ at: iso(e.at), type: e.type, actor: e.actor, data: e.data })),
        };
      },
    );

    app.get('/api/v1/alerting/groups', { config: { policy: 'viewer' }, schema: { tags } }, async () => ({
      groups: (await d.queries.groups()).map((g) => ({
        id: g.id,
        route: g.route,
        group_key: g.groupKey,
        labels: g.labels,
        incident_id: g.incidentId,
        last_notified_at: iso(g.lastNotifiedAt),
        notifications: g.notifications,
        alerts: g.alerts,
        created_at: iso(g.createdAt),
      })),
    }));

    app.get(
      '/api/v1/silences',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          querystring: Type.Object({
            state: Type.Optional(Type.String({ enum: ['pending', 'active', 'expired'] })),
          }),
        },
      },
      async (req) => {
        const { state } = req.query as { state?: 'pending' | 'active' | 'expired' };
        return { silences: (await d.silences.list(state)).map(presentSilence) };
      },
    );

    app.post(
      '/api/v1/silences',
      {
        config: { policy: 'responder' },
        schema: {
          tags,
          body: Type.Object(
            {
              matchers: Type.Array(Type.String({ minLength: 2, maxLength: 500 }), {
                minItems: 1,
                maxItems: 30,
              }),
              starts_at: Type.Optional(Type.String({ maxLength: 40 })),
              ends_at: Type.Optional(Type.String({ maxLength: 40 })),
              duration: Type.Optional(
                Type.String({ pattern: '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+$', maxLength: 32 }),
              ),
              comment: Type.String({ minLength: 1, maxLength: 2000 }),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const b = req.body as {
          matchers: string[];
          starts_at?: string;
          ends_at?: string;
          duration?: string;
          comment: string;
        };
        const s = await d.silences.create(actorOf(req), {
          matchers: b.matchers,
          startsAt: time(b.starts_at, 'starts_at'),
          endsAt: time(b.ends_at, 'ends_at'),
          durationMs: b.duration ? parseDuration(b.duration) : undefined,
          comment: b.comment,
        });
        return reply.code(201).send(presentSilence(s));
      },
    );

    app.get(
      '/api/v1/silences/:id',
      { config: { policy: 'viewer' }, schema: { tags, params: Id } },
      async (req) => presentSilence(await d.silences.get((req.params as { id: string }).id)),
    );

    app.delete(
      '/api/v1/silences/:id',
      { config: { policy: 'responder' }, schema: { tags, params: Id } },
      async (req) => presentSilence(await d.silences.expire(actorOf(req), (req.params as { id: string }).id)),
    );

    app.get(
      '/api/v1/maintenance/calendar',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          querystring: Type.Object({ from: Type.Optional(Type.String()), to: Type.Optional(Type.String()) }),
        },
      },
      async (req) => {
        const q = req.query as { from?: string; to?: string };
        const from = time(q.from, 'from') ?? d.now();
        const to = time(q.to, 'to') ?? from + 31 * 86_400_000;
        if (to <= from) throw invalid('to must be after from');
        if (to - from > 400 * 86_400_000) throw invalid('the calendar spans at most 400 days');
        return {
          from: iso(from),
          to: iso(to),
          windows: (await d.calendar.upcomingWindows(from, to)).map(presentWindow),
        };
      },
    );

    app.get(
      '/api/v1/maintenance/active',
      {
        config: { policy: 'viewer' },
        schema: { tags, querystring: Type.Object({ at: Type.Optional(Type.String()) }) },
      },
      async (req) => {
        const at = time((req.query as { at?: string }).at, 'at') ?? d.now();
        return { at: iso(at), windows: (await d.calendar.activeWindows(at)).map(presentWindow) };
      },
    );

    app.get(
      '/api/v1/alerting/integrations/:key/secret',
      { config: { policy: 'operator' }, schema: { tags, params: IntegrationKey } },
      async (req) => {
        const key = (req.params as { key: string }).key;
        return { integration: key, secret: await d.keys.secretFor(key) };
      },
    );

    app.post(
      '/api/v1/alerting/integrations/:key/rotate',
      { config: { policy: 'admin' }, schema: { tags, params: IntegrationKey } },
      async (req) => {
        const key = (req.params as { key: string }).key;
        return { integration: key, secret: await d.keys.rotate(key) };
      },
    );
  };
}
