/**
 * Heartbeat ping ingestion: autocannon against `/ping/<uuid>` (each ping is a transaction:
 * ping row, state update, deadline timer) next to a bare Fastify route answering "OK" in the
 * same process. Figures: pings/s and p99 for both, and the ratio. SQLite; BENCH_DURATION
 * (default 8 s) sets the load time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import { compose } from '../src/compose.ts';
import { loadSettings } from '../src/settings.ts';
import { loadTest } from './_autocannon.ts';
import type { Report } from './run.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const UUID = '0b6f3a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

export default async function run(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-hb-'));
  const app = await compose({
    settings: loadSettings({}, { VIGIL_DATA_DIR: dir }),
    logger: pino({ level: 'silent' }),
  });
  const bare = Fastify();
  bare.get('/ping/*', async (_req, reply) => reply.type('text/plain').send('OK'));
  try {
    await app.services.catalog.create({ actor: 'bench' }, 'heartbeat', 'bench-job', {
      uuid: UUID,
      period: '1h',
      grace: '5m',
    });
    for (let i = 0; i < 200; i++) {
      await app.services.catalog.create({ actor: 'bench' }, 'heartbeat', `job-${i}`, { period: '1d' });
    }
    await app.http.listen({ port: 0, host: '127.0.0.1' });
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const vport = (app.http.server.address() as { port: number }).port;
    const bport = (bare.server.address() as { port: number }).port;
    const vurl = `http://127.0.0.1:${vport}/ping/${UUID}`;
    const burl = `http://127.0.0.1:${bport}/ping/${UUID}`;
    await loadTest(burl, { duration: 1 });
    await loadTest(vurl, { duration: 1 });
    const b = await loadTest(burl, { duration: DURATION });
    const v = await loadTest(vurl, { duration: DURATION });
    if (v.non2xx || v.errors) throw new Error(`ping: ${v.non2xx} non-2xx, ${v.errors} errors`);
    report('bare_rps', b.rps, 'req/s');
    report('bare_p99', b.p99, 'ms');
    report('ping_rps', v.rps, 'pings/s');
    report('ping_p99', v.p99, 'ms');
    report('ratio_to_bare', v.rps / b.rps, 'x');
    const ps = await loadTest(vurl, {
      duration: Math.max(2, Math.round(DURATION / 2)),
      method: 'POST',
      body: 'backup ok: 1234 files, 5.6 GB',
    });
    report('ping_with_body_rps', ps.rps, 'pings/s');
    report('ping_with_body_p99', ps.p99, 'ms');
  } finally {
    await bare.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
