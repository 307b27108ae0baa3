import assert from 'node:assert/strict';
import { createTestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { loadPlanFromString } from '../../plan/index.ts';

const PLAN = `
version: 1
org: { name: Acme }
teams: [{ key: platform, name: Platform }]
services: [{ key: api, name: API, owner: platform }]
checks:
  - key: api-health
    name: API health
    type: http
    service: api
    url: http://127.0.0.1:1/health
    interval: 30s
    timeout: 2s
    expect_status: [200]
    degraded_after: 2s
    labels: { tier: "1" }
    runbook: https://runbooks.acme.test/api
  - { key: db-port, type: tcp, host: 127.0.0.1, port: 5432, interval: 1m }
heartbeats:
  - { key: nightly-backup, service: api, schedule: "0 2 * * *", time_zone: Europe/Berlin, grace: 30m, max_run_time: 2h }
`;

function planBody(yaml: string) {
  const res = loadPlanFromString(yaml, 'vigil.yaml');
  if (!res.ok) throw new Error(JSON.stringify(res.diagnostics, null, 2));
  return { objects: res.plan.objects, prune: res.plan.prune, files: res.plan.files };
}

testBothDbs(
  'plan sections checks/heartbeats apply as managed kinds and show up in the status list',
  async (h) => {
    const t = await createTestApp(h);
    try {
      const r = await t.request('POST', '/api/v1/apply', planBody(PLAN));
      assert.equal(r.statusCode, 200, r.body);
      const check = (await t.request('GET', '/api/v1/checks/api-health')).json();
      assert.equal(check.managed, true);
      assert.equal(check.url, 'http://127.0.0.1:1/health');
      assert.equal(
        (await t.request('PUT', '/api/v1/checks/api-health', { type: 'tcp', host: 'h', port: 1 })).statusCode,
        409,
      );
      const list = (await t.request('GET', '/api/v1/check-states')).json();
      assert.deepEqual(
        list.items.map((i: any) => `${i.kind}:${i.key}:${i.state}`),
        ['check:api-health:unknown', 'check:db-port:unknown', 'heartbeat:nightly-backup:new'],
      );
      const svc = (await t.request('GET', '/api/v1/check-states?service=api&kind=check')).json();
      assert.deepEqual(
        svc.items.map((i: any) => i.key),
        ['api-health'],
      );
      const lab = (await t.request('GET', '/api/v1/check-states?label=tier=1')).json();
      assert.deepEqual(
        lab.items.map((i: any) => i.key),
        ['api-health'],
      );
      const page = (await t.request('GET', '/api/v1/check-states?limit=2')).json();
      assert.equal(page.items.length, 2);
      const rest = (await t.request('GET', `/api/v1/check-states?limit=2&cursor=${page.next_cursor}`)).json();
      assert.deepEqual(
        rest.items.map((i: any) => i.key),
        ['nightly-backup'],
      );
      assert.equal(rest.next_cursor, null);
    } finally {
      await t.close();
    }
  },
);

testBothDbs('plan: semantic problems are reported at the entry', async () => {
  const bad = loadPlanFromString(
    `${PLAN.split('checks:')[0]}checks:\n  - { key: x, type: http, interval: 5s }\nheartbeats:\n  - { key: y, schedule: "not cron" }\n`,
    'vigil.yaml',
  );
  assert.equal(bad.ok, false);
  const text = JSON.stringify(bad.diagnostics);
  assert.match(text, /http checks need url/);
  assert.match(text, /interval must be at least 10s/);
  assert.match(text, /not a valid cron expression/);
});
