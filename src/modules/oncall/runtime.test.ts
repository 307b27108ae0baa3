import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { inTransaction } from '../../db/tx.ts';
import { loadPlanFromString } from '../../plan/index.ts';
import type { NotifyApi } from '../notify/module.ts';
import { type HttpReceiver, startHttpReceiver } from '../notify/test-receivers.ts';

const T0 = Date.parse('2026-11-23T09:00:00Z');
const MIN = 60_000;

function plan(rx: string) {
  const hook = (u: string) => `{ type: webhook, url: "${rx}/page/${u}" }`;
  return `
version: 1
org: { name: Acme, base_url: https://vigil.acme.test }
severities: { preset: p0-p3 }
teams: [{ key: platform, name: Platform }, { key: factory, name: Factory }]
users:
  - { email: alice@acme.test, name: Alice, role: responder, teams: [platform] }
  - { email: bob@acme.test, name: Bob, role: responder, teams: [factory] }
  - { email: lead@acme.test, name: Lead, role: responder }
  - { email: mgr@acme.test, name: Manager, role: responder }
  - { email: cto@acme.test, name: CTO, role: viewer }
services:
  - { key: api, name: API, owner: platform }
  - { key: mill, name: Mill, owner: factory }
notification_channels:
  - { key: ff-slack, type: slack, url: "${rx}/slack" }
  - { key: ff-tickets, type: webhook, url: "${rx}/ticket" }
contacts:
  - user: alice@acme.test
    methods: [${hook('alice')}, { type: webhook, url: "${rx}/again/alice", delay: 3m }, { type: webhook, url: "${rx}/phone/alice", urgency: [high] }]
${['bob', 'lead', 'mgr', 'cto'].map((u) => `  - { user: ${u}@acme.test, methods: [${hook(u)}] }`).join('\n')}
schedules:
  - key: primary
    time_zone: Europe/Berlin
    layers: [{ key: w, participants: [alice@acme.test], turn: 1w, handoff: "09:00", start: "2026-11-02" }]
  - key: secondary
    time_zone: Europe/Berlin
    layers: [{ key: w, participants: [bob@acme.test], turn: 1w, handoff: "09:00", start: "2026-11-02" }]
escalation_policies:
  - key: wiretuner
    levels:
      - { targets: [schedule:primary], delay: 5m }
      - { targets: [user:lead@acme.test], delay: 10m }
      - { targets: [user:mgr@acme.test], delay: 15m }
    severity_overrides:
      P0: { also_notify: [user:cto@acme.test] }
      P2: { urgency: low }
  - key: forge
    levels:
      - { targets: [schedule:primary], delay: 5m }
      - { targets: [schedule:secondary], delay: 10m }
      - { targets: [user:mgr@acme.test], delay: 15m }
    severity_overrides:
      SEV-1: { also_notify: [user:cto@acme.test] }
      SEV-3: { page: false, channels: [ff-slack] }
      SEV-4: { page: false, ticket: ff-tickets }
paging:
  default_policy: wiretuner
  teams: { factory: forge }
`;
}

async function setup(t: TestApp, rx: HttpReceiver) {
  const res = loadPlanFromString(plan(rx.url), 'vigil.yaml');
  if (!res.ok) throw new Error(JSON.stringify(res.diagnostics, null, 2));
  const r = await t.request('POST', '/api/v1/apply', {
    objects: res.plan.objects,
    prune: res.plan.prune,
    files: res.plan.files,
  });
  assert.equal(r.statusCode, 200, r.body);
}

/** Records (virtual time since T0 in minutes, path) for every page. */
function arrivals(t: TestApp, rx: HttpReceiver) {
  const got: Array<{ min: number; path: string; incident: string }> = [];
  rx.onRequest = (r) =>
    got.push({
      min: (t.clock.now() - T0) / MIN,
      path: r.path,
      incident: JSON.parse(r.body).data?.incident_id ?? JSON.parse(r.body).text,
    });
  return got;
}

