import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { VirtualClock } from '../../kernel/clock.ts';
import { loadPlanFromString } from '../../plan/index.ts';
import '../oncall/kinds.ts';
import '../oncall/plan-section.ts';
import type { NotifyApi } from '../notify/module.ts';
import './plan-section.ts';
import { DIGEST_ENGINE, DIGEST_EVENT, lastOccurrence } from './digest.ts';
import { drain, planBody } from './test/fixture.ts';

const DIGEST = `
  digest:
    day: mon
    time: "09:00"
    time_zone: Europe/Berlin
    channel: flags-slack
    team_channels: { frontend: fe-hook }
`;

const plan = (digest: string) => `
version: 1
org: { name: Acme }
teams:
  - { key: platform, name: Platform }
  - { key: frontend, name: Frontend }
environments:
  - { key: staging, name: Staging }
  - { key: prod, name: Production, production: true }
notification_channels:
  - { key: flags-slack, type: webhook, url: "http://127.0.0.1:9/slack" }
  - { key: fe-hook, type: webhook, url: "http://127.0.0.1:9/fe" }
flags:${digest}
  flags:
    - key: enable_email
      type: kill-switch
      owner: platform
      default_variant: "on"
      environments: { staging: { enabled: true }, prod: { enabled: true } }
    - key: ops_cache_warm
      type: operational
      owner: platform
      environments: { prod: { enabled: false } }
    - key: ui_old_exporter
      type: release
      owner: frontend
      default_variant: "on"
      environments: { staging: { enabled: true }, prod: { enabled: true } }
    - key: ui_fresh
      type: release
      owner: frontend
      environments:
        prod:
          enabled: true
          rollout: { percentage: 50 }
`;

const deliveries = async (t: TestApp) =>
  (await t.app.modules.get<NotifyApi>('notify').deliveries()).filter((d) =>
    d.idempotencyKey.startsWith('flags-digest:'),
  );
const digestEvents = (t: TestApp) => t.app.services.timeline.recent({ types: [DIGEST_EVENT] });

/** Sets the virtual clock to `iso` and runs the digest engine once. */
async function runAt(t: TestApp, iso: string) {
  const target = Date.parse(iso);
  assert.ok(target >= t.clock.now(), `clock moves forward to ${iso}`);
  await t.advance(target - t.clock.now());
  await t.app.runner.runOnce(DIGEST_ENGINE);
}

describe('digest schedule', () => {
  it('finds the last weekly send time in the zone, across DST', () => {
    const spec = { channel: 'x', day: 'mon' as const, time: '09:00', time_zone: 'Europe/Berlin' };
    // Summer time (UTC+2): Monday 19 Oct 2026 09:00 = 07:00Z.
    assert.deepEqual(lastOccurrence(spec, Date.parse('2026-10-21T12:00:00Z')), {
      at: Date.parse('2026-10-19T07:00:00Z'),
      week: '2026-W43',
    });
    // After the change on 25 Oct (UTC+1): Monday 26 Oct 09:00 = 08:00Z.
    assert.equal(
      lastOccurrence(spec, Date.parse('2026-10-26T07:59:00Z')).at,
      Date.parse('2026-10-19T07:00:00Z'),
    );
    assert.deepEqual(lastOccurrence(spec, Date.parse('2026-10-26T08:00:00Z')), {
      at: Date.parse('2026-10-26T08:00:00Z'),
      week: '2026-W44',
    });
    // Defaults: Monday 09:00 UTC; a Sunday belongs to its ISO week.
    assert.equal(lastOccurrence({ channel: 'x' }, Date.parse('2026-11-29T10:00:00Z')).week, '2026-W48');
    assert.equal(
      lastOccurrence({ channel: 'x', day: 'sun' }, Date.parse('2026-11-29T10:00:00Z')).at,
      Date.parse('2026-11-29T09:00:00Z'),
    );
  });

  it('validates the plan setting: channel references, zone, time', () => {
    assert.doesNotThrow(() => planBody(plan(DIGEST)));
    const problems = (yaml: string) => {
      const r = loadPlanFromString(yaml, 'vigil.yaml');
      return r.ok ? [] : r.diagnostics.map((d) => `${d.path ?? ''} ${d.message}`);
    };
    assert.match(problems(plan(DIGEST.replace('channel: flags-slack', 'channel: nope'))).join('\n'), /nope/);
    assert.match(problems(plan(DIGEST.replace('frontend: fe-hook', 'frontend: gone'))).join('\n'), /gone/);
    assert.match(problems(plan(DIGEST.replace('frontend: fe-hook', 'nobody: fe-hook'))).join('\n'), /nobody/);
    assert.match(problems(plan(DIGEST.replace('Europe/Berlin', 'Mars/Base'))).join('\n'), /Mars\/Base/);
    assert.notDeepEqual(problems(plan(DIGEST.replace('"09:00"', '"9am"'))), []);
    assert.notDeepEqual(problems(plan(DIGEST.replace('day: mon', 'day: monday'))), []);
  });
});

