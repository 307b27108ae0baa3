/**
 * A real Prometheus (Debian's `prometheus` package) as a peer: it scrapes a target and
 * remote-writes to Vigil, and Vigil delegates PromQL to it when the plan says
 * `metrics.backend: prometheus`. Skips where the binary is absent; required under CI=true.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPlanFromString } from '../../src/plan/index.ts';
import { createTestApp } from '../support/app.ts';

const PROMETHEUS = process.env.VIGIL_TEST_PROMETHEUS ?? '/usr/bin/prometheus';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('Prometheus remote-writes into Vigil, and Vigil delegates queries to Prometheus', async (t) => {
  if (!existsSync(PROMETHEUS)) {
    if (process.env.CI === 'true')
      assert.fail(`${PROMETHEUS} is missing (required under CI=true; .ci/run installs it)`);
    t.skip(`${PROMETHEUS} not installed: apt-get install -y prometheus to run this test`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-prom-'));
  let target: Server | undefined;
  let prom: ChildProcess | undefined;
  const app = await createTestApp('sqlite');
  app.clock.set(Date.now());
  try {
    await app.app.http.listen({ port: 0, host: '127.0.0.1' });
    const vigilPort = (app.app.http.server.address() as AddressInfo).port;
    target = createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/plain' })
        .end('# TYPE demo_queue_depth gauge\ndemo_queue_depth{queue="emails"} 42\n');
    });
    await new Promise<void>((r) => target!.listen(0, '127.0.0.1', r));
    const targetPort = (target.address() as AddressInfo).port;
    const promPort = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:
  scrape_interval: 1s
scrape_configs:
  - job_name: demo
    static_configs: [{ targets: ["127.0.0.1:${targetPort}"] }]
  - job_name: prometheus
    static_configs: [{ targets: ["127.0.0.1:${promPort}"] }]
remote_write:
  - url: http://127.0.0.1:${vigilPort}/api/v1/write
    authorization: { credentials: "${app.adminToken}" }
    queue_config: { batch_send_deadline: 1s }
    write_relabel_configs:
      - { source_labels: [job], regex: prometheus, action: drop }
`,
    );
    let log = '';
    prom = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--storage.remote.flush-deadline=1s',
        '--web.enable-remote-write-receiver', // Vigil forwards its own series here once delegated
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prom.stderr!.on('data', (d) => (log += d));
    const q = async (expr: string) => {
      app.clock.set(Math.max(app.clock.now(), Date.now()));
      const r = await app.request(
        'GET',
        `/api/v1/query?query=${encodeURIComponent(expr)}&time=${Date.now() / 1000}`,
      );
      return r.json().data?.result as Array<{ metric: Record<string, string>; value: [number, string] }>;
    };
    const got = await until('remote-written samples in Vigil', async () => {
      const r = await q('demo_queue_depth');
      return r?.length ? r : undefined;
    }).catch((err) => assert.fail(`${err.message}\nprometheus log:\n${log.slice(-3000)}`));
    assert.deepEqual(got[0].metric, {
      __name__: 'demo_queue_depth',
      instance: `127.0.0.1:${targetPort}`,
      job: 'demo',
      queue: 'emails',
    });
    assert.equal(got[0].value[1], '42');
    assert.deepEqual(
      await q('up{job="prometheus"}'),
      [],
      'dropped by write_relabel_configs: only Prometheus has it',
    );

    // Delegate: the same API now answers from Prometheus itself.
    const plan = loadPlanFromString(`metrics:\n  backend: prometheus\n  url: http://127.0.0.1:${promPort}\n`);
    assert.ok(plan.ok);
    const r = await app.request('POST', '/api/v1/apply', {
      objects: plan.plan.objects,
      prune: false,
      files: plan.plan.files,
    });
    assert.equal(r.statusCode, 200, r.body);
    const delegated = await until('delegated query', async () => {
      const res = await q('up{job="prometheus"}');
      return res?.length ? res : undefined;
    });
    assert.equal(delegated[0].value[1], '1');
    const api = app.app.modules.get<{ backend(): string; query(e: string): Promise<{ resultType: string }> }>(
      'metrics',
    );
    assert.equal(api.backend(), 'prometheus');
    assert.equal((await api.query('vector(1)')).resultType, 'vector');

    // Vigil's own series (a probe result, a script's push) are remote-written to Prometheus, so
    // delegated queries see them (status-forward.test.ts checks that remote-written input is not
    // sent back).
    const at = app.clock.now();
    (app.app.modules.get('metrics') as { ingest(s: unknown[]): unknown }).ingest([
      {
        labels: [
          { name: '__name__', value: 'probe_success' },
          { name: 'check', value: 'homepage' },
          { name: 'job', value: 'vigil-checks' },
        ],
        timestamps: [at],
        values: [1],
      },
    ]);
    const pushed = await app.request('PUT', '/metrics/job/nightly-backup', 'backup_ok 1\n', {
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(pushed.statusCode, 200, pushed.body);
    await app.app.runner.runOnce('metrics-forward');
    const forwarded = await until('forwarded series in Prometheus', async () => {
      const res = await q('probe_success or backup_ok');
      return res?.length === 2 ? res : undefined;
    }).catch((err) => assert.fail(`${err.message}\nprometheus log:\n${log.slice(-3000)}`));
    assert.deepEqual(
      forwarded.map((s) => s.metric).sort((a, b) => (a.__name__ < b.__name__ ? -1 : 1)),
      [
        { __name__: 'backup_ok', job: 'nightly-backup' },
        { __name__: 'probe_success', check: 'homepage', job: 'vigil-checks' },
      ],
    );
  } finally {
    prom?.kill('SIGKILL'); // test data is disposable; a graceful stop would wait on remote-write flushing
    target?.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
