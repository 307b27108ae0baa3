import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { loadPlanFromString } from '../../plan/index.ts';
import type { NotifyApi } from '../notify/module.ts';
import { dueNotices, SHIFT_NOTICES_ENGINE } from './shift-notices.ts';
import type { Schedule } from './types.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
// Weekly rotation handing off on Mondays at 09:00 Europe/Berlin (08:00 UTC in winter):
// 2026-11-23 bob took over from alice; 2026-11-30 alice takes over from bob.
const HANDOFF = Date.parse('2026-11-30T08:00:00Z');

const layers = `[{ key: w, participants: [alice@acme.test, bob@acme.test], turn: 1w, handoff: "09:00", start: "2026-11-02" }]`;

function plan(extra = '') {
  return `
version: 1
org: { name: Acme, base_url: https://vigil.acme.test }
users:
  - { email: alice@acme.test, name: Alice, role: responder }
  - { email: bob@acme.test, name: Bob, role: responder }
contacts:
  - { user: alice@acme.test, methods: [{ type: webhook, url: "https://hooks.acme.test/alice", urgency: [high] }] }
  - { user: bob@acme.test, methods: [{ type: ntfy, topic: bob-shifts, urgency: [low] }] }
schedules:
  - key: primary
    name: Primary
    time_zone: Europe/Berlin
    layers: ${layers}
  - key: quiet
    time_zone: Europe/Berlin
    layers: ${layers}
    notifications: { enabled: false }
${extra}`;
}

async function apply(t: TestApp, text: string) {
  const res = loadPlanFromString(text, 'vigil.yaml');
  if (!res.ok) throw new Error(JSON.stringify(res.diagnostics, null, 2));
  const r = await t.request('POST', '/api/v1/apply', {
    objects: res.plan.objects,
    prune: res.plan.prune,
    files: res.plan.files,
  });
  assert.equal(r.statusCode, 200, r.body);
}

async function shiftDeliveries(t: TestApp) {
  const all = await t.app.modules.get<NotifyApi>('notify').deliveries({ limit: 500 });
  return all
    .filter((d) => d.idempotencyKey.startsWith('shift:'))
    .sort((a, b) => a.idempotencyKey.localeCompare(b.idempotencyKey));
}

async function shiftEvents(t: TestApp) {
  return (
    await t.app.services.timeline.recent({
      types: ['schedule.shift_reminder_sent', 'schedule.handoff_notified'],
      limit: 100,
    })
  ).reverse();
}

const run = (t: TestApp) => t.app.runner.runOnce(SHIFT_NOTICES_ENGINE);

testBothDbs(
  'oncall: shift reminder 1 h before and hand-off notice at the hand-off, once, across a restart',
  async (h) => {
    const t1 = await createTestApp(h);
    await apply(t1, plan());
    // First start: the hand-off of 2026-11-23 08:00Z (an hour ago) is history and is not replayed.
    await run(t1);
    assert.deepEqual(await shiftDeliveries(t1), []);

    await t1.clock.set(HANDOFF - HOUR - MIN);
    await run(t1);
    assert.deepEqual(await shiftDeliveries(t1), []);

    // The reminder, an hour before; alice has no low-urgency method, so it goes to her e-mail.
    await t1.clock.set(HANDOFF - HOUR);
    await run(t1);
    let ds = await shiftDeliveries(t1);
    assert.deepEqual(
      ds.map((d) => d.idempotencyKey),
      [`shift:primary:${HANDOFF}:alice@acme.test:reminder:0`],
    );
    assert.equal(ds[0].channel.type, 'email');
    assert.deepEqual(ds[0].channel.config.to, ['alice@acme.test']);
    assert.match(ds[0].message.title, /Reminder: your on-call shift for Primary/);
    assert.match(ds[0].message.summary ?? '', /Bob \(bob@acme\.test\)/);

    // Running again (same or overlapping window) sends nothing more.
    await run(t1);
    await t1.clock.set(HANDOFF - HOUR + 5 * MIN);
    await run(t1);
    assert.equal((await shiftDeliveries(t1)).length, 1);

    // The hand-off notice to the incoming person, naming the outgoing one.
    await t1.clock.set(HANDOFF);
    await run(t1);
    ds = await shiftDeliveries(t1);
    assert.deepEqual(
      ds.map((d) => d.idempotencyKey),
      [
        `shift:primary:${HANDOFF}:alice@acme.test:handoff:0`,
        `shift:primary:${HANDOFF}:alice@acme.test:reminder:0`,
      ],
    );
    assert.equal(ds[0].message.title, 'You are now on call for Primary');
    assert.match(ds[0].message.summary ?? '', /Hand-off from Bob \(bob@acme\.test\)/);
    assert.equal(ds[0].message.recipient, 'alice@acme.test');
    assert.equal(ds[0].message.data?.from, 'bob@acme.test');
    // Nothing for the disabled schedule.
    assert.ok(ds.every((d) => !d.idempotencyKey.startsWith('shift:quiet:')));

    const ev = await shiftEvents(t1);
    assert.deepEqual(
      ev.map((e) => [e.type, e.subject.key, (e.data as any).user, (e.data as any).at]),
      [
        [
          'schedule.shift_reminder_sent',
          'primary',
          'alice@acme.test',
          new Date(HANDOFF - HOUR).toISOString(),
        ],
        ['schedule.handoff_notified', 'primary', 'alice@acme.test', new Date(HANDOFF).toISOString()],
      ],
    );

    // A restart a few minutes later looks back over the hand-off and sends nothing again.
    await t1.clock.set(HANDOFF + 3 * MIN);
    await t1.close();
    const t2 = await createTestApp(h, { clock: t1.clock });
    try {
      await run(t2);
      assert.equal((await shiftDeliveries(t2)).length, 2);
      assert.equal((await shiftEvents(t2)).length, 2);

      // A week later bob gets his reminder on his low-urgency ntfy topic, and his hand-off.
      const next = HANDOFF + 7 * 24 * HOUR;
      await t2.clock.set(next - HOUR);
      await run(t2);
      await t2.clock.set(next);
      await run(t2);
      const bob = (await shiftDeliveries(t2)).filter((d) => d.message.recipient === 'bob@acme.test');
      assert.deepEqual(
        bob.map((d) => [d.idempotencyKey, d.channel.type]),
        [
          [`shift:primary:${next}:bob@acme.test:handoff:0`, 'ntfy'],
          [`shift:primary:${next}:bob@acme.test:reminder:0`, 'ntfy'],
        ],
      );
    } finally {
      await t2.close();
    }
  },
);

