import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestApp } from '../../test/support/app.ts';
import { testBothDbs } from '../../test/support/db.ts';
import type { Role } from '../modules/catalog/kinds.ts';

testBothDbs('every route declares an auth policy, and the role matrix holds', async (h) => {
  const t = await createTestApp(h);
  try {
    assert.ok(t.app.routes.length > 20);
    const missing = t.app.routes.filter((r) => !r.policy);
    assert.deepEqual(missing, [], 'routes without a policy');
    // Public routes are few and each has a reason; anything else needs a role or an integration key.
    const PUBLIC: Array<[RegExp, string]> = [
      [/^GET \/health\/(live|ready)$/, 'probes'],
      [/^GET \/(version|metrics)$/, 'self-observability'],
      [/^GET \/api\/v1\/openapi\.json$/, 'API description'],
      [/^(GET|POST) \/(api\/v1\/)?auth\//, 'sign-in, sign-out, OIDC (credentials in the request)'],
      [/^(GET|POST) \/(setup|reset)\/:token$/, 'single-use links (the token is the credential)'],
      [/^(GET|POST) \/ack\//, 'signed one-click acknowledge links'],
      [
        /^GET \/api\/v1\/(schedules|oncall\/users)\/:key\/calendar\.ics$/,
        'calendar feeds (secret token in the URL)',
      ],
      [/^GET \/(\*|assets\/\*)$/, 'console static files'],
      [/^(GET|HEAD) \/status/, 'public status page'],
      [/^GET \/api\/v2\//, 'Statuspage-compatible public JSON'],
      [
        /^POST \/status\/:page\/(subscribe(\/confirm)?|subscription|unsubscribe)$/,
        'public subscription forms (double opt-in; the token in the link is the credential)',
      ],
    ];
    const publicRoutes = t.app.routes.filter((r) => r.policy === 'public').map((r) => `${r.method} ${r.url}`);
    const unexplained = publicRoutes.filter((r) => !PUBLIC.some(([re]) => re.test(r)));
    assert.deepEqual(unexplained, [], 'public routes without a reason in the allowlist');
    for (const r of [
      'GET /health/live',
      'GET /health/ready',
      'GET /metrics',
      'GET /version',
      'GET /api/v1/openapi.json',
    ]) {
      assert.ok(publicRoutes.includes(r), `${r} is public`);
    }

    await t.request('POST', '/api/v1/teams', { key: 'ops', name: 'Ops' });
    const tokens: Record<Role | 'none', string | null> = {
      none: null,
      viewer: await t.token('viewer'),
      responder: await t.token('responder'),
      operator: await t.token('operator'),
      admin: t.adminToken,
    };
    let n = 0;
    const matrix: Array<[string, string, () => unknown, Role]> = [
      ['GET', '/api/v1/services', () => undefined, 'viewer'],
      ['GET', '/api/v1/teams/ops', () => undefined, 'viewer'],
      ['GET', '/api/v1/events', () => undefined, 'viewer'],
      ['POST', '/api/v1/services', () => ({ key: `s${n++}`, name: 'S', owner: 'ops' }), 'operator'],
      ['POST', '/api/v1/teams', () => ({ key: `t${n++}`, name: 'T' }), 'admin'],
      ['GET', '/api/v1/tokens', () => undefined, 'admin'],
      ['GET', '/api/v1/audit', () => undefined, 'admin'],
      ['POST', '/api/v1/apply', () => ({ objects: [], prune: false, files: [] }), 'admin'],
    ];
    const rank = ['none', 'viewer', 'responder', 'operator', 'admin'];
    for (const [method, url, body, need] of matrix) {
      for (const who of rank) {
        const r = await t.request(method, url, body(), { token: tokens[who as Role] });
        const allowed = rank.indexOf(who) >= rank.indexOf(need);
        const expect = allowed ? [200, 201] : who === 'none' ? [401] : [403];
        assert.ok(expect.includes(r.statusCode), `${who} ${method} ${url} → ${r.statusCode} ${r.body}`);
      }
    }
    // Revoked and unknown tokens are refused.
    const { token, secret } = await t.app.services.tokens.issue(
      { actor: 'test' },
      { name: 'gone', role: 'admin' },
    );
    await t.app.services.tokens.revoke({ actor: 'test' }, token.id);
    assert.equal((await t.request('GET', '/api/v1/services', undefined, { token: secret })).statusCode, 401);
    assert.equal(
      (await t.request('GET', '/api/v1/services', undefined, { token: 'vgl_nope' })).statusCode,
      401,
    );
    // An operator cannot mint an admin token (no privilege escalation).
    const r = await t.request(
      'POST',
      '/api/v1/tokens',
      { name: 'x', role: 'admin' },
      { token: tokens.operator },
    );
    assert.equal(r.statusCode, 403);
  } finally {
    await t.close();
  }
});

testBothDbs('self-observability: health, version, metrics, OpenAPI, request ids', async (h) => {
  const t = await createTestApp(h);
  try {
    assert.deepEqual((await t.request('GET', '/health/live', undefined, { token: null })).json(), {
      status: 'ok',
    });
    assert.equal(
      (await t.request('GET', '/health/ready', undefined, { token: null })).json().checks.store,
      'ok',
    );
    // While `vigil start` applies its plan for the first time, readiness says so.
    t.app.info.starting.add('plan');
    const starting = await t.request('GET', '/health/ready', undefined, { token: null });
    assert.equal(starting.statusCode, 503);
    assert.deepEqual(starting.json(), { status: 'starting', checks: { store: 'ok', plan: 'starting' } });
    t.app.info.starting.delete('plan');
    assert.equal((await t.request('GET', '/health/ready', undefined, { token: null })).statusCode, 200);
    const v = (await t.request('GET', '/version', undefined, { token: null })).json();
    assert.match(v.version, /^\d+\.\d+\.\d+/);
    assert.equal(v.store, h.dialect);
    await t.request('GET', '/api/v1/services');
    const m = await t.request('GET', '/metrics', undefined, { token: null });
    assert.match(m.body, /vigil_http_request_duration_seconds_bucket\{.*route="\/api\/v1\/services"/);
    assert.match(m.body, /vigil_process_resident_memory_bytes/);
    assert.match(m.body, /vigil_store_query_duration_seconds_count/);
    const doc = (await t.request('GET', '/api/v1/openapi.json', undefined, { token: null })).json();
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/api/v1/services']?.post, 'services are documented');
    assert.ok(doc.paths['/api/v1/services/{key}']?.put);
    const r = await t.request('GET', '/api/v1/services', undefined, {
      headers: { 'x-request-id': 'abc-123' },
    });
    assert.equal(r.headers['x-request-id'], 'abc-123');
    const p = (await t.request('GET', '/api/v1/nope')).json();
    assert.equal(p.request_id.length > 0, true);
  } finally {
    await t.close();
  }
});

testBothDbs('property: no request body or query makes the API answer 500', async (h) => {
  const t = await createTestApp(h);
  try {
    await t.request('POST', '/api/v1/teams', { key: 'ops', name: 'Ops' });
    const routes: Array<[string, string]> = [
      ['POST', '/api/v1/services'],
      ['PUT', '/api/v1/services/api'],
      ['POST', '/api/v1/teams'],
      ['POST', '/api/v1/users'],
      ['PUT', '/api/v1/org'],
      ['POST', '/api/v1/tokens'],
      ['POST', '/api/v1/plan'],
      ['POST', '/api/v1/apply'],
    ];
    const body = fc.oneof(
      fc.json(),
      fc.string(),
      fc.record(
        {
          key: fc.oneof(fc.string(), fc.constantFrom('api', 'ops', 'a@b.c', 'default')),
          name: fc.oneof(fc.string(), fc.integer()),
          owner: fc.oneof(fc.constant('ops'), fc.string()),
          tier: fc.oneof(fc.integer(), fc.string()),
          role: fc.constantFrom('viewer', 'admin', 'root', ''),
          tags: fc.array(fc.string()),
          objects: fc.array(
            fc.record({
              kind: fc.constantFrom('service', 'team', 'nope'),
              key: fc.string(),
              spec: fc.object(),
              source: fc.record({ file: fc.string(), line: fc.nat(), column: fc.nat() }),
            }),
          ),
          prune: fc.oneof(fc.boolean(), fc.array(fc.string())),
          files: fc.array(fc.string()),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, fc.string(), async ([method, url], b, q) => {
        const payload = typeof b === 'string' ? b : JSON.stringify(b);
        const r = await t.request(
          method,
          `${url}?${encodeURIComponent(q)}=${encodeURIComponent(q)}`,
          payload,
        );
        assert.ok(r.statusCode < 500, `${method} ${url} ${payload} → ${r.statusCode} ${r.body}`);
        if (r.statusCode >= 400)
          assert.match(String(r.headers['content-type']), /application\/problem\+json/);
      }),
      { numRuns: 150 },
    );
  } finally {
    await t.close();
  }
});
