/**
 * Ingestion endpoints: Prometheus remote_write (`POST /api/v1/write`) and a Pushgateway-style
 * push for scripts (`PUT|POST|DELETE /metrics/job/<job>{/<label>/<value>}`). Both authenticate
 * with an API token (operator role), as Prometheus' `remote_write.authorization` sends it.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../kernel/clock.ts';
import { type ExpositionError, parseExposition } from './exposition.ts';
import { describe, type IngestResult, type IngestSeries, type MetricsService } from './metrics-service.ts';
import { decodeWriteRequest, RemoteWriteError } from './remote-write.ts';
import { type Label, labelsFromObject, STALE_NAN } from './storage.ts';

const MAX_BODY = 32 * 1024 * 1024;

function summary(r: IngestResult): string {
  const parts = Object.entries(r.rejected).map(([k, n]) => `${n} ${k.replace(/_/g, ' ')}`);
  return `${r.accepted} samples accepted; rejected: ${parts.join(', ')}. e.g. ${r.examples.join('; ')}`;
}

export function ingestRoutes(svc: MetricsService, clock: Clock) {
  return async (app: FastifyInstance) => {
    app.addContentTypeParser(
      ['application/x-protobuf', 'application/octet-stream'],
      { parseAs: 'buffer', bodyLimit: MAX_BODY },
      (_req, body, done) => done(null, body),
    );
    app.addContentTypeParser(
      ['text/plain', 'application/openmetrics-text'],
      { parseAs: 'string', bodyLimit: MAX_BODY },
      (_req, body, done) => done(null, body),
    );

    app.post(
      '/api/v1/write',
      { config: { policy: 'operator' }, schema: { tags: ['prometheus'] }, bodyLimit: MAX_BODY },
      async (req, reply) => {
        if (!Buffer.isBuffer(req.body)) {
          return reply
            .code(415)
            .type('text/plain')
            .send('remote write expects Content-Type: application/x-protobuf');
        }
        let series: ReturnType<typeof decodeWriteRequest>;
        try {
          series = decodeWriteRequest(req.body);
        } catch (err) {
          if (err instanceof RemoteWriteError) return reply.code(400).type('text/plain').send(err.message);
          throw err;
        }
        const r = svc.ingest(series, { forward: false }); // came from a Prometheus: never sent back
        // Like Prometheus: refusals are not retryable (400); the accepted samples are kept.
        if (Object.keys(r.rejected).length) return reply.code(400).type('text/plain').send(summary(r));
        return reply.code(204).send();
      },
    );

    // Pushgateway-style groups: remember each group's series so a replacement or DELETE marks the
    // vanished ones stale (PromQL then stops returning them, as after a failed scrape).
    const groups = new Map<string, Map<string, Label[]>>();
    const handler = async (req: any, reply: any) => {
      const { job, '*': rest } = req.params as { job: string; '*': string };
      const parts = (rest ?? '').split('/').filter(Boolean);
      if (parts.length % 2 !== 0) {
        return reply.code(400).type('text/plain').send('grouping labels must come in /<label>/<value> pairs');
      }
      const grouping: Record<string, string> = { job };
      for (let i = 0; i < parts.length; i += 2)
        grouping[decodeURIComponent(parts[i])] = decodeURIComponent(parts[i + 1]);
      const groupKey = JSON.stringify(Object.entries(grouping).sort());
      const now = clock.now();
      const previous = groups.get(groupKey) ?? new Map<string, Label[]>();
      const current = new Map<string, Label[]>();
      const series: IngestSeries[] = [];
      if (req.method !== 'DELETE') {
        if (typeof req.body !== 'string') {
          return reply
            .code(415)
            .type('text/plain')
            .send('push expects the Prometheus text format (Content-Type: text/plain)');
        }
        let parsed: ReturnType<typeof parseExposition>;
        try {
          parsed = parseExposition(req.body, {
            openMetrics: String(req.headers['content-type']).includes('openmetrics'),
          });
        } catch (err) {
          return reply
            .code(400)
            .type('text/plain')
            .send(`text format parsing error in ${(err as ExpositionError).message}`);
        }
        svc.noteMetadata(parsed.metadata, `push:${job}`);
        const names = new Set(parsed.samples.map((s) => s.labels.find((l) => l.name === '__name__')?.value));
        for (const s of parsed.samples) {
          const obj = Object.fromEntries(s.labels.map((l) => [l.name, l.value]));
          const labels = labelsFromObject({ ...obj, ...grouping });
          current.set(describe(labels), labels);
          series.push({ labels, timestamps: [s.timestampMs ?? now], values: [s.value] });
        }
        // POST replaces only metrics with the same name; PUT replaces the whole group.
        if (req.method === 'POST') {
          for (const [k, l] of previous) {
            const name = l.find((x) => x.name === '__name__')?.value;
            if (!names.has(name) && !current.has(k)) current.set(k, l);
          }
        }
      }
      for (const [k, l] of previous) {
        if (!current.has(k))
          series.push({ labels: l, timestamps: [now], values: Float64Array.of(STALE_NAN) });
      }
      const r = svc.ingest(series);
      if (current.size) groups.set(groupKey, current);
      else groups.delete(groupKey);
      if (Object.keys(r.rejected).length) return reply.code(400).type('text/plain').send(summary(r));
      return reply.code(req.method === 'DELETE' ? 202 : 200).send();
    };
    for (const url of ['/metrics/job/:job', '/metrics/job/:job/*']) {
      app.route({
        method: ['PUT', 'POST', 'DELETE'],
        url,
        config: { policy: 'operator' },
        schema: { tags: ['prometheus'] },
        bodyLimit: MAX_BODY,
        handler,
      });
    }
  };
}
