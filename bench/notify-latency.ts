/**
 * Paging latency: from `incident.paging_requested` committed to the on-call's webhook receiver
 * getting the page, with many concurrent incidents. A real app (SystemClock, SQLite in a temp dir,
 * engines running) pages a local receiver; figures are p50/p99 in ms. NOTIFY_BENCH_INCIDENTS
 * overrides the number of incidents (default 200, opened in bursts of 50). `cpu_per_page` is the
 * process's CPU time per page over the run, a figure that shared machines disturb far less.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { compose } from '../src/compose.ts';
import { inTransaction } from '../src/db/tx.ts';
import { SystemClock } from '../src/kernel/clock.ts';
import { startHttpReceiver } from '../src/modules/notify/test-receivers.ts';
import { loadPlanFromString } from '../src/plan/index.ts';
import { loadSettings } from '../src/settings.ts';
import type { Report } from './run.ts';

const N = Number(process.env.NOTIFY_BENCH_INCIDENTS ?? 200);
const BURST = 50;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export default async function run(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-notify-'));
  const rx = await startHttpReceiver();
  const settings = loadSettings({}, { VIGIL_DATA_DIR: dir, VIGIL_LOG_LEVEL: 'silent' });
  const app = await compose({ settings, clock: new SystemClock(), logger: pino({ level: 'silent' }) });
  try {
    const yaml = `
users: [{ email: oncall@bench.test, name: On-call, role: responder }]
teams: [{ key: ops, name: Ops }]
services: [{ key: api, name: API, owner: ops }]
contacts: [{ user: oncall@bench.test, methods: [{ type: webhook, url: "${rx.url}/page" }] }]
escalation_policies:
  - key: bench
    levels: [{ targets: [user:oncall@bench.test], delay: 5m }]
paging: { default_policy: bench }
`;
    const plan = loadPlanFromString(yaml, 'bench.yaml');
    if (!plan.ok) throw new Error(JSON.stringify(plan.diagnostics));
    const actor = { actor: 'bench', requestId: null, sourceIp: null };
    await app.services.applier.apply(actor, {
      objects: plan.plan.objects,
      prune: plan.plan.prune,
      files: plan.plan.files,
    });
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let done!: () => void;
    const all = new Promise<void>((r) => {
      done = r;
    });
    const waiting = new Map<string, () => void>();
    rx.onRequest = (r) => {
      const id = JSON.parse(r.body).data.incident_id as string;
      const t0 = sentAt.get(id);
      waiting.get(id)?.();
      if (id.startsWith('single-')) return;
      if (t0 !== undefined) latencies.push(performance.now() - t0);
      if (latencies.length === N) done();
    };
    const page = (id: string) =>
      inTransaction(app.db, async (tx) => {
        await app.services.timeline.append(tx, {
          type: 'incident.paging_requested',
          subject: { kind: 'incident', key: id },
          actor: 'bench',
          data: { id, human_id: id, title: 'bench', severity: 'p1', service: 'api' },
        });
        tx.afterCommit(() => sentAt.set(id, performance.now()));
      });
    await app.start();
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < N; i += BURST) {
      await Promise.all(Array.from({ length: Math.min(BURST, N - i) }, (_, j) => page(`bench-${i + j}`)));
    }
    const timeout = new Promise<void>((_, rej) =>
      setTimeout(() => rej(new Error(`only ${latencies.length}/${N} pages arrived in 60 s`)), 60_000).unref(),
    );
    await Promise.race([all, timeout]);
    const cpu = process.cpuUsage(cpu0);
    // One incident at a time on a quiet system: the delay the engines themselves add.
    const single: number[] = [];
    for (let i = 0; i < 10; i++) {
      const id = `single-${i}`;
      const arrived = new Promise<void>((r) => waiting.set(id, r));
      await page(id);
      await arrived;
      single.push(performance.now() - sentAt.get(id)!);
    }
    report('incidents', N, 'count');
    report('page_latency_p50', pct(latencies, 50), 'ms');
    report('page_latency_p99', pct(latencies, 99), 'ms');
    report('page_latency_max', Math.max(...latencies), 'ms');
    report('single_page_latency_p50', pct(single, 50), 'ms');
    report('pages_per_second', N / ((performance.now() - started) / 1000), 'pages/s');
    // CPU per page (escalation, outbox, transport and the receiver together): wall-clock latency
    // depends on what else the machine runs; this does much less.
    report('cpu_per_page', (cpu.user + cpu.system) / 1000 / N, 'ms');
  } finally {
    await app.close();
    await rx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
