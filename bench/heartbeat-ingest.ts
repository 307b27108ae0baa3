/**
 * Heartbeat ping ingestion: autocannon against `/ping/<uuid>` spread over 1,000 distinct
 * heartbeats (BENCH_HEARTBEATS) on 16 keep-alive connections (BENCH_CONNECTIONS), next to a bare Fastify route
 * answering "OK" in the same process. Every accepted ping is committed before its 200
 * (concurrent pings are group-committed: ping rows, state updates, deadline timers).
 * Figures: pings/s and p99 for both, the ratio, and one heartbeat hammered alone
 * (`single_*`), and this process's CPU time per request for both (`*_cpu_per_*`, the figure other
 * load on a shared machine disturbs least). SQLite; BENCH_DURATION (default 8 s) sets the load time.
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
const N = Number(process.env.BENCH_HEARTBEATS ?? 1000);
const uuidOf = (i: number) => `0b6f3a52-1c2d-4e5f-8a9b-${String(i).padStart(12, '0')}`;

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
    for (let i = 0; i < N; i++) {
      await app.services.catalog.create({ actor: 'bench' }, 'heartbeat', `job-${i}`, {
        uuid: uuidOf(i),
        period: '1d',
      });
    }
    const paths = Array.from({ length: N }, (_, i) => `/ping/${uuidOf(i)}`);
    await app.http.listen({ port: 0, host: '127.0.0.1' });
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const vport = (app.http.server.address() as { port: number }).port;
    const bport = (bare.server.address() as { port: number }).port;
    const vurl = `http://127.0.0.1:${vport}/ping/${UUID}`;
    const burl = `http://127.0.0.1:${bport}/ping/${UUID}`;
    await loadTest(burl, { duration: 1, paths });
    await loadTest(vurl, { duration: 1, paths });
    // CPU time of this process per request: a figure other load on the machine disturbs far less.
    const cpuOf = async <R extends { rps: number }>(run: () => Promise<R>) => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await run();
      const c = process.cpuUsage(c0);
      const requests = r.rps * ((performance.now() - t0) / 1000);
      return { ...r, cpuUs: (c.user + c.system) / Math.max(1, requests) };
    };
    const C = Number(process.env.BENCH_CONNECTIONS ?? 16);
    const b = await cpuOf(() => loadTest(burl, { duration: DURATION, paths, connections: C }));
    const v = await cpuOf(() => loadTest(vurl, { duration: DURATION, paths, connections: C }));
    if (v.non2xx || v.errors) throw new Error(`ping: ${v.non2xx} non-2xx, ${v.errors} errors`);
    report('bare_rps', b.rps, 'req/s');
    report('bare_p99', b.p99, 'ms');
    report('ping_rps', v.rps, 'pings/s');
    report('ping_p99', v.p99, 'ms');
    report('ratio_to_bare', v.rps / b.rps, 'x');
    report('bare_cpu_per_request', b.cpuUs, 'µs');
    report('ping_cpu_per_ping', v.cpuUs, 'µs');
    report('cpu_ratio_bare_to_ping', b.cpuUs / v.cpuUs, 'x');
    const one = await loadTest(vurl, { duration: Math.max(2, Math.round(DURATION / 2)) });
    if (one.non2xx || one.errors) throw new Error(`ping: ${one.non2xx} non-2xx, ${one.errors} errors`);
    report('single_ping_rps', one.rps, 'pings/s');
    report('single_ping_p99', one.p99, 'ms');
    const ps = await loadTest(vurl, {
      duration: Math.max(2, Math.round(DURATION / 2)),
      method: 'POST',
      body: 'backup ok: 1234 files, 5.6 GB',
      paths,
    });
    report('ping_with_body_rps', ps.rps, 'pings/s');
    report('ping_with_body_p99', ps.p99, 'ms');
  } finally {
    await bare.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
