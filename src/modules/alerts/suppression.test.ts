import assert from 'node:assert/strict';
import { testBothDbs } from '../../../test/support/db.ts';
import { inTransaction } from '../../db/tx.ts';
import { VirtualClock } from '../../kernel/clock.ts';
import { alertsApp, amPayload, notifications, pump, secretOf, tick } from './testing.ts';

const ROUTING = `
routing:
  integrations:
    - { key: am, type: alertmanager }
  route:
    group_by: [alertname, service]
    group_wait: 10s
    group_interval: 1m
    repeat_interval: 1h
  inhibit_rules:
    # WP SOP-001: a database outage explains API 5xx for the same service.
    - { source_matchers: [alertname=DatabaseDown], target_matchers: [alertname=Api5xx], equal: [service] }
  maintenance_windows:
    - key: sunday-berlin
      title: Weekly patching
      services: [web]
      start: 2027-03-07T04:00
      duration: 1h
      time_zone: Europe/Berlin
      rrule: FREQ=WEEKLY;BYDAY=SU
`;

testBothDbs(
  'alerts: maintenance muting across a DST change, silences expire, inhibition, repeat_interval, rule events',
  async (h) => {
    // Europe/Berlin moved to summer time at 01:00Z on 2027-03-28: the 04:00 local window is now 02:00Z.
    const clock = new VirtualClock('2027-03-28T01:50:00Z');
    const t = await alertsApp(h, ROUTING, { clock });
    try {
      const secret = await secretOf(t, 'am');
      const send = (alerts: Parameters<typeof amPayload>[0]) =>
        t.request('POST', `/api/v1/alerting/ingest/alertmanager/${secret}`, amPayload(alerts), {
          token: null,
        });
      const status = async (fp: string) => {
        const a = (await t.request('GET', '/api/v1/alerting/alerts?limit=100'))
          .json()
          .alerts.find((x: any) => x.external_key === fp);
        return { status: a.status, reason: a.reason };
      };

      const cal = (
        await t.request(
          'GET',
          '/api/v1/maintenance/calendar?from=2027-03-20T00:00:00Z&to=2027-03-30T00:00:00Z',
        )
      ).json();
      assert.deepEqual(
        cal.windows.map((w: any) => w.start),
        ['2027-03-21T03:00:00.000Z', '2027-03-28T02:00:00.000Z'],
      );
      const api = t.app.modules.get<any>('alerts');
      assert.equal((await api.activeWindows(Date.parse('2027-03-28T02:30:00Z')))[0].key, 'sunday-berlin');
      assert.equal((await api.activeWindows(Date.parse('2027-03-28T03:30:00Z'))).length, 0);

      await send([{ fp: 'web0000000000001', labels: { alertname: 'WebDown', service: 'web' } }]);
      await pump(t);
      assert.equal((await status('web0000000000001')).status, 'active', 'before the window');
      await clock.set('2027-03-28T02:05:00Z');
      await send([{ fp: 'web0000000000002', labels: { alertname: 'WebSlow', service: 'web' } }]);
      await pump(t);
      const muted = await status('web0000000000002');
      assert.equal(muted.status, 'muted');
      assert.equal(muted.reason.window, 'sunday-berlin');
      assert.equal(
        (await status('web0000000000001')).status,
        'muted',
        'the running group re-judges its alerts',
      );
      const before = (await notifications(t)).filter((n) => n.group_labels.alertname === 'WebSlow');
      assert.equal(before.length, 0, 'muted alerts are recorded, not sent');

      // Silence for 2 h (responders may silence); matching alerts are recorded as silenced.
      let r = await t.request('POST', '/api/v1/silences', {
        matchers: ['service=api', 'alertname=~"Lat.*"'],
        duration: '2h',
        comment: 'deploy',
      });
      assert.equal(r.statusCode, 201, r.body);
      const silence = r.json();
      assert.equal(silence.state, 'active');
      assert.equal(
        (
          await t.request('POST', '/api/v1/silences', {
            matchers: ['service=~".*"'],
            duration: '1h',
            comment: 'x',
          })
        ).statusCode,
        400,
      );
      await send([{ fp: 'lat0000000000001', labels: { alertname: 'Latency', service: 'api' } }]);
      // Inhibition: DatabaseDown for api inhibits Api5xx for api, not for web.
      await send([
        { fp: 'dbd0000000000001', labels: { alertname: 'DatabaseDown', service: 'api' } },
        { fp: '5xx0000000000001', labels: { alertname: 'Api5xx', service: 'api' } },
        { fp: '5xx0000000000002', labels: { alertname: 'Api5xx', service: 'web' } },
      ]);
      await pump(t);
      const sil = await status('lat0000000000001');
      assert.equal(sil.status, 'silenced');
      assert.equal(sil.reason.silence, silence.id);
      const inh = await status('5xx0000000000001');
      assert.equal(inh.status, 'inhibited');
      assert.equal(inh.reason.kind, 'inhibition');
      assert.equal((await status('5xx0000000000002')).status, 'muted', 'web is in maintenance');
      const silencedList = (await t.request('GET', '/api/v1/alerting/alerts?status=silenced')).json().alerts;
      assert.deepEqual(
        silencedList.map((a: any) => a.external_key),
        ['lat0000000000001'],
      );

      // The window ends at 03:00Z: web alerts are sent again.
      await clock.set('2027-03-28T03:00:30Z');
      await pump(t);
      assert.equal((await status('web0000000000002')).status, 'active');
      const webSlow = (await notifications(t)).filter((n) => n.group_labels.alertname === 'WebSlow');
      assert.equal(webSlow.length, 1);

      // The silence expires on its own after 2 h.
      await clock.set('2027-03-28T04:06:00Z');
      await pump(t);
      assert.equal((await status('lat0000000000001')).status, 'active');
      assert.equal((await t.request('GET', `/api/v1/silences/${silence.id}`)).json().state, 'expired');
      const latency = (await notifications(t)).filter((n) => n.group_labels.alertname === 'Latency');
      assert.equal(latency.length, 1);

      // repeat_interval: an unchanged group is told again after 1 h, not before.
      await tick(t, 30 * 60_000);
      assert.equal((await notifications(t)).filter((n) => n.group_labels.alertname === 'Latency').length, 1);
      await tick(t, 30 * 60_000);
      const again = (await notifications(t)).filter((n) => n.group_labels.alertname === 'Latency');
      assert.equal(again.length, 2);
      assert.equal(again[1].repeat, true);

      // Expire a silence early.
      r = await t.request('POST', '/api/v1/silences', {
        matchers: ['service=db'],
        duration: '1h',
        comment: 'db work',
      });
      r = await t.request('DELETE', `/api/v1/silences/${r.json().id}`);
      assert.equal(r.json().state, 'expired');
      assert.equal((await t.request('GET', '/api/v1/silences?state=active')).json().silences.length, 0);

      // Rule engine events are consumed durably (once) into the store.
      const ev = {
        type: 'alert.firing',
        subject: { kind: 'alert', key: 'ru1e000000000001' },
        actor: 'system:rules',
        data: {
          fingerprint: 'ru1e000000000001',
          rule: 'HighLatency',
          group: 'api',
          labels: { alertname: 'HighLatency', service: 'api', severity: 'warning' },
          annotations: { runbook_url: 'https://runbooks.test/latency' },
          value: 1.5,
          starts_at: '2027-03-28T05:00:00Z',
          source: 'rules',
          generator_url: 'http://vigil/rules',
        },
      };
      await inTransaction(t.app.db, (tx) => t.app.services.timeline.append(tx, ev));
      await pump(t);
      await pump(t);
      const rule = (await t.request('GET', '/api/v1/alerting/alerts/ru1e000000000001')).json();
      assert.equal(rule.source, 'rules');
      assert.equal(rule.state, 'firing');
      assert.equal(rule.received, 1);
      assert.equal(rule.value, 1.5);
      await inTransaction(t.app.db, (tx) =>
        t.app.services.timeline.append(tx, {
          ...ev,
          type: 'alert.resolved',
          data: { ...ev.data, ends_at: '2027-03-28T05:10:00Z' },
        }),
      );
      await pump(t);
      assert.equal(
        (await t.request('GET', '/api/v1/alerting/alerts/ru1e000000000001')).json().state,
        'resolved',
      );
    } finally {
      await t.close();
    }
  },
);
