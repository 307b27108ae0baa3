/**
 * A real Alertmanager (Debian's `prometheus-alertmanager`) as a peer: alerts posted to its
 * /api/v2/alerts reach Vigil through a webhook receiver (payload version 4), firing and then
 * resolved. Skips where the binary is absent; required under CI=true.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { planBody } from '../../src/modules/alerts/testing.ts';
import { createTestApp } from '../support/app.ts';

const ALERTMANAGER = process.env.VIGIL_TEST_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const PLAN = `
version: 1
org: { name: AM test }
severities: { preset: sev1-4 }
teams: [{ key: platform, name: Platform }]
services: [{ key: api, name: API, owner: platform }]
routing:
  integrations:
    - { key: am, type: alertmanager }
`;

test('Alertmanager delivers firing and resolved alerts to Vigil over its webhook', async (t) => {
  if (!existsSync(ALERTMANAGER)) {
    if (process.env.CI === 'true')
      assert.fail(`${ALERTMANAGER} is missing (required under CI=true; .ci/run installs it)`);
    t.skip(`${ALERTMANAGER} not installed: apt-get install -y prometheus-alertmanager to run this test`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-am-'));
  let am: ChildProcess | undefined;
  const app = await createTestApp('sqlite');
  await app.clock.set(Date.now());
  try {
    assert.equal((await app.request('POST', '/api/v1/apply', planBody(PLAN))).statusCode, 200);
    const secret = (await app.request('GET', '/api/v1/alerting/integrations/am/secret')).json().secret;
    await app.app.http.listen({ port: 0, host: '127.0.0.1' });
    const vigilPort = (app.app.http.server.address() as AddressInfo).port;
    const amPort = await freePort();
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      `route:
  receiver: vigil
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: vigil
    webhook_configs:
      - url: http://127.0.0.1:${vigilPort}/api/v1/alerting/ingest/alertmanager
        send_resolved: true
        http_config:
          authorization: { credentials: "${secret}" }
`,
    );
    let log = '';
    am = spawn(
      ALERTMANAGER,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        '--cluster.listen-address=',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    am.stderr?.on('data', (d) => {
      log += d;
    });
    const amUrl = `http://127.0.0.1:${amPort}`;
    await until('Alertmanager ready', async () => ((await fetch(`${amUrl}/-/ready`)).ok ? true : undefined));
    const labels = { alertname: 'HighErrors', service: 'api', severity: 'critical' };
    const post = (endsAt?: string) =>
      fetch(`${amUrl}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          {
            labels,
            annotations: { summary: 'API errors', runbook_url: 'https://runbooks.test/api' },
            startsAt: new Date(Date.now() - 60_000).toISOString(),
            ...(endsAt ? { endsAt } : {}),
            generatorURL: 'http://prometheus.test/graph',
          },
        ]),
      });
    assert.equal((await post()).status, 200);
    const firing = await until('the firing alert in Vigil', async () => {
      const list = (await app.request('GET', '/api/v1/alerting/alerts?source=alertmanager')).json().alerts;
      return list.length ? list : undefined;
    }).catch((e) => {
      throw new Error(`${e.message}\nalertmanager log:\n${log.slice(-3000)}`);
    });
    assert.equal(firing.length, 1);
    assert.equal(firing[0].state, 'firing');
    assert.equal(firing[0].labels.alertname, 'HighErrors');
    assert.equal(firing[0].annotations.runbook_url, 'https://runbooks.test/api');
    assert.match(firing[0].external_key, /^[0-9a-f]{16}$/, 'Alertmanager fingerprint kept');

    assert.equal((await post(new Date(Date.now() - 1000).toISOString())).status, 200);
    const resolved = await until('the resolved alert in Vigil', async () => {
      const a = (await app.request('GET', '/api/v1/alerting/alerts?source=alertmanager')).json().alerts;
      return a.length === 1 && a[0].state === 'resolved' ? a[0] : undefined;
    });
    assert.equal(resolved.fingerprint, firing[0].fingerprint, 'deduplicated by fingerprint');
  } finally {
    am?.kill('SIGTERM');
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
