/**
 * Paging latency with many concurrent incidents: from `incident.paging_requested` committed to
 * the on-call's webhook receiver getting the page (`page_latency_*`), and end to end from an alert
 * firing — a PagerDuty Events v2 trigger over HTTP, routed to the escalation policy, opening its
 * incident — to the page (`alert_to_page_*`). A real app (SystemClock, SQLite in a temp dir,
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
severities: { preset: p1-p4 }
users: [{ email: oncall@bench.test, name: On-call, role: responder }]
teams: [{ key: ops, name: Ops }]
services: [{ key: api, name: API, owner: ops }]
contacts: [{ user: oncall@bench.test, methods: [{ type: webhook, url: "${rx.url}/page" }] }]
escalation_policies:
  - key: bench
    levels: [{ targets: [user:oncall@bench.test], delay: 5m }]
paging: { default_policy: bench }
routing:
  integrations: [{ key: pd, type: events_v2, service: api }]
  route:
    group_by: [alertname]
    group_wait: 0s
    target: { escalation_policy: bench }
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
    const alertSentAt = new Map<string, number>();
    const alertLatencies: number[] = [];
    let alertsDone!: () => void;
    const allAlerts = new Promise<void>((r) => {
      alertsDone = r;
    });
    rx.onRequest = (r) => {
      const data = JSON.parse(r.body).data;
      const id = data.incident_id as string;
      const fromAlert = /bench-alert-\d+/.exec(JSON.stringify(data))?.[0];
      if (fromAlert && alertSentAt.has(fromAlert)) {
        alertLatencies.push(performance.now() - alertSentAt.get(fromAlert)!);
        alertSentAt.delete(fromAlert);
        if (alertLatencies.length === N) alertsDone();
        return;
      }
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
    const pagesWall = (performance.now() - started) / 1000;
    // One incident at a time on a quiet system: the delay the engines themselves add.
    const single: number[] = [];
    for (let i = 0; i < 10; i++) {
      const id = `single-${i}`;
      const arrived = new Promise<void>((r) => waiting.set(id, r));
      await page(id);
      await arrived;
      single.push(performance.now() - sentAt.get(id)!);
    }
    // From an alert firing: PagerDuty Events v2 triggers over HTTP, routed (group_wait 0s) to the
    // escalation policy, each opening its incident and paging — the issue's end-to-end path.
    await app.http.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.http.server.address() as { port: number }).port}`;
    const admin = (await app.services.tokens.issue(actor, { name: 'bench', role: 'admin' })).secret;
    const routingKey = (
      (await (
        await fetch(`${base}/api/v1/alerting/integrations/pd/secret`, {
          headers: { authorization: `Bearer ${admin}` },
        })
      ).json()) as { secret: string }
    ).secret;
    const trigger = async (i: number) => {
      const summary = `bench-alert-${i}`;
      alertSentAt.set(summary, performance.now());
      const res = await fetch(`${base}/v2/enqueue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          routing_key: routingKey,
          event_action: 'trigger',
          dedup_key: summary,
          payload: { summary, source: 'bench', severity: 'critical' },
          // Events v2 custom details become annotations; the route maps no severity, so the
          // implicit incident takes the least severe level.
        }),
      });
      if (res.status !== 202) throw new Error(`enqueue: ${res.status} ${await res.text()}`);
    };
    const alertStarted = performance.now();
    for (let i = 0; i < N; i += BURST) {
      await Promise.all(Array.from({ length: Math.min(BURST, N - i) }, (_, j) => trigger(i + j)));
    }
    const alertTimeout = new Promise<void>((_, rej) =>
      setTimeout(
        () => rej(new Error(`only ${alertLatencies.length}/${N} alert pages arrived in 60 s`)),
        60_000,
      ).unref(),
    );
    await Promise.race([allAlerts, alertTimeout]);
    const alertWall = (performance.now() - alertStarted) / 1000;

    report('incidents', N, 'count');
    report('page_latency_p50', pct(latencies, 50), 'ms');
    report('page_latency_p99', pct(latencies, 99), 'ms');
    report('page_latency_max', Math.max(...latencies), 'ms');
    report('single_page_latency_p50', pct(single, 50), 'ms');
    report('pages_per_second', N / pagesWall, 'pages/s');
    // CPU per page (escalation, outbox, transport and the receiver together): wall-clock latency
    // depends on what else the machine runs; this does much less.
    report('cpu_per_page', (cpu.user + cpu.system) / 1000 / N, 'ms');
    report('alert_to_page_p50', pct(alertLatencies, 50), 'ms');
    report('alert_to_page_p99', pct(alertLatencies, 99), 'ms');
    report('alert_pages_per_second', N / alertWall, 'pages/s');
  } finally {
    await app.close();
    await rx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
