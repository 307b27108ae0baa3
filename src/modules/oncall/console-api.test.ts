/**
 * The API the console's on-call pages use: who is on call with the next hand-off, a schedule's
 * layers and overrides next to the final timeline, a test notification to the signed-in user's
 * contact methods, and the paginated delivery log.
 */
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { loadPlanFromString } from '../../plan/index.ts';
import { startHttpReceiver } from '../notify/test-receivers.ts';

async function apply(t: TestApp, yaml: string) {
  const res = loadPlanFromString(yaml, 'vigil.yaml');
  if (!res.ok) throw new Error(JSON.stringify(res.diagnostics, null, 2));
  const r = await t.request('POST', '/api/v1/apply', {
    objects: res.plan.objects,
    prune: res.plan.prune,
    files: res.plan.files,
  });
  assert.equal(r.statusCode, 200, r.body);
}

const PLAN = (rx: string, gone = rx) => `
version: 1
org: { name: Acme, base_url: https://vigil.acme.test }
users:
  - { email: alice@acme.test, name: Alice, role: responder }
  - { email: bob@acme.test, name: Bob, role: responder }
  - { email: carol@acme.test, name: Carol, role: viewer }
contacts:
  - user: alice@acme.test
    methods:
      - { type: webhook, url: "${rx}/ok" }
      - { type: webhook, url: "${gone}/gone", urgency: [low] }
schedules:
  - key: primary
    name: Primary
    time_zone: Europe/Berlin
    layers:
      - { key: weekly, participants: [alice@acme.test, bob@acme.test], turn: 1w, handoff: "09:00", start: "2026-11-02" }
      - key: business
        participants: [carol@acme.test]
        turn: 1w
        handoff: "09:00"
        start: "2026-11-02"
        restrictions: [{ type: daily, start: "10:00", end: "12:00", days: [mon] }]
    overrides:
      - { id: plan-cover, user: bob@acme.test, start: "2026-11-24T14:00:00+01:00", end: "2026-11-24T16:00:00+01:00" }
`;

testBothDbs('oncall console API: now with next hand-off; shifts with layers and overrides', async (h) => {
  const t = await createTestApp(h);
  const rx = await startHttpReceiver();
  try {
    await apply(t, PLAN(rx.url));
    // Monday 08:00 Berlin, in the rotation's second week.
    let r = await t.request('GET', '/api/v1/oncall/now?at=2026-11-23T07:00:00Z');
    assert.equal(r.statusCode, 200, r.body);
    const now = r.json().items[0];
    assert.equal(now.schedule, 'primary');
    assert.equal(now.name, 'Primary');
    assert.equal(now.time_zone, 'Europe/Berlin');
    assert.equal(now.user, 'alice@acme.test'); // turn 2 (from 16 Nov 09:00)
    // The next change of person: the weekly hand-off at 09:00 Berlin.
    assert.deepEqual(now.next_handoff, {
      at: '2026-11-23T08:00:00.000Z',
      from: 'alice@acme.test',
      to: 'bob@acme.test',
    });

    r = await t.request(
      'GET',
      '/api/v1/schedules/primary/shifts?from=2026-11-23T00:00:00Z&to=2026-11-25T00:00:00Z&layers=true',
    );
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json();
    assert.deepEqual(
      body.layers.map((l: any) => [l.key, l.items.length]),
      [
        ['weekly', 2],
        ['business', 1],
      ],
    );
    assert.deepEqual(body.layers[1].items[0], {
      start: '2026-11-23T09:00:00.000Z',
      end: '2026-11-23T11:00:00.000Z',
      user: 'carol@acme.test',
      turn: 3,
    });
    assert.deepEqual(body.overrides, [
      {
        id: 'plan-cover',
        user: 'bob@acme.test',
        start: '2026-11-24T13:00:00.000Z',
        end: '2026-11-24T15:00:00.000Z',
        reason: null,
      },
    ]);
    // Without ?layers the answer stays as it was.
    r = await t.request('GET', '/api/v1/schedules/primary/shifts');
    assert.equal(r.json().layers, undefined);

    // API overrides are announced on the schedule's timeline (the console listens for them).
    r = await t.request('POST', '/api/v1/schedules/primary/overrides', {
      user: null,
      start: '2026-11-24T20:00:00Z',
      end: '2026-11-24T21:00:00Z',
      reason: 'planned gap',
    });
    assert.equal(r.statusCode, 201, r.body);
    const id = r.json().id;
    assert.equal((await t.request('DELETE', `/api/v1/schedules/primary/overrides/${id}`)).statusCode, 204);
    r = await t.request('GET', '/api/v1/events?subject_kind=schedule&subject_key=primary&limit=50');
    const types = r.json().items.map((e: any) => e.type);
    assert.ok(types.includes('schedule.override_created'), types.join());
    assert.ok(types.includes('schedule.override_deleted'), types.join());
  } finally {
    await rx.close();
    await t.close();
  }
});