testBothDbs('oncall: shift notices follow the schedule setting (lead time, hand-off off)', async (h) => {
  const t = await createTestApp(h);
  try {
    await apply(
      t,
      plan(`  - key: short
    time_zone: Europe/Berlin
    layers: ${layers}
    notifications: { reminder_before: 15m, handoff: false }
`),
    );
    await run(t);
    await t.clock.set(HANDOFF - HOUR);
    await run(t);
    const keys = async () =>
      (await shiftDeliveries(t)).map((d) => d.idempotencyKey).filter((k) => k.startsWith('shift:short:'));
    assert.deepEqual(await keys(), []);
    await t.clock.set(HANDOFF - 15 * MIN);
    await run(t);
    assert.deepEqual(await keys(), [`shift:short:${HANDOFF}:alice@acme.test:reminder:0`]);
    await t.clock.set(HANDOFF);
    await run(t);
    assert.deepEqual(await keys(), [`shift:short:${HANDOFF}:alice@acme.test:reminder:0`]);
  } finally {
    await t.close();
  }
});

test('oncall: notifications.reminder_before is validated', () => {
  const bad = loadPlanFromString(
    `${plan()}  - key: bad
    time_zone: Europe/Berlin
    layers: ${layers}
    notifications: { reminder_before: 30s }
`,
    'vigil.yaml',
  );
  assert.equal(bad.ok, false);
  const unknown = loadPlanFromString(
    `${plan()}  - key: bad
    time_zone: Europe/Berlin
    layers: ${layers}
    notifications: { remind: true }
`,
    'vigil.yaml',
  );
  assert.equal(unknown.ok, false);
});

test('oncall: due notices across the DST change (Europe/Berlin, 2026-10-25)', () => {
  const s: Schedule = {
    key: 'dst',
    time_zone: 'Europe/Berlin',
    layers: [{ key: 'w', participants: ['a', 'b'], turn: '1w', handoff: '09:00', start: '2026-10-19' }],
  };
  // 2026-10-26 09:00 Berlin is 08:00 UTC (CET, after the change on the 25th).
  const at = Date.parse('2026-10-26T08:00:00Z');
  const n = dueNotices(s, at - 2 * HOUR, at + 1);
  assert.deepEqual(
    n.map((x) => [x.kind, x.user, x.from, new Date(x.at).toISOString()]),
    [
      ['reminder', 'b', 'a', '2026-10-26T07:00:00.000Z'],
      ['handoff', 'b', 'a', '2026-10-26T08:00:00.000Z'],
    ],
  );
  assert.deepEqual(dueNotices({ ...s, notifications: { enabled: false } }, at - 2 * HOUR, at + 1), []);
});
