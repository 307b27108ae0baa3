/**
 * Alert ingestion: Alertmanager webhook (one alert per request) and Events v2 `/v2/enqueue`
 * under load, with 10 % duplicates (every tenth event repeats the previous one). Each accepted
 * event is committed to the alert store before the 2xx. The load generator is autocannon in a
 * child process with per-request bodies. SQLite; BENCH_DURATION (default 8 s) sets the load time.
 * Figures: events/s, p99 and the number stored (distinct alerts) per endpoint, Alertmanager
 * webhooks carrying 50 alerts each (as Alertmanager groups them), a bare Fastify JSON route under
 * the same loader for scale, and Debian's prometheus-alertmanager receiving the same load on its
 * /api/v2/alerts (one and 50 alerts per request; it keeps alerts in memory, not durably).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import { compose } from '../src/compose.ts';
import { loadSettings } from '../src/settings.ts';
import type { Report } from './run.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
/** Alerts per webhook in the batched Alertmanager runs. */
const BATCH = 50;
const require = createRequire(import.meta.url);

// Runs inside the child: autocannon with a body per request; every 10th event repeats the last.
const LOADER = `
const autocannon = require(process.env.AC);
const kind = process.env.KIND;
const key = process.env.KEY;
const batch = Number(process.env.BATCH || 1);
let n = 0;
function alert() {
  const i = n++;
  const id = i % 10 === 9 ? i - 1 : i;
  return {
    status: 'firing', fingerprint: id.toString(16).padStart(16, '0'),
    labels: { alertname: 'Bench' + (id % 50), service: 'api', instance: 'i-' + id, severity: 'warning' },
    annotations: { summary: 'bench alert ' + id }, startsAt: '2026-11-25T10:00:00Z', endsAt: '0001-01-01T00:00:00Z' };
}
function body() {
  if (kind === 'am' || kind === 'amapi') {
    const alerts = [];
    for (let j = 0; j < batch; j++) alerts.push(alert());
    if (kind === 'amapi') {
      // Alertmanager's own API: a bare array; it keeps alerts in memory (no fingerprint field).
      return JSON.stringify(alerts.map((a) => ({ labels: a.labels, annotations: a.annotations,
        startsAt: new Date().toISOString(), generatorURL: 'http://bench/' })));
    }
    return JSON.stringify({ version: '4', status: 'firing', receiver: 'vigil', alerts });
  }
  const i = n++;
  const id = i % 10 === 9 ? i - 1 : i;
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
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
  let closed = false;
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
    // Alertmanager groups alerts: a webhook usually carries many. BATCH alerts per request.
    const amb = await load({
      KIND: 'am',
      BATCH: String(BATCH),
      URL: `http://127.0.0.1:${port}/api/v1/alerting/ingest/alertmanager/${amKey}`,
      DURATION: String(DURATION),
    });
    if (amb.non2xx || amb.errors)
      throw new Error(`alertmanager batch: ${amb.non2xx} non-2xx, ${amb.errors} errors`);
    report(`alertmanager_batch${BATCH}_events_per_s`, amb.rps * BATCH, 'events/s');
    report(`alertmanager_batch${BATCH}_p99`, amb.p99, 'ms');

    await app.close();
    closed = true;

    // The same alert load on Debian's Prometheus Alertmanager (/api/v2/alerts, in memory).
    const ref = await startAlertmanager(dir);
    if (!ref) report('prometheus_alertmanager_missing', 1, 'flag');
    else {
      try {
        for (const batch of [1, BATCH]) {
          const r = await load({
            KIND: 'amapi',
            BATCH: String(batch),
            URL: `${ref.url}/api/v2/alerts`,
            DURATION: String(DURATION),
          });
          if (r.non2xx || r.errors)
            throw new Error(`prometheus-alertmanager: ${r.non2xx} non-2xx, ${r.errors} errors`);
          const name = batch === 1 ? 'prometheus_alertmanager' : `prometheus_alertmanager_batch${batch}`;
          report(`${name}_events_per_s`, r.rps * batch, 'events/s');
          report(`${name}_p99`, r.p99, 'ms');
        }
      } finally {
        await ref.stop();
      }
    }
  } finally {
    await bare.close();
    if (!closed) await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

/** Starts Debian's prometheus-alertmanager on a free port with a null receiver; null when absent. */
async function startAlertmanager(dir: string): Promise<{ url: string; stop: () => Promise<void> } | null> {
  if (!existsSync(ALERTMANAGER)) return null;
  const cfg = join(dir, 'alertmanager.yml');
  writeFileSync(cfg, 'route:\n  receiver: none\nreceivers:\n  - name: none\n');
  const port = await freePort();
  const child = spawn(
    ALERTMANAGER,
    [
      `--config.file=${cfg}`,
      `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
