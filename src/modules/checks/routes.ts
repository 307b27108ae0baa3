/**
 * HTTP routes: status list/detail, results, uptime, run now, pause/resume for probes and
 * heartbeats, and the Healthchecks.io-compatible ping endpoints (`/ping/...`, policy integration).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid, notFound } from '../../kernel/errors.ts';
import { actorOf } from '../catalog/catalog-routes.ts';
import { roleAtLeast } from '../identity/tokens.ts';
import type { PingRow } from './heartbeat-store.ts';
import { BODY_LIMIT, type HeartbeatService, parsePingPath } from './heartbeats.ts';
import type { UptimeBucket } from './rollups.ts';
import type { CheckStatus, ChecksService } from './service.ts';
import type { ResultRow } from './store.ts';

const iso = (t: number | null | undefined) => (t == null ? null : new Date(t).toISOString());

function presentStatus(s: CheckStatus, uptime24h?: number | null) {
  return {
    key: s.key,
    kind: s.kind,
    name: s.name,
    type: s.type,
    service: s.service,
    labels: s.labels,
    runbook: s.runbook,
    state: s.state,
    changed_at: iso(s.changedAt),
    last_run_at: iso(s.lastRunAt),
    last_latency_ms: s.lastLatencyMs,
    last_error: s.lastError,
    last_error_class: s.lastErrorClass,
    deadline_at: iso(s.deadlineAt),
    ...(uptime24h !== undefined ? { uptime_24h: uptime24h } : {}),
  };
}

function presentResult(r: ResultRow) {
  return {
    id: r.id,
    at: iso(r.at),
    status: r.status,
    latency_ms: r.latencyMs,
    error_class: r.errorClass,
    error: r.error,
    location: r.location,
    lateness_ms: r.latenessMs,
    details: r.details,
  };
}

function presentBucket(b: UptimeBucket) {
  return {
    start: iso(b.start),
    total: b.total,
    up: b.up,
    degraded: b.degraded,
    down: b.down,
    uptime_pct: b.uptimePct,
    latency_p50_ms: b.p50,
    latency_p95_ms: b.p95,
    latency_p99_ms: b.p99,
  };
}

function presentPing(p: PingRow) {
  return {
    id: p.id,
    at: iso(p.at),
    kind: p.kind,
    exit_status: p.exitStatus,
    rid: p.rid,
    duration_ms: p.durationMs,
    method: p.method,
    remote_addr: p.remoteAddr,
    user_agent: p.userAgent,
    body: p.body,
    body_truncated: p.bodyTruncated,
  };
}

const Key = Type.Object({ key: Type.String({ minLength: 1, maxLength: 64 }) });
const ListQuery = Type.Object(
  {
    kind: Type.Optional(Type.Union([Type.Literal('check'), Type.Literal('heartbeat')])),
    service: Type.Optional(Type.String({ maxLength: 64 })),
    state: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'a state, or several comma-separated (down,late,not_running)',
      }),
    ),
    label: Type.Optional(Type.String({ maxLength: 300, description: 'name or name=value' })),
    type: Type.Optional(
      Type.Union([...['http', 'tcp', 'dns', 'tls', 'heartbeat'].map((t) => Type.Literal(t))], {
        description: 'probe type, or heartbeat',
      }),
    ),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'part of the key or name' })),
    summary: Type.Optional(
      Type.Boolean({ description: 'add a 24 h latency sparkline and daily uptime bars (probes)' }),
    ),
    days: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 90, description: 'daily uptime bars with summary (default 90)' }),
    ),
    cursor: Type.Optional(Type.String({ maxLength: 400 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);
const RangeQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40 })),
    to: Type.Optional(Type.String({ maxLength: 40 })),
    bucket: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('hour')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

const ResultsQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40 })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'exclusive; page back with the oldest at' })),
    status: Type.Optional(
      Type.Union([Type.Literal('up'), Type.Literal('degraded'), Type.Literal('down')], {
        description: 'only results with this status (e.g. down for the latest errors)',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

function parseTime(v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw invalid(`invalid time "${v}" (ISO 8601 or epoch ms)`);
  return t;
}

async function heartbeatDetail(
  hb: HeartbeatService,
  service: ChecksService,
  key: string,
  req: FastifyRequest,
  baseUrl: string,
) {
  const row = await hb.state(key);
  if (!row) throw notFound('heartbeat', key);
  const st = (await service.getState(key, 'heartbeat'))!;
  const canSeeUrls = req.principal ? roleAtLeast(req.principal.role, 'operator') : false;
  return {
    ...presentStatus(st),
    n_pings: row.nPings,
    last_ping_kind: row.lastPingKind,
    last_duration_ms: row.lastDurationMs,
    started_at: iso(row.startedAt),
    ...(canSeeUrls
      ? {
          ping_url: `${baseUrl}/ping/${row.uuid}`,
          slug_url: `${baseUrl}/ping/${await hb.getPingKey()}/${row.slug}`,
        }
      : {}),
    state_changes: (await service.stateChanges('heartbeat', key)).map((e) => ({ at: iso(e.at), ...e.data })),
  };
}

/** The module's Fastify plugin. */
/** Headers of every ping answer (Healthchecks.io's, plus CORS so browsers may ping). */
const PING_HEADERS = {
  'access-control-allow-origin': '*',
  'ping-body-limit': String(BODY_LIMIT),
  'content-type': 'text/plain; charset=utf-8',
};

