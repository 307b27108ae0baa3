/**
 * Status list API with many checks and rollups, as the console asks for it: GET
 * /api/v1/check-states?limit=50&summary=true (a page of 50 with 24 h uptime, the latency
 * sparkline from hour rollups and 90 daily uptime bars from day rollups), a filtered page
 * (service + label) and a page deep in the list (keyset cursor), under autocannon load with 8
 * connections. Goal: p99 < 100 ms with 10 000 checks.
 * Defaults: 10 000 probes + 200 heartbeats with 48 hourly and 90 daily rollup rows each (SQLite);
 * CHECKS_LIST_N scales the probe count, BENCH_DURATION the load time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { compose } from '../src/compose.ts';
import { DAY, HOUR } from '../src/kernel/clock.ts';
import { BUCKET_COLUMNS, bucketStart } from '../src/modules/checks/rollups.ts';
import { loadSettings } from '../src/settings.ts';
import { loadTest } from './_autocannon.ts';
import type { Report } from './run.ts';

const N = Number(process.env.CHECKS_LIST_N ?? 10_000);
const DURATION = Number(process.env.BENCH_DURATION ?? 6);

/** A rollup row of 60 results (5 down when `ok` is false) with latencies in the 25–50 ms bucket. */
function row(key: string, resolution: string, start: number, ok: boolean): Record<string, unknown> {
  const r: Record<string, unknown> = {
    check_key: key,
    resolution,
    start,
    total: 60,
    up: ok ? 60 : 55,
    degraded: 0,
    down: ok ? 0 : 5,
    latency_sum: 2400,
  };
  for (const c of BUCKET_COLUMNS) r[c] = 0;
  r[BUCKET_COLUMNS[3]] = r.up;
  return r;
}

export default async function run(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-list-'));
  const app = await compose({
    settings: loadSettings({}, { VIGIL_DATA_DIR: dir }),
    logger: pino({ level: 'silent' }),
  });
  try {
    const actor = { actor: 'bench' };
    await app.services.catalog.create(actor, 'team', 'web', { name: 'Web' });
    for (let s = 0; s < 20; s++) {
      await app.services.catalog.create(actor, 'service', `svc-${s}`, { name: `S${s}`, owner: 'web' });
    }
    const now = Date.now();
    // Rollup rows are written directly in batches (per-result upserts are measured by checks-scale),
    // a few checks at a time: holding all 1.4 million rows in memory would make the server's
    // garbage collections (same process) part of what this measures.
    let rollups: Array<Record<string, unknown>> = [];
    const flush = async () => {
      for (let i = 0; i < rollups.length; i += 500) {
        await (app.db.kysely as any)
          .insertInto('checks_rollups')
          .values(rollups.slice(i, i + 500))
          .execute();
      }
      rollups = [];
    };
    for (let i = 0; i < N; i++) {
      const key = `c-${String(i).padStart(5, '0')}`;
      await app.services.catalog.create(actor, 'check', key, {
        type: 'http',
        url: `http://127.0.0.1:9/${i}`,
        service: `svc-${i % 20}`,
        labels: { team: i % 2 ? 'a' : 'b' },
      });
      for (let h = 0; h < 48; h++)
        rollups.push(row(key, 'hour', bucketStart(now - h * HOUR, 'hour'), h % 17 !== 0));
      for (let d = 0; d < 90; d++) rollups.push(row(key, 'day', bucketStart(now - d * DAY, 'day'), true));
      if (rollups.length >= 5000) await flush();
    }
    await flush();
    for (let i = 0; i < 200; i++)
      await app.services.catalog.create(actor, 'heartbeat', `hb-${i}`, { period: '1d' });
    const { secret } = await app.services.tokens.issue(actor, { name: 'bench', role: 'viewer' });
    await app.http.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.http.server.address() as { port: number }).port;
    const headers = { authorization: `Bearer ${secret}` };
    const base = `http://127.0.0.1:${port}/api/v1/check-states?limit=50&summary=true`;
    const first = base;
    const filtered = `${base}&service=svc-3&label=team=a`;
    // A cursor half-way through the list (keyset pagination: as cheap as the first page).
    const mid = Buffer.from(`c-${String(Math.floor(N / 2)).padStart(5, '0')}\u0000check`).toString(
      'base64url',
    );
    const deep = `${base}&cursor=${mid}`;
    const check = (await fetch(first, { headers }).then((r) => r.json())) as any;
    if (check.items.length !== 50 || check.items[0].uptime_daily?.length !== 90) {
      throw new Error(`unexpected page: ${JSON.stringify(check).slice(0, 300)}`);
    }
    // Warm up every measured URL (JIT, the per-check caches of finished rollup buckets).
    for (const u of [first, filtered, deep]) await loadTest(u, { duration: 1, headers });
    const a = await loadTest(first, { duration: DURATION, headers, connections: 8 });
    const b = await loadTest(filtered, { duration: DURATION, headers, connections: 8 });
    const c = await loadTest(deep, { duration: DURATION, headers, connections: 8 });
    // The same load on a route that does no work: how much of the tail is the machine, not the list.
    const bare = await loadTest(`http://127.0.0.1:${port}/health/live`, {
      duration: DURATION,
      connections: 8,
    });
    if (a.non2xx || b.non2xx || c.non2xx) throw new Error('non-2xx answers');
    report('checks', N, 'checks');
    report('list_page50_rps', a.rps, 'req/s');
    report('list_page50_p50', a.p50, 'ms');
    report('list_page50_p99', a.p99, 'ms');
    report('list_filtered_rps', b.rps, 'req/s');
    report('list_filtered_p99', b.p99, 'ms');
    report('list_deep_page_rps', c.rps, 'req/s');
    report('list_deep_page_p99', c.p99, 'ms');
    report('baseline_health_rps', bare.rps, 'req/s');
    report('baseline_health_p99', bare.p99, 'ms');
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
