import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testBothDbs } from '../../../test/support/db.ts';
import { HOUR, MINUTE } from '../../kernel/clock.ts';
import { loadPlanFromString } from '../../plan/index.ts';
import type { IncidentsApi } from './api.ts';
import './kinds.ts';
import { advance, BASE_PLAN, eventTypes, incidentApp } from './testing.ts';

const SETTINGS = `
incidents:
  id_pattern: FF-{YYYY}{MM}{DD}-{NN}
  time_zone: Europe/Berlin
  commander_required_up_to_rank: -1
  postmortem: { up_to_rank: 0, due: 24h, reminder_before: 2h }
  auto_resolve: { services: [api], quiet_period: 2m }
`;

test('plan section: incidents settings validate, with positions for bad values', () => {
  const ok = loadPlanFromString(BASE_PLAN + SETTINGS, 'vigil.yaml');
  assert.ok(ok.ok, JSON.stringify(ok.ok ? null : ok.diagnostics));
  const bad = loadPlanFromString(
    'version: 1\nincidents:\n  time_zone: Mars/Base\n  reopen_window: soon\n',
    'vigil.yaml',
  );
  if (bad.ok) throw new Error('expected diagnostics');
  const msgs = bad.diagnostics.map((d) => `${d.line}: ${d.message}`).join('\n');
  assert.match(msgs, /4: .*reopen_window|4: .*duration/);
});

testBothDbs(
  'settings from the plan: id pattern, auto-resolve after the quiet period, re-fire cancels',
  async (h) => {
    const t = await incidentApp(h, SETTINGS);
    try {
      const s = await t.request('GET', '/api/v1/incident-settings');
      assert.equal(s.statusCode, 200, s.body);
      assert.equal(s.json().time_zone, 'Europe/Berlin');
      const api = t.app.modules.get<IncidentsApi>('incidents');
      const a = await api.open(
        { title: 'Errors', severity: 'sev3', service: 'api', dedupKey: 'g', alert: { key: 'err' } },
        'system:alerting',
      );
      assert.equal(a.incident.humanId, 'FF-20261123-01');

      // Resolve then re-fire within the quiet period: no auto-resolve.
      assert.deepEqual(await api.alertResolved('err'), [a.incident.id]);
      await advance(t, MINUTE);
      await api.attachAlert(a.incident.id, { key: 'err' });
      await advance(t, 5 * MINUTE);
      assert.equal((await api.get(a.incident.id)).status, 'triggered');

      await api.alertResolved('err');
      await advance(t, 2 * MINUTE - 1);
      assert.equal((await api.get(a.incident.id)).status, 'triggered');
      await advance(t, 1);
      const done = await api.get(a.incident.id);
      assert.equal(done.status, 'resolved');
      assert.equal(done.resolvedBy, 'system:auto-resolve');
      const types = await eventTypes(t, a.incident.id);
      assert.ok(types.includes('incident.auto_resolve_scheduled'));
      assert.ok(!types.includes('incident.postmortem_due'), 'sev3 needs no postmortem here');

      // A service without auto-resolve keeps its incident open.
      const w = await api.open(
        { title: 'Backlog', severity: 'sev3', service: 'worker', alert: { key: 'q' } },
        'system:alerting',
      );
      assert.deepEqual(await api.alertResolved('q'), []);
      await advance(t, HOUR);
      assert.equal((await api.get(w.incident.id)).status, 'triggered');
    } finally {
      await t.close();
    }
  },
);

