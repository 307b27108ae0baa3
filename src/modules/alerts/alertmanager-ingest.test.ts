import assert from 'node:assert/strict';
import { testBothDbs } from '../../../test/support/db.ts';
import { alertsApp, amPayload, notifications, pump, secretOf, tick } from './testing.ts';

const ROUTING = `
routing:
  integrations:
    - { key: prom, type: alertmanager, labels: { env: prod } }
  route:
    group_by: [alertname, service]
    group_wait: 30s
    group_interval: 5m
    repeat_interval: 4h
    incident: { open: true, severity_from: severity, severity_map: { critical: sev1, warning: sev3 } }
`;

testBothDbs(
  'alerts: Alertmanager webhook dedups by fingerprint, opens one incident per group, resolves',
  async (h) => {
    const t = await alertsApp(h, ROUTING);
    try {
      const secret = await secretOf(t, 'prom');
      const url = `/api/v1/alerting/ingest/alertmanager/${secret}`;
      const two = amPayload([
        {
          fp: 'aaaa000000000001',
          labels: { alertname: 'HighErrors', service: 'api', severity: 'critical', pod: 'a' },
        },
        {
          fp: 'aaaa000000000002',
          labels: { alertname: 'HighErrors', service: 'api', severity: 'critical', pod: 'b' },
        },
      ]);
      // No key, a wrong key, and the key of a route of another type are refused.
      assert.equal(
        (await t.request('POST', '/api/v1/alerting/ingest/alertmanager', two, { token: null })).statusCode,
        401,
      );
      assert.equal(
        (await t.request('POST', '/api/v1/alerting/ingest/alertmanager/nope', two, { token: null }))
          .statusCode,
        401,
      );
      assert.equal((await t.request('POST', url, { version: '4' }, { token: null })).statusCode, 400);

      let r = await t.request('POST', url, two, { token: null });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json().data, { received: 2, created: 2, changed: 0, duplicates: 0 });
      // Same payload again (Alertmanager re-sends on every group_interval): nothing new.
      r = await t.request('POST', `/api/v1/alerting/ingest/alertmanager?key=${secret}`, two, { token: null });
      assert.deepEqual(r.json().data, { received: 2, created: 0, changed: 0, duplicates: 2 });

      let list = (await t.request('GET', '/api/v1/alerting/alerts?state=firing')).json().alerts;
      assert.equal(list.length, 2);
      assert.equal(list[0].labels.env, 'prod', 'integration labels are added');
      assert.equal(list[0].annotations.runbook_url, 'https://runbooks.test/x');

      await pump(t);
      assert.equal((await notifications(t)).length, 0, 'group_wait not over');
      await tick(t, 30_000);
      let n = await notifications(t);
      assert.equal(n.length, 1);
      assert.equal(n[0].firing.length, 2);
      assert.ok(n[0].incident_id, JSON.stringify(n[0]));
      let incidents = (await t.request('GET', '/api/v1/incidents')).json().items;
      assert.equal(incidents.length, 1);
      assert.equal(incidents[0].severity, 'sev1');
      assert.equal(incidents[0].service, 'api');

      // A third alert joins the group: told at the next group_interval, still one incident.
      r = await t.request(
        'POST',
        url,
        amPayload([
          {
            fp: 'aaaa000000000003',
            labels: { alertname: 'HighErrors', service: 'api', severity: 'critical', pod: 'c' },
          },
        ]),
        { token: null },
      );
      await tick(t, 60_000);
      assert.equal((await notifications(t)).length, 1);
      await tick(t, 4 * 60_000);
      n = await notifications(t);
      assert.equal(n.length, 2);
      assert.equal(n[1].firing.length, 3);
      assert.equal(n[1].incident_id, n[0].incident_id);
      incidents = (await t.request('GET', '/api/v1/incidents')).json().items;
      assert.equal(incidents.length, 1, 'the group attaches to its incident');

      // Resolved alerts resolve (and stay recorded).
      r = await t.request(
        'POST',
        url,
        amPayload([
          {
            fp: 'aaaa000000000001',
            status: 'resolved',
            labels: { alertname: 'HighErrors', service: 'api', severity: 'critical', pod: 'a' },
          },
        ]),
        { token: null },
      );
      assert.equal(r.json().data.changed, 1);
      const one = (
        await t.request(
          'GET',
          `/api/v1/alerting/alerts/${list.find((a: any) => a.external_key === 'aaaa000000000001').fingerprint}`,
        )
      ).json();
      assert.equal(one.state, 'resolved');
      assert.ok(one.history.some((e: any) => e.type === 'alert.routed'));
      list = (await t.request('GET', '/api/v1/alerting/alerts?state=firing')).json().alerts;
      assert.equal(list.length, 2);
      await tick(t, 5 * 60_000);
      n = await notifications(t);
      assert.equal(n.length, 3);
      assert.equal(n[2].resolved.length, 1);
      // An alert that resolves within group_wait is never told, and its group ends.
      const blip = [
        { fp: 'bbbb000000000001', labels: { alertname: 'Blip', service: 'api', severity: 'warning' } },
      ];
      await t.request('POST', url, amPayload(blip), { token: null });
      await tick(t, 5_000);
      await t.request('POST', url, amPayload([{ ...blip[0], status: 'resolved' }]), { token: null });
      await tick(t, 30_000);
      assert.equal((await notifications(t)).filter((x) => x.group_labels.alertname === 'Blip').length, 0);
      const groups = (await t.request('GET', '/api/v1/alerting/groups')).json().groups;
      assert.deepEqual(
        groups.map((g: any) => g.labels.alertname),
        ['HighErrors'],
      );
      // Label filters.
      const pods = (await t.request('GET', '/api/v1/alerting/alerts?label=pod%3D~%22[bc]%22')).json().alerts;
      assert.equal(pods.length, 2);
    } finally {
      await t.close();
    }
  },
);
