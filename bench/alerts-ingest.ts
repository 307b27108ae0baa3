/**
 * Alert ingestion: Alertmanager webhook (one alert per request) and Events v2 `/v2/enqueue`
 * under load, with 10 % duplicates (every tenth event repeats the previous one). Each accepted
 * event is committed to the alert store before the 2xx. The load generator is autocannon in a
 * child process with per-request bodies. SQLite; BENCH_DURATION (default 8 s) sets the load time.
 * Figures: events/s, p99 and the number stored (distinct alerts) per endpoint, and a bare Fastify
 * JSON route under the same loader for scale.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import { compose } from '../src/compose.ts';
import { loadSettings } from '../src/settings.ts';
import type { Report } from './run.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const require = createRequire(import.meta.url);

// Runs inside the child: autocannon with a body per request; every 10th event repeats the last.
const LOADER = `
const autocannon = require(process.env.AC);
const kind = process.env.KIND;
const key = process.env.KEY;
let n = 0;
function body() {
  const i = n++;
  const id = i % 10 === 9 ? i - 1 : i;
  if (kind === 'am') {
    return JSON.stringify({ version: '4', status: 'firing', receiver: 'vigil', alerts: [{
      status: 'firing', fingerprint: id.toString(16).padStart(16, '0'),
      labels: { alertname: 'Bench' + (id % 50), service: 'api', instance: 'i-' + id, severity: 'warning' },
      annotations: { summary: 'bench alert ' + id }, startsAt: '2026-11-25T10:00:00Z', endsAt: '0001-01-01T00:00:00Z' }] });
  }
  return JSON.stringify({ routing_key: key, event_action: 'trigger', dedup_key: 'k-' + id,
    payload: { summary: 'bench event ' + id, source: 'host-' + (id % 100), severity: 'warning' } });
}
autocannon({
  url: process.env.URL, connections: 16, duration: Number(process.env.DURATION),
  headers: { 'content-type': 'application/json' },
  requests: [{ method: 'POST', setupRequest: (req) => { req.body = body(); return req; } }],
}, (err, r) => {
  if (err) { console.error(err); process.exit(1); }
  process.stdout.write(JSON.stringify({ rps: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, sent: n }));
});
`;

function load(
  env: Record<string, string>,
): Promise<{ rps: number; p99: number; non2xx: number; errors: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', LOADER], {
      env: { ...process.env, AC: require.resolve('autocannon'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`loader exited ${code}: ${err}`)),
    );
  });
}

export default async function run(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-alerts-'));
  const app = await compose({
    settings: loadSettings({}, { VIGIL_DATA_DIR: dir }),
    logger: pino({ level: 'silent' }),
  });
  // Same loader against a bare Fastify JSON route in this process: the machine's ceiling.
  const bare = Fastify();
  bare.post('/v2/enqueue', async (_req, reply) => reply.code(202).send({ status: 'success' }));
  try {
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const b = await load({
      KIND: 'pd',
      KEY: 'x',
      URL: `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/v2/enqueue`,
      DURATION: String(Math.max(2, Math.round(DURATION / 2))),
    });
    report('bare_json_rps', b.rps, 'req/s');
    const ctx = { actor: 'bench' };
    await app.services.catalog.create(ctx, 'team', 'platform', { name: 'Platform' });
    await app.services.catalog.create(ctx, 'service', 'api', { name: 'API', owner: 'platform' });
    await app.services.catalog.create(ctx, 'integration', 'am', { type: 'alertmanager' });
    await app.services.catalog.create(ctx, 'integration', 'pd', { type: 'events_v2', service: 'api' });
    await app.http.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.http.server.address() as { port: number }).port;
    const secret = async (k: string) =>
      JSON.parse(
        (
          await app.http.inject({
            method: 'GET',
            url: `/api/v1/alerting/integrations/${k}/secret`,
            headers: {
              authorization: `Bearer ${(await app.services.tokens.issue(ctx, { name: `b-${k}`, role: 'admin' })).secret}`,
            },
          })
        ).body,
      ).secret as string;
    const amKey = await secret('am');
    const pdKey = await secret('pd');
    const count = async (source: string) =>
      Number(
        (
          (await app.db.kysely
            .selectFrom('alerts_alerts' as any)
            .select((eb) => eb.fn.countAll().as('n'))
            .where('source', '=', source)
            .executeTakeFirst()) as { n: number }
        ).n,
      );

    const am = await load({
      KIND: 'am',
      URL: `http://127.0.0.1:${port}/api/v1/alerting/ingest/alertmanager/${amKey}`,
      DURATION: String(DURATION),
    });
    if (am.non2xx || am.errors) throw new Error(`alertmanager: ${am.non2xx} non-2xx, ${am.errors} errors`);
    report('alertmanager_events_per_s', am.rps, 'events/s');
    report('alertmanager_p99', am.p99, 'ms');
    report('alertmanager_stored', await count('alertmanager'), 'alerts');

    const pd = await load({
      KIND: 'pd',
      KEY: pdKey,
      URL: `http://127.0.0.1:${port}/v2/enqueue`,
      DURATION: String(DURATION),
    });
    if (pd.non2xx || pd.errors) throw new Error(`events v2: ${pd.non2xx} non-2xx, ${pd.errors} errors`);
    report('events_v2_events_per_s', pd.rps, 'events/s');
    report('events_v2_p99', pd.p99, 'ms');
    report('events_v2_stored', await count('events_v2'), 'alerts');
  } finally {
    await bare.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
