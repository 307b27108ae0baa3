/**
 * WireTuner (WT-1, WT-2, WT-11): a P1 incident is created, updated (identified, with a message)
 * and resolved by its INC id, as the status-page script did from the command line; each step is
 * on the timeline, exported as Markdown.
 */
import assert from 'node:assert/strict';
import { MINUTE } from '../../src/kernel/clock.ts';
import { advance, incidentApp } from '../../src/modules/incidents/testing.ts';
import { testBothDbs } from '../support/db.ts';

testBothDbs('WT-2: create → update → resolve by INC id; the top severity needs a commander', async (h) => {
  const t = await incidentApp(h);
  try {
    // The base plan uses SEV levels; WireTuner's P0–P3 ladder is added through the catalog API.
    for (const [key, label, rank, target] of [
      ['p0', 'P0', 10, '5m'],
      ['p1', 'P1', 11, '15m'],
    ] as const) {
      const r = await t.request('POST', '/api/v1/severities', {
        key,
        label,
        rank,
        response_target: target,
        response_target_ms: Number.parseInt(target, 10) * MINUTE,
      });
      assert.equal(r.statusCode, 201, r.body);
    }
    let r = await t.request('POST', '/api/v1/incidents', {
      title: 'Collaboration sync failing',
      severity: 'p1',
      service: 'api',
      summary: 'Investigating reports of failed document sync',
    });
    const id = r.json().human_id as string;
    assert.match(id, /^INC-\d{4}-\d{2}-\d{2}-\d{3}$/);
    await advance(t, 10 * MINUTE);
    r = await t.request('POST', `/api/v1/incidents/${id}/status`, {
      status: 'identified',
      note: 'Root cause: Redis failover',
    });
    assert.equal(r.json().status, 'identified');
    assert.ok(r.json().acknowledged_at, 'moving on acknowledges implicitly');
    await advance(t, 30 * MINUTE);
    r = await t.request('POST', `/api/v1/incidents/${id}/resolve`, {
      note: 'Issue resolved, all systems operational',
    });
    assert.equal(r.json().status, 'resolved');
    assert.equal(r.json().time_to_resolve_ms, 40 * MINUTE);

    const md = (await t.request('GET', `/api/v1/incidents/${id}/timeline.md`)).body;
    assert.match(md, new RegExp(`^# ${id}: Collaboration sync failing`));
    assert.match(md, /Status triggered → identified/);
    assert.match(md, /Root cause: Redis failover/);
    assert.match(md, /Status identified → resolved/);
    assert.match(md, /Issue resolved, all systems operational/);

    // Custom ladder ranks 10/11 are outside the commander (rank ≤ 0) rule; SEV-1 (rank 0) is not.
    const top = (
      await t.request('POST', '/api/v1/incidents', { title: 'Outage', severity: 'sev1', service: 'api' })
    ).json();
    r = await t.request('POST', `/api/v1/incidents/${top.human_id}/resolve`);
    assert.equal(r.statusCode, 409);
    await t.request('POST', `/api/v1/incidents/${top.human_id}/roles`, { commander: 'ann@ff.test' });
    r = await t.request('POST', `/api/v1/incidents/${top.human_id}/resolve`);
    assert.equal(r.statusCode, 200);
  } finally {
    await t.close();
  }
});
