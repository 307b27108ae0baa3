import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testBothDbs } from '../../test/support/db.ts';
import { inTransaction } from '../db/tx.ts';
import { VirtualClock } from '../kernel/clock.ts';
import { LeaseStore } from './leases.ts';
import { type Engine, EngineRunner } from './runner.ts';
import { TimerStore } from './timers.ts';

const noLeases = { acquire: async () => true, release: async () => {} } as unknown as LeaseStore;

test('runner: steps engines on the virtual clock at their interval', async () => {
  const clock = new VirtualClock(0);
  const runner = new EngineRunner(clock, noLeases, 'me');
  const seen: number[] = [];
  runner.register({ name: 'tick', intervalMs: 10_000, step: async (now) => void seen.push(now) });
  runner.start();
  await clock.advance(35_000);
  assert.deepEqual(seen, [0, 10_000, 20_000, 30_000]);
  runner.stop();
  await clock.advance(60_000);
  assert.equal(seen.length, 4, 'no steps after stop');
});

test('runner: a failing engine backs off and does not stop the others', async () => {
  const clock = new VirtualClock(0);
  const errors: string[] = [];
  const runner = new EngineRunner(clock, noLeases, 'me', { onError: (n) => errors.push(n) });
  const good: number[] = [];
  const bad: number[] = [];
  runner.register({ name: 'good', intervalMs: 1000, step: async (now) => void good.push(now) });
  runner.register({
    name: 'bad',
    intervalMs: 1000,
    step: async (now) => {
      bad.push(now);
      throw new Error('boom');
    },
  });
  runner.start();
  await clock.advance(10_000);
  assert.equal(good.length, 11);
  // 0, then backoff 2s, 4s, 8s → attempts at 0, 2000, 6000 (next would be 14000)
  assert.deepEqual(bad, [0, 2000, 6000]);
  const st = runner.status().find((s) => s.name === 'bad')!;
  assert.equal(st.consecutiveFailures, 3);
  assert.equal(st.lastError, 'boom');
  assert.equal(errors.length, 3);
  runner.stop();
});

test('runner: `more` re-runs immediately and nextDueAt shortens the wait', async () => {
  const clock = new VirtualClock(0);
  const runner = new EngineRunner(clock, noLeases, 'me');
  let batches = 3;
  const seen: number[] = [];
  const e: Engine = {
    name: 'batchy',
    intervalMs: 60_000,
    step: async (now) => {
      seen.push(now);
      if (batches-- > 1) return { more: true };
      return { nextDueAt: now + 5000 };
    },
  };
  runner.register(e);
  runner.start();
  await clock.advance(6000);
  assert.deepEqual(seen, [0, 0, 0, 5000]);
  runner.stop();
});

test('runner: an attached wake-up steps the engine now, and once more when it lands during a step', async () => {
  const clock = new VirtualClock(0);
  const runner = new EngineRunner(clock, noLeases, 'me');
  let wake: () => void = () => {};
  const seen: number[] = [];
  let during: (() => void) | null = null;
  runner.register({
    name: 'woken',
    intervalMs: 60_000,
    attach: (w) => {
      wake = w;
    },
    step: async (now) => {
      seen.push(now);
      during?.();
      during = null;
      return {};
    },
  });
  wake(); // before start: nothing happens
  runner.start();
  await clock.advance(10);
  assert.deepEqual(seen, [0]);
  await clock.advance(990);
  wake();
  await clock.advance(1);
  assert.deepEqual(seen, [0, 1000], 'woken at once, not after 60 s');
  during = wake;
  wake();
  await clock.advance(1);
  assert.deepEqual(seen, [0, 1000, 1001, 1001], 'a wake-up during a step runs one more');
  await clock.advance(30_000);
  assert.equal(seen.length, 4, 'then back to the interval');
  runner.stop();
});

test('runner: a held lease is renewed once a third of its TTL has passed, not on every step', async () => {
  const clock = new VirtualClock(0);
  const acquiredAt: number[] = [];
  const leases = {
    acquire: async (_n: string, _h: string, now: number) => {
      acquiredAt.push(now);
      return true;
    },
    release: async () => {},
  } as unknown as LeaseStore;
  const runner = new EngineRunner(clock, leases, 'me');
  let steps = 0;
  runner.register({
    name: 'busy',
    intervalMs: 1000,
    step: async (now) => {
      steps++;
      return { nextDueAt: now + 10 };
    },
  });
  runner.start();
  await clock.advance(12_000);
  runner.stop();
  assert.ok(steps > 1000, `${steps} steps`);
  // TTL 15 s: renewed at the start and every 5 s.
  assert.deepEqual(acquiredAt, [0, 5000, 10_000]);
});

