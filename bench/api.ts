/**
 * API overhead: a trivial authenticated read through Vigil (token check, routing, store read,
 * problem handling, metrics) against a bare Fastify route in the same process and run.
 * Figures: requests/s and p99 latency for both, and Vigil's throughput as a ratio of the bare one.
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

async function load(url: string, headers: Record<string, string> = {}, duration = DURATION) {
  const r = await loadTest(url, { duration, headers });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r;
}

export default async function run(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const app = await compose({
    settings: loadSettings({}, { VIGIL_DATA_DIR: dir }),
    logger: pino({ level: 'silent' }),
  });
  const bare = Fastify();
  bare.get('/bare', async () => ({ key: 'platform', name: 'Platform' }));
  try {
    const { secret } = await app.services.tokens.issue({ actor: 'bench' }, { name: 'bench', role: 'viewer' });
    await app.services.catalog.create({ actor: 'bench' }, 'team', 'platform', { name: 'Platform' });
    await app.http.listen({ port: 0, host: '127.0.0.1' });
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const vport = (app.http.server.address() as { port: number }).port;
    const bport = (bare.server.address() as { port: number }).port;
    // Warm up both, then measure bare first and Vigil second.
    await load(`http://127.0.0.1:${bport}/bare`, {}, 1);
    await load(`http://127.0.0.1:${vport}/api/v1/teams/platform`, { authorization: `Bearer ${secret}` }, 1);
    const b = await load(`http://127.0.0.1:${bport}/bare`);
    const v = await load(`http://127.0.0.1:${vport}/api/v1/teams/platform`, {
      authorization: `Bearer ${secret}`,
    });
    report('bare_rps', b.rps, 'req/s');
    report('bare_p99', b.p99, 'ms');
    report('vigil_authenticated_read_rps', v.rps, 'req/s');
    report('vigil_authenticated_read_p99', v.p99, 'ms');
    report('ratio_to_bare', v.rps / b.rps, 'x');
  } finally {
    await bare.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
