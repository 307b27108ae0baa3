import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { VirtualClock } from '../../kernel/clock.ts';
import { expectedAfter } from './heartbeat-schedule.ts';
import { heartbeatStore } from './heartbeat-store.ts';
import { parsePingPath } from './heartbeats.ts';
import { serviceOf } from './module.ts';

const UUID = '5a1b2c3d-0000-4000-8000-00000000abcd';

async function countPings(t: TestApp): Promise<number> {
  const r = await (t.app.db.kysely as any)
    .selectFrom('heartbeats_pings')
    .select((eb: any) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(r.n);
}

async function state(t: TestApp, key: string): Promise<string> {
  return (await t.request('GET', `/api/v1/heartbeats/${key}/status`)).json().state;
}

test('ping paths parse like Healthchecks.io', () => {
  assert.deepEqual(parsePingPath([UUID]), { uuid: UUID, kind: 'success', exitStatus: null });
  assert.deepEqual(parsePingPath([UUID, 'start']), { uuid: UUID, kind: 'start', exitStatus: null });
  assert.deepEqual(parsePingPath([UUID, '0']), { uuid: UUID, kind: 'success', exitStatus: 0 });
  assert.deepEqual(parsePingPath([UUID, '3']), { uuid: UUID, kind: 'fail', exitStatus: 3 });
  assert.deepEqual(parsePingPath([UUID, '256']), { status: 400, text: 'invalid url format' });
  assert.deepEqual(parsePingPath(['key', 'backup', 'log']), {
    pingKey: 'key',
    slug: 'backup',
    kind: 'log',
    exitStatus: null,
  });
  assert.equal(parsePingPath([UUID, 'bogus']), null);
  assert.equal(parsePingPath(['not-a-uuid']), null);
});

test('cron expectations in Europe/Berlin across DST changes', () => {
  const spec = { schedule: '0 2 * * *', time_zone: 'Europe/Berlin' };
  // Autumn: 02:00 happens twice on 25 Oct 2026; the job is expected once.
  assert.equal(
    new Date(expectedAfter(spec, Date.parse('2026-10-24T12:00:00Z'))).toISOString(),
    '2026-10-25T00:00:00.000Z',
  );
  assert.equal(
    new Date(expectedAfter(spec, Date.parse('2026-10-25T00:00:30Z'))).toISOString(),
    '2026-10-26T01:00:00.000Z',
  );
  // Spring: 02:00 does not exist on 28 Mar 2027.
  assert.equal(
    new Date(expectedAfter(spec, Date.parse('2027-03-27T01:00:30Z'))).toISOString(),
    '2027-03-28T01:00:00.000Z',
  );
  assert.equal(expectedAfter({ period: '1h' }, 0), 3_600_000);
});

testBothDbs(
  'ping API: signals, rid pairing, bodies, exit codes, slugs, auto-provisioning, 404 without writes',
  async (h) => {
    const t = await createTestApp(h);
    try {
      let r = await t.request('POST', '/api/v1/heartbeats', {
        key: 'backup',
        uuid: UUID,
        period: '1h',
        grace: '10m',
        min_run_time: '1m',
      });
      assert.equal(r.statusCode, 201, r.body);
      const ping = (path: string, method = 'GET', body?: string) =>
        t.request(method, path, body, { token: null, headers: body ? { 'content-type': 'text/plain' } : {} });

      // Unknown uuid: 404 "not found", nothing written.
      r = await ping('/ping/00000000-0000-4000-8000-000000000000');
      assert.deepEqual([r.statusCode, r.body], [404, 'not found']);
      r = await ping(`/ping/${UUID}/bogus`);
      assert.equal(r.statusCode, 404);
      assert.equal(await countPings(t), 0);
      assert.equal(await state(t, 'backup'), 'new');

      // Start then success with the same rid after 30s: finished suspiciously fast.
      const rid = '11111111-2222-4333-8444-555555555555';
      r = await ping(`/ping/${UUID}/start?rid=${rid}`);
      assert.deepEqual([r.statusCode, r.body], [200, 'OK']);
      assert.equal(await state(t, 'backup'), 'started');
      await t.clock.advance(30_000);
      r = await ping(`/ping/${UUID}?rid=${rid}`, 'POST', 'backup done: 42 files');
      assert.equal(r.body, 'OK');
      let st = (await t.request('GET', '/api/v1/heartbeats/backup/status')).json();
      assert.equal(st.state, 'down');
      assert.equal(st.last_duration_ms, 30_000);
      assert.match(st.state_changes[0].reason, /suspiciously fast/);

      // A proper run: start, 5 minutes, success → up.
      await ping(`/ping/${UUID}/start`);
      await t.clock.advance(5 * 60_000);
      await ping(`/ping/${UUID}/0`);
      assert.equal(await state(t, 'backup'), 'up');

      // Exit status ≠ 0 and /fail are failures; /log changes nothing; > 255 is a 400.
      assert.equal((await ping(`/ping/${UUID}/log`, 'POST', 'just saying')).body, 'OK');
      assert.equal(await state(t, 'backup'), 'up');
      await ping(`/ping/${UUID}/7`);
      st = (await t.request('GET', '/api/v1/heartbeats/backup/status')).json();
      assert.equal(st.state, 'down');
      assert.match(st.state_changes[0].reason, /exit status 7/);
      assert.equal((await ping(`/ping/${UUID}/300`)).statusCode, 400);
      assert.equal((await ping(`/ping/${UUID}?rid=nope`)).statusCode, 400);
      await ping(`/ping/${UUID}`, 'HEAD');
      assert.equal(await state(t, 'backup'), 'up');
      await ping(`/ping/${UUID}/fail`);
      assert.equal(await state(t, 'backup'), 'down');

      // Bodies are kept up to 10 kB; the last pings are listed.
      await ping(`/ping/${UUID}/log`, 'POST', 'x'.repeat(20_000));
      const pings = (await t.request('GET', '/api/v1/heartbeats/backup/pings?limit=3')).json().items;
      assert.equal(pings[0].body.length, 10_000);
      assert.equal(pings[0].body_truncated, true);
      assert.equal(pings[0].kind, 'log');
      const all = (await t.request('GET', '/api/v1/heartbeats/backup/pings?limit=100')).json().items;
      assert.ok(all.some((p: any) => p.body === 'backup done: 42 files' && p.duration_ms === 30_000));
      assert.ok(all.some((p: any) => p.method === 'HEAD'));

      // Slug URLs with the ping key; wrong key 404; ?create=1 provisions with defaults.
      const { ping_key } = (await t.request('GET', '/api/v1/heartbeat-ping-key')).json();
      assert.equal((await ping(`/ping/${ping_key}/backup`)).body, 'OK');
      assert.equal(await state(t, 'backup'), 'up');
      assert.equal((await ping(`/ping/wrong-key/backup`)).statusCode, 404);
      assert.deepEqual([(await ping(`/ping/${ping_key}/srv-01`)).statusCode], [404]);
      r = await ping(`/ping/${ping_key}/srv-01?create=1`);
      assert.deepEqual([r.statusCode, r.body], [201, 'Created']);
      const created = (await t.request('GET', '/api/v1/heartbeats/srv-01')).json();
      assert.deepEqual([created.period, created.grace], ['1d', '1h']);
      assert.equal(await state(t, 'srv-01'), 'up');
      assert.equal((await ping(`/ping/${ping_key}/srv-01?create=1`)).statusCode, 200);

      // Ping URLs are shown to operators, not to viewers.
      const viewer = await t.token('viewer');
      const asViewer = (
        await t.request('GET', '/api/v1/heartbeats/backup/status', undefined, { token: viewer })
      ).json();
      assert.equal(asViewer.ping_url, undefined);
      assert.match(
        (await t.request('GET', '/api/v1/heartbeats/backup/status')).json().ping_url,
        new RegExp(`/ping/${UUID}$`),
      );
    } finally {
      await t.close();
    }
  },
);

testBothDbs(
  'heartbeat deadlines are durable timers: late → down across a restart; pause stops them',
  async (h) => {
    const clock = new VirtualClock('2026-11-23T09:00:00Z');
    let t = await createTestApp(h, { clock });
    await t.request('POST', '/api/v1/heartbeats', { key: 'etl', uuid: UUID, period: '1h', grace: '10m' });
    await t.request('GET', `/ping/${UUID}`, undefined, { token: null });
    assert.equal(await state(t, 'etl'), 'up');
    await t.close();

    // A new process on the same database, 65 minutes later.
    await clock.advance(65 * 60_000);
    t = await createTestApp(h, { clock });
    try {
      await t.app.runner.runOnce('checks-heartbeats');
      assert.equal(await state(t, 'etl'), 'late');
      await clock.advance(4 * 60_000);
      await t.app.runner.runOnce('checks-heartbeats');
      assert.equal(await state(t, 'etl'), 'late', 'grace not over yet');
      await clock.advance(2 * 60_000);
      await t.app.runner.runOnce('checks-heartbeats');
      assert.equal(await state(t, 'etl'), 'down');
      const ev = (await t.app.services.timeline.recent({ types: ['check.state_changed'] })).reverse();
      assert.deepEqual(
        ev.map((e) => `${e.data.from}->${e.data.to}`),
        ['new->up', 'up->late', 'late->down'],
      );
      assert.deepEqual(ev[2].subject, { kind: 'heartbeat', key: 'etl' });

      // Paused: no deadlines; a ping resumes it (Healthchecks.io default).
      await t.request('POST', '/api/v1/heartbeats/etl/pause');
      assert.equal(await state(t, 'etl'), 'paused');
      await clock.advance(5 * 3_600_000);
      await t.app.runner.runOnce('checks-heartbeats');
      assert.equal(await state(t, 'etl'), 'paused');
      await t.request('GET', `/ping/${UUID}/log`, undefined, { token: null });
      assert.equal(await state(t, 'etl'), 'paused', 'a log does not resume');
      await t.request('GET', `/ping/${UUID}`, undefined, { token: null });
      assert.equal(await state(t, 'etl'), 'up');
    } finally {
      await t.close();
    }
  },
);

testBothDbs('cron heartbeat with Europe/Berlin across the October DST change', async (h) => {
  const clock = new VirtualClock('2026-10-24T23:59:00Z');
  const t = await createTestApp(h, { clock });
  const at = async (iso: string) => {
    await clock.set(iso);
    await t.app.runner.runOnce('checks-heartbeats');
  };
  try {
    await t.request('POST', '/api/v1/heartbeats', {
      key: 'nightly',
      uuid: UUID,
      schedule: '0 2 * * *',
      time_zone: 'Europe/Berlin',
      grace: '30m',
      max_run_time: '20m',
    });
    await clock.set('2026-10-25T00:00:10Z'); // 02:00:10 CEST
    await t.request('GET', `/ping/${UUID}/start`, undefined, { token: null });
    await clock.advance(5 * 60_000);
    await t.request('GET', `/ping/${UUID}`, undefined, { token: null });
    const st = (await t.request('GET', '/api/v1/heartbeats/nightly/status')).json();
    assert.equal(st.state, 'up');
    assert.equal(st.deadline_at, '2026-10-26T01:00:00.000Z'); // 02:00 CET the next night
    // The repeated 02:00 (01:00Z on the 25th) is not a second expected run.
    await at('2026-10-25T02:00:00Z');
    assert.equal(await state(t, 'nightly'), 'up');
    await at('2026-10-26T00:59:00Z');
    assert.equal(await state(t, 'nightly'), 'up');
    await at('2026-10-26T01:05:00Z');
    assert.equal(await state(t, 'nightly'), 'late');
    await at('2026-10-26T01:29:00Z');
    assert.equal(await state(t, 'nightly'), 'late');
    await at('2026-10-26T01:31:00Z');
    assert.equal(await state(t, 'nightly'), 'down');
    // A started run that exceeds max_run_time goes down.
    await t.request('GET', `/ping/${UUID}/start`, undefined, { token: null });
    assert.equal(await state(t, 'nightly'), 'started');
    await at('2026-10-26T01:50:00Z');
    assert.equal(await state(t, 'nightly'), 'started');
    await at('2026-10-26T01:52:00Z');
    const end = (await t.request('GET', '/api/v1/heartbeats/nightly/status')).json();
    assert.equal(end.state, 'down');
    assert.match(end.state_changes[0].reason, /max run time/);
  } finally {
    await t.close();
  }
});

testBothDbs(
  'concurrent pings are group-committed: all durable, states and events as if one by one',
  async (h) => {
    const clock = new VirtualClock('2026-11-23T09:00:00Z');
    let t = await createTestApp(h, { clock });
    const ua = '5a1b2c3d-0000-4000-8000-00000000000a';
    const ub = '5a1b2c3d-0000-4000-8000-00000000000b';
    const uc = '5a1b2c3d-0000-4000-8000-00000000000c';
    const ping = (path: string, body?: string) =>
      t.request(body ? 'POST' : 'GET', path, body, {
        token: null,
        headers: body ? { 'content-type': 'text/plain' } : {},
      });
    // Counts group commits (one read of the heartbeat rows per transaction).
    const getMany = heartbeatStore.getMany;
    let commits = 0;
    heartbeatStore.getMany = (db, keys) => {
      commits++;
      return getMany(db, keys);
    };
    try {
      await t.request('POST', '/api/v1/heartbeats', { key: 'a', uuid: ua, period: '1h', grace: '10m' });
      await t.request('POST', '/api/v1/heartbeats', {
        key: 'b',
        uuid: ub,
        period: '1h',
        max_run_time: '30m',
      });
      await t.request('POST', '/api/v1/heartbeats', { key: 'c', uuid: uc, period: '1h' });
      await t.request('GET', `/ping/${ub}/start`, undefined, { token: null });
      const before = commits;

      // 60 successes for a, 20 logs for b, 10 failures for c and 30 unknown uuids, all at once.
      const rid = '11111111-2222-4333-8444-555555555555';
      const reqs = [
        ...Array.from({ length: 60 }, (_, i) => ping(`/ping/${ua}`, `run ${i}`)),
        ...Array.from({ length: 20 }, (_, i) => ping(`/ping/${ub}/log`, `log ${i}`)),
        ...Array.from({ length: 10 }, () => ping(`/ping/${uc}/fail`)),
        ...Array.from({ length: 30 }, (_, i) =>
          ping(`/ping/5a1b2c3d-0000-4000-8000-${String(i).padStart(12, '9')}`),
        ),
      ];
      const codes = (await Promise.all(reqs)).map((r) => r.statusCode);
      assert.deepEqual(codes, [...Array(90).fill(200), ...Array(30).fill(404)]);
      assert.ok(commits - before < 90, `90 pings in ${commits - before} transactions`);
      assert.ok(commits - before >= 1);

      // Pairing inside a batch: a success with another rid does not finish b's run, a plain one does.
      await clock.advance(5 * 60_000);
      const round = await Promise.all([
        ping(`/ping/${ub}?rid=${rid}`),
        ping(`/ping/${ub}`),
        ping(`/ping/${ua}/3`),
      ]);
      assert.deepEqual(
        round.map((r) => r.statusCode),
        [200, 200, 200],
      );
      await ping(`/ping/${uc}`);
    } finally {
      heartbeatStore.getMany = getMany;
      await t.close();
    }

    // A new process on the same database sees every accepted ping.
    t = await createTestApp(h, { clock });
    try {
      const st = async (key: string) => (await t.request('GET', `/api/v1/heartbeats/${key}/status`)).json();
      const a = await st('a');
      const b = await st('b');
      const c = await st('c');
      assert.equal(a.state, 'down');
      assert.equal(b.state, 'up');
      assert.equal(b.last_duration_ms, 5 * 60_000, 'the start pairs with the success without a foreign rid');
      assert.equal(c.state, 'up');
      const pings = async (key: string) =>
        (await t.request('GET', `/api/v1/heartbeats/${key}/pings?limit=100`)).json().items as any[];
      const pa = await pings('a');
      assert.equal(pa.length, 61);
      assert.deepEqual(
        new Set(pa.filter((p) => p.body).map((p) => p.body)),
        new Set(Array.from({ length: 60 }, (_, i) => `run ${i}`)),
      );
      const pb = await pings('b');
      assert.equal(pb.length, 1 + 20 + 2);
      assert.equal(pb.filter((p) => p.duration_ms !== null).length, 1, 'only one success finishes the run');
      assert.equal((await pings('c')).length, 11);
      const ev = (await t.app.services.timeline.recent({ types: ['check.state_changed'] }))
        .reverse()
        .map((e) => `${e.subject.key}:${e.data.from}->${e.data.to}`);
      assert.deepEqual(
        ev.filter((e) => e.startsWith('a:')),
        ['a:new->up', 'a:up->down'],
      );
      assert.deepEqual(
        ev.filter((e) => e.startsWith('b:')),
        ['b:new->started', 'b:started->up'],
      );
      assert.deepEqual(
        ev.filter((e) => e.startsWith('c:')),
        ['c:new->down', 'c:down->up'],
      );
      const timers = await (t.app.db.kysely as any)
        .selectFrom('timers')
        .select(['key', 'due_at'])
        .where('kind', '=', 'checks.heartbeat')
        .orderBy('key')
        .execute();
      // a is down (no deadline); b and c expect their next run an hour after the last success.
      assert.deepEqual(
        timers.map((r: any) => [r.key, Number(r.due_at)]),
        [
          ['b', clock.now() + 3_600_000],
          ['c', clock.now() + 3_600_000],
        ],
      );
    } finally {
      await t.close();
    }
  },
);

testBothDbs(
  'steady-state pings survive a crash before their rows are written behind; deadlines follow the last ping',
  async (h) => {
    const clock = new VirtualClock('2026-11-23T09:00:00Z');
    const t1 = await createTestApp(h, { clock });
    await t1.request('POST', '/api/v1/heartbeats', { key: 'etl', uuid: UUID, period: '1h', grace: '10m' });
    const ping = (t: TestApp, path = '') =>
      t.request('GET', `/ping/${UUID}${path}`, undefined, { token: null });
    assert.equal((await ping(t1)).statusCode, 200); // new → up, written through
    await clock.set(Date.parse('2026-11-23T09:30:00Z'));
    for (let i = 0; i < 3; i++) assert.equal((await ping(t1)).statusCode, 200);
    if (h.dialect === 'sqlite') {
      // Acknowledged pings are durable in the journal; the row still says one ping.
      const j = await heartbeatStore.journal(t1.app.db.kysely);
      assert.equal(j.pings.length, 3);
      assert.equal((await heartbeatStore.get(t1.app.db.kysely, 'etl'))!.nPings, 1);
    }
    // kill -9: the store goes away without the module's shutdown (no merge).
    t1.app.runner.stop();
    await t1.app.db.close();

    const t2 = await createTestApp(h, { clock });
    try {
      const st = (await t2.request('GET', '/api/v1/heartbeats/etl/status')).json();
      assert.equal(st.state, 'up');
      assert.equal(st.n_pings, 4);
      assert.equal(st.last_run_at, '2026-11-23T09:30:00.000Z');
      assert.equal(st.deadline_at, '2026-11-23T10:30:00.000Z');
      const pings = (await t2.request('GET', '/api/v1/heartbeats/etl/pings')).json().items;
      assert.equal(pings.length, 4);
      // The first ping's deadline (10:00) was moved by the later ones: still up at 10:05 …
      await clock.set(Date.parse('2026-11-23T10:05:00Z'));
      await t2.app.runner.runOnce('checks-heartbeats');
      assert.equal(await state(t2, 'etl'), 'up');
      // … late after 10:30.
      await clock.set(Date.parse('2026-11-23T10:31:00Z'));
      await t2.app.runner.runOnce('checks-heartbeats');
      assert.equal(await state(t2, 'etl'), 'late');
      if (h.dialect === 'sqlite')
        assert.equal((await heartbeatStore.journal(t2.app.db.kysely)).pings.length, 0);
    } finally {
      await t2.close();
    }
  },
);

testBothDbs(
  'pings written behind: deadline firing, pause and delete see them; nothing comes back',
  async (h) => {
    const clock = new VirtualClock('2026-11-23T09:00:00Z');
    const t = await createTestApp(h, { clock });
    try {
      const ping = (uuid: string, path = '') =>
        t.request('GET', `/ping/${uuid}${path}`, undefined, { token: null });
      const U2 = '5a1b2c3d-0000-4000-8000-00000000abce';
      const U3 = '5a1b2c3d-0000-4000-8000-00000000abcf';
      for (const [key, uuid] of [
        ['a', UUID],
        ['b', U2],
        ['c', U3],
      ])
        await t.request('POST', '/api/v1/heartbeats', { key, uuid, period: '1h', grace: '10m' });
      for (const u of [UUID, U2, U3]) await ping(u);
      // 59 minutes later each pings again; no merge has run (the clock has not moved since).
      await clock.set(Date.parse('2026-11-23T09:59:00Z'));
      const svc = serviceOf(t.app.modules.get('checks'));
      for (const u of [UUID, U2, U3]) await ping(u);
      // The deadlines still stored say 10:00; firing at 10:01 writes behind first, so nobody is late.
      await clock.set(Date.parse('2026-11-23T10:01:00Z'));
      await t.app.runner.runOnce('checks-heartbeats');
      assert.deepEqual(
        (await svc.heartbeats.states()).map((r) => `${r.key}:${r.state}:${r.nPings}`),
        ['a:up:2', 'b:up:2', 'c:up:2'],
      );
      // More pings behind, then a pause and a delete: the merge must not undo either.
      for (const u of [UUID, U2, U3]) await ping(u);
      assert.equal((await t.request('POST', '/api/v1/heartbeats/b/pause')).json().state, 'paused');
      for (const u of [UUID, U3]) await ping(u);
      assert.equal((await t.request('DELETE', '/api/v1/heartbeats/c')).statusCode, 204);
      await svc.heartbeats.merge();
      await clock.advance(5_000);
      const rows = await svc.heartbeats.states();
      assert.deepEqual(
        rows.map((r) => `${r.key}:${r.state}:${r.nPings}`),
        ['a:up:4', 'b:paused:3'],
      );
      assert.equal(await heartbeatStore.get(t.app.db.kysely, 'c'), null);
      // A failure after journaled successes takes the full path and sees every ping before it.
      await ping(UUID, '/fail');
      assert.equal(await state(t, 'a'), 'down');
      const kinds = (await t.request('GET', '/api/v1/heartbeats/a/pings'))
        .json()
        .items.map((p: any) => p.kind);
      assert.deepEqual(kinds, ['fail', 'success', 'success', 'success', 'success']);
    } finally {
      await t.close();
    }
  },
);