testBothDbs('oncall console API: a test notification reaches the signed-in user and is logged', async (h) => {
  const t = await createTestApp(h);
  const rx = await startHttpReceiver();
  const rx410 = await startHttpReceiver();
  rx410.respond = { status: 410 };
  try {
    await apply(t, PLAN(rx.url, rx410.url));
    const alice = (
      await t.app.services.tokens.issue(
        { actor: 'test' },
        {
          name: 'alice',
          role: 'responder',
          userKey: 'alice@acme.test',
        },
      )
    ).secret;
    const carol = (
      await t.app.services.tokens.issue(
        { actor: 'test' },
        {
          name: 'carol',
          role: 'viewer',
          userKey: 'carol@acme.test',
        },
      )
    ).secret;

    // A token without a user cannot say whose contact methods to test.
    let r = await t.request('POST', '/api/v1/oncall/me/test-notification', {});
    assert.equal(r.statusCode, 400, r.body);
    assert.equal(r.json().type, 'urn:vigil:problem:invalid-request');

    // Every method (both urgencies), one delivery each.
    r = await t.request('POST', '/api/v1/oncall/me/test-notification', {}, { token: alice });
    assert.equal(r.statusCode, 202, r.body);
    const items = r.json().items;
    assert.deepEqual(
      items.map((i: any) => [i.method, i.channel.type]),
      [
        [0, 'webhook'],
        [1, 'webhook'],
      ],
    );
    await t.app.runner.runOnce('notify');
    const ok = (await t.request('GET', `/api/v1/deliveries/${items[0].delivery_id}`)).json();
    assert.equal(ok.status, 'sent');
    assert.equal(ok.kind, 'test');
    assert.equal(ok.recipient, 'alice@acme.test');
    const gone = (await t.request('GET', `/api/v1/deliveries/${items[1].delivery_id}`)).json();
    assert.equal(gone.status, 'failed');
    assert.match(gone.last_detail, /410/);
    const got = rx.received.find((x) => x.path === '/ok');
    assert.ok(got, 'the receiver got the test');
    assert.equal(JSON.parse(got.body).type, 'notification.test');

    // One method by index; an index out of range is a 404.
    r = await t.request('POST', '/api/v1/oncall/me/test-notification', { method: 0 }, { token: alice });
    assert.equal(r.json().items.length, 1);
    r = await t.request('POST', '/api/v1/oncall/me/test-notification', { method: 5 }, { token: alice });
    assert.equal(r.statusCode, 404, r.body);

    // A viewer without contact methods is e-mailed at their address (the default method).
    r = await t.request('POST', '/api/v1/oncall/me/test-notification', {}, { token: carol });
    assert.equal(r.statusCode, 202, r.body);
    assert.deepEqual(r.json().items[0].channel, { type: 'email', key: 'contact:carol@acme.test:email' });
    assert.equal(r.json().items[0].method, null);

    // The delivery log: filters and cursor pages (newest first).
    r = await t.request('GET', '/api/v1/deliveries?recipient=alice@acme.test&limit=2');
    let page = r.json();
    assert.equal(page.items.length, 2);
    assert.ok(page.next_cursor);
    r = await t.request(
      `GET`,
      `/api/v1/deliveries?recipient=alice@acme.test&limit=2&cursor=${page.next_cursor}`,
    );
    const second = r.json();
    assert.equal(second.items.length, 1);
    assert.equal(second.next_cursor, null);
    const ids = [...page.items, ...second.items].map((d: any) => d.id);
    assert.deepEqual(ids, [...ids].sort().reverse());
    assert.equal(new Set(ids).size, 3);
    r = await t.request('GET', '/api/v1/deliveries?status=failed');
    page = r.json();
    assert.deepEqual(
      page.items.map((d: any) => d.id),
      [items[1].delivery_id],
    );
    assert.equal(page.items[0].idempotency_key.startsWith('test:alice@acme.test:1:'), true);
  } finally {
    await rx.close();
    await rx410.close();
    await t.close();
  }
});

