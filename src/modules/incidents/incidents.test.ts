import assert from 'node:assert/strict';
import { testBothDbs } from '../../../test/support/db.ts';
import { MINUTE } from '../../kernel/clock.ts';
import type { IncidentsApi } from './api.ts';
import { advance, eventTypes, incidentApp } from './testing.ts';

const open = { title: 'API errors', severity: 'sev2', service: 'api' };

testBothDbs(
  'incidents: human ids per day, lifecycle, 409 on invalid transitions, idempotent ack',
  async (h) => {
    const t = await incidentApp(h);
    try {
      let r = await t.request('POST', '/api/v1/incidents', open);
      assert.equal(r.statusCode, 201, r.body);
      const a = r.json();
      assert.equal(a.human_id, 'INC-2026-11-23-001');
      assert.equal(a.status, 'triggered');
      assert.equal(a.url, `http://localhost:7070/incidents/${a.id}`);
      assert.equal(a.response_target_ms, 15 * MINUTE);
      r = await t.request('POST', '/api/v1/incidents', { ...open, title: 'second' });
      assert.equal(r.json().human_id, 'INC-2026-11-23-002');
      // Next local day restarts the counter.
      await advance(t, 24 * 60 * MINUTE);
      r = await t.request('POST', '/api/v1/incidents', { ...open, title: 'third' });
      assert.equal(r.json().human_id, 'INC-2026-11-24-001');

      // Lookup by human id; unknown severity and service are 400.
      assert.equal((await t.request('GET', '/api/v1/incidents/INC-2026-11-23-001')).json().id, a.id);
      r = await t.request('POST', '/api/v1/incidents', { ...open, severity: 'p9' });
      assert.equal(r.statusCode, 400);
      assert.match(r.json().detail, /unknown severity "p9"; known: .*sev1/);
      assert.equal(
        (await t.request('POST', '/api/v1/incidents', { ...open, service: 'nope' })).statusCode,
        400,
      );

      r = await t.request('POST', `/api/v1/incidents/${a.id}/acknowledge`);
      assert.equal(r.statusCode, 200);
      assert.equal(r.json().status, 'acknowledged');
      const v = r.json().version;
      r = await t.request('POST', `/api/v1/incidents/${a.id}/acknowledge`);
      assert.equal(r.json().version, v, 'second ack is a no-op');
      r = await t.request('POST', `/api/v1/incidents/${a.id}/status`, { status: 'triggered' });
      assert.equal(r.statusCode, 409);
      assert.match(r.json().detail, /cannot go from acknowledged to triggered; allowed next: investigating/);
      for (const s of ['investigating', 'identified', 'monitoring']) {
        r = await t.request('POST', `/api/v1/incidents/${a.id}/status`, { status: s, note: `now ${s}` });
        assert.equal(r.json().status, s);
      }
      r = await t.request('POST', `/api/v1/incidents/${a.id}/resolve`, { note: 'fixed' });
      assert.equal(r.json().status, 'resolved');
      assert.equal(
        (await t.request('POST', `/api/v1/incidents/${a.id}/resolve`)).statusCode,
        200,
        'resolve twice',
      );
      r = await t.request('POST', `/api/v1/incidents/${a.id}/acknowledge`);
      assert.equal(r.statusCode, 409);
      r = await t.request('POST', `/api/v1/incidents/${a.id}/status`, { status: 'investigating' });
      assert.equal(r.statusCode, 409);
      assert.match(r.json().detail, /resolved is final/);

      const types = await eventTypes(t, a.id);
      assert.deepEqual(types.slice(0, 5), [
        'incident.opened',
        'incident.paging_requested',
        // A day passed before the acknowledge: the 15 min target was breached on the way.
        'incident.response_target_breached',
        'incident.status_changed',
        'incident.acknowledged',
      ]);
      assert.ok(types.includes('incident.resolved'));
      assert.equal(types.filter((x) => x === 'incident.note_added').length, 4);
      assert.equal(types.filter((x) => x === 'incident.acknowledged').length, 1);
      assert.ok(types.includes('incident.postmortem_due'), 'sev2 is in the top two ranks');

      // Lists: open ones, by status, newest first.
      const openList = (await t.request('GET', '/api/v1/incidents?open=true')).json().items;
      assert.deepEqual(
        openList.map((i: any) => i.human_id),
        ['INC-2026-11-24-001', 'INC-2026-11-23-002'],
      );
      const resolvedList = (await t.request('GET', '/api/v1/incidents?status=resolved')).json().items;
      assert.deepEqual(
        resolvedList.map((i: any) => i.human_id),
        ['INC-2026-11-23-001'],
      );

      // Every change is in the audit trail, by actor.
      const audit = await t.app.services.audit.list({
        kind: 'incident',
        key: 'INC-2026-11-23-001',
        limit: 100,
      });
      const actions = audit.map((x) => x.action).reverse();
      assert.equal(actions[0], 'incident.opened');
      assert.ok(actions.includes('incident.status_changed'));
      assert.deepEqual(
        [...new Set(audit.map((x) => x.actor))].sort(),
        ['system', 'token:test-admin'],
        'people and the breach timer',
      );

      // Event contract fields.
      const events = (await t.request('GET', `/api/v1/incidents/${a.id}/timeline`)).json().items;
      const opened = events.find((e: any) => e.type === 'incident.opened');
      for (const f of ['id', 'human_id', 'title', 'severity', 'service', 'status', 'url'])
        assert.ok(f in opened.data, f);
      const paging = events.find((e: any) => e.type === 'incident.paging_requested');
      for (const f of ['id', 'human_id', 'title', 'severity', 'service', 'summary', 'url'])
        assert.ok(f in paging.data, f);
      const changed = events.find((e: any) => e.type === 'incident.status_changed');
      assert.deepEqual(
        [changed.data.from, changed.data.to, changed.data.by],
        ['triggered', 'acknowledged', 'token:test-admin'],
      );
    } finally {
      await t.close();
    }
  },
);

