import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { createTestDb, testBothDbs } from '../../../test/support/db.ts';
import { inTransaction } from '../../db/tx.ts';
import { DAY, HOUR } from '../../kernel/clock.ts';
import type { MetricsApi } from '../metrics/module.ts';
import { readTx } from './definitions.ts';
import { guardStatus } from './engines.ts';
import type { FlagsApi } from './module.ts';
import { flagsStore } from './store.ts';
import { alertEvent, clientKey, drain, FLAGS_PLAN, planBody } from './test/fixture.ts';

/** Share of 2000 users served `true` (the module's served set; one OFREP call checks the wire). */
async function share(t: TestApp, secret: string, flag: string): Promise<number> {
  const api = t.app.modules.get<FlagsApi>('flags');
  let on = 0;
  for (let i = 0; i < 2000; i++) {
    if ((await api.evaluate('prod', flag, { targetingKey: `user-${i}` })).value === true) on++;
  }
  const wire = await t.request(
    'POST',
    `/ofrep/v1/evaluate/flags/${flag}`,
    { context: { targetingKey: 'user-0' } },
    { token: secret },
  );
  assert.equal(wire.json().value, (await api.evaluate('prod', flag, { targetingKey: 'user-0' })).value);
  return on / 2000;
}

const rollout = async (t: TestApp, flag: string) =>
  (await t.request('GET', `/api/v1/flags/${flag}`)).json().environments.prod.rollout;

testBothDbs(
  'staged rollout: 10 → 50 → 100 with waits on a virtual clock; guard alert pauses it',
  async (h) => {
    const t = await createTestApp(h);
    try {
      assert.equal((await t.request('POST', '/api/v1/apply', planBody(FLAGS_PLAN))).statusCode, 200);
      const secret = await clientKey(t, 'prod');
      assert.equal(await share(t, secret, 'ui_new_exporter'), 0, 'off until started');

      let r = await t.request('POST', '/api/v1/flags/ui_new_exporter/environments/prod/rollout/start', {});
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().percentage, 10);
      const at10 = await share(t, secret, 'ui_new_exporter');
      assert.ok(at10 > 0.07 && at10 < 0.13, `~10 %, got ${at10}`);

      // Not due yet: the engine holds the step.
      await t.advance(23 * HOUR);
      await t.app.runner.runOnce('flags-rollouts');
      assert.equal((await rollout(t, 'ui_new_exporter')).percentage, 10);
      await t.advance(HOUR);
      const res = await t.app.runner.runOnce('flags-rollouts');
      assert.equal((await rollout(t, 'ui_new_exporter')).percentage, 50);
      assert.equal(res?.nextDueAt, t.clock.now() + 3 * DAY, 'the next step is a durable timer 3 d out');
      const at50 = await share(t, secret, 'ui_new_exporter');
      assert.ok(at50 > 0.45 && at50 < 0.55, `~50 %, got ${at50}`);

      await t.advance(3 * DAY);
      await t.app.runner.runOnce('flags-rollouts');
      assert.equal((await rollout(t, 'ui_new_exporter')).percentage, 100);
      await t.app.runner.runOnce('flags-rollouts');
      assert.equal((await rollout(t, 'ui_new_exporter')).status, 'completed');
      assert.equal(await share(t, secret, 'ui_new_exporter'), 1);
      const types = (await t.request('GET', '/api/v1/flags/ui_new_exporter'))
        .json()
        .history.map((e: any) => e.type);
      assert.deepEqual(
        types.filter((x: string) => x.startsWith('flag.rollout')),
        ['flag.rollout_started', 'flag.rollout_advanced', 'flag.rollout_advanced', 'flag.rollout_completed'],
      );

      // Run it again; this time the guard alert fires during the first step.
      r = await t.request('POST', '/api/v1/flags/ui_new_exporter/environments/prod/rollout/start', {});
      assert.equal(r.statusCode, 200, r.body);
      await t.advance(2 * HOUR);
      await alertEvent(t, 'alert.firing', 'snapshot_latency_p95', 'prod');
      await drain(t, 'flags-events');
      let ro = await rollout(t, 'ui_new_exporter');
      assert.equal(ro.status, 'paused');
      assert.match(ro.paused_reason, /alert:snapshot_latency_p95/);
      const paused = (await t.request('GET', '/api/v1/flags/ui_new_exporter')).json().history.at(-1);
      assert.equal(paused.type, 'flag.rollout_paused');
      assert.equal(paused.data.guard, 'alert:snapshot_latency_p95');
      await t.advance(2 * DAY);
      await t.app.runner.runOnce('flags-rollouts');
      assert.equal((await rollout(t, 'ui_new_exporter')).percentage, 10, 'a paused rollout holds its step');

      // Resuming while the guard still fires pauses again at the next check.
      await t.request('POST', '/api/v1/flags/ui_new_exporter/environments/prod/rollout/resume', {});
      await t.app.runner.runOnce('flags-rollouts');
      assert.equal((await rollout(t, 'ui_new_exporter')).status, 'paused');
      await alertEvent(t, 'alert.resolved', 'snapshot_latency_p95', 'prod');
      await drain(t, 'flags-events');
      await t.request('POST', '/api/v1/flags/ui_new_exporter/environments/prod/rollout/resume', {});
      await t.advance(DAY);
      await t.app.runner.runOnce('flags-rollouts');
      ro = await rollout(t, 'ui_new_exporter');
      assert.deepEqual([ro.status, ro.percentage], ['running', 50]);

      // Rollback serves nobody; people's verbs are checked against the state machine.
      r = await t.request('POST', '/api/v1/flags/ui_new_exporter/environments/prod/rollout/rollback', {
        reason: 'KPI regression',
      });
      assert.equal(r.json().status, 'rolled_back');
      assert.equal(await share(t, secret, 'ui_new_exporter'), 0);
      r = await t.request('POST', '/api/v1/flags/ui_new_exporter/environments/prod/rollout/pause', {});
      assert.equal(r.statusCode, 409);
      r = await t.request('POST', '/api/v1/flags/enable_email/environments/prod/rollout/start', {});
      assert.equal(r.statusCode, 409, 'no staged rollout declared');
    } finally {
      await t.close();
    }
  },
);