/**
 * Runs only this module's engines (escalation, then notify) from one due time to the next until
 * `ms` from now: exact and fast, where running every engine of the app would take far longer.
 */
async function drive(t: TestApp, ms: number) {
  const until = t.clock.now() + ms;
  for (let guard = 0; guard < 10_000; guard++) {
    const a = await t.app.runner.runOnce('oncall-escalation');
    const b = await t.app.runner.runOnce('notify');
    if (a?.more || b?.more) continue;
    const now = t.clock.now();
    // A step that returned nothing did not hold the lease (e.g. the previous process's after a restart).
    const next = [a ? a.nextDueAt : now + 5000, b ? b.nextDueAt : now + 5000]
      .filter((x): x is number => x != null)
      .map((x) => Math.max(x, now + 1000));
    const at = Math.min(until, ...next);
    if (now >= until) return;
    await t.clock.set(at);
  }
}

const emit = (t: TestApp, type: string, id: string, data: Record<string, unknown>) =>
  inTransaction(t.app.db, (tx) =>
    t.app.services.timeline.append(tx, {
      type,
      subject: { kind: 'incident', key: id },
      actor: 'test',
      data: { id, ...data },
    }),
  );

const page = (t: TestApp, id: string, severity: string, service: string) =>
  emit(t, 'incident.paging_requested', id, {
    human_id: id.toUpperCase(),
    title: `${id} broke`,
    severity,
    service,
    summary: 's',
    url: `https://vigil.acme.test/incidents/${id}`,
  });

/** Asserts the pages of `incident`: [minute, user] pairs, each within 15 s of its deadline. */
function assertPages(got: ReturnType<typeof arrivals>, incident: string, want: Array<[number, string]>) {
  const mine = got
    .filter((g) => g.incident === incident && g.path.startsWith('/page/'))
    .sort((x, y) => x.min - y.min || x.path.localeCompare(y.path));
  assert.deepEqual(
    mine.map((g) => g.path.slice(6)),
    want.map((w) => w[1]),
    `pages of ${incident}: ${JSON.stringify(mine)}`,
  );
  mine.forEach((g, i) => {
    const delta = g.min - want[i][0];
    assert.ok(delta >= 0 && delta <= 0.25, `${incident} → ${g.path} at ${g.min} min, want ${want[i][0]}`);
  });
}

testBothDbs(
  'oncall: WT-3 ladder, acknowledged at level 2 stops level 3; WT-1 P0 pages execs at once',
  async (h) => {
    const t = await createTestApp(h);
    const rx = await startHttpReceiver();
    try {
      await setup(t, rx);
      const got = arrivals(t, rx);
      await page(t, 'inc-a', 'P1', 'api');
      await page(t, 'inc-b', 'p0', 'api');
      await drive(t, 6 * MIN);
      await emit(t, 'incident.acknowledged', 'inc-a', { by: 'lead@acme.test' });
      await drive(t, 40 * MIN);
      assertPages(got, 'inc-a', [
        [0, 'alice'],
        [5, 'lead'],
      ]);
      assertPages(got, 'inc-b', [
        [0, 'alice'],
        [0, 'cto'],
        [5, 'lead'],
        [15, 'mgr'],
      ]);
      const st = (await t.request('GET', '/api/v1/escalations/inc-a')).json();
      assert.equal(st.status, 'acknowledged');
      const types = (await t.app.services.timeline.forSubject('incident', 'inc-a')).map((e) => e.type);
      assert.ok(
        types.includes('escalation.started') &&
          types.includes('notification.sent') &&
          types.includes('escalation.stopped'),
      );
    } finally {
      await rx.close();
      await t.close();
    }
  },
);

