import assert from 'node:assert/strict';
import { createTestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { DAY, HOUR } from '../../kernel/clock.ts';
import { BUCKET_COLUMNS, bucketStart } from './rollups.ts';

const keys = (r: any) => r.json().items.map((s: any) => `${s.kind}:${s.key}`);

testBothDbs('status list: SQL-side filters, search, keyset pages, summaries, deletes', async (h) => {
  const t = await createTestApp(h);
  try {
    await t.request('POST', '/api/v1/teams', { key: 'web', name: 'Web' });
    await t.request('POST', '/api/v1/services', { key: 'api', name: 'API', owner: 'web' });
    const mk = async (key: string, spec: Record<string, unknown>) =>
      assert.equal((await t.request('POST', '/api/v1/checks', { key, ...spec })).statusCode, 201);
    await mk('api-health', {
      name: 'API Health',
      type: 'http',
      url: 'http://127.0.0.1:1/',
      service: 'api',
      labels: { tier: '1', team: 'web' },
    });
    await mk('db-port', { type: 'tcp', host: '127.0.0.1', port: 1, labels: { tier: '2' } });
    await mk('dns-a', { type: 'dns', host: 'example.test' });
    await t.request('POST', '/api/v1/heartbeats', { key: 'backup', service: 'api', period: '1h' });

    assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states')), [
      'check:api-health',
      'heartbeat:backup',
      'check:db-port',
      'check:dns-a',
    ]);
    assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states?type=tcp')), ['check:db-port']);
    assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states?type=heartbeat')), [
      'heartbeat:backup',
    ]);
    assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states?service=api')), [
      'check:api-health',
      'heartbeat:backup',
    ]);
    assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states?label=tier')), [
      'check:api-health',
      'check:db-port',
    ]);
    assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states?label=tier=2')), ['check:db-port']);
    // Search matches the name case-insensitively and treats % literally.
    assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states?q=health')), ['check:api-health']);
    assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states?q=%25')), []);
    assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states?state=new')), ['heartbeat:backup']);
    assert.equal((await t.request('GET', '/api/v1/check-states?state=bogus')).statusCode, 400);
    assert.equal((await t.request('GET', '/api/v1/check-states?state=new,bogus')).statusCode, 400);
    assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states?state=new,unknown&type=heartbeat')), [
      'heartbeat:backup',
    ]);
    assert.equal((await t.request('GET', '/api/v1/check-states?state=new,unknown')).json().items.length, 4);
    assert.equal((await t.request('GET', '/api/v1/check-states?type=ftp')).statusCode, 400);

    // Keyset pages cover everything once.
    const seen: string[] = [];
    let cursor = '';
    do {
      const r = await t.request('GET', `/api/v1/check-states?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...keys(r));
      cursor = r.json().next_cursor ?? '';
    } while (cursor);
    assert.equal(seen.length, 4);
    assert.equal(new Set(seen).size, 4);
    assert.equal((await t.request('GET', '/api/v1/check-states?cursor=zz')).statusCode, 400);

    // Paused shows as paused and filters as such.
    await t.request('POST', '/api/v1/checks/db-port/pause');
    assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states?state=paused')), ['check:db-port']);

    // Summaries: sparkline from hour rollups, daily bars from day rollups (oldest first).
    const now = t.clock.now();
    const row = (resolution: string, start: number, up: number, down: number, latency: number) => {
      const r: Record<string, unknown> = {
        check_key: 'api-health',
        resolution,
        start,
        total: up + down,
        up,
        degraded: 0,
        down,
        latency_sum: latency * up,
      };
      for (const c of BUCKET_COLUMNS) r[c] = 0;
      return r;
    };
    await (t.app.db.kysely as any)
      .insertInto('checks_rollups')
      .values([
        row('hour', bucketStart(now, 'hour'), 10, 0, 40),
        row('hour', bucketStart(now - 2 * HOUR, 'hour'), 5, 5, 100),
        row('day', bucketStart(now, 'day'), 10, 0, 40),
        row('day', bucketStart(now - 89 * DAY, 'day'), 3, 1, 40),
        row('day', bucketStart(now - 90 * DAY, 'day'), 0, 4, 40),
      ])
      .execute();
    // Rows written behind the service's back (no result recorded here) show within 2 s.
    await t.clock.advance(2_001);
    const s = (await t.request('GET', '/api/v1/check-states?summary=true&type=http')).json().items[0];
    assert.equal(s.latency_24h.length, 24);
    assert.equal(s.latency_24h[23], 40);
    assert.equal(s.latency_24h[21], 100);
    assert.equal(s.latency_24h[0], null);
    assert.equal(s.uptime_24h, 75);
    assert.equal(s.uptime_daily.length, 90);
    assert.equal(s.uptime_daily[89], 100);
    assert.equal(s.uptime_daily[0], 75);
    assert.equal(s.uptime_daily[1], null);
    const short = (await t.request('GET', '/api/v1/check-states?summary=true&days=7&type=http')).json();
    assert.equal(short.items[0].uptime_daily.length, 7);
    assert.equal((await t.request('GET', '/api/v1/check-states?days=91')).statusCode, 400);
    // Finished buckets are cached once their grace passed; the current hour and day stay live.
    await t.clock.advance(10 * 60_000);
    const again = (await t.request('GET', '/api/v1/check-states?summary=true&type=http')).json().items[0];
    assert.deepEqual(again.latency_24h, s.latency_24h);
    await (t.app.db.kysely as any)
      .updateTable('checks_rollups')
      .set({ up: 20, total: 20, latency_sum: 20 * 10 })
      .where('check_key', '=', 'api-health')
      .where('start', '=', bucketStart(now, 'hour'))
      .where('resolution', '=', 'hour')
      .execute();
    // The current buckets may be up to 2 s old when another process recorded the result.
    await t.clock.advance(2_001);
    const live = (await t.request('GET', '/api/v1/check-states?summary=true&type=http')).json().items[0];
    assert.equal(live.latency_24h[23], 10);
    assert.equal(live.latency_24h[21], 100);
    assert.equal(live.uptime_24h, 83.333);
    // A result recorded by this process shows at once (a failed run now: 25 ok of 31).
    assert.equal((await t.request('POST', '/api/v1/checks/api-health/run')).json().status, 'down');
    const afterRun = (await t.request('GET', '/api/v1/check-states?summary=true&type=http')).json().items[0];
    assert.equal(afterRun.uptime_24h, 80.645);
    // Without summary=true the list stays lean.
    assert.equal(
      (await t.request('GET', '/api/v1/check-states?type=http')).json().items[0].uptime_daily,
      undefined,
    );

    // Results: newest first (the run above, then these), filtered by status, paged back with an exclusive `to`.
    const res = (at: number, status: string, id: string) => ({
      id,
      check_key: 'api-health',
      at,
      status,
      latency_ms: 5,
      error_class: status === 'down' ? 'timeout' : null,
      error: status === 'down' ? 'timed out' : null,
      location: 'local',
      lateness_ms: 0,
      details: null,
    });
    await (t.app.db.kysely as any)
      .insertInto('checks_results')
      .values([res(now - 3000, 'up', 'r1'), res(now - 2000, 'down', 'r2'), res(now - 1000, 'down', 'r3')])
      .execute();
    const downs = (await t.request('GET', '/api/v1/checks/api-health/results?status=down')).json().items;
    assert.deepEqual(
      downs.map((r: any) => [r.status, r.error_class]),
      [
        ['down', 'connect'],
        ['down', 'timeout'],
        ['down', 'timeout'],
      ],
    );
    const older = (
      await t.request('GET', `/api/v1/checks/api-health/results?to=${encodeURIComponent(downs[1].at)}`)
    ).json().items;
    assert.deepEqual(
      older.map((r: any) => r.status),
      ['down', 'up'],
    );
    assert.equal((await t.request('GET', '/api/v1/checks/api-health/results?status=late')).statusCode, 400);
    assert.equal((await t.request('GET', '/api/v1/checks/nope/results')).statusCode, 404);

    // Updates and deletes reach the list at once.
    const cur = (await t.request('GET', '/api/v1/checks/dns-a')).json();
    const up = await t.request(
      'PUT',
      '/api/v1/checks/dns-a',
      { type: 'dns', host: 'example.test', name: 'Resolver', service: 'api' },
      { headers: { 'if-match': `"${cur.version}"` } },
    );
    assert.equal(up.statusCode, 200, up.body);
    assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states?q=resolver')), ['check:dns-a']);
    assert.equal((await t.request('DELETE', '/api/v1/checks/dns-a')).statusCode, 204);
    assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states?type=dns')), []);
    await mk('dns-a', { type: 'dns', host: 'again.test' });
    assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states?type=dns')), ['check:dns-a']);
  } finally {
    await t.close();
  }
});

testBothDbs(
  'status list: the read model is built from the catalog on a database that predates it',
  async (h) => {
    const t = await createTestApp(h);
    try {
      await t.request('POST', '/api/v1/checks', { key: 'old-one', type: 'tcp', host: 'h', port: 1 });
      assert.deepEqual(keys(await t.request('GET', '/api/v1/check-states')), ['check:old-one']);
      // Simulate an upgrade: the index is empty and was never built; events are not replayed from the start.
      const db = t.app.db.kysely as any;
      await db.deleteFrom('checks_index').execute();
      await db.deleteFrom('checks_meta').where('name', '=', 'index_built').execute();
      await db.deleteFrom('event_consumers').where('name', '=', 'checks:index').execute();
    } finally {
      await t.close();
    }
    const t2 = await createTestApp(h);
    try {
      assert.deepEqual(keys(await t2.request('GET', '/api/v1/check-states')), ['check:old-one']);
      await t2.request('POST', '/api/v1/checks', { key: 'new-one', type: 'tcp', host: 'h', port: 2 });
      assert.deepEqual(keys(await t2.request('GET', '/api/v1/check-states')), [
        'check:new-one',
        'check:old-one',
      ]);
    } finally {
      await t2.close();
    }
  },
);