testBothDbs(
  'staged rollout: a PromQL guard through the metrics module pauses while its query returns samples',
  async (h) => {
    const t = await createTestApp(h);
    try {
      assert.equal((await t.request('POST', '/api/v1/apply', planBody(FLAGS_PLAN))).statusCode, 200);
      await t.request('POST', '/api/v1/flags/ui_query_guarded/environments/prod/rollout/start', {});
      const metrics = t.app.modules.find<MetricsApi>('metrics');
      if (!metrics) {
        // Without a metrics module the guard is unknown: the rollout holds its step.
        await t.advance(2 * HOUR);
        await t.app.runner.runOnce('flags-rollouts');
        const held = await rollout(t, 'ui_query_guarded');
        assert.deepEqual([held.status, held.percentage], ['running', 20]);
        return;
      }
      await t.advance(30 * 60_000);
      metrics.ingest([
        {
          labels: [{ name: '__name__', value: 'http_error_ratio' }],
          timestamps: [t.clock.now()],
          values: [0.5],
        },
      ]);
      await t.app.runner.runOnce('flags-rollouts');
      const ro = await rollout(t, 'ui_query_guarded');
      assert.deepEqual([ro.status, ro.percentage], ['paused', 20]);
      assert.match(ro.paused_reason, /query:http_error_ratio > 0.05/);
    } finally {
      await t.close();
    }
  },
);

test('guardStatus: alert guards from the store, query guards healthy/firing/unknown', async () => {
  const h = await createTestDb('sqlite');
  try {
    const tx = readTx(h.db);
    const dir = (api?: unknown) => ({ get: () => api as never, find: () => api as never });
    const q = [{ query: 'up == 0' }];
    assert.deepEqual(await guardStatus(tx, dir(), 'prod', q, 0), {
      status: 'unknown',
      guard: 'query:up == 0',
    });
    const answer = (result: unknown) => dir({ query: async () => result });
    assert.deepEqual(await guardStatus(tx, answer({ resultType: 'vector', result: [] }), 'prod', q, 0), {
      status: 'healthy',
    });
    assert.equal(
      (
        await guardStatus(
          tx,
          answer({ resultType: 'vector', result: [{ metric: {}, value: [0, 1] }] }),
          'prod',
          q,
          0,
        )
      ).status,
      'firing',
    );
    assert.equal(
      (await guardStatus(tx, answer({ resultType: 'scalar', result: [0, 0] }), 'prod', q, 0)).status,
      'healthy',
    );
    const broken = dir({
      query: async () => {
        throw new Error('parse error');
      },
    });
    assert.equal((await guardStatus(tx, broken, 'prod', q, 0)).status, 'unknown');
    // A rule fires while any of its instances fires.
    const set = (firing: boolean, fp: string) =>
      inTransaction(h.db, (t) => flagsStore.setAlert(t, 'lat', 'prod', firing, 0, fp));
    await set(true, 'fp1');
    await set(true, 'fp2');
    await set(false, 'fp1');
    assert.equal((await guardStatus(tx, dir(), 'prod', [{ alert: 'lat' }], 0)).status, 'firing');
    await set(false, 'fp2');
    assert.equal((await guardStatus(tx, dir(), 'prod', [{ alert: 'lat' }], 0)).status, 'healthy');
    await inTransaction(h.db, (t) => flagsStore.setAlert(t, 'slo', '', true, 0));
    assert.deepEqual(await guardStatus(tx, dir(), 'staging', [{ alert: 'slo' }, ...q], 0), {
      status: 'firing',
      guard: 'alert:slo',
    });
  } finally {
    await h.destroy();
  }
});
