/** The API the console's alert pages use: cursor pages of alerts, counts, silence field errors. */
import assert from 'node:assert/strict';
import { testBothDbs } from '../../../test/support/db.ts';
import { alertsApp, amPayload, pump, secretOf, tick } from './testing.ts';

const ROUTING = `
routing:
  integrations:
    - { key: prom, type: alertmanager }
  route:
    group_by: [alertname]
    group_wait: 0s
`;

testBothDbs(
  'alerts: cursor pages of alerts, counts by status, silence errors name their field',
  async (h) => {
    const t = await alertsApp(h, ROUTING);
    try {
      const secret = await secretOf(t, 'prom');
      const url = `/api/v1/alerting/ingest/alertmanager/${secret}`;
      const alerts = [1, 2, 3, 4, 5].map((i) => ({
        fp: `bbbb00000000000${i}`,
        labels: { alertname: 'DiskFull', service: i <= 3 ? 'api' : 'db', severity: 'warning', disk: `d${i}` },
      }));
      let r = await t.request('POST', url, amPayload(alerts), { token: null });
      assert.equal(r.statusCode, 200, r.body);
      await tick(t, 1000);
      // The second alert resolves; one on db is silenced.
      r = await t.request(
        'POST',
        '/api/v1/silences',
        { matchers: ['disk=d5'], duration: '1h', comment: 'replacing the disk' },
        {},
      );
      assert.equal(r.statusCode, 201, r.body);
      r = await t.request('POST', url, amPayload([{ ...alerts[1], status: 'resolved' }]), { token: null });
      assert.equal(r.statusCode, 200, r.body);
      await pump(t);
      await tick(t, 5 * 60_000);

      // Pages of two, in a stable order, with no alert twice and none missing.
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = cursor ? `&cursor=${cursor}` : '';
        r = await t.request('GET', `/api/v1/alerting/alerts?limit=2${q}`);
        assert.equal(r.statusCode, 200, r.body);
        const body = r.json();
        assert.ok(body.alerts.length <= 2);
        seen.push(...body.alerts.map((a: { fingerprint: string }) => a.fingerprint));
        cursor = body.next_cursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 3);
      assert.equal(new Set(seen).size, 5);

      // Label matchers filter before paging.
      r = await t.request(
        'GET',
        `/api/v1/alerting/alerts?limit=2&label=${encodeURIComponent('service=api')}`,
      );
      const first = r.json();
      assert.equal(first.alerts.length, 2);
      assert.ok(first.next_cursor);
      r = await t.request(
        'GET',
        `/api/v1/alerting/alerts?limit=2&label=${encodeURIComponent('service=api')}&cursor=${first.next_cursor}`,
      );
      assert.equal(r.json().alerts.length, 1);
      assert.equal(r.json().next_cursor, null);

      // A bad matcher or cursor is a 400 naming the field.
      r = await t.request('GET', `/api/v1/alerting/alerts?label=${encodeURIComponent('service=~"("')}`);
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().field, 'label');
      r = await t.request('GET', '/api/v1/alerting/alerts?cursor=bm9wZQ');
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().field, 'cursor');

      r = await t.request('GET', '/api/v1/alerting/counts');
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json(), { firing: 4, active: 3, silenced: 1, inhibited: 0, muted: 0, resolved: 1 });

      // Silence validation names the field the console shows the message under.
      r = await t.request('POST', '/api/v1/silences', {
        matchers: ['service=~".*"'],
        duration: '1h',
        comment: 'x',
      });
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().field, 'matchers');
      r = await t.request('POST', '/api/v1/silences', {
        matchers: ['service=api'],
        duration: '1h',
        comment: ' ',
      });
      assert.equal(r.json().field, 'comment');
      r = await t.request('POST', '/api/v1/silences', { matchers: ['service=api'], comment: 'deploy' });
      assert.equal(r.json().field, 'duration');
      // A viewer reads but cannot silence.
      const viewer = await t.token('viewer');
      r = await t.request('GET', '/api/v1/alerting/counts', undefined, { token: viewer });
      assert.equal(r.statusCode, 200);
      r = await t.request(
        'POST',
        '/api/v1/silences',
        { matchers: ['service=api'], duration: '1h', comment: 'deploy' },
        { token: viewer },
      );
      assert.equal(r.statusCode, 403);
    } finally {
      await t.close();
    }
  },
);
