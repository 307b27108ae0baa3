import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { loadPlan } from '../../plan/index.ts';
import { amPayload, notifications, pump, secretOf, tick } from './testing.ts';

const dir = (guide: string) => fileURLToPath(new URL(`../../../examples/${guide}`, import.meta.url));

async function applyGuide(guide: string): Promise<TestApp> {
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

const starts = async (t: TestApp, from: string, to: string) =>
  (await t.request('GET', `/api/v1/maintenance/calendar?from=${from}&to=${to}`))
    .json()
    .windows.map((w: any) => `${w.start}/${w.end}`);

test('examples: ClickNBack monthly window (CB-6) and Forge Factory fortnightly window with notice (FF-8)', async () => {
  const cb = await applyGuide('clicknback');
  try {
    assert.deepEqual(await starts(cb, '2026-12-01T00:00:00Z', '2027-02-01T00:00:00Z'), [
      '2026-12-06T02:00:00.000Z/2026-12-06T03:00:00.000Z',
      '2027-01-03T02:00:00.000Z/2027-01-03T03:00:00.000Z',
    ]);
  } finally {
    await cb.close();
  }
  const ff = await applyGuide('forgefactory');
  try {
    assert.deepEqual(await starts(ff, '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z'), [
      '2026-12-13T02:00:00.000Z/2026-12-13T04:00:00.000Z',
      '2026-12-27T02:00:00.000Z/2026-12-27T04:00:00.000Z',
    ]);
    const w = (
      await ff.request(
        'GET',
        '/api/v1/maintenance/calendar?from=2026-12-01T00:00:00Z&to=2026-12-14T00:00:00Z',
      )
    ).json().windows[0];
    assert.equal(w.announce_at, '2026-12-12T02:00:00.000Z');
  } finally {
    await ff.close();
  }
});

test('examples: WatchPoint SOP-001 — a database outage inhibits API alerts; P1 opens one incident', async () => {
  const t = await applyGuide('watchpoint');
  try {
    const secret = await secretOf(t, 'alertmanager');
    const r = await t.request(
      'POST',
      `/api/v1/alerting/ingest/alertmanager/${secret}`,
      amPayload([
        {
          fp: 'd000000000000001',
          labels: { alertname: 'DatabaseUnavailable', service: 'database', severity: 'p1' },
        },
        { fp: 'a000000000000001', labels: { alertname: 'Api5xx', service: 'api', severity: 'p2' } },
      ]),
      { token: null },
    );
    assert.equal(r.statusCode, 200, r.body);
    await pump(t);
    const api = (await t.request('GET', '/api/v1/alerting/alerts?label=service%3Dapi')).json().alerts[0];
    assert.equal(api.status, 'inhibited');
    assert.deepEqual(api.routes, ['pages']);
    await tick(t, 10_000);
    const n = await notifications(t);
    assert.equal(n.length, 1, 'only the database group is told');
    assert.equal(n[0].route, 'pages');
    const incidents = (await t.request('GET', '/api/v1/incidents')).json().items;
    assert.equal(incidents.length, 1);
    assert.equal(incidents[0].severity, 'p1');
    assert.equal(incidents[0].service, 'database');
  } finally {
    await t.close();
  }
});
