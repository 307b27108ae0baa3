/**
 * Prometheus-compatible HTTP API, so Grafana (and promtool, and anything that speaks the
 * Prometheus query API) can use Vigil as a Prometheus data source: same paths, parameters, JSON
 * shapes and number formatting. Errors use Prometheus' `{status:"error", errorType, error}` shape,
 * because that is what those clients parse.
 */
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VERSION } from '../../compose-version.ts';
import { VigilError } from '../../kernel/errors.ts';
import type { QueryBackend } from './backend.ts';
import type { MetricsService } from './metrics-service.ts';
import { PromQLEvalError, PromQLParseError, parseExpr, toPromJSON } from './promql/index.ts';
import type { Labels, Matcher } from './storage.ts';

type Params = Record<string, string | string[] | undefined>;

class BadData extends Error {}

const MIN_TIME = -9223372036854; // Prometheus' minTime in seconds, roughly
const MAX_TIME = 9223372036854;

/** Parses Prometheus time parameters: RFC 3339 or (fractional) Unix seconds → ms. */
export function parseTime(v: string | undefined, def: number, name: string): number {
  if (v === undefined || v === '') return def;
  if (/^-?\d+(\.\d+)?$/.test(v)) {
    const s = Number(v);
    if (s < MIN_TIME || s > MAX_TIME) throw new BadData(`invalid parameter "${name}": time out of range`);
    return Math.round(s * 1000);
  }
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw new BadData(`invalid parameter "${name}": cannot parse "${v}" to a valid timestamp`);
  return t;
}

/** Parses a step/timeout: float seconds or a Prometheus duration (`15s`, `1m30s`) → ms. */
export function parseDurationParam(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const re = /(\d+)(ms|s|m|h|d|w|y)/y;
  const unit: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5, y: 31536e6 };
  let pos = 0;
  let total = 0;
  while (pos < v.length) {
    re.lastIndex = pos;
    const m = re.exec(v);
    if (!m) throw new BadData(`invalid parameter "${name}": cannot parse "${v}" to a valid duration`);
    total += Number(m[1]) * unit[m[2]];
    pos = re.lastIndex;
  }
  return total;
}

