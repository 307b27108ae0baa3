import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { testBothDbs } from '../../../test/support/db.ts';
import { alertsApp, amPayload, secretOf } from './testing.ts';

const ROUTING = `
routing:
  integrations:
    - { key: pd, type: events_v2, service: web, rate_limit_per_minute: 3 }
    - { key: hook, type: webhook, mapping: { summary: title, severity: level, dedup_key: id, status: state, labels: { service: svc } } }
`;

testBothDbs(
  'alerts: Events v2 enqueue validation, dedup, acknowledge/resolve, rate limit; generic webhook mapping',
  async (h) => {
    const t = await alertsApp(h, ROUTING);
    try {
      const key = await secretOf(t, 'pd');
      const post = (body: unknown) => t.request('POST', '/v2/enqueue', body, { token: null });

      let r = await post({ event_action: 'trigger', payload: { summary: '', severity: 'bad' } });
      assert.equal(r.statusCode, 400);
      const bad = r.json();
      assert.equal(bad.status, 'invalid event');
      assert.equal(bad.message, 'Event object is invalid');
      assert.ok(bad.errors.some((e: string) => e.includes('routing_key')));
      assert.ok(bad.errors.some((e: string) => e.includes('payload.summary')));
      assert.ok(bad.errors.some((e: string) => e.includes('payload.source')));
      assert.ok(bad.errors.some((e: string) => e.includes('payload.severity')));
      r = await post({ routing_key: key, event_action: 'resolve' });
      assert.equal(r.statusCode, 400);
      assert.match(r.json().errors[0], /dedup_key.*required/);
      r = await post({
        routing_key: 'x'.repeat(32),
        event_action: 'trigger',
        payload: { summary: 's', source: 'h', severity: 'info' },
      });
      assert.deepEqual(r.json().errors, ['Invalid routing key']);

      const trigger = {
        routing_key: key,
        event_action: 'trigger',
        dedup_key: 'disk-full-host1',
        payload: {
          summary: 'Disk full on host1',
          source: 'host1',
          severity: 'critical',
          custom_details: { free: '0%' },
        },
        unknown: 'ignored',
      };
      r = await post(trigger);
      assert.equal(r.statusCode, 202, r.body);
      assert.deepEqual(r.json(), {
        status: 'success',
        message: 'Event processed',
        dedup_key: 'disk-full-host1',
      });
      assert.equal((await post(trigger)).statusCode, 202, 'duplicate accepted');
      let alerts = (await t.request('GET', '/api/v1/alerting/alerts?source=events_v2')).json().alerts;
      assert.equal(alerts.length, 1, 'duplicates never create duplicates');
      assert.equal(alerts[0].labels.service, 'web');
      assert.equal(alerts[0].labels.severity, 'critical');
      assert.equal(JSON.parse(alerts[0].annotations.custom_details).free, '0%');
      r = await post({ routing_key: key, event_action: 'acknowledge', dedup_key: 'disk-full-host1' });
      assert.equal(r.statusCode, 202);
      // Fourth accepted event in the same minute is over the limit of 3.
      r = await post({ routing_key: key, event_action: 'resolve', dedup_key: 'disk-full-host1' });
      assert.equal(r.statusCode, 429);
      assert.equal(r.json().status, 'throttle event');
      await t.advance(60_000);
      r = await post({ routing_key: key, event_action: 'resolve', dedup_key: 'disk-full-host1' });
      assert.equal(r.statusCode, 202);
      alerts = (await t.request('GET', '/api/v1/alerting/alerts?source=events_v2')).json().alerts;
      assert.equal(alerts[0].state, 'resolved');
      assert.equal(alerts[0].acknowledged, true);
      assert.equal(alerts[0].labels.alertname, 'Disk full on host1', 'resolve keeps the trigger labels');
      // A trigger without dedup_key gets one generated.
      r = await post({
        routing_key: key,
        event_action: 'trigger',
        payload: { summary: 'x', source: 'y', severity: 'info' },
      });
      assert.ok(r.json().dedup_key.length > 10);

      // Generic webhook: dotted-path mapping, status values resolve.
      const hook = await secretOf(t, 'hook');
      r = await t.request(
        'POST',
        '/api/v1/alerting/ingest/webhook',
        { id: 'j-1', title: 'Job failed', level: 'warning', state: 'alerting', svc: 'api' },
        { token: null, headers: { 'x-vigil-key': hook } },
      );
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().data.outcome, 'created');
      r = await t.request(
        'POST',
        '/api/v1/alerting/ingest/webhook',
        { id: 'j-1', title: 'Job failed', state: 'ok' },
        { token: null, headers: { 'x-vigil-key': hook } },
      );
      assert.equal(r.json().data.outcome, 'changed');
      const one = (await t.request('GET', `/api/v1/alerting/alerts/${r.json().data.fingerprint}`)).json();
      assert.equal(one.state, 'resolved');
      // Keys are per type: the webhook key is not an Alertmanager key.
      r = await t.request(
        'POST',
        `/api/v1/alerting/ingest/alertmanager/${hook}`,
        { alerts: [] },
        { token: null },
      );
      assert.equal(r.statusCode, 403);
      // Rotation invalidates the old key.
      const fresh = (await t.request('POST', '/api/v1/alerting/integrations/hook/rotate')).json().secret;
      assert.notEqual(fresh, hook);
      await t.advance(10_000);
      r = await t.request(
        'POST',
        '/api/v1/alerting/ingest/webhook',
        { title: 'x' },
        { token: null, headers: { 'x-vigil-key': hook } },
      );
      assert.equal(r.statusCode, 401);
    } finally {
      await t.close();
    }
  },
);

