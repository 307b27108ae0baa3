/**
 * Public status page under load: requests/s and p99 for the HTML page (`/status/<page>`, and `/` on
 * the page's custom domain) and `/api/v2/summary.json` with 50 components (in groups, linked to
 * services) and 20 incidents with updates, next to a bare Fastify route in the same run; then the
 * summary again while Events v2 ingest load runs against the same process. autocannon runs in
 * child processes. SQLite; BENCH_DURATION (default 8 s) sets each load time.
 * Goals (issue #9): ≥ 5,000 req/s and p99 < 50 ms; p99 < 100 ms under ingest load.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import { compose } from '../src/compose.ts';
import type { StatusPageApi } from '../src/modules/statuspage/module.ts';
import { loadSettings } from '../src/settings.ts';
import { loadTest } from './_autocannon.ts';
import type { Report } from './run.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const require = createRequire(import.meta.url);

// Ingest load in a child: Events v2 triggers with distinct dedup keys (every event is stored).
const INGEST = `
const autocannon = require(process.env.AC);
let n = 0;
autocannon({
  url: process.env.URL, connections: 8, duration: Number(process.env.DURATION),
  headers: { 'content-type': 'application/json' },
  requests: [{ method: 'POST', setupRequest: (req) => { const i = n++; req.body = JSON.stringify({
    routing_key: process.env.KEY, event_action: 'trigger', dedup_key: 'sp-' + i,
    payload: { summary: 'bench event ' + i, source: 'host-' + (i % 100), severity: 'warning' } }); return req; } }],
}, (err, r) => {
  if (err) { console.error(err); process.exit(1); }
  process.stdout.write(JSON.stringify({ rps: r.requests.average, non2xx: r.non2xx, errors: r.errors }));
});
`;

function ingest(env: Record<string, string>): Promise<{ rps: number; non2xx: number; errors: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', INGEST], {
      env: { ...process.env, AC: require.resolve('autocannon'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`ingest loader exited ${code}: ${err}`)),
    );
  });
}

export default async function run(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-statuspage-'));
  const app = await compose({
    settings: loadSettings({}, { VIGIL_DATA_DIR: dir }),
    logger: pino({ level: 'silent' }),
  });
  const bare = Fastify();
  bare.get('/ping', async () => ({ status: 'ok' }));
  try {
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const b = await loadTest(`http://127.0.0.1:${(bare.server.address() as { port: number }).port}/ping`, {
      duration: Math.max(2, Math.round(DURATION / 2)),
    });
    report('bare_json_rps', b.rps, 'req/s');
    report('bare_json_p99', b.p99, 'ms');

    const ctx = { actor: 'bench' };
    const { catalog } = app.services;
    await catalog.create(ctx, 'team', 'platform', { name: 'Platform' });
    for (let s = 0; s < 10; s++)
      await catalog.create(ctx, 'service', `svc-${s}`, { name: `Service ${s}`, owner: 'platform' });
    await catalog.create(ctx, 'integration', 'pd', { type: 'events_v2', service: 'svc-0' });
    const components = Array.from({ length: 50 }, (_, i) => ({
      key: `c-${i}`,
      name: `Component ${i}`,
      description: `What component ${i} does for readers.`,
      group: `Group ${i % 5}`,
      services: [`svc-${i % 10}`],
    }));
    await catalog.create(ctx, 'status_page', 'public', {
      name: 'Bench Cloud',
      default: true,
      domains: ['status.bench.example'],
      components,
    });
    const sp = app.modules.find<StatusPageApi>('statuspage')!.service;
    for (let i = 0; i < 20; i++) {
      const inc = await sp.createIncident(ctx, 'public', {
        name: `Incident ${i}`,
        body: 'We are investigating.',
        components: { [`c-${i}`]: 'partial_outage', [`c-${i + 20}`]: 'degraded_performance' },
      });
      await sp.updateIncident(ctx, inc.id, { status: 'identified', body: 'Cause found.' });
      if (i % 4 !== 0) await sp.updateIncident(ctx, inc.id, { status: 'resolved', body: 'Fixed.' });
    }
    await app.http.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.http.server.address() as { port: number }).port}`;
    const check = (what: string, r: { non2xx: number; errors: number }) => {
      if (r.non2xx || r.errors) throw new Error(`${what}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    };

    const html = await loadTest(`${base}/status/public`, { duration: DURATION });
    check('html', html);
    report('html_rps', html.rps, 'req/s');
    report('html_p99', html.p99, 'ms');
    const domain = await loadTest(`${base}/`, {
      duration: Math.max(2, Math.round(DURATION / 2)),
      headers: { host: 'status.bench.example' },
    });
    check('custom domain', domain);
    report('custom_domain_root_rps', domain.rps, 'req/s');
    report('custom_domain_root_p99', domain.p99, 'ms');
    const summary = await loadTest(`${base}/api/v2/summary.json`, { duration: DURATION });
    check('summary', summary);
    report('summary_rps', summary.rps, 'req/s');
    report('summary_p99', summary.p99, 'ms');

    // Under ingest load: Events v2 into the same process while the summary is read.
    const token = (await app.services.tokens.issue(ctx, { name: 'bench', role: 'admin' })).secret;
    const key = JSON.parse(
      (
        await app.http.inject({
          method: 'GET',
          url: '/api/v1/alerting/integrations/pd/secret',
          headers: { authorization: `Bearer ${token}` },
        })
      ).body,
    ).secret as string;
    const [underLoad, ing] = await Promise.all([
      loadTest(`${base}/api/v2/summary.json`, { duration: DURATION }),
      ingest({ URL: `${base}/v2/enqueue`, KEY: key, DURATION: String(DURATION) }),
    ]);
    check('summary under ingest', underLoad);
    check('ingest', ing);
    report('summary_under_ingest_rps', underLoad.rps, 'req/s');
    report('summary_under_ingest_p99', underLoad.p99, 'ms');
    report('ingest_events_per_s_meanwhile', ing.rps, 'events/s');
  } finally {
    await bare.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
