import assert from 'node:assert/strict';
import { createTestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';

testBothDbs('catalog API: create, read with ETag, conditional update, delete', async (h) => {
  const t = await createTestApp(h);
  try {
    let r = await t.request('POST', '/api/v1/teams', { key: 'platform', name: 'Platform' });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.headers.location, '/api/v1/teams/platform');
    r = await t.request('POST', '/api/v1/services', {
      key: 'api',
      name: 'Public API',
      owner: 'platform',
      tier: 1,
      tags: ['edge'],
      links: [{ title: 'repository', url: 'https://git.example.com/api' }],
    });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.headers.etag, '"1"');

    r = await t.request('GET', '/api/v1/services/api');
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().owner, 'platform');
    assert.equal(r.json().managed, false);
    assert.equal(
      (await t.request('GET', '/api/v1/services/api', undefined, { headers: { 'if-none-match': '"1"' } }))
        .statusCode,
      304,
    );

    const spec = { name: 'Public API v2', owner: 'platform', tier: 2 };
    r = await t.request('PUT', '/api/v1/services/api', spec, { headers: { 'if-match': '"1"' } });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.headers.etag, '"2"');
    // A stale If-Match loses nothing and says why.
    r = await t.request(
      'PUT',
      '/api/v1/services/api',
      { ...spec, name: 'stale' },
      { headers: { 'if-match': '"1"' } },
    );
    assert.equal(r.statusCode, 412);
    assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal((await t.request('GET', '/api/v1/services/api')).json().name, 'Public API v2');

    // A team that still owns a service cannot be deleted.
    r = await t.request('DELETE', '/api/v1/teams/platform');
    assert.equal(r.statusCode, 409);
    assert.match(r.json().detail, /referenced by service "api"/);
    assert.equal((await t.request('DELETE', '/api/v1/services/api')).statusCode, 204);
    assert.equal((await t.request('GET', '/api/v1/services/api')).statusCode, 404);
    assert.equal((await t.request('DELETE', '/api/v1/teams/platform')).statusCode, 204);

    // Every change is in the audit trail, and the chain verifies.
    const audit = (await t.request('GET', '/api/v1/audit?kind=service&key=api')).json();
    assert.deepEqual(
      audit.items.map((e: any) => e.action),
      ['service.delete', 'service.update', 'service.create'],
    );
    assert.equal(audit.items[1].before.spec.name, 'Public API');
    assert.equal((await t.request('GET', '/api/v1/audit/verify')).json().ok, true);
  } finally {
    await t.close();
  }
});

testBothDbs('catalog API: bad input gets specific 4xx problems and writes nothing', async (h) => {
  const t = await createTestApp(h);
  try {
    await t.request('POST', '/api/v1/teams', { key: 'ops', name: 'Ops' });
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['POST', '/api/v1/services', '{"key": "x", ', 400, /JSON/i],
      [
        'POST',
        '/api/v1/services',
        { key: 'api', name: 'API', owner: 'nobody' },
        400,
        /unknown team "nobody"/,
      ],
      ['POST', '/api/v1/services', { key: 'Bad Key', name: 'x', owner: 'ops' }, 400, /invalid service key/],
      ['POST', '/api/v1/services', { key: 'api', name: 'API', owner: 'ops', tier: 'high' }, 400, /tier/],
      ['POST', '/api/v1/services', { key: 'api', name: 'API', owner: 'ops', colour: 'red' }, 400, /colour/],
      ['POST', '/api/v1/teams', { key: 'ops', name: 'Again' }, 409, /already exists/],
      ['GET', '/api/v1/services?owner=ops&color=red', undefined, 400, /unknown filter "color"/],
      ['GET', '/api/v1/services?cursor=%%%', undefined, 400, /cursor/],
      ['GET', '/api/v1/nothing-here', undefined, 404, /no route/],
    ];
    for (const [method, url, body, status, detail] of cases) {
      const r = await t.request(method, url, body);
      assert.equal(r.statusCode, status, `${method} ${url} ${JSON.stringify(body)} → ${r.body}`);
      assert.match(String(r.headers['content-type']), /application\/problem\+json/);
      const p = r.json();
      assert.equal(p.status, status);
      assert.match(p.type, /^urn:vigil:problem:/);
      assert.match(p.detail, detail);
    }
    const big = { key: 'big', name: 'x'.repeat(2 * 1024 * 1024), owner: 'ops' };
    assert.equal((await t.request('POST', '/api/v1/services', big)).statusCode, 413);
    assert.deepEqual((await t.request('GET', '/api/v1/services')).json().items, []);
  } finally {
    await t.close();
  }
});

testBothDbs('catalog API: cursor pagination and filters', async (h) => {
  const t = await createTestApp(h);
  try {
    await t.request('POST', '/api/v1/teams', { key: 'a', name: 'A' });
    await t.request('POST', '/api/v1/teams', { key: 'b', name: 'B' });
    for (let i = 0; i < 7; i++) {
      const r = await t.request('POST', '/api/v1/services', {
        key: `svc-${i}`,
        name: `S${i}`,
        owner: i % 2 ? 'a' : 'b',
        tags: [`t${i % 3}`],
      });
      assert.equal(r.statusCode, 201);
    }
    const keys: string[] = [];
    let cursor: string | null = null;
    do {
      const r: any = (
        await t.request('GET', `/api/v1/services?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      assert.ok(r.items.length <= 3);
      keys.push(...r.items.map((i: any) => i.key));
      cursor = r.next_cursor;
    } while (cursor);
    assert.deepEqual(keys, ['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5', 'svc-6']);
    const owned = (await t.request('GET', '/api/v1/services?owner=a')).json().items.map((i: any) => i.key);
    assert.deepEqual(owned, ['svc-1', 'svc-3', 'svc-5']);
    const tagged = (await t.request('GET', '/api/v1/services?tags=t0')).json().items.map((i: any) => i.key);
    assert.deepEqual(tagged, ['svc-0', 'svc-3', 'svc-6']);
  } finally {
    await t.close();
  }
});