export function checksRoutes(service: ChecksService, baseUrl: string) {
  const hb = service.heartbeats;
  return async (app: FastifyInstance) => {
    const tags = ['checks'];
    app.get(
      '/api/v1/check-states',
      { config: { policy: 'viewer' }, schema: { tags, querystring: ListQuery } },
      async (req) => {
        const q = req.query as Record<string, any>;
        const page = await service.list({ ...q, search: q.q });
        const probes = page.items.filter((s) => s.kind === 'check').map((s) => s.key);
        const sums = await service.summaries(probes, q.summary ? (q.days ?? 90) : 0);
        return {
          items: page.items.map((s) => {
            const sum = sums.get(s.key);
            if (s.kind !== 'check') return presentStatus(s);
            return {
              ...presentStatus(s, sum?.uptime24h ?? null),
              ...(q.summary && sum ? { latency_24h: sum.sparkline, uptime_daily: sum.daily } : {}),
            };
          }),
          next_cursor: page.nextCursor,
        };
      },
    );
    app.get(
      '/api/v1/checks/:key/status',
      { config: { policy: 'viewer' }, schema: { tags, params: Key } },
      async (req) => {
        const { key } = req.params as { key: string };
        const st = await service.getState(key, 'check');
        if (!st) throw notFound('check', key);
        const now = service.now();
        return {
          ...presentStatus(st, (await service.uptime24h([key])).get(key) ?? null),
          recent_results: (await service.results(key, { limit: 20 })).map(presentResult),
          state_changes: (await service.stateChanges('check', key)).map((e) => ({
            at: iso(e.at),
            ...e.data,
          })),
          uptime_30d: (await service.uptime(key, now - 30 * 86_400_000, now + 1, 'day')).map(presentBucket),
        };
      },
    );
    app.get(
      '/api/v1/checks/:key/results',
      { config: { policy: 'viewer' }, schema: { tags, params: Key, querystring: ResultsQuery } },
      async (req) => {
        const { key } = req.params as { key: string };
        const q = req.query as Record<string, any>;
        if (!(await service.getState(key, 'check'))) throw notFound('check', key);
        const items = await service.results(key, {
          status: q.status,
          from: q.from === undefined ? undefined : parseTime(q.from, 0),
          to: q.to === undefined ? undefined : parseTime(q.to, 0),
          limit: q.limit,
        });
        return { items: items.map(presentResult) };
      },
    );
    app.get(
      '/api/v1/checks/:key/uptime',
      { config: { policy: 'viewer' }, schema: { tags, params: Key, querystring: RangeQuery } },
      async (req) => {
        const { key } = req.params as { key: string };
        const q = req.query as Record<string, any>;
        const bucket = q.bucket ?? 'day';
        const to = parseTime(q.to, service.now() + 1);
        const from = parseTime(q.from, to - (bucket === 'day' ? 90 : 2) * 86_400_000);
        return { bucket, items: (await service.uptime(key, from, to, bucket)).map(presentBucket) };
      },
    );
    app.post(
      '/api/v1/checks/:key/run',
      { config: { policy: 'operator' }, schema: { tags, params: Key } },
      async (req) => {
        const { key } = req.params as { key: string };
        const { result, at } = await service.runNow(key);
        return {
          at: iso(at),
          status: result.status,
          latency_ms: result.latencyMs,
          error_class: result.errorClass,
          error: result.error,
          details: result.details,
        };
      },
    );
    for (const [verb, paused] of [
      ['pause', true],
      ['resume', false],
    ] as const) {
      app.post(
        `/api/v1/checks/:key/${verb}`,
        { config: { policy: 'operator' }, schema: { tags, params: Key } },
        async (req) => {
          const { key } = req.params as { key: string };
          const s = await service.scheduler.setPaused(key, paused, actorOf(req).actor);
          if (!s) throw notFound('check', key);
          return presentStatus((await service.getState(key, 'check'))!);
        },
      );
      app.post(
        `/api/v1/heartbeats/:key/${verb}`,
        { config: { policy: 'operator' }, schema: { tags, params: Key } },
        async (req) => {
          const { key } = req.params as { key: string };
          if (!(await hb.setPaused(key, paused, actorOf(req).actor))) throw notFound('heartbeat', key);
          return presentStatus((await service.getState(key, 'heartbeat'))!);
        },
      );
    }
    app.get(
      '/api/v1/heartbeats/:key/status',
      { config: { policy: 'viewer' }, schema: { tags, params: Key } },
      async (req) => heartbeatDetail(hb, service, (req.params as { key: string }).key, req, baseUrl),
    );
    app.get(
      '/api/v1/heartbeats/:key/pings',
      { config: { policy: 'viewer' }, schema: { tags, params: Key, querystring: RangeQuery } },
      async (req) => {
        const { key } = req.params as { key: string };
        if (!(await hb.spec(key))) throw notFound('heartbeat', key);
        const q = req.query as Record<string, any>;
        return { items: (await hb.pings(key, Math.min(q.limit ?? 50, 100))).map(presentPing) };
      },
    );
    app.get('/api/v1/heartbeat-ping-key', { config: { policy: 'operator' }, schema: { tags } }, async () => ({
      ping_key: await hb.getPingKey(),
      slug_url_prefix: `${baseUrl}/ping/${await hb.getPingKey()}/`,
    }));

    // Ping endpoints: raw bodies of any content type, plain-text answers like Healthchecks.io.
    await app.register(async (pings) => {
      pings.removeAllContentTypeParsers();
      pings.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      pings.route({
        method: ['GET', 'POST'],
        url: '/ping/*',
        config: { policy: 'integration' },
        schema: { hide: true },
        handler: async (req, reply) => {
          const path = (req.params as { '*': string })['*'];
          const parsed = parsePingPath(path.split('/').filter(Boolean));
          reply.headers(PING_HEADERS);
          if (!parsed) return reply.code(404).send('not found');
          if ('status' in parsed) return reply.code(parsed.status).send(parsed.text);
          const q = req.query as Record<string, string | undefined>;
          const body = Buffer.isBuffer(req.body)
            ? req.body
            : typeof req.body === 'string'
              ? Buffer.from(req.body)
              : null;
          const res = await hb.ping({
            ...parsed,
            rid: q.rid ?? null,
            create: q.create === '1',
            method: req.method,
            body,
            remoteAddr: req.ip ?? null,
            userAgent: req.headers['user-agent'] ?? null,
          });
          return reply.code(res.status).send(res.text);
        },
      });
    });
  };
}