testBothDbs('alerts: Grafana webhooks must carry a valid HMAC-SHA256 signature of the body', async (h) => {
  const t = await alertsApp(
    h,
    `
routing:
  integrations:
    - { key: graf, type: grafana, service: api }
`,
  );
  try {
    const secret = await secretOf(t, 'graf');
    const body = JSON.stringify(
      amPayload([{ fp: 'g000000000000001', labels: { alertname: 'CpuHigh', severity: 'warning' } }]),
    );
    const send = (headers: Record<string, string>) =>
      t.request('POST', '/api/v1/alerting/ingest/grafana', body, {
        token: null,
        headers: { 'x-vigil-key': secret, ...headers },
      });
    assert.equal((await send({})).statusCode, 401, 'unsigned');
    assert.equal((await send({ 'x-grafana-alerting-signature': 'ab'.repeat(32) })).statusCode, 401, 'wrong');
    const ts = '1764064800';
    const sig = createHmac('sha256', secret).update(`${ts}:${body}`).digest('hex');
    const r = await send({ 'x-grafana-alerting-signature': sig, 'x-grafana-alerting-timestamp': ts });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().data.created, 1);
    const a = (await t.request('GET', '/api/v1/alerting/alerts?source=grafana')).json().alerts[0];
    assert.equal(a.labels.service, 'api', 'the integration service labels alerts without one');
  } finally {
    await t.close();
  }
});

testBothDbs(
  'alerts: an inbound alert is routed and its group_wait 0s group notified at once, not at the next tick',
  async (h) => {
    const t = await alertsApp(
      h,
      `
routing:
  integrations: [{ key: pd, type: events_v2, service: web }]
  route: { group_by: [alertname], group_wait: 0s }
`,
    );
    try {
      const key = await secretOf(t, 'pd');
      t.app.runner.start();
      await t.advance(10); // the engines' first steps
      const r = await t.request(
        'POST',
        '/v2/enqueue',
        {
          routing_key: key,
          event_action: 'trigger',
          payload: { summary: 'Disk full', source: 'h1', severity: 'critical' },
        },
        { token: null },
      );
      assert.equal(r.statusCode, 202, r.body);
      // The router ticks every 1 s and the group flusher every 5 s; wake-ups beat both by far.
      let notified: unknown[] = [];
      for (let i = 0; i < 50 && notified.length === 0; i++) {
        await t.advance(1);
        await new Promise((res) => setTimeout(res, 20));
        notified = await t.app.services.timeline.recent({ types: ['alert_group.notified'] });
      }
      assert.equal(notified.length, 1, 'the group was notified within 50 ms of virtual time');
    } finally {
      t.app.runner.stop();
      await t.close();
    }
  },
);