testBothDbs(
  'incidents: dedup key attaches to the open incident and re-opens within the window',
  async (h) => {
    const t = await incidentApp(h, 'incidents: { reopen_window: 30m }\n');
    try {
      const api = t.app.modules.get<IncidentsApi>('incidents');
      const first = await api.open({ ...open, dedupKey: 'grp-1', alert: { key: 'a1' } }, 'system:alerting');
      assert.equal(first.outcome, 'created');
      const again = await api.open({ ...open, dedupKey: 'grp-1', alert: { key: 'a2' } }, 'system:alerting');
      assert.equal(again.outcome, 'attached');
      assert.equal(again.incident.id, first.incident.id);
      const view = (await t.request('GET', `/api/v1/incidents/${first.incident.id}`)).json();
      assert.deepEqual(view.alerts.map((x: any) => x.key).sort(), ['a1', 'a2']);

      await api.resolve(first.incident.id, 'ann@ff.test');
      await advance(t, 10 * MINUTE);
      const re = await api.open({ ...open, dedupKey: 'grp-1' }, 'system:alerting');
      assert.equal(re.outcome, 'reopened');
      assert.equal(re.incident.id, first.incident.id);
      assert.equal(re.incident.status, 'triggered');
      assert.equal(re.incident.reopenCount, 1);
      const types = await eventTypes(t, first.incident.id);
      assert.equal(types.filter((x) => x === 'incident.paging_requested').length, 2, 'paging on re-open');

      await api.resolve(first.incident.id, 'ann@ff.test');
      await advance(t, 31 * MINUTE);
      const fresh = await api.open({ ...open, dedupKey: 'grp-1' }, 'system:alerting');
      assert.equal(fresh.outcome, 'created');
      assert.notEqual(fresh.incident.id, first.incident.id);

      // Concurrent opens of a new key create one incident.
      const many = await Promise.all(
        Array.from({ length: 6 }, () => api.open({ ...open, dedupKey: 'grp-2' }, 'x')),
      );
      assert.equal(new Set(many.map((m) => m.incident.id)).size, 1);
      assert.equal(many.filter((m) => m.outcome === 'created').length, 1);
    } finally {
      await t.close();
    }
  },
);

testBothDbs('incidents: concurrent ack/resolve never lose an update; If-Match gives 412', async (h) => {
  const t = await incidentApp(h);
  try {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push((await t.request('POST', '/api/v1/incidents', { ...open, title: `c${i}` })).json().id);
    // Parallel human ids stay unique.
    const par = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.request('POST', '/api/v1/incidents', { ...open, title: `p${i}` }),
      ),
    );
    const hids = par.map((r) => r.json().human_id);
    assert.equal(new Set(hids).size, 8, hids.join());
    const responder = await t.token('responder', 'bob');
    for (const id of ids) {
      const [ack, res] = await Promise.all([
        t.request('POST', `/api/v1/incidents/${id}/acknowledge`, undefined, { token: responder }),
        t.request('POST', `/api/v1/incidents/${id}/resolve`, { note: 'done' }),
      ]);
      assert.ok([200, 409].includes(ack.statusCode), ack.body);
      assert.equal(res.statusCode, 200, res.body);
      const final = (await t.request('GET', `/api/v1/incidents/${id}`)).json();
      assert.equal(final.status, 'resolved');
      assert.ok(final.acknowledged_at, 'acknowledged (explicitly or by resolving)');
      const types = await eventTypes(t, id);
      assert.equal(types.filter((x) => x === 'incident.acknowledged').length, 1);
      assert.equal(types.filter((x) => x === 'incident.resolved').length, 1);
    }
    const id = par[0].json().id;
    const r = await t.request('POST', `/api/v1/incidents/${id}/acknowledge`, undefined, {
      headers: { 'if-match': '"7"' },
    });
    assert.equal(r.statusCode, 412);
    const ok = await t.request('POST', `/api/v1/incidents/${id}/acknowledge`, undefined, {
      headers: { 'if-match': '"1"' },
    });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers.etag, '"2"');
  } finally {
    await t.close();
  }
});