testBothDbs(
  'oncall: FF-5/FF-6 by owner team — primary, secondary, manager; SEV-3 Slack only; SEV-4 ticket',
  async (h) => {
    const t = await createTestApp(h);
    const rx = await startHttpReceiver();
    try {
      await setup(t, rx);
      const got = arrivals(t, rx);
      await page(t, 'f2', 'sev2', 'mill');
      await page(t, 'f1', 'SEV-1', 'mill');
      await page(t, 'f3', 'sev3', 'mill');
      await page(t, 'f4', 'SEV-4', 'mill');
      await emit(t, 'incident.resolved', 'f1', { by: 'bob@acme.test' });
      await drive(t, 35 * MIN);
      assertPages(got, 'f2', [
        [0, 'alice'],
        [5, 'bob'],
        [15, 'mgr'],
      ]);
      assertPages(got, 'f1', [
        [0, 'alice'],
        [0, 'cto'],
      ]);
      assertPages(got, 'f3', []);
      assertPages(got, 'f4', []);
      assert.deepEqual(
        got.filter((g) => g.path === '/slack').map((g) => g.incident),
        ['[sev3] F3 mill: f3 broke'],
      );
      assert.deepEqual(
        got.filter((g) => g.path === '/ticket').map((g) => g.incident),
        ['f4'],
      );
    } finally {
      await rx.close();
      await t.close();
    }
  },
);

testBothDbs(
  'oncall: a restart mid-escalation continues at the right time, nothing is sent twice',
  async (h) => {
    const t1 = await createTestApp(h);
    const rx = await startHttpReceiver();
    try {
      await setup(t1, rx);
      const got = arrivals(t1, rx);
      await page(t1, 'inc-r', 'P1', 'api');
      await drive(t1, 2 * MIN);
      await t1.close();
      const t2 = await createTestApp(h, { clock: t1.clock });
      try {
        await drive(t2, 40 * MIN);
        assertPages(got, 'inc-r', [
          [0, 'alice'],
          [5, 'lead'],
          [15, 'mgr'],
        ]);
      } finally {
        await t2.close();
      }
    } finally {
      await rx.close();
    }
  },
);

testBothDbs('oncall: who is on call, overrides, iCalendar feeds', async (h) => {
  const t = await createTestApp(h);
  const rx = await startHttpReceiver();
  try {
    await setup(t, rx);
    let r = await t.request('GET', '/api/v1/oncall/now?schedule=primary');
    assert.equal(r.json().items[0].user, 'alice@acme.test');
    r = await t.request('POST', '/api/v1/schedules/primary/overrides', {
      user: 'bob@acme.test',
      start: '2026-11-23T10:00:00Z',
      end: '2026-11-23T12:00:00Z',
      reason: 'dentist',
    });
    assert.equal(r.statusCode, 201, r.body);
    const id = r.json().id;
    r = await t.request('GET', '/api/v1/oncall/now?schedule=primary&at=2026-11-23T11:00:00Z');
    assert.equal(r.json().items[0].user, 'bob@acme.test');
    r = await t.request(
      'GET',
      '/api/v1/schedules/primary/shifts?from=2026-11-23T09:00:00Z&to=2026-11-23T13:00:00Z',
    );
    assert.deepEqual(
      r.json().items.map((s: any) => s.user),
      ['alice@acme.test', 'bob@acme.test', 'alice@acme.test'],
    );
    const url = new URL((await t.request('GET', '/api/v1/schedules/primary/calendar-url')).json().url);
    r = await t.request('GET', `${url.pathname}${url.search}`, undefined, { token: null });
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /BEGIN:VCALENDAR/);
    assert.equal(
      (await t.request('GET', `${url.pathname}?token=wrong`, undefined, { token: null })).statusCode,
      404,
    );
    const uurl = new URL(
      (await t.request('GET', '/api/v1/oncall/users/bob@acme.test/calendar-url')).json().url,
    );
    r = await t.request('GET', `${uurl.pathname}${uurl.search}`, undefined, { token: null });
    assert.match(r.body, /BEGIN:VEVENT/);
    assert.equal((await t.request('DELETE', `/api/v1/schedules/primary/overrides/${id}`)).statusCode, 204);
    r = await t.request('GET', '/api/v1/oncall/now?schedule=primary&at=2026-11-23T11:00:00Z');
    assert.equal(r.json().items[0].user, 'alice@acme.test');
  } finally {
    await rx.close();
    await t.close();
  }
});