testBothDbs('leases: one holder at a time, taken over after expiry', async (h) => {
  const leases = new LeaseStore(h.db);
  assert.equal(await leases.acquire('engine:x', 'a', 0, 10_000), true);
  assert.equal(await leases.acquire('engine:x', 'b', 5_000, 10_000), false);
  assert.equal(await leases.acquire('engine:x', 'a', 6_000, 10_000), true, 'renewal');
  assert.equal(await leases.acquire('engine:x', 'b', 15_000, 10_000), false, 'renewed until 16000');
  assert.equal(await leases.acquire('engine:x', 'b', 16_001, 10_000), true, 'expired → taken over');
  // Two runners on one store: only the lease holder steps a singleton engine.
  const clock = new VirtualClock(100_000);
  const steps: string[] = [];
  const mk = (who: string) => {
    const r = new EngineRunner(clock, leases, who);
    r.register({ name: 'solo', intervalMs: 1000, step: async () => void steps.push(who) });
    return r;
  };
  const r1 = mk('r1');
  const r2 = mk('r2');
  r1.start();
  r2.start();
  await clock.advance(5000);
  r1.stop();
  r2.stop();
  assert.ok(steps.length >= 5);
  assert.equal(new Set(steps).size, 1, `one replica ran the engine: ${steps.join(',')}`);
});

testBothDbs('timers: due rows are claimed exactly once, even by concurrent claimers', async (h) => {
  const clock = new VirtualClock(1_000_000);
  const timers = new TimerStore(h.db, clock);
  await inTransaction(h.db, async (tx) => {
    for (let i = 0; i < 40; i++)
      await timers.schedule(tx, {
        kind: 'escalate',
        key: `inc-${i}`,
        dueAt: 1_000_000 + (i % 2) * 60_000,
        payload: { i },
      });
    await timers.schedule(tx, { kind: 'other', key: 'x', dueAt: 0 });
  });
  // Rescheduling the same key moves it rather than duplicating it.
  await inTransaction(h.db, (tx) =>
    timers.schedule(tx, { kind: 'escalate', key: 'inc-0', dueAt: 2_000_000, payload: { i: 0 } }),
  );
  const [a, b, c] = await Promise.all([
    timers.claimDue('escalate', 'w1', 100),
    timers.claimDue('escalate', 'w2', 100),
    timers.claimDue('escalate', 'w3', 100),
  ]);
  const ids = [...a, ...b, ...c].map((t) => t.key).sort();
  assert.equal(ids.length, 19, 'the 19 due (odd i are later, inc-0 moved)');
  assert.equal(new Set(ids).size, ids.length, 'no row claimed twice');
  assert.equal((await timers.claimDue('escalate', 'w4')).length, 0, 'claimed rows are leased');
  // A completed timer is gone; a released one comes back when due.
  const [first, second] = [...a, ...b, ...c];
  const holderOf = (t: { id: string }) => (a.includes(t as any) ? 'w1' : b.includes(t as any) ? 'w2' : 'w3');
  assert.equal(await inTransaction(h.db, (tx) => timers.complete(tx, first.id, holderOf(first))), true);
  await timers.release(second.id, holderOf(second), clock.now() + 1000);
  await clock.advance(1000);
  assert.deepEqual(
    (await timers.claimDue('escalate', 'w5')).map((t) => t.key),
    [second.key],
  );
  await clock.advance(60_000);
  // 20 odd ones now due + 17 whose 60 s lease expired (w5's re-claim is still leased).
  assert.equal((await timers.claimDue('escalate', 'w6')).length, 37);
  assert.equal(await timers.nextDue('escalate'), 1_000_000);
});

testBothDbs(
  'timers: scheduleMany creates and moves in one go (clearing claims); cancelMany deletes',
  async (h) => {
    const clock = new VirtualClock(1_000_000);
    const timers = new TimerStore(h.db, clock);
    await inTransaction(h.db, (tx) =>
      timers.scheduleMany(tx, [
        { kind: 'hb', key: 'a', dueAt: 1_000_000, payload: { n: 1 } },
        { kind: 'hb', key: 'b', dueAt: 1_000_000 },
        { kind: 'hb', key: 'c', dueAt: 5_000_000 },
        { kind: 'other', key: 'a', dueAt: 1_000_000 },
      ]),
    );
    const claimed = await timers.claimDue<{ n: number } | null>('hb', 'w1');
    assert.deepEqual(claimed.map((t) => [t.key, t.payload]).sort(), [
      ['a', { n: 1 }],
      ['b', null],
    ]);
    // Moving a claimed timer clears its claim and attempts; a key given twice keeps its last entry.
    await inTransaction(h.db, (tx) =>
      timers.scheduleMany(tx, [
        { kind: 'hb', key: 'a', dueAt: 3_000_000, payload: { n: 2 } },
        { kind: 'hb', key: 'a', dueAt: 1_000_500, payload: { n: 3 } },
        { kind: 'hb', key: 'd', dueAt: 1_000_500 },
      ]),
    );
    await clock.advance(500);
    const again = await timers.claimDue<{ n: number } | null>('hb', 'w2');
    assert.deepEqual(again.map((t) => [t.key, t.payload, t.attempts]).sort(), [
      ['a', { n: 3 }, 1],
      ['d', null, 1],
    ]);
    await inTransaction(h.db, (tx) => timers.cancelMany(tx, 'hb', ['a', 'c', 'zz']));
    const left = await h.db.kysely
      .selectFrom('timers')
      .select(['kind', 'key'])
      .orderBy('kind')
      .orderBy('key')
      .execute();
    assert.deepEqual(
      left.map((r) => `${r.kind}/${r.key}`),
      ['hb/b', 'hb/d', 'other/a'],
    );
  },
);
