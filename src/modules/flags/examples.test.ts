import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestApp } from '../../../test/support/app.ts';
import { loadPlan } from '../../plan/index.ts';
import { alertEvent, clientKey, drain } from './test/fixture.ts';

const dir = (guide: string) => fileURLToPath(new URL(`../../../examples/${guide}`, import.meta.url));

async function applyGuide(guide: string) {
  const t = await createTestApp('sqlite');
  const res = await loadPlan(dir(guide));
  if (!res.ok) throw new Error(JSON.stringify(res.diagnostics, null, 2));
  const r = await t.request('POST', '/api/v1/apply', {
    objects: res.plan.objects,
    prune: res.plan.prune,
    files: res.plan.files,
  });
  assert.equal(r.statusCode, 200, r.body);
  return t;
}

test('examples: WatchPoint kill switches (WP-8) serve on, and the cost alert stops nowcasts', async () => {
  const t = await applyGuide('watchpoint');
  try {
    const key = await clientKey(t, 'prod');
    const bulk = async () =>
      Object.fromEntries(
        (await t.request('POST', '/ofrep/v1/evaluate/flags', {}, { token: key }))
          .json()
          .flags.map((f: any) => [f.key, f.value]),
      );
    assert.deepEqual(await bulk(), { enable_email: true, enable_nowcast: true });
    await alertEvent(t, 'alert.firing', 'cost_anomaly_daily', 'prod');
    await drain(t, 'flags-events');
    assert.deepEqual(await bulk(), { enable_email: true, enable_nowcast: false });
  } finally {
    await t.close();
  }
});

test('examples: CivicForge (CF-4) targeting, rollout and the maintenance_mode trigger', async () => {
  const t = await applyGuide('civicforge');
  try {
    const api = t.app.modules.get<{ evaluate: (e: string, k: string, c?: object) => Promise<any> }>('flags');
    assert.equal((await api.evaluate('prod', 'new_attestation_flow', { userId: 'u-1842' })).value, true);
    assert.equal(
      (await api.evaluate('prod', 'new_attestation_flow', { email: 'x@civicforge.example' })).reason,
      'TARGETING_MATCH',
    );
    assert.equal((await api.evaluate('prod', 'maintenance_mode')).value, false);
    await alertEvent(t, 'alert.firing', 'dynamodb_write_throttling', 'prod');
    await drain(t, 'flags-events');
    assert.equal((await api.evaluate('prod', 'maintenance_mode')).value, true, 'writes disabled');
    assert.equal((await api.evaluate('staging', 'maintenance_mode')).value, false);
  } finally {
    await t.close();
  }
});

test('examples: WireTuner (WT-4) staged rollout starts at 10 % with staff always on', async () => {
  const t = await applyGuide('wiretuner');
  try {
    const r = await t.request('POST', '/api/v1/flags/ui_new_exporter/environments/prod/rollout/start', {});
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().percentage, 10);
    const api = t.app.modules.get<{ evaluate: (e: string, k: string, c?: object) => Promise<any> }>('flags');
    assert.equal(
      (await api.evaluate('prod', 'ui_new_exporter', { userId: 'x', email: 'a@wiretuner.example' })).value,
      true,
    );
    let on = 0;
    for (let i = 0; i < 1000; i++)
      if ((await api.evaluate('prod', 'ui_new_exporter', { userId: `u${i}` })).value) on++;
    assert.ok(on > 70 && on < 130, `~10 %, got ${on}`);
  } finally {
    await t.close();
  }
});

test('examples: the quick start applies with its flags', async () => {
  const t = await applyGuide('quickstart');
  try {
    const list = (await t.request('GET', '/api/v1/flags')).json();
    assert.deepEqual(
      list.items.map((f: any) => [f.key, f.environments.prod.enabled]),
      [
        ['enable_signup', true],
        ['new_dashboard', true],
      ],
    );
    assert.equal(list.items[1].environments.prod.rollout.status, 'pending');
  } finally {
    await t.close();
  }
});