testBothDbs(
  'postmortems: due on resolve, reminder and overdue events, review, publish, action items',
  async (h) => {
    const t = await incidentApp(h, SETTINGS);
    try {
      const inc = (
        await t.request('POST', '/api/v1/incidents', {
          title: 'Outage',
          severity: 'sev1',
          service: 'api',
          summary: 'API down',
        })
      ).json();
      await advance(t, 3 * MINUTE);
      await t.request('POST', `/api/v1/incidents/${inc.id}/acknowledge`);
      await advance(t, 27 * MINUTE);
      let r = await t.request('POST', `/api/v1/incidents/${inc.id}/resolve`, { note: 'rolled back' });
      assert.equal(r.json().status, 'resolved');

      r = await t.request('GET', `/api/v1/incidents/${inc.id}/postmortem`);
      assert.equal(r.statusCode, 200, r.body);
      const pm = r.json();
      assert.equal(pm.status, 'draft');
      assert.equal(pm.required, true);
      assert.equal(pm.due_at, '2026-11-24T09:30:00.000Z');
      assert.equal(pm.generated, true);
      assert.match(pm.body, /## Impact/);
      assert.match(pm.body, /Duration: 30m/);
      assert.match(pm.body, /Time to acknowledge: 3m/);
      assert.match(pm.body, /## Contributing factors/);
      assert.match(pm.body, /## Action items/);

      r = await t.request('POST', `/api/v1/incidents/${inc.id}/action-items`, {
        title: 'Add a canary',
        owner: 'ann@ff.test',
        due_at: '2026-11-24T12:00:00Z',
      });
      assert.equal(r.statusCode, 201);
      const item = r.json();

      await advance(t, 22 * HOUR - 1);
      assert.ok(!(await eventTypes(t, inc.id)).includes('incident.postmortem_reminder'));
      await advance(t, 1);
      assert.ok((await eventTypes(t, inc.id)).includes('incident.postmortem_reminder'));
      await advance(t, 2 * HOUR);
      assert.ok((await eventTypes(t, inc.id)).includes('incident.postmortem_overdue'));
      r = await t.request('GET', '/api/v1/postmortems?overdue=true');
      assert.deepEqual(
        r.json().items.map((p: any) => p.human_id),
        [inc.human_id],
      );
      await advance(t, 3 * HOUR);
      r = await t.request('GET', '/api/v1/action-items?overdue=true');
      assert.deepEqual(
        r.json().items.map((i: any) => i.id),
        [item.id],
      );

      r = await t.request('PUT', `/api/v1/incidents/${inc.id}/postmortem`, { status: 'published' });
      assert.equal(r.statusCode, 409);
      assert.match(r.json().detail, /cannot go from draft to published/);
      r = await t.request('PUT', `/api/v1/incidents/${inc.id}/postmortem`, {
        body: '# Written',
        status: 'in_review',
      });
      assert.equal(r.json().status, 'in_review');
      assert.equal(r.json().body, '# Written');
      r = await t.request(
        'PUT',
        `/api/v1/incidents/${inc.id}/postmortem`,
        { status: 'published' },
        { headers: { 'if-match': '"1"' } },
      );
      assert.equal(r.statusCode, 412);
      r = await t.request('PUT', `/api/v1/incidents/${inc.id}/postmortem`, { status: 'published' });
      assert.equal(r.json().status, 'published');
      assert.equal((await t.request('GET', '/api/v1/postmortems?overdue=true')).json().items.length, 0);
      r = await t.request('PUT', `/api/v1/incidents/${inc.id}/postmortem`, { body: 'x' });
      assert.equal(r.statusCode, 409);

      r = await t.request('PATCH', `/api/v1/action-items/${item.id}`, { status: 'done' });
      assert.equal(r.json().status, 'done');
      assert.equal((await t.request('GET', '/api/v1/action-items?overdue=true')).json().items.length, 0);
      assert.equal(
        (await t.request('PATCH', `/api/v1/action-items/${item.id}`, { status: 'nope' })).statusCode,
        400,
      );

      // sev2 is outside up_to_rank 0: no postmortem unless started by hand.
      const minor = (
        await t.request('POST', '/api/v1/incidents', { title: 'Minor', severity: 'sev2', service: 'api' })
      ).json();
      await t.request('POST', `/api/v1/incidents/${minor.id}/resolve`);
      assert.equal((await t.request('GET', `/api/v1/incidents/${minor.id}/postmortem`)).statusCode, 404);
      r = await t.request('POST', `/api/v1/incidents/${minor.id}/postmortem`);
      assert.equal(r.statusCode, 201);
      assert.equal(r.json().required, false);
    } finally {
      await t.close();
    }
  },
);