testBothDbs('oncall console API: a contact method is verified with a code sent through it', async (h) => {
  const t = await createTestApp(h);
  const rx = await startHttpReceiver();
  try {
    await apply(t, PLAN(rx.url));
    const alice = (
      await t.app.services.tokens.issue(
        { actor: 'test' },
        { name: 'alice', role: 'responder', userKey: 'alice@acme.test' },
      )
    ).secret;
    const as = (method: string, url: string, body?: unknown) =>
      t.request(method, url, body, { token: alice });
    let r = await as('GET', '/api/v1/oncall/me/verifications');
    assert.deepEqual(
      r.json().items.map((i: any) => [i.method, i.verified, i.code_pending]),
      [
        [0, false, false],
        [1, false, false],
      ],
    );
    r = await as('POST', '/api/v1/oncall/me/contact-methods/0/verification/confirm', { code: '123456' });
    assert.equal(r.statusCode, 409, r.body);

    r = await as('POST', '/api/v1/oncall/me/contact-methods/0/verification');
    assert.equal(r.statusCode, 202, r.body);
    await t.app.runner.runOnce('notify');
    const sent = rx.received.find((x) => x.path === '/ok');
    assert.ok(sent, 'the code went through the method');
    const code = /code is (\d{6})/.exec(JSON.parse(sent.body).data.summary)?.[1];
    assert.ok(code, sent.body);
    // The delivery log (readable by every viewer) does not reveal it.
    const logged = await t.request('GET', `/api/v1/deliveries/${r.json().delivery_id}`);
    assert.equal(logged.json().title, 'Your Vigil verification code');
    assert.doesNotMatch(logged.body, new RegExp(code));
    assert.equal((await as('GET', '/api/v1/oncall/me/verifications')).json().items[0].code_pending, true);

    // A wrong code is refused under the field; the right one verifies.
    r = await as('POST', '/api/v1/oncall/me/contact-methods/0/verification/confirm', {
      code: code === '000000' ? '111111' : '000000',
    });
    assert.equal(r.statusCode, 400, r.body);
    assert.equal(r.json().errors[0].path, 'body.code');
    r = await as('POST', '/api/v1/oncall/me/contact-methods/0/verification/confirm', { code });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().verified, true);
    r = await as('GET', '/api/v1/oncall/me/verifications');
    assert.deepEqual(
      r.json().items.map((i: any) => i.verified),
      [true, false],
    );

    // Codes expire; wrong guesses are limited.
    await as('POST', '/api/v1/oncall/me/contact-methods/1/verification');
    for (let i = 0; i < 5; i++)
      await as('POST', '/api/v1/oncall/me/contact-methods/1/verification/confirm', { code: 'nope' });
    r = await as('POST', '/api/v1/oncall/me/contact-methods/1/verification/confirm', { code: 'nope' });
    assert.equal(r.statusCode, 429, r.body);
    await as('POST', '/api/v1/oncall/me/contact-methods/1/verification');
    await t.clock.set(t.clock.now() + 31 * 60_000);
    r = await as('POST', '/api/v1/oncall/me/contact-methods/1/verification/confirm', { code: '123456' });
    assert.equal(r.statusCode, 410, r.body);

    // A changed destination is a new method: it is no longer verified.
    const bob = (
      await t.app.services.tokens.issue(
        { actor: 'test' },
        { name: 'bob', role: 'responder', userKey: 'bob@acme.test' },
      )
    ).secret;
    const asBob = (method: string, url: string, body?: unknown) =>
      t.request(method, url, body, { token: bob });
    r = await asBob('POST', '/api/v1/contacts', {
      key: 'bob@acme.test',
      methods: [{ type: 'webhook', url: `${rx.url}/bob` }],
    });
    assert.equal(r.statusCode, 201, r.body);
    await asBob('POST', '/api/v1/oncall/me/contact-methods/0/verification');
    await t.app.runner.runOnce('notify');
    const bobCode = /code is (\d{6})/.exec(
      JSON.parse(rx.received.find((x) => x.path === '/bob')!.body).data.summary,
    )?.[1];
    r = await asBob('POST', '/api/v1/oncall/me/contact-methods/0/verification/confirm', { code: bobCode });
    assert.equal(r.json().verified, true);
    r = await asBob('PUT', '/api/v1/contacts/bob@acme.test', {
      methods: [{ type: 'webhook', url: `${rx.url}/bob-moved`, urgency: ['high'] }],
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal((await asBob('GET', '/api/v1/oncall/me/verifications')).json().items[0].verified, false);
    assert.equal(
      (await t.request('POST', '/api/v1/oncall/me/contact-methods/0/verification')).statusCode,
      400,
      'an admin token has no user',
    );
  } finally {
    await rx.close();
    await t.close();
  }
});