testBothDbs(
  'oncall + incidents: an opened incident pages; its one-click link acknowledges and stops the ladder',
  async (h) => {
    const t = await createTestApp(h);
    const rx = await startHttpReceiver();
    try {
      await setup(t, rx);
      const incidents = t.app.modules.find<{
        open(
          i: { title: string; severity: string; service: string },
          actor: string,
        ): Promise<{ incident: { id: string; status: string } }>;
        get(id: string): Promise<{ status: string }>;
      }>('incidents');
      if (!incidents) return; // the incidents module is not part of this build
      const got = arrivals(t, rx);
      const { incident } = await incidents.open(
        { title: 'Checkout down', severity: 'p1', service: 'api' },
        'test',
      );
      await drive(t, MIN);
      assertPages(got, incident.id, [[0, 'alice']]);
      const link = JSON.parse(rx.received.at(-1)!.body).data.links.acknowledge as string;
      const path = new URL(link).pathname;
      assert.equal((await t.request('GET', path, undefined, { token: null })).statusCode, 200);
      const r = await t.request('POST', path, undefined, { token: null });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().actor, 'alice@acme.test');
      assert.equal((await incidents.get(incident.id)).status, 'acknowledged');
      assert.equal((await t.request('POST', path, undefined, { token: null })).statusCode, 410, 'single-use');
      await drive(t, 30 * MIN);
      assertPages(got, incident.id, [[0, 'alice']]);
      assert.equal(
        (await t.request('GET', `/api/v1/escalations/${incident.id}`)).json().status,
        'acknowledged',
      );
    } finally {
      await rx.close();
      await t.close();
    }
  },
);

testBothDbs(
  'oncall: a page starts without waiting for a step, and a plan change applies to the next page at once',
  async (h) => {
    const t = await createTestApp(h);
    const rx = await startHttpReceiver();
    try {
      await setup(t, rx);
      const got = arrivals(t, rx);
      // A step makes this process the engine's leader; after that, events wake it.
      await t.app.runner.runOnce('oncall-escalation');
      await page(t, 'inc-w', 'P1', 'api');
      // No step runs and the virtual clock stands still: only the wake-ups can deliver it.
      for (let i = 0; i < 250 && !got.some((g) => g.incident === 'inc-w'); i++)
        await new Promise((r) => setTimeout(r, 20));
      assertPages(got, 'inc-w', [[0, 'alice']]);
      // The cached catalog snapshot is dropped when the plan changes: the primary is now bob.
      const res = loadPlanFromString(
        plan(rx.url).replace(
          'layers: [{ key: w, participants: [alice@acme.test]',
          'layers: [{ key: w, participants: [bob@acme.test]',
        ),
        'vigil.yaml',
      );
      if (!res.ok) throw new Error(JSON.stringify(res.diagnostics));
      const r = await t.request('POST', '/api/v1/apply', {
        objects: res.plan.objects,
        prune: res.plan.prune,
        files: res.plan.files,
      });
      assert.equal(r.statusCode, 200, r.body);
      await page(t, 'inc-x', 'P1', 'api');
      await t.app.runner.runOnce('oncall-escalation');
      await t.app.runner.runOnce('notify');
      assertPages(got, 'inc-x', [[0, 'bob']]);
    } finally {
      await rx.close();
      await t.close();
    }
  },
);

