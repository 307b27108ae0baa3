import assert from 'node:assert/strict';
import { createTestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { loadPlanFromString } from '../../plan/index.ts';

function planBody(yaml: string) {
  const res = loadPlanFromString(yaml, 'vigil.yaml');
  if (!res.ok) throw new Error(JSON.stringify(res.diagnostics, null, 2));
  return { objects: res.plan.objects, prune: res.plan.prune, files: res.plan.files };
}

const BASE = `
version: 1
org: { name: Acme, base_url: https://vigil.acme.test }
severities: { preset: p0-p3 }
teams:
  - { key: platform, name: Platform }
  - { key: payments, name: Payments }
environments:
  - { key: staging, name: Staging }
  - { key: prod, name: Production, production: true, branch: main }
users:
  - { email: ann@acme.test, name: Ann, role: admin, teams: [platform] }
services:
  - key: api
    name: Public API
    owner: platform
    tier: 1
    links: { repository: https://git.acme.test/api }
  - { key: billing, name: Billing, owner: payments }
`;

testBothDbs(
  'apply: creates managed objects, is idempotent, updates and deletes what the plan says',
  async (h) => {
    const t = await createTestApp(h);
    try {
      let r = await t.request('POST', '/api/v1/plan', planBody(BASE));
      assert.equal(r.statusCode, 200, r.body);
      const plan = r.json();
      assert.equal(plan.summary.create, 1 + 4 + 2 + 2 + 1 + 2, plan.text);
      assert.match(plan.text, /\+ service "api"/);
      assert.equal(
        (await t.request('GET', '/api/v1/services')).json().items.length,
        0,
        'plan writes nothing',
      );

      r = await t.request('POST', '/api/v1/apply', planBody(BASE));
      assert.equal(r.statusCode, 200, r.body);
      const api = (await t.request('GET', '/api/v1/services/api')).json();
      assert.equal(api.managed, true);
      assert.equal(api.source, 'vigil.yaml:14');
      assert.deepEqual(api.links, [{ title: 'repository', url: 'https://git.acme.test/api' }]);
      const sev = (await t.request('GET', '/api/v1/severities/p0')).json();
      assert.equal(sev.response_target, '5m');

      // Managed objects refuse edits through the API, naming the file.
      r = await t.request('PUT', '/api/v1/services/api', { name: 'x', owner: 'platform' });
      assert.equal(r.statusCode, 409);
      assert.equal(r.json().type, 'urn:vigil:problem:managed-by-plan');
      assert.match(r.json().detail, /vigil\.yaml:14/);
      assert.equal((await t.request('DELETE', '/api/v1/teams/platform')).statusCode, 409);

      // Re-applying the same plan changes nothing.
      r = await t.request('POST', '/api/v1/plan', planBody(BASE));
      assert.equal(
        r.json().summary.create + r.json().summary.update + r.json().summary.delete,
        0,
        r.json().text,
      );

      // An API-created service survives apply unless the plan prunes.
      await t.request('POST', '/api/v1/services', { key: 'adhoc', name: 'Ad hoc', owner: 'payments' });
      const changed = BASE.replace('name: Public API', 'name: Public API v2').replace(
        '  - { key: billing, name: Billing, owner: payments }\n',
        '',
      );
      r = await t.request('POST', '/api/v1/apply', planBody(changed));
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(
        { update: r.json().summary.update, delete: r.json().summary.delete },
        { update: 1, delete: 1 },
        r.json().text,
      );
      assert.equal((await t.request('GET', '/api/v1/services/api')).json().name, 'Public API v2');
      assert.equal((await t.request('GET', '/api/v1/services/billing')).statusCode, 404);
      assert.equal((await t.request('GET', '/api/v1/services/adhoc')).statusCode, 200);

      r = await t.request('POST', '/api/v1/apply', planBody(`${changed}\nprune: [service]\n`));
      assert.equal(r.statusCode, 200, r.body);
      assert.equal((await t.request('GET', '/api/v1/services/adhoc')).statusCode, 404);

      // The apply is recorded with its actor.
      const applies = (await t.request('GET', '/api/v1/applies')).json().items;
      assert.equal(applies.length, 3);
      assert.equal(
        (await t.request('GET', '/api/v1/audit?kind=plan')).json().items[0].actor,
        'token:test-admin',
      );
    } finally {
      await t.close();
    }
  },
);

testBothDbs('apply: all or nothing — a failing apply keeps the previous state', async (h) => {
  const t = await createTestApp(h);
  try {
    assert.equal((await t.request('POST', '/api/v1/apply', planBody(BASE))).statusCode, 200);
    // An API-created service owned by a team the next plan deletes makes the delete fail mid-apply.
    await t.request('POST', '/api/v1/services', { key: 'adhoc', name: 'Ad hoc', owner: 'payments' });
    const next = BASE.replace('  - { key: payments, name: Payments }\n', '')
      .replace('  - { key: billing, name: Billing, owner: payments }\n', '')
      .replace('name: Public API', 'name: Renamed');
    const r = await t.request('POST', '/api/v1/apply', planBody(next));
    assert.equal(r.statusCode, 409, r.body);
    assert.match(r.json().detail, /team "payments" is still referenced by service "adhoc"/);
    assert.equal((await t.request('GET', '/api/v1/services/api')).json().name, 'Public API');
    assert.equal((await t.request('GET', '/api/v1/services/billing')).statusCode, 200);
    assert.equal((await t.request('GET', '/api/v1/teams/payments')).statusCode, 200);
  } finally {
    await t.close();
  }
});

testBothDbs('apply: rejects objects that fail the server-side schema, naming their source', async (h) => {
  const t = await createTestApp(h);
  try {
    const body = planBody(BASE);
    body.objects.find((o) => o.kind === 'service')!.spec.tier = 9;
    const r = await t.request('POST', '/api/v1/apply', body);
    assert.equal(r.statusCode, 400);
    assert.match(r.json().detail, /vigil\.yaml:\d+ service "api"/);
    assert.equal((await t.request('GET', '/api/v1/teams')).json().items.length, 0);
    const viewer = await t.token('viewer');
    assert.equal(
      (await t.request('POST', '/api/v1/apply', planBody(BASE), { token: viewer })).statusCode,
      403,
    );
  } finally {
    await t.close();
  }
});
