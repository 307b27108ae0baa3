/**
 * Inbound alert endpoints (policy `integration`: each checks its integration's key itself):
 * Alertmanager and Grafana webhooks, a generic JSON webhook, and PagerDuty Events API v2
 * compatible `POST /v2/enqueue`. Each accepted event is committed before the 2xx goes out.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VigilError } from '../../kernel/errors.ts';
import { type IncomingAlert, parseAlertmanager, parseEventsV2, parseWebhook } from './ingest.ts';
import { type Integration, type IntegrationKeys, verifyHmac } from './integrations.ts';
import type { AlertsService } from './service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

const tags = ['alerts'];
const cfg = { policy: 'integration' as const };

/** The integration key from the path, `?key=`, `X-Vigil-Key` or `Authorization: Bearer`. */
function presentedKey(req: FastifyRequest): string | undefined {
  const p = (req.params as { secret?: string }).secret;
  if (p) return p;
  const q = (req.query as { key?: string }).key;
  if (q) return q;
  const h = req.headers['x-vigil-key'];
  if (typeof h === 'string' && h) return h;
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** Applies the integration's static labels and service under the alert's own labels. */
function decorate(i: Integration, alerts: IncomingAlert[]): IncomingAlert[] {
  return alerts.map((a) => {
    if (Object.keys(a.labels).length === 0) return a; // Events v2 resolve/ack: labels come from the trigger
    const labels = { ...(i.labels ?? {}), ...a.labels };
    if (i.service && !labels.service) labels.service = i.service;
    return { ...a, labels };
  });
}

export function ingestRoutes(service: AlertsService, keys: IntegrationKeys) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    // Raw bodies are kept for HMAC verification (Grafana signs the bytes it sends).
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
      req.rawBody = body as string;
      if (body === '') return done(null, undefined);
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new VigilError(400, 'invalid-json', 'the body is not valid JSON'), undefined);
      }
    });

    async function authorise(req: FastifyRequest, types: string[]): Promise<Integration> {
      const key = presentedKey(req);
      if (!key)
        throw new VigilError(
          401,
          'unauthorized',
          'send the integration key in the URL, ?key=, X-Vigil-Key or Authorization: Bearer',
        );
      const found = await keys.resolve(key);
      if (!found) throw new VigilError(401, 'unauthorized', 'unknown integration key');
      const i = found.integration;
      if (!types.includes(i.type))
        throw new VigilError(
          403,
          'forbidden',
          `integration "${i.key}" is of type ${i.type}, not ${types.join('/')}`,
        );
      if (i.type === 'grafana' || i.require_signature) {
        const sig = req.headers['x-grafana-alerting-signature'] ?? req.headers['x-vigil-signature'];
        const ts = req.headers['x-grafana-alerting-timestamp'];
        if (
          !verifyHmac(
            found.secret,
            req.rawBody ?? '',
            typeof sig === 'string' ? sig : undefined,
            typeof ts === 'string' ? ts : undefined,
          )
        ) {
          throw new VigilError(401, 'bad-signature', 'missing or wrong HMAC-SHA256 signature of the body');
        }
      }
      return i;
    }

    const tooMany = () =>
      new VigilError(429, 'rate-limited', 'too many events for this integration; retry later');

    async function amHandler(req: FastifyRequest, types: string[]) {
      const i = await authorise(req, types);
      const { alerts, errors } = parseAlertmanager(req.body, service.now());
      if (alerts.length === 0 && errors.length)
        throw new VigilError(400, 'invalid-payload', errors.join('; '), { errors });
      if (!keys.allow(i, alerts.length)) throw tooMany();
      const outcomes = await service.ingest(i.type, i.key, decorate(i, alerts));
      return {
        status: 'success',
        data: {
          received: alerts.length,
          created: outcomes.filter((o) => o === 'created').length,
          changed: outcomes.filter((o) => o === 'changed').length,
          duplicates: outcomes.filter((o) => o === 'duplicate').length,
          ...(errors.length ? { skipped: errors } : {}),
        },
      };
    }

    for (const suffix of ['', '/:secret']) {
      app.post(`/api/v1/alerting/ingest/alertmanager${suffix}`, { config: cfg, schema: { tags } }, (req) =>
        amHandler(req, ['alertmanager', 'grafana']),
      );
      app.post(`/api/v1/alerting/ingest/grafana${suffix}`, { config: cfg, schema: { tags } }, (req) =>
        amHandler(req, ['grafana', 'alertmanager']),
      );
      app.post(`/api/v1/alerting/ingest/webhook${suffix}`, { config: cfg, schema: { tags } }, async (req) => {
        const i = await authorise(req, ['webhook']);
        const { alert, errors } = parseWebhook(req.body, i.mapping ?? {}, service.now());
        if (!alert) throw new VigilError(400, 'invalid-payload', errors.join('; '), { errors });
        if (!keys.allow(i)) throw tooMany();
        const [outcome] = await service.ingest('webhook', i.key, decorate(i, [alert]));
        return {
          status: 'success',
          data: { outcome, fingerprint: service.fingerprintOf(i.key, alert.externalKey) },
        };
      });
    }

    app.post(
      '/v2/enqueue',
      { config: cfg, schema: { tags } },
      async (req: FastifyRequest, reply: FastifyReply) => {
        const invalidEvent = (errors: string[]) =>
          reply.code(400).send({ status: 'invalid event', message: 'Event object is invalid', errors });
        const parsed = parseEventsV2(req.body, service.now(), () => service.newKey());
        if (!parsed.ok) return invalidEvent(parsed.errors);
        const found = await keys.resolve(parsed.routingKey);
        if (found?.integration.type !== 'events_v2') return invalidEvent(['Invalid routing key']);
        const i = found.integration;
        if (!keys.allow(i)) {
          return reply.code(429).send({
            status: 'throttle event',
            message: 'Requests for this service are arriving too quickly. Please retry later.',
          });
        }
        await service.ingest('events_v2', i.key, decorate(i, [parsed.alert]));
        return reply
          .code(202)
          .send({ status: 'success', message: 'Event processed', dedup_key: parsed.dedupKey });
      },
    );
  };
}
