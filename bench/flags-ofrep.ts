/**
 * OFREP evaluation throughput: single-flag and bulk evaluation (100 flags: kill switches, targeted
 * rules and percentage rollouts) through Vigil's HTTP stack with a client key, next to a bare
 * Fastify route returning a similar body in the same process and run. Goal: ≥ 10,000 single
 * evaluations/s. Figures: requests/s and p99 for each, and single/bare as a ratio.
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

/** 100 flag specs (catalog form): a third static, a third targeted, a third 25 % rollouts. */
function flagSpecs(): Array<{ key: string; spec: Record<string, unknown> }> {
  const out = [];
  for (let i = 0; i < 100; i++) {
    const prod: Record<string, unknown> = { enabled: true };
    if (i % 3 === 1) {
      prod.targeting = [
        { conditions: [{ attribute: 'email', op: 'ends_with', value: '@example.com' }], variant: 'on' },
        { conditions: [{ attribute: 'plan', op: 'in', values: ['pro', 'enterprise'] }], variant: 'on' },
      ];
    } else if (i % 3 === 2) {
      prod.rollout = { percentage: 25 };
    }
    out.push({
      key: `bench_flag_${i}`,
      spec: { type: 'release', default_variant: i % 3 === 0 ? 'on' : 'off', environments: { prod } },
    });
  }
  return out;
}

async function load(url: string, opts: Parameters<typeof loadTest>[1]) {
  const r = await loadTest(url, opts);
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
  bare.post('/bare', async () => ({
    key: 'bench_flag_1',
    reason: 'TARGETING_MATCH',
    variant: 'on',
    value: true,
  }));
  try {
    const actor = { actor: 'bench' };
    await app.services.catalog.create(actor, 'environment', 'prod', { name: 'Production' });
    for (const f of flagSpecs()) await app.services.catalog.create(actor, 'flag', f.key, f.spec);
    const flags = app.modules.get<{ evaluate: unknown }>('flags');
    if (!flags) throw new Error('flags module not loaded');
    await app.http.listen({ port: 0, host: '127.0.0.1' });
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const vport = (app.http.server.address() as { port: number }).port;
    const bport = (bare.server.address() as { port: number }).port;
    const keyRes = await app.http.inject({
      method: 'POST',
      url: '/api/v1/flag-keys',
      headers: {
        authorization: `Bearer ${(await app.services.tokens.issue(actor, { name: 'bench', role: 'admin' })).secret}`,
        'content-type': 'application/json',
      },
      payload: JSON.stringify({ name: 'bench', env: 'prod' }),
    });
    const secret = JSON.parse(keyRes.body).secret as string;
    const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
    const body = JSON.stringify({
      context: { targetingKey: 'user-4711', email: 'ann@example.com', plan: 'free' },
    });
    const single = `http://127.0.0.1:${vport}/ofrep/v1/evaluate/flags/bench_flag_1`;
    const bulk = `http://127.0.0.1:${vport}/ofrep/v1/evaluate/flags`;
    const bareUrl = `http://127.0.0.1:${bport}/bare`;
    const post = { method: 'POST', body, headers };

    // Warm up (compiles the set, caches the key), then measure bare, single and bulk.
    await load(bareUrl, { ...post, headers: { 'content-type': 'application/json' }, duration: 1 });
    await load(single, { ...post, duration: 1 });
    await load(bulk, { ...post, duration: 1 });
    const b = await load(bareUrl, {
      ...post,
      headers: { 'content-type': 'application/json' },
      duration: DURATION,
    });
    const s = await load(single, { ...post, duration: DURATION });
    const k = await load(bulk, { ...post, duration: DURATION });
    report('bare_rps', b.rps, 'req/s');
    report('bare_p99', b.p99, 'ms');
    report('ofrep_single_rps', s.rps, 'req/s');
    report('ofrep_single_p99', s.p99, 'ms');
    report('ofrep_bulk_100_rps', k.rps, 'req/s');
    report('ofrep_bulk_100_p99', k.p99, 'ms');
    report('ofrep_bulk_100_evaluations_per_s', k.rps * 100, 'eval/s');
    report('single_ratio_to_bare', s.rps / b.rps, 'x');
  } finally {
    await bare.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
