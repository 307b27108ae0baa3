import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { serviceOf } from './module.ts';
import type { ProbeResult } from './probes/index.ts';
import { phaseOffset, slotAtOrAfter } from './schedule-math.ts';

const up = (latencyMs = 12): ProbeResult => ({
  status: 'up',
  latencyMs,
  errorClass: null,
  error: null,
  details: {},
});
const down = (): ProbeResult => ({
  status: 'down',
  latencyMs: 3,
  errorClass: 'connect',
  error: 'connect: ECONNREFUSED',
  details: {},
});

test('phase offsets spread same-interval checks across the interval', () => {
  const interval = 60_000;
  const perSecond = new Map<number, number>();
  for (let i = 0; i < 600; i++) {
    const off = phaseOffset(`check-${i}`, interval);
    assert.ok(off >= 0 && off < interval);
    perSecond.set(Math.floor(off / 1000), (perSecond.get(Math.floor(off / 1000)) ?? 0) + 1);
  }
  // 600 checks over 60 one-second slots: ~10 each; none may take a big share.
  assert.ok(perSecond.size >= 55, `only ${perSecond.size} distinct seconds used`);
  assert.ok(Math.max(...perSecond.values()) <= 25);
  assert.equal(phaseOffset('api-health', interval), phaseOffset('api-health', interval), 'stable');
  assert.equal(slotAtOrAfter(125_000, 60_000, 7_000), 127_000);
  assert.equal(slotAtOrAfter(127_000, 60_000, 7_000), 127_000);
});

async function setup(t: TestApp) {
  const svc = serviceOf(t.app.modules.get('checks'));
  const queue: Array<ProbeResult | Promise<ProbeResult>> = [];
  let calls = 0;
  svc.scheduler.setProber(async () => {
    calls++;
    return queue.shift() ?? up();
  });
  const step = async () => {
    await t.app.runner.runOnce('checks-probes');
    await svc.scheduler.drain();
  };
  return { svc, queue, step, calls: () => calls };
}

testBothDbs('scheduler: lateness recorded, retries before down/up, events, run now, pause', async (h) => {
  const t = await createTestApp(h);
  try {
    const { svc, queue, step, calls } = await setup(t);
    await t.request('POST', '/api/v1/teams', { key: 'web', name: 'Web' });
    await t.request('POST', '/api/v1/services', { key: 'shop', name: 'Shop', owner: 'web' });
    const r = await t.request('POST', '/api/v1/checks', {
      key: 'shop-health',
      type: 'http',
      url: 'http://127.0.0.1:9/health',
      service: 'shop',
      interval: '10s',
      down_after: 2,
      up_after: 2,
    });
    assert.equal(r.statusCode, 201, r.body);
    await step();
    const e = (await svc.scheduler.entry('shop-health'))!;
    const due = e.nextDue;
    assert.ok(due >= t.clock.now() && due < t.clock.now() + 10_000);
    assert.equal(calls(), 0, 'not due yet');

    // A late start runs (not skipped) and its lateness is recorded.
    await t.clock.set(due + 1500);
    await step();
    assert.equal(calls(), 1);
    let res = (await t.request('GET', '/api/v1/checks/shop-health/results')).json().items;
    assert.equal(res[0].lateness_ms, 1500);
    assert.equal(res[0].location, 'local');
    assert.equal((await svc.getState('shop-health'))!.state, 'up');
    assert.equal(e.nextDue, due + 10_000, 'next slot keeps the phase');

    // Two failures → down (one event), then two successes → up.
    queue.push(down(), down(), up(), up());
    for (let i = 0; i < 4; i++) {
      await t.clock.set(e.nextDue);
      await step();
      if (i === 0)
        assert.equal((await svc.getState('shop-health'))!.state, 'up', 'one failure is not enough');
      if (i === 2)
        assert.equal((await svc.getState('shop-health'))!.state, 'down', 'one success is not enough');
    }
    assert.equal((await svc.getState('shop-health'))!.state, 'up');
    const changes = (await t.app.services.timeline.recent({ types: ['check.state_changed'] })).reverse();
    assert.deepEqual(
      changes.map((c) => `${c.data.from}->${c.data.to}`),
      ['unknown->up', 'up->down', 'down->up'],
    );
    const ev = changes[1];
    assert.deepEqual(ev.subject, { kind: 'check', key: 'shop-health' });
    assert.equal(ev.data.service, 'shop');
    assert.equal(ev.data.check, 'shop-health');
    assert.equal((ev.data.result as any).error_class, 'connect');
    assert.match(String(ev.data.reason), /2 consecutive failure/);

    // Run now returns the result and records it.
    queue.push(up(42));
    const run = await t.request('POST', '/api/v1/checks/shop-health/run');
    assert.equal(run.statusCode, 200, run.body);
    assert.equal(run.json().latency_ms, 42);
    res = (await t.request('GET', '/api/v1/checks/shop-health/results?limit=1')).json().items;
    assert.equal(res[0].latency_ms, 42);

    // Uptime from rollups: 6 results, 2 down.
    const upt = (await t.request('GET', '/api/v1/checks/shop-health/uptime?bucket=day')).json();
    assert.equal(upt.items.length, 1);
    assert.deepEqual([upt.items[0].total, upt.items[0].down], [6, 2]);
    assert.equal(upt.items[0].uptime_pct, 66.667);
    assert.ok(upt.items[0].latency_p50_ms > 0);
    const detail = (await t.request('GET', '/api/v1/checks/shop-health/status')).json();
    assert.equal(detail.state_changes.length, 3);
    assert.equal(detail.uptime_24h, 66.667);

    // Paused checks do not run; resume schedules again.
    assert.equal((await t.request('POST', '/api/v1/checks/shop-health/pause')).json().state, 'paused');
    const before = calls();
    await t.clock.advance(60_000);
    await step();
    assert.equal(calls(), before);
    await t.request('POST', '/api/v1/checks/shop-health/resume');
    await t.clock.advance(10_000);
    await step();
    assert.equal(calls(), before + 1);
    assert.equal((await t.request('POST', '/api/v1/checks/nope/run')).statusCode, 404);
  } finally {
    await t.close();
  }
});

