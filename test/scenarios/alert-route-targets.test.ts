/**
 * An alert route's target is honoured end to end:
 * - `target: { escalation_policy: X }` without an `incident` setting opens one incident per group
 *   (at the least severe level when the severity label names no severity) and pages policy X, not
 *   the service's default policy;
 * - `target: { channel: C }` posts the group to channel C through notify's outbox, firing and
 *   resolved, once per group notification (a replayed step posts nothing twice).
 */
import assert from 'node:assert/strict';
import { alertsApp, amPayload, pump, secretOf, tick } from '../../src/modules/alerts/testing.ts';
import { testBothDbs } from '../support/db.ts';

const PLAN = `
users:
  - { email: ada@example.com, name: Ada, role: responder }
  - { email: bob@example.com, name: Bob, role: responder }
escalation_policies:
  - key: default
    levels:
      - { targets: [user:ada@example.com], delay: 5m }
  - key: db-oncall
    levels:
      - { targets: [user:bob@example.com], delay: 5m }
notification_channels:
  - { key: ops-chat, type: webhook, url: "http://127.0.0.1:9/ops-chat" }
routing:
  integrations:
    - { key: prom, type: alertmanager }
  route:
    group_by: [alertname, service]
    group_wait: 0s
    group_interval: 1m
    target: { escalation_policy: default }
    routes:
      - key: database
        matchers: [service=db]
        target: { escalation_policy: db-oncall }
      - key: chatter
        matchers: [severity=info]
        target: { channel: ops-chat }
`;

testBothDbs('alert routes page their escalation policy and post to their channel', async (h) => {
  const t = await alertsApp(h, PLAN);
  try {
    const url = `/api/v1/alerting/ingest/alertmanager/${await secretOf(t, 'prom')}`;
    let r = await t.request(
      'POST',
      url,
      amPayload([
        { fp: 'db00000000000001', labels: { alertname: 'ReplicaLag', service: 'db', severity: 'page' } },
        { fp: 'web0000000000001', labels: { alertname: 'SlowPages', service: 'web', severity: 'info' } },
      ]),
      { token: null },
    );
    assert.equal(r.statusCode, 200, r.body);
    await pump(t);
    const oncall = async () => {
      for (const e of ['oncall-escalation', 'oncall-alert-groups']) {
        for (let i = 0; i < 10; i++) if (!(await t.app.runner.runOnce(e))?.more) break;
      }
    };
    await oncall();

    // The database route opened an incident (its severity label "page" is no severity: the least
    // severe level is used) and paged db-oncall, i.e. Bob, not the default policy's Ada.
    r = await t.request('GET', '/api/v1/incidents?limit=50');
    assert.equal(r.statusCode, 200, r.body);
    const incidents = r.json().items as Array<Record<string, any>>;
    assert.equal(incidents.length, 1, JSON.stringify(incidents));
    assert.equal(incidents[0].service, 'db');
    assert.equal(incidents[0].severity, 'sev4');
    assert.equal(incidents[0].escalation_policy, 'db-oncall');
    const timeline = (await t.request('GET', `/api/v1/incidents/${incidents[0].id}/timeline`)).json().items;
    const started = timeline.find((e: any) => e.type === 'escalation.started');
    assert.equal(started?.data.policy, 'db-oncall', JSON.stringify(timeline.map((e: any) => e.type)));
    const notified = timeline
      .filter((e: any) => e.type === 'escalation.notified')
      .map((e: any) => e.data.user);
    assert.deepEqual(notified, ['bob@example.com']);

    // The info alert went to the shared channel, not to an incident.
    const notify = t.app.modules.get<any>('notify');
    const toChat = async () =>
      ((await notify.deliveries({ limit: 100 })) as Array<Record<string, any>>).filter(
        (d) => d.channel.key === 'ops-chat',
      );
    let chat = await toChat();
    assert.equal(chat.length, 1, JSON.stringify(await notify.deliveries({ limit: 100 })));
    const firing = chat[0].message;
    assert.equal(firing.title, '[FIRING:1] alertname=SlowPages service=web');
    assert.equal(firing.kind, 'notify');
    assert.match(firing.summary, /SlowPages on web \(runbook: https:\/\/runbooks\.test\/x\)/);

    // Running the consumer again posts nothing twice.
    await oncall();
    assert.equal((await toChat()).length, 1);

    // Resolution is posted too.
    r = await t.request(
      'POST',
      url,
      amPayload([
        {
          fp: 'web0000000000001',
          labels: { alertname: 'SlowPages', service: 'web', severity: 'info' },
          status: 'resolved',
        },
      ]),
      { token: null },
    );
    assert.equal(r.statusCode, 200, r.body);
    await tick(t, 60_000);
    await oncall();
    chat = await toChat();
    assert.equal(chat.length, 2);
    const resolved = chat.find((d) => d.message.kind === 'resolved');
    assert.equal(resolved?.message.title, '[RESOLVED] alertname=SlowPages service=web');
  } finally {
    await t.close();
  }
});