testBothDbs(
  'weekly digest: Monday 09:00 Europe/Berlin, once per week and channel, across DST and a restart',
  async (h) => {
    // Thursday 1 Oct 2026: the plan (and the digest setting) arrive mid-week.
    const clock = new VirtualClock('2026-10-01T10:00:00Z');
    let t = await createTestApp(h, { clock });
    try {
      const r = await t.request('POST', '/api/v1/apply', planBody(plan(DIGEST)));
      assert.equal(r.statusCode, 200, r.body);
      await drain(t, 'flags-events');
      assert.equal((await t.request('GET', '/api/v1/flag-digest')).statusCode, 200);

      // Last Monday's 09:00 is days ago: no late digest for a week that began before the setting.
      await t.app.runner.runOnce(DIGEST_ENGINE);
      assert.deepEqual(await deliveries(t), []);

      // Monday 5 Oct, 09:00 in Berlin: nothing is stale yet, so nothing is sent.
      await runAt(t, '2026-10-05T07:00:00Z');
      assert.deepEqual(await deliveries(t), []);
      assert.deepEqual(await digestEvents(t), []);

      // Monday 19 Oct, 08:59 in Berlin (CEST): not yet.
      await runAt(t, '2026-10-19T06:59:00Z');
      assert.deepEqual(await deliveries(t), []);
      await runAt(t, '2026-10-19T07:00:00Z');
      let ds = await deliveries(t);
      assert.deepEqual(ds.map((d) => d.idempotencyKey).sort(), [
        'flags-digest:2026-W43:fe-hook',
        'flags-digest:2026-W43:flags-slack',
      ]);
      const fe = ds.find((d) => d.channel.key === 'fe-hook');
      const main = ds.find((d) => d.channel.key === 'flags-slack');
      assert.ok(fe && main);
      assert.deepEqual(fe.channel, {
        type: 'webhook',
        key: 'fe-hook',
        config: { url: 'http://127.0.0.1:9/fe' },
      });
      assert.equal(fe.message.title, '1 stale feature flag (week 2026-W43)');
      assert.match(
        fe.message.summary ?? '',
        /frontend \(1\):\n {2}- ui_old_exporter \[release\], 17.9 d old: served at 100 % in every environment for 17 d/,
      );
      assert.doesNotMatch(fe.message.summary ?? '', /ui_fresh|enable_email|ops_cache_warm/);
      assert.match(
        fe.message.summary ?? '',
        /At 100 % or 0 % in every environment past the retirement window: 1\./,
      );
      assert.match(fe.message.summary ?? '', /Lifespan \(WT-10, target < 60 d\): 4 flags, 0 retired/);
      assert.match(
        main.message.summary ?? '',
        /platform \(1\):\n {2}- ops_cache_warm \[operational\], 17.9 d old: served at 0 %/,
      );
      assert.doesNotMatch(main.message.summary ?? '', /enable_email|ui_/, 'kill switches are never stale');
      const data = main.message.data as any;
      assert.equal(data.week, '2026-W43');
      assert.equal(data.teams[0].flags[0].full_for_days, 17);
      assert.equal(data.lifespan.flags, 4);

      let ev = await digestEvents(t);
      assert.equal(ev.length, 2);
      assert.deepEqual(ev.map((e) => e.data.channel).sort(), ['fe-hook', 'flags-slack']);
      assert.deepEqual(ev[0].subject, { kind: 'flag_digest', key: 'default' });

      // Running again the same week sends nothing more.
      await runAt(t, '2026-10-19T07:30:00Z');
      await runAt(t, '2026-10-19T12:00:00Z');
      assert.equal((await deliveries(t)).length, 2);
      await t.close();

      // A new process on the same database, later that Monday: still once.
      t = await createTestApp(h, { clock });
      await runAt(t, '2026-10-19T13:00:00Z');
      assert.equal((await deliveries(t)).length, 2);
      assert.equal((await digestEvents(t)).length, 2);

      // DST ended on Sunday 25 Oct: Monday 09:00 in Berlin is now 08:00Z, not 07:00Z.
      await runAt(t, '2026-10-26T07:00:00Z');
      await runAt(t, '2026-10-26T07:59:00Z');
      assert.equal((await deliveries(t)).length, 2);
      await runAt(t, '2026-10-26T08:00:00Z');
      ds = await deliveries(t);
      assert.deepEqual(
        ds
          .map((d) => d.idempotencyKey)
          .filter((k) => k.includes('W44'))
          .sort(),
        ['flags-digest:2026-W44:fe-hook', 'flags-digest:2026-W44:flags-slack'],
      );
      await runAt(t, '2026-10-26T08:05:00Z');
      assert.equal((await deliveries(t)).length, 4);
      ev = await digestEvents(t);
      assert.equal(ev.length, 4);
    } finally {
      await t.close();
    }
  },
);

testBothDbs('no digest without `digest:` in the plan', async (h) => {
  const t = await createTestApp(h, { clock: new VirtualClock('2026-10-01T10:00:00Z') });
  try {
    const r = await t.request('POST', '/api/v1/apply', planBody(plan('')));
    assert.equal(r.statusCode, 200, r.body);
    await drain(t, 'flags-events');
    await runAt(t, '2026-10-19T07:00:00Z');
    await runAt(t, '2026-10-19T08:00:00Z');
    const stale = (await t.request('GET', '/api/v1/flags?stale=true')).json().items;
    assert.equal(stale.length, 2, 'there is something to report');
    assert.deepEqual(await deliveries(t), []);
    assert.deepEqual(await digestEvents(t), []);
  } finally {
    await t.close();
  }
});
