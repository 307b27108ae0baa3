/**
 * Probe scheduling at scale: N HTTP checks (10 s interval, CHECKS_SCALE_INTERVAL) against a local HTTP target in a
 * child process, run by the real engine for D seconds on SQLite. Figures: achieved checks/s,
 * p50/p99 scheduling lateness, CPU % and RSS of the Vigil process.
 * Scaled down by default (N=1000, D=20 s → ~100 checks/s); full scale e.g.
 * CHECKS_SCALE_N=10000 CHECKS_SCALE_SECONDS=60 npm run bench -- checks-scale; the size is
 * CHECKS_SCALE_N=10000 CHECKS_SCALE_INTERVAL=30s CHECKS_SCALE_SECONDS=120.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { compose } from '../src/compose.ts';
import { parseDuration } from '../src/kernel/clock.ts';
import { serviceOf } from '../src/modules/checks/module.ts';
import { loadSettings } from '../src/settings.ts';
import type { Report } from './run.ts';

const N = Number(process.env.CHECKS_SCALE_N ?? 1000);
const SECONDS = Number(process.env.CHECKS_SCALE_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.CHECKS_SCALE_CONCURRENCY ?? 100);
const INTERVAL = process.env.CHECKS_SCALE_INTERVAL ?? '10s';

const TARGET = `
const http = require('node:http');
const s = http.createServer((req, res) => res.end('{"status":"ok"}'));
s.keepAliveTimeout = 1000;
s.listen(0, '127.0.0.1', () => process.send(s.address().port));
`;

function pct(xs: number[], q: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** Starts the target in a child process so its CPU is not charged to Vigil. */
async function startTarget(dir: string) {
  const file = join(dir, 'target.cjs');
  writeFileSync(file, TARGET);
  const child = fork(file, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((r) => child.once('message', (m) => r(Number(m))));
  return { port, stop: () => child.kill() };
}

export default async function run(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-checks-'));
  process.env.VIGIL_CHECKS_CONCURRENCY = String(CONCURRENCY);
  const app = await compose({
    settings: loadSettings({}, { VIGIL_DATA_DIR: dir }),
    logger: pino({ level: 'silent' }),
  });
  const target = await startTarget(dir);
  try {
    for (let i = 0; i < N; i++) {
      await app.services.catalog.create({ actor: 'bench' }, 'check', `c-${i}`, {
        type: 'http',
        url: `http://127.0.0.1:${target.port}/health?i=${i}`,
        interval: INTERVAL,
        timeout: '5s',
        json: [{ path: 'status', equals: 'ok' }],
      });
    }
    const svc = serviceOf(app.modules.get('checks'));
    let results = 0;
    let failures = 0;
    svc.scheduler.onResult((s) => {
      results++;
      if (!s.success) failures++;
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let rssMax = 0;
    let heapMax = 0;
    const rssTimer = setInterval(() => {
      const m = process.memoryUsage();
      rssMax = Math.max(rssMax, m.rss);
      heapMax = Math.max(heapMax, m.heapUsed);
    }, 500);
    await app.start();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    app.runner.stop();
    await svc.scheduler.drain();
    clearInterval(rssTimer);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    // The first pass starts every check at its phase slot; lateness is measured on all runs.
    const late = svc.scheduler.lateness;
    report('checks', N, 'checks');
    report('checks_per_second', results / (wallMs / 1000), 'checks/s');
    report('expected_checks_per_second', N / (parseDuration(INTERVAL) / 1000), 'checks/s');
    report('failed_results', failures, 'results');
    report('lateness_p50', pct(late, 0.5), 'ms');
    report('lateness_p99', pct(late, 0.99), 'ms');
    report('cpu', ((cpu.user + cpu.system) / 1000 / wallMs) * 100, '%');
    report('rss_max', rssMax / 1024 / 1024, 'MiB');
    report('heap_used_max', heapMax / 1024 / 1024, 'MiB');
  } finally {
    target.stop();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