testBothDbs(
  'incidents: severity, roles, commander rule, notes and corrections, markdown, policies',
  async (h) => {
    const t = await incidentApp(h);
    try {
      const inc = (
        await t.request('POST', '/api/v1/incidents', {
          ...open,
          severity: 'sev3',
          links: [{ title: 'SOP-001', url: 'https://rb.test/sop-001' }],
        })
      ).json();
      assert.deepEqual(inc.links, [{ title: 'SOP-001', url: 'https://rb.test/sop-001' }]);
      assert.equal(inc.response_target_ms, 60 * MINUTE);
      let r = await t.request('POST', `/api/v1/incidents/${inc.id}/severity`, { severity: 'sev1' });
      assert.equal(r.json().severity, 'sev1');
      assert.equal(r.json().response_target_ms, 5 * MINUTE);
      assert.equal(r.json().response_due_at, '2026-11-23T09:05:00.000Z');
      r = await t.request('POST', `/api/v1/incidents/${inc.id}/resolve`);
      assert.equal(r.statusCode, 409);
      assert.match(r.json().detail, /assign an incident commander/);
      r = await t.request('POST', `/api/v1/incidents/${inc.id}/roles`, {
        commander: 'ann@ff.test',
        communications_lead: 'bob@ff.test',
        add_responders: ['cy@ff.test'],
      });
      assert.equal(r.json().commander, 'ann@ff.test');
      assert.deepEqual(r.json().responders, ['cy@ff.test']);
      r = await t.request('POST', `/api/v1/incidents/${inc.id}/services`, { services: ['worker'] });
      assert.deepEqual(r.json().services, ['api', 'worker']);
      r = await t.request('POST', `/api/v1/incidents/${inc.id}/links`, {
        title: 'Runbook',
        url: 'https://rb.test/db',
      });
      assert.deepEqual(r.json().links, [
        { title: 'SOP-001', url: 'https://rb.test/sop-001' },
        { title: 'Runbook', url: 'https://rb.test/db' },
      ]);
      r = await t.request('POST', `/api/v1/incidents/${inc.id}/links`, { title: 'x', url: 'ftp://nope' });
      assert.equal(r.statusCode, 400);
      r = await t.request('POST', `/api/v1/incidents/${inc.id}/notes`, { markdown: 'DB at **100%** CPU' });
      assert.equal(r.statusCode, 201);
      const note = (await t.request('GET', `/api/v1/incidents/${inc.id}/timeline`))
        .json()
        .items.find((e: any) => e.type === 'incident.note_added');
      r = await t.request('POST', `/api/v1/incidents/${inc.id}/notes`, {
        markdown: 'it was 90%',
        corrects: note.id,
      });
      assert.equal(r.statusCode, 201);
      r = await t.request('POST', `/api/v1/incidents/${inc.id}/notes`, { markdown: 'x', corrects: 'nope' });
      assert.equal(r.statusCode, 400);

      // Other modules' events render generically.
      const api = t.app.modules.get<IncidentsApi>('incidents');
      await api.appendToTimeline(inc.human_id, {
        type: 'flags.kill_switch',
        data: { flag: 'enable_email', on: false },
        actor: 'ops',
      });
      await assert.rejects(api.appendToTimeline(inc.id, { type: 'incident.resolved' }), /reserved/);
      r = await t.request('POST', `/api/v1/incidents/${inc.id}/resolve`);
      assert.equal(r.statusCode, 200);

      r = await t.request('GET', `/api/v1/incidents/${inc.id}/timeline.md`);
      assert.equal(r.statusCode, 200);
      assert.match(r.headers['content-type'] as string, /text\/markdown/);
      assert.match(r.body, /^# INC-2026-11-23-001: API errors/);
      assert.match(r.body, /Severity sev3 → sev1/);
      assert.match(r.body, /DB at \*\*100%\*\* CPU/);
      assert.match(r.body, /Correction of .*:\n\n {2}it was 90%/);
      assert.match(r.body, /`flags.kill_switch` — flag=enable_email, on=false _\(ops\)_/);

      const viewer = await t.token('viewer');
      assert.equal(
        (await t.request('GET', `/api/v1/incidents/${inc.id}`, undefined, { token: viewer })).statusCode,
        200,
      );
      r = await t.request('POST', '/api/v1/incidents', open, { token: viewer });
      assert.equal(r.statusCode, 403);
      r = await t.request('POST', `/api/v1/incidents/${inc.id}/notes`, { markdown: 'x' }, { token: viewer });
      assert.equal(r.statusCode, 403);
    } finally {
      await t.close();
    }
  },
);
