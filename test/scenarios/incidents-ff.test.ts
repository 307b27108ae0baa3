/**
 * Forge Factory (FF-5, requirements "Incidents" row): a SEV-2 incident opened, acknowledged at
 * +4 min, resolved at +40 min; the postmortem becomes due (48 h for the top two ranks); MTTA and
 * MTTR come out as 4 min and 40 min; a SEV-1 left unacknowledged breaches its 5 min target at
 * exactly +5 min of virtual time.
 */
import assert from 'node:assert/strict';
import { MINUTE } from '../../src/kernel/clock.ts';
import { advance, eventTypes, incidentApp } from '../../src/modules/incidents/testing.ts';
import { testBothDbs } from '../support/db.ts';

testBothDbs(
  'FF-5: SEV-2 open → ack +4m → resolve +40m → postmortem due; MTTA/MTTR; SEV-1 breach',
  async (h) => {
    const t = await incidentApp(h);
    try {
      const responder = await t.token('responder', 'ann');
      let r = await t.request('POST', '/api/v1/incidents', {
        title: 'Checkout error rate above 1%',
        severity: 'sev2',
        service: 'api',
        summary: 'Error rate 3% on /checkout',
      });
      assert.equal(r.statusCode, 201, r.body);
      const inc = r.json();
      assert.equal(inc.human_id, 'INC-2026-11-23-001');
      assert.equal(inc.response_due_at, '2026-11-23T09:15:00.000Z');

      await advance(t, 4 * MINUTE);
      r = await t.request('POST', `/api/v1/incidents/${inc.human_id}/acknowledge`, undefined, {
        token: responder,
      });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().time_to_acknowledge_ms, 4 * MINUTE);
      await advance(t, 36 * MINUTE);
      r = await t.request(
        'POST',
        `/api/v1/incidents/${inc.human_id}/resolve`,
        { note: 'Rolled back 1.4.2' },
        { token: responder },
      );
      assert.equal(r.json().status, 'resolved');
      assert.equal(r.json().time_to_resolve_ms, 40 * MINUTE);
      assert.equal(r.json().response_target_breached, false);

      r = await t.request('GET', `/api/v1/incidents/${inc.id}/postmortem`);
      assert.equal(r.json().due_at, '2026-11-25T09:40:00.000Z', 'due 48 h after resolve');
      assert.ok((await eventTypes(t, inc.id)).includes('incident.postmortem_due'));

      // SEV-1: 5 min target, nobody acknowledges.
      const sev1 = (
        await t.request('POST', '/api/v1/incidents', {
          title: 'All workers down',
          severity: 'sev1',
          service: 'worker',
        })
      ).json();
      await advance(t, 5 * MINUTE - 1);
      assert.equal(
        (await t.request('GET', `/api/v1/incidents/${sev1.id}`)).json().response_target_breached,
        false,
      );
      await advance(t, 1);
      const after = (await t.request('GET', `/api/v1/incidents/${sev1.id}`)).json();
      assert.equal(after.response_target_breached, true);
      assert.equal(after.breached_at, '2026-11-23T09:45:00.000Z');
      const events = (await t.request('GET', `/api/v1/incidents/${sev1.id}/timeline`)).json().items;
      const breach = events.find((e: any) => e.type === 'incident.response_target_breached');
      assert.equal(breach.at, '2026-11-23T09:45:00.000Z');
      assert.deepEqual(
        { severity: breach.data.severity, target_ms: breach.data.target_ms, human_id: breach.data.human_id },
        { severity: 'sev1', target_ms: 5 * MINUTE, human_id: 'INC-2026-11-23-002' },
      );
      // Acknowledging later does not un-breach, and the breach fires once.
      await t.request('POST', `/api/v1/incidents/${sev1.id}/acknowledge`);
      await advance(t, 60 * MINUTE);
      assert.equal(
        (await eventTypes(t, sev1.id)).filter((x) => x === 'incident.response_target_breached').length,
        1,
      );

      r = await t.request(
        'GET',
        '/api/v1/reports/incidents?from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z&group_by=severity',
      );
      assert.equal(r.statusCode, 200, r.body);
      const rep = r.json();
      const sev2 = rep.groups.find((g: any) => g.group === 'sev2');
      assert.equal(sev2.mtta_ms, 4 * MINUTE);
      assert.equal(sev2.mttr_ms, 40 * MINUTE);
      assert.equal(sev2.response_target_compliance, 1);
      const s1 = rep.groups.find((g: any) => g.group === 'sev1');
      assert.equal(s1.response_target_compliance, 0);
      assert.equal(s1.mttr_ms, null);
      assert.deepEqual(rep.per_week, [{ week: '2026-11-23', incidents: 2 }]);

      r = await t.request(
        'GET',
        '/api/v1/reports/incidents?from=2026-11-23T00:00:00Z&group_by=team&format=csv',
      );
      assert.match(r.headers['content-type'] as string, /text\/csv/);
      const lines = r.body.trim().split('\n');
      assert.match(lines[0], /^team,incidents,acknowledged,resolved,mtta_ms,mttr_ms/);
      assert.ok(
        lines.some((l) => l.startsWith(`platform,1,1,1,${4 * MINUTE},${40 * MINUTE},`)),
        r.body,
      );
      assert.ok(
        lines.some((l) => l.startsWith('workers,1,1,0,')),
        r.body,
      );
    } finally {
      await t.close();
    }
  },
);