testBothDbs(
  'oncall: a contact method with a delay sends a second reminder, cancelled once acknowledged',
  async (h) => {
    const t = await createTestApp(h);
    const rx = await startHttpReceiver();
    try {
      await setup(t, rx);
      const got = arrivals(t, rx);
      const again = (id: string) => got.filter((g) => g.path === '/again/alice' && g.incident === id);
      await page(t, 'inc-ack', 'P1', 'api');
      await page(t, 'inc-open', 'P1', 'api');
      await drive(t, 2 * MIN);
      // Both pages reached Alice at once; the delayed method has not fired yet.
      assertPages(got, 'inc-ack', [[0, 'alice']]);
      assert.deepEqual(again('inc-ack'), []);
      await emit(t, 'incident.acknowledged', 'inc-ack', { by: 'alice@acme.test' });
      await drive(t, 2 * MIN);
      // The unacknowledged incident gets the second reminder 3 minutes after the page …
      assert.equal(again('inc-open').length, 1);
      const at = again('inc-open')[0].min;
      assert.ok(at >= 3 && at <= 3.25, `second reminder at ${at} min`);
      // … the acknowledged one never does: its delayed delivery is cancelled, not sent.
      await drive(t, 10 * MIN);
      assert.deepEqual(again('inc-ack'), []);
      const notify = t.app.modules.get<NotifyApi>('notify');
      const mine = await notify.deliveries({ incidentId: 'inc-ack', limit: 50 });
      const cancelled = mine.filter((d) => d.status === 'cancelled');
      assert.equal(cancelled.length, 1, JSON.stringify(mine.map((d) => [d.channel.key, d.status])));
      assert.match(cancelled[0].lastDetail ?? '', /acknowledged by alice@acme\.test/);
      const r = await t.request('GET', '/api/v1/deliveries?status=cancelled');
      assert.equal(r.statusCode, 200, r.body);
    } finally {
      await rx.close();
      await t.close();
    }
  },
);

testBothDbs(
  'oncall: paging and acknowledgement handled in one batch: the reminder it enqueued is cancelled, no level follows',
  async (h) => {
    const t = await createTestApp(h);
    const rx = await startHttpReceiver();
    try {
      await setup(t, rx);
      const got = arrivals(t, rx);
      // Both events are committed before the engine runs, so one consume batch sees them.
      await page(t, 'inc-both', 'P1', 'api');
      await emit(t, 'incident.acknowledged', 'inc-both', { by: 'alice@acme.test' });
      await drive(t, 30 * MIN);
      assertPages(got, 'inc-both', [[0, 'alice']]);
      assert.deepEqual(
        got.filter((g) => g.path === '/again/alice'),
        [],
      );
      const notify = t.app.modules.get<NotifyApi>('notify');
      const mine = await notify.deliveries({ incidentId: 'inc-both', limit: 50 });
      // Her page and phone call were sent; the 3-minute reminder was cancelled.
      assert.deepEqual(mine.map((d) => d.status).sort(), ['cancelled', 'sent', 'sent']);
      const types = (await t.app.services.timeline.forSubject('incident', 'inc-both'))
        .map((e) => e.type)
        .filter((x) => x.startsWith('escalation.') || x.startsWith('incident.'));
      assert.deepEqual(types, [
        'incident.paging_requested',
        'incident.acknowledged',
        'escalation.started',
        'escalation.notified',
        'escalation.stopped',
      ]);
      const esc = (await t.request('GET', '/api/v1/escalations/inc-both')).json();
      assert.equal(esc.status, 'acknowledged', JSON.stringify(esc));
      assert.equal(esc.state.nextDueAt, null, 'no level follows');
    } finally {
      await rx.close();
      await t.close();
    }
  },
);

testBothDbs(
  'oncall: a low-urgency severity pages through the low-urgency contact methods only',
  async (h) => {
    const t = await createTestApp(h);
    const rx = await startHttpReceiver();
    try {
      await setup(t, rx);
      const got = arrivals(t, rx);
      await page(t, 'inc-hi', 'P1', 'api');
      await page(t, 'inc-lo', 'P2', 'api');
      await drive(t, 1 * MIN);
      const paths = (id: string) =>
        got
          .filter((g) => g.incident === id)
          .map((g) => g.path)
          .sort();
      // Alice's phone bridge is for high urgency only.
      assert.deepEqual(paths('inc-hi'), ['/page/alice', '/phone/alice']);
      assert.deepEqual(paths('inc-lo'), ['/page/alice']);
      const notified = (await t.app.services.timeline.forSubject('incident', 'inc-lo')).find(
        (e) => e.type === 'escalation.notified',
      );
      assert.equal(notified?.data.urgency, 'low');
    } finally {
      await rx.close();
      await t.close();
    }
  },
);