function str(p: Params, k: string): string | undefined {
  const v = p[k];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function list(p: Params, k: string): string[] {
  const v = p[k];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Turns `match[]` selectors into matcher lists. */
export function parseMatchers(selectors: string[]): Matcher[][] {
  return selectors.map((s) => {
    let e: ReturnType<typeof parseExpr>;
    try {
      e = parseExpr(s);
    } catch (err) {
      throw new BadData(`invalid parameter "match[]": ${(err as Error).message}`);
    }
    if (e.type !== 'VectorSelector')
      throw new BadData(`invalid parameter "match[]": "${s}" is not a series selector`);
    if (
      e.matchers.every((m) =>
        m.type === '=' || m.type === '=~' ? new RegExp(`^(?:${m.value})$`).test('') : true,
      )
    ) {
      throw new BadData('invalid parameter "match[]": match[] must contain at least one non-empty matcher');
    }
    return e.matchers;
  });
}

const labelsObject = (labels: Labels) => Object.fromEntries(labels.map((l) => [l.name, l.value]));

function promError(reply: FastifyReply, err: unknown) {
  if (err instanceof BadData)
    return reply.code(400).send({ status: 'error', errorType: 'bad_data', error: err.message });
  if (err instanceof PromQLParseError) {
    return reply.code(400).send({ status: 'error', errorType: 'bad_data', error: err.message });
  }
  if (err instanceof PromQLEvalError) {
    const t = err.kind === 'timeout' ? 'timeout' : err.kind === 'bad-data' ? 'bad_data' : 'execution';
    return reply.code(err.status).send({ status: 'error', errorType: t, error: err.message });
  }
  if (err instanceof VigilError) {
    return reply.code(err.status).send({ status: 'error', errorType: 'bad_data', error: err.message });
  }
  throw err;
}

export function promApiRoutes(svc: MetricsService, backend: () => QueryBackend, now: () => number) {
  return async (app: FastifyInstance) => {
    await app.register(formbody);
    const tags = ['prometheus'];
    const both = ['GET', 'POST'] as const;
    const params = (req: FastifyRequest): Params => ({
      ...(req.query as Params),
      ...(req.method === 'POST' && req.body && typeof req.body === 'object' ? (req.body as Params) : {}),
    });
    const ok = (data: unknown, extra: Record<string, unknown> = {}) => ({
      status: 'success',
      data,
      ...extra,
    });
    const warn = (r: { warnings?: string[]; infos?: string[] }) => ({
      ...(r.warnings?.length ? { warnings: r.warnings } : {}),
      ...(r.infos?.length ? { infos: r.infos } : {}),
    });

    // Every query endpoint: GET or POST form, viewer policy, errors in Prometheus' shape.
    const promRoute = (
      url: string,
      methods: Array<'GET' | 'POST'>,
      fn: (p: Params, req: FastifyRequest) => Promise<unknown>,
    ) =>
      app.route({
        method: methods,
        url,
        config: { policy: 'viewer' },
        schema: { tags },
        handler: async (req, reply) => {
          try {
            return await fn(params(req), req);
          } catch (err) {
            return promError(reply, err);
          }
        },
      });
    const required = (p: Params, name: string) => {
      const v = str(p, name);
      if (v === undefined || v === '') throw new BadData(`invalid parameter "${name}": missing`);
      return v;
    };
    /** The optional [start, end] window and match[] selectors of the metadata endpoints. */
    const window = (p: Params) => ({
      start: parseTime(str(p, 'start'), -Infinity, 'start'),
      end: parseTime(str(p, 'end'), Infinity, 'end'),
      selectors: parseMatchers(list(p, 'match[]')),
    });

    promRoute('/api/v1/query', [...both], async (p) => {
      const q = required(p, 'query');
      const t = parseTime(str(p, 'time'), now(), 'time');
      const timeout = parseDurationParam(str(p, 'timeout'), 'timeout');
      const b = backend();
      const r = b.kind === 'embedded' ? svc.query(q, t, timeout) : await b.query(q, t);
      return ok(toPromJSON(r), warn(r));
    });

    promRoute('/api/v1/query_range', [...both], async (p) => {
      const q = required(p, 'query');
      const start = parseTime(required(p, 'start'), 0, 'start');
      const end = parseTime(required(p, 'end'), 0, 'end');
      const step = parseDurationParam(str(p, 'step'), 'step');
      if (step === undefined) throw new BadData('invalid parameter "step": missing');
      if (end < start)
        throw new BadData('invalid parameter "end": end timestamp must not be before start time');
      if (step <= 0) {
        throw new BadData(
          'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
        );
      }
      const timeout = parseDurationParam(str(p, 'timeout'), 'timeout');
      const b = backend();
      const r =
        b.kind === 'embedded'
          ? svc.queryRange(q, start, end, step, timeout)
          : await b.queryRange(q, start, end, step);
      return ok(toPromJSON(r), warn(r));
    });

    promRoute('/api/v1/series', [...both], async (p) => {
      if (list(p, 'match[]').length === 0) throw new BadData('no match[] parameter provided');
      const w = window(p);
      const limit = Number(str(p, 'limit') ?? 0) || 0;
      return ok(svc.series(w.selectors, w.start, w.end, limit).map(labelsObject));
    });

    promRoute('/api/v1/labels', [...both], async (p) => {
      const w = window(p);
      return ok(svc.labelNames(w.selectors, w.start, w.end));
    });

    promRoute('/api/v1/label/:name/values', ['GET'], async (p, req) => {
      const w = window(p);
      return ok(svc.labelValues((req.params as { name: string }).name, w.selectors, w.start, w.end));
    });

    app.get('/api/v1/metadata', { config: { policy: 'viewer' }, schema: { tags } }, async (req) => {
      const q = req.query as Params;
      const metric = str(q, 'metric');
      const limit = Number(str(q, 'limit') ?? 0) || Number.POSITIVE_INFINITY;
      const out: Record<string, Array<{ type: string; help: string; unit: string }>> = {};
      for (const [name, md] of [...svc.metadata.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        if (metric && name !== metric) continue;
        if (Object.keys(out).length >= limit) break;
        out[name] = [{ type: md.type ?? 'unknown', help: md.help ?? '', unit: md.unit ?? '' }];
      }
      return ok(out);
    });

    app.get('/api/v1/status/buildinfo', { config: { policy: 'viewer' }, schema: { tags } }, async () =>
      ok({
        version: '3.0.0',
        revision: 'vigil',
        branch: 'vigil',
        buildUser: 'vigil',
        buildDate: '',
        goVersion: `vigil-${VERSION}`,
      }),
    );
  };
}
