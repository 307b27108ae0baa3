/**
 * On-call HTTP routes: who is on call (now / at T / over a range), API overrides, iCalendar
 * feeds (per schedule and per user; the URL carries a per-feed secret token, as calendar clients
 * cannot send headers), and the escalation state of an incident.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../db/db.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Clock } from '../../kernel/clock.ts';
import { invalid, notFound, VigilError } from '../../kernel/errors.ts';
import { newId } from '../../kernel/ids.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { NotifyApi } from '../notify/module.ts';
import type { Timeline } from '../timeline/timeline.ts';
import { userChannels } from './engine.ts';
import { scheduleToICal, userICal } from './ical.ts';
import { layerShifts } from './rotation.ts';
import { computeShifts, nextHandoffs, whoIsOnCall } from './schedule.ts';
import { type OncallStore, ok } from './store.ts';
import { parseInstant } from './time.ts';
import type { Schedule, Shift } from './types.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const toMs = (v: number | string) => (typeof v === 'number' ? v : parseInstant(v));
const DAY = 86_400_000;
const presentShift = (s: Shift) => ({
  start: iso(s.start),
  end: iso(s.end),
  user: s.userKey,
  layer: s.layer,
  override: s.isOverride,
});

function instant(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  try {
    return /^\d+$/.test(v) ? Number(v) : parseInstant(v);
  } catch {
    throw invalid(`${name} must be an ISO-8601 instant with offset (got "${v}")`);
  }
}

export interface OncallRouteDeps {
  db: Db;
  store: OncallStore;
  clock: Clock;
  audit: AuditLog;
  timeline: Timeline;
  feedUrl(feed: string): Promise<string>;
  checkFeed(feed: string, token: string | undefined): Promise<void>;
  notify: NotifyApi;
}

export function oncallRoutes(d: OncallRouteDeps) {
  const { store, clock } = d;
  const tags = ['oncall'];
  const Key = Type.Object({ key: Type.String({ minLength: 1, maxLength: 320 }) });
  return async (app: FastifyInstance) => {
    app.get(
      '/api/v1/oncall/now',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          querystring: Type.Object({
            schedule: Type.Optional(Type.String()),
            at: Type.Optional(Type.String()),
          }),
        },
      },
      async (req) => {
        const q = req.query as { schedule?: string; at?: string };
        const at = instant(q.at, clock.now(), 'at');
        const schedules = q.schedule ? [await store.schedule(q.schedule)] : await store.schedules();
        return {
          at: iso(at),
          items: schedules.map((s) => {
            const w = whoIsOnCall(s, at);
            const next = nextHandoffs(s, at, 1)[0];
            return {
              schedule: s.key,
              name: s.name ?? null,
              time_zone: s.time_zone,
              user: w.user,
              shift: presentShift(w.shift),
              next_handoff: next ? { at: iso(next.at), from: next.from, to: next.to } : null,
            };
          }),
        };
      },
    );
    app.get(
      '/api/v1/schedules/:key/shifts',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          params: Key,
          querystring: Type.Object({
            from: Type.Optional(Type.String()),
            to: Type.Optional(Type.String()),
            layers: Type.Optional(Type.Boolean({ description: 'also return each layer’s own turns' })),
          }),
        },
      },
      async (req) => {
        const q = req.query as { from?: string; to?: string; layers?: boolean };
        const from = instant(q.from, clock.now(), 'from');
        const to = instant(q.to, from + 14 * DAY, 'to');
        if (to <= from || to - from > 366 * DAY) throw invalid('to must be after from, at most a year later');
        const s = await store.schedule((req.params as { key: string }).key);
        return {
          schedule: s.key,
          from: iso(from),
          to: iso(to),
          items: computeShifts(s, from, to).map(presentShift),
          ...(q.layers
            ? {
                layers: s.layers.map((l) => ({
                  key: l.key,
                  name: l.name ?? null,
                  items: layerShifts(l, from, to, s.time_zone).map((x) => ({
                    start: iso(x.start),
                    end: iso(x.end),
                    user: x.userKey,
                    turn: x.turn,
                  })),
                })),
                overrides: (s.overrides ?? [])
                  .map((o) => ({ ...o, start: toMs(o.start), end: toMs(o.end) }))
                  .filter((o) => o.end > from && o.start < to)
                  .map((o) => ({
                    id: o.id ?? null,
                    user: o.user,
                    start: iso(o.start),
                    end: iso(o.end),
                    reason: o.reason ?? null,
                  })),
              }
            : {}),
        };
      },
    );
    app.get(
      '/api/v1/schedules/:key/overrides',
      { config: { policy: 'viewer' }, schema: { tags, params: Key } },
      async (req) => {
        const key = (req.params as { key: string }).key;
        await store.schedule(key);
        return {
          items: (await store.overrides(key)).map((o) => ({
            ...o,
            start: iso(o.start as number),
            end: iso(o.end as number),
          })),
        };
      },
    );
    app.post(
      '/api/v1/schedules/:key/overrides',
      {
        config: { policy: 'responder' },
        schema: {
          tags,
          params: Key,
          body: Type.Object(
            {
              user: Type.Union([Type.String({ minLength: 1, maxLength: 320 }), Type.Null()]),
              start: Type.String(),
              end: Type.String(),
              reason: Type.Optional(Type.String({ maxLength: 500 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const key = (req.params as { key: string }).key;
        const b = req.body as { user: string | null; start: string; end: string; reason?: string };
        await store.schedule(key);
        const start = instant(b.start, 0, 'start');
        const end = instant(b.end, 0, 'end');
        if (end <= start) throw invalid('end must be after start');
        if (b.user !== null && !(await store.find('user', b.user.toLowerCase())))
          throw notFound('user', b.user);
        const actor = req.principal?.actor ?? 'anonymous';
        const now = clock.now();
        const row = {
          id: newId(clock),
          schedule_key: key,
          user_key: b.user?.toLowerCase() ?? null,
          start_at: start,
          end_at: end,
          reason: b.reason ?? null,
          created_by: actor,
          created_at: now,
        };
        await inTransaction(d.db, async (tx) => {
          await ok(tx).insertInto('oncall_overrides').values(row).execute();
          await d.audit.append(tx, {
            actor,
            action: 'schedule.override.create',
            object: { kind: 'schedule', key },
            before: null,
            after: row,
          });
          await d.timeline.append(tx, {
            type: 'schedule.override_created',
            subject: { kind: 'schedule', key },
            actor,
            data: { id: row.id, user: row.user_key, start: iso(start), end: iso(end), reason: row.reason },
          });
        });
        return reply.code(201).send({
          id: row.id,
          schedule: key,
          user: row.user_key,
          start: iso(start),
          end: iso(end),
          reason: b.reason ?? null,
        });
      },
    );
    app.delete(
      '/api/v1/schedules/:key/overrides/:id',
      {
        config: { policy: 'responder' },
        schema: { tags, params: Type.Object({ key: Type.String(), id: Type.String() }) },
      },
      async (req, reply) => {
        const { key, id } = req.params as { key: string; id: string };
        const actor = req.principal?.actor ?? 'anonymous';
        await inTransaction(d.db, async (tx) => {
          const res = await ok(tx)
            .deleteFrom('oncall_overrides')
            .where('id', '=', id)
            .where('schedule_key', '=', key)
            .executeTakeFirst();
          if (Number(res.numDeletedRows) !== 1) throw notFound('override', id);
          await d.audit.append(tx, {
            actor,
            action: 'schedule.override.delete',
            object: { kind: 'schedule', key },
            before: { id },
            after: null,
          });
          await d.timeline.append(tx, {
            type: 'schedule.override_deleted',
            subject: { kind: 'schedule', key },
            actor,
            data: { id },
          });
        });
        return reply.code(204).send();
      },
    );
    app.get(
      '/api/v1/schedules/:key/calendar-url',
      { config: { policy: 'viewer' }, schema: { tags, params: Key } },
      async (req) => {
        const key = (req.params as { key: string }).key;
        await store.schedule(key);
        return { url: await d.feedUrl(`schedule:${key}`) };
      },
    );
    app.get(
      '/api/v1/oncall/users/:key/calendar-url',
      { config: { policy: 'viewer' }, schema: { tags, params: Key } },
      async (req) => {
        return { url: await d.feedUrl(`user:${(req.params as { key: string }).key.toLowerCase()}`) };
      },
    );
    const Feed = Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) });
    const ics = (body: string) => ({ body, type: 'text/calendar; charset=utf-8' });
    const window = () => ({ from: clock.now() - 30 * DAY, to: clock.now() + 90 * DAY });
    app.get(
      '/api/v1/schedules/:key/calendar.ics',
      { config: { policy: 'public' }, schema: { tags, params: Key, querystring: Feed } },
      async (req, reply) => {
        const key = (req.params as { key: string }).key;
        await d.checkFeed(`schedule:${key}`, (req.query as { token?: string }).token);
        const s = await store.schedule(key);
        const { from, to } = window();
        const out = ics(scheduleToICal(s, computeShifts(s, from, to), { generatedAt: clock.now() }));
        return reply.header('content-type', out.type).send(out.body);
      },
    );
    app.get(
      '/api/v1/oncall/users/:key/calendar.ics',
      { config: { policy: 'public' }, schema: { tags, params: Key, querystring: Feed } },
      async (req, reply) => {
        const user = (req.params as { key: string }).key.toLowerCase();
        await d.checkFeed(`user:${user}`, (req.query as { token?: string }).token);
        const { from, to } = window();
        const parts: string[] = [];
        const mine: Schedule[] = (await store.schedules()).filter((s) =>
          computeShifts(s, from, to).some((x) => x.userKey === user),
        );
        // One VCALENDAR per schedule would confuse clients: merge the events into the first.
        for (const s of mine)
          parts.push(
            userICal(s, computeShifts(s, from, to), user, {
              generatedAt: clock.now(),
              name: `On call: ${user}`,
            }),
          );
        const body = mergeCalendars(parts, user);
        return reply.header('content-type', 'text/calendar; charset=utf-8').send(body);
      },
    );
    app.post(
      '/api/v1/oncall/me/test-notification',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          description:
            'Sends a test notification to the signed-in user’s contact methods (or one of them) and ' +
            'returns the deliveries; follow them with GET /api/v1/deliveries/{id}.',
          body: Type.Object(
            { method: Type.Optional(Type.Integer({ minimum: 0, maximum: 19 })) },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const user = req.principal?.userKey;
        if (!user)
          throw new VigilError(
            400,
            'invalid-request',
            'a test notification goes to the signed-in user: sign in or use a user-owned token',
          );
        const method = (req.body as { method?: number } | undefined)?.method;
        const contact = await store.find('contact', user);
        const methods = (contact?.spec.methods as Array<Record<string, unknown>> | undefined) ?? [];
        if (method !== undefined && method >= methods.length)
          throw new VigilError(404, 'not-found', `you have no contact method #${method}`);
        const userSpec = (await store.find('user', user))?.spec;
        const channels = userChannels(user, contact?.spec, userSpec, undefined).filter(
          (_c, i) => method === undefined || i === method,
        );
        if (!channels.length)
          throw new VigilError(409, 'conflict', 'you have no contact method to test; add one first');
        const now = clock.now();
        const nonce = newId(clock);
        const out: Array<{
          delivery_id: string;
          method: number | null;
          channel: { type: string; key?: string };
        }> = [];
        await inTransaction(d.db, async (tx) => {
          for (const [i, ch] of channels.entries()) {
            const index = method ?? (methods.length ? i : null);
            const r = await d.notify.enqueue(tx, {
              idempotencyKey: `test:${user}:${index ?? 'email'}:${nonce}`,
              channel: ch,
              message: {
                kind: 'test',
                title: 'Test notification from Vigil',
                summary: `This is a test sent at ${iso(now)} at the request of ${user}. No action is needed.`,
                recipient: user,
              },
            });
            out.push({ delivery_id: r.id, method: index, channel: { type: ch.type, key: ch.key } });
          }
        });
        return reply.code(202).send({ items: out });
      },
    );
    app.get(
      '/api/v1/escalations/:key',
      { config: { policy: 'viewer' }, schema: { tags, params: Key } },
      async (req) => {
        const row = await store.getEscalation(d.db, (req.params as { key: string }).key);
        if (!row) throw new VigilError(404, 'not-found', 'no escalation for this incident');
        return {
          incident_id: row.incidentId,
          policy: row.policyKey,
          status: row.state.status,
          state: row.state,
        };
      },
    );
  };
}

/** Concatenates the VEVENTs of several calendars into one VCALENDAR. */
function mergeCalendars(cals: string[], user: string): string {
  const events = cals.flatMap((c) => c.match(/BEGIN:VEVENT[\s\S]*?END:VEVENT\r?\n/g) ?? []);
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Vigil//On-call//EN',
    `X-WR-CALNAME:On call: ${user}`,
    ...events.map((e) => e.trimEnd()),
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