testBothDbs('scheduler: bounded concurrency delays (never skips) and flags checks not running', async (h) => {
  const t = await createTestApp(h);
  let release: (r: ProbeResult) => void = () => {};
  try {
    const { svc } = await setup(t);
    svc.scheduler.concurrency = 1;
    svc.scheduler.setProber(() => new Promise<ProbeResult>((r) => (release = r)));
    for (const key of ['a', 'b']) {
      await t.request('POST', '/api/v1/checks', {
        key,
        type: 'tcp',
        host: '127.0.0.1',
        port: 9,
        interval: '10s',
      });
    }
    await t.app.runner.runOnce('checks-probes');
    await t.clock.advance(10_000); // both due
    await t.app.runner.runOnce('checks-probes'); // one starts and hangs
    assert.equal(svc.scheduler.lateness.length, 1);
    await t.clock.advance(25_000);
    await t.app.runner.runOnce('checks-probes');
    const states = (await t.request('GET', '/api/v1/check-states?state=not_running')).json().items;
    assert.deepEqual(states.map((s: any) => s.key).sort(), ['a', 'b']);
    const ev = await t.app.services.timeline.recent({ types: ['check.state_changed'] });
    assert.ok(ev.every((e) => e.data.to === 'not_running'));
    assert.match(String(ev[0].data.reason), /interval 10s/);
    // Freeing the slot starts the other (late) check at once; its lateness is reported.
    release(up());
    for (let i = 0; i < 2000 && svc.scheduler.lateness.length < 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(svc.scheduler.lateness.length, 2);
    assert.ok(svc.scheduler.lateness[1] >= 25_000, `lateness ${svc.scheduler.lateness[1]}`);
    release(up());
    await svc.scheduler.drain();
    assert.deepEqual(
      (await t.request('GET', '/api/v1/check-states')).json().items.map((s: any) => s.state),
      ['up', 'up'],
    );
    // Samples for the metrics module.
    const samples = t.app.modules.get<any>('checks').latestSamples();
    assert.equal(samples.length, 2);
    assert.equal(samples[0].success, 1);
    const metrics = (await t.request('GET', '/metrics')).body;
    assert.match(metrics, /probe_success\{check="a",service="",type="tcp",location="local"\} 1/);
    assert.match(metrics, /probe_duration_seconds\{check="b"/);
  } finally {
    release(up()); // a probe still waiting must not hold up the close
    await t.close();
  }
});

testBothDbs('scheduler: results finishing together share one commit and keep every count', async (h) => {
  const t = await createTestApp(h);
  try {
    const { svc } = await setup(t);
    // Every probe resolves at the same moment, so the whole round is one batch.
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let n = 0;
    svc.scheduler.setProber(async () => {
      const i = n++;
      await gate;
      return i % 3 === 0 ? down() : up(10 + i);
    });
    const keys = Array.from({ length: 30 }, (_, i) => `c-${String(i).padStart(2, '0')}`);
    for (const key of keys) {
      const r = await t.request('POST', '/api/v1/checks', {
        key,
        type: 'tcp',
        host: '127.0.0.1',
        port: 9,
        interval: '10s',
        down_after: 1,
      });
      assert.equal(r.statusCode, 201, r.body);
    }
    await t.app.runner.runOnce('checks-probes');
    await t.clock.advance(10_000);
    await t.app.runner.runOnce('checks-probes');
    assert.equal(n, 30, 'all 30 started');
    // A pause landing while its probe runs wins over the result's state.
    assert.equal((await t.request('POST', '/api/v1/checks/c-01/pause')).statusCode, 200);
    let commits = 0;
    const origTx = (h.db.kysely as any).transaction.bind(h.db.kysely);
    (h.db.kysely as any).transaction = () => {
      commits++;
      return origTx();
    };
    release();
    await svc.scheduler.drain();
    (h.db.kysely as any).transaction = origTx;
    assert.ok(commits <= 2, `${commits} transactions for 30 results`);
    const states = (await t.request('GET', '/api/v1/check-states?limit=100')).json().items;
    assert.equal(states.length, 30);
    assert.equal(states.filter((s: any) => s.state === 'down').length, 10);
    assert.equal(states.find((s: any) => s.key === 'c-01').state, 'paused');
    for (const key of keys) {
      const upt = (await t.request('GET', `/api/v1/checks/${key}/uptime?bucket=day`)).json().items;
      assert.equal(upt[0].total, 1, key);
      const res = (await t.request('GET', `/api/v1/checks/${key}/results`)).json().items;
      assert.equal(res.length, 1, key);
    }
    const changes = await t.app.services.timeline.recent({ types: ['check.state_changed'], limit: 100 });
    assert.equal(changes.length, 30, 'one unknown→up/down event per check');
  } finally {
    await t.close();
  }
});
