import assert from 'node:assert/strict';
import { createTestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { DAY } from '../../kernel/clock.ts';
import { loadPlanFromString } from '../../plan/index.ts';
import { alertEvent, clientKey, drain, FLAGS_PLAN, planBody } from './test/fixture.ts';

testBothDbs(
  'flags: plan apply, kill switch with incident link, trigger, override lifetime, views',
  async (h) => {
    const t = await createTestApp(h);
    try {
      let r = await t.request('POST', '/api/v1/apply', planBody(FLAGS_PLAN));
      assert.equal(r.statusCode, 200, r.body);
      const def = (await t.request('GET', '/api/v1/flag-definitions/enable_email')).json();
      assert.equal(def.managed, true);
      assert.equal(def.type, 'kill-switch');
      r = await t.request('PUT', '/api/v1/flag-definitions/enable_email', {
        type: 'release',
        environments: {},
      });
      assert.equal(r.statusCode, 409, 'plan-managed definitions refuse API edits');

      const secret = await clientKey(t, 'prod');
      const ofrep = async (flag: string, context: Record<string, unknown> = {}) =>
        (await t.request('POST', `/ofrep/v1/evaluate/flags/${flag}`, { context }, { token: secret })).json();
      assert.deepEqual(await ofrep('enable_email'), {
        key: 'enable_email',
        reason: 'STATIC',
        variant: 'on',
        value: true,
      });

      // A responder turns the kill switch off during an incident.
      const responder = await t.token('responder');
      r = await t.request(
        'POST',
        '/api/v1/flags/enable_email/environments/prod/off',
        { reason: 'SendGrid bounces', incident: 'INC-2026-11-23-001' },
        { token: responder },
      );
      assert.equal(r.statusCode, 200, r.body);
      assert.equal((await ofrep('enable_email')).value, false, 'served set is invalidated at once');
      assert.equal((await ofrep('enable_email')).reason, 'DISABLED');
      const viewer = await t.token('viewer');
      r = await t.request(
        'POST',
        '/api/v1/flags/enable_email/environments/prod/on',
        { reason: 'x' },
        { token: viewer },
      );
      assert.equal(r.statusCode, 403);

      // Scoped grants: a viewer who is responder in staging only may flip staging, not prod.
      const dev = (
        await t.app.services.tokens.issue(
          { actor: 'test' },
          { name: 'dev', role: 'responder', userKey: 'dev@acme.test' },
        )
      ).secret;
      r = await t.request(
        'POST',
        '/api/v1/flags/enable_email/environments/staging/off',
        { reason: 'x' },
        { token: dev },
      );
      assert.equal(r.statusCode, 200, r.body);
      r = await t.request(
        'POST',
        '/api/v1/flags/enable_email/environments/prod/on',
        { reason: 'x' },
        { token: dev },
      );
      assert.equal(r.statusCode, 403);
      assert.match(r.json().detail, /environment prod/);
      await t.request('DELETE', '/api/v1/flags/enable_email/environments/staging/override', undefined, {
        token: dev,
      });

      const incident = await t.app.services.timeline.forSubject('incident', 'INC-2026-11-23-001');
      assert.equal(incident.length, 1);
      assert.equal(incident[0].type, 'flag.toggled');
      assert.deepEqual(incident[0].data, {
        flag: 'enable_email',
        env: 'prod',
        enabled: false,
        reason: 'SendGrid bounces',
        by: 'token:test-responder',
      });
      const audit = (await t.request('GET', '/api/v1/audit?kind=flag&key=enable_email')).json().items;
      const toggle = audit.find((a: any) => a.action === 'flag.toggle');
      assert.equal(toggle.before.enabled, true);
      assert.equal(toggle.after.enabled, false);

      // Re-applying the unchanged plan keeps the runtime override (a restart must not undo a kill switch).
      r = await t.request('POST', '/api/v1/apply', planBody(FLAGS_PLAN));
      assert.equal(r.statusCode, 200, r.body);
      assert.equal((await ofrep('enable_email')).value, false);
      let detail = (await t.request('GET', '/api/v1/flags/enable_email')).json();
      assert.equal(detail.environments.prod.enabled, false);
      assert.equal(detail.environments.prod.declared_enabled, true);
      assert.equal(detail.environments.prod.override.incident, 'INC-2026-11-23-001');
      assert.ok(detail.history.some((e: any) => e.type === 'flag.toggled' && e.data.enabled === false));

      // Clearing the override restores the declared state.
      r = await t.request('DELETE', '/api/v1/flags/enable_email/environments/prod/override');
      assert.equal(r.statusCode, 200, r.body);
      assert.equal((await ofrep('enable_email')).value, true);

      // Trigger: "when email_bounce_spike fires in prod, turn enable_email off".
      await alertEvent(t, 'alert.firing', 'email_bounce_spike', 'staging');
      await drain(t, 'flags-events');
      assert.equal((await ofrep('enable_email')).value, true, 'firing in another environment does nothing');
      await alertEvent(t, 'alert.firing', 'email_bounce_spike', 'prod');
      await drain(t, 'flags-events');
      assert.equal((await ofrep('enable_email')).value, false);
      detail = (await t.request('GET', '/api/v1/flags/enable_email')).json();
      assert.equal(detail.environments.prod.override.by, 'alert:email_bounce_spike');
      const trig = detail.history.filter((e: any) => e.type === 'flag.toggled').at(-1);
      assert.equal(trig.data.trigger, 'email_bounce_spike');

      // A plan that changes the declared state is a newer decision: the override lapses.
      r = await t.request(
        'POST',
        '/api/v1/apply',
        planBody(
          FLAGS_PLAN.replace(
            'prod: { enabled: true }\n      triggers',
            'prod: { enabled: false }\n      triggers',
          ),
        ),
      );
      assert.equal(r.statusCode, 200, r.body);
      detail = (await t.request('GET', '/api/v1/flags/enable_email')).json();
      assert.equal(detail.environments.prod.override, null);
      assert.equal(detail.environments.prod.enabled, false);

      // Preview, list filters, staleness.
      r = await t.request('POST', '/api/v1/flags/ui_checkout/evaluate', {
        env: 'prod',
        context: { email: 'ann@acme.test' },
      });
      assert.deepEqual(r.json().results.prod, {
        value: true,
        variant: 'on',
        reason: 'TARGETING_MATCH',
        rule: 1,
      });
      const list = (await t.request('GET', '/api/v1/flags?type=release')).json();
      assert.deepEqual(
        list.items.map((i: any) => i.key),
        ['ui_checkout', 'ui_new_exporter', 'ui_query_guarded'],
      );
      assert.equal(list.summary.flags, 4);
      assert.equal((await t.request('GET', '/api/v1/flags?stale=true')).json().items.length, 0);
      await t.advance(41 * DAY);
      await drain(t, 'flags-events');
      const stale = (await t.request('GET', '/api/v1/flags?stale=true')).json();
      assert.deepEqual(
        stale.items.map((i: any) => i.key),
        ['ui_checkout', 'ui_new_exporter', 'ui_query_guarded'],
        'release flags beyond 40 days; kill switches never',
      );
      assert.match(stale.items[0].stale_reason, /beyond its expected lifetime/);
      assert.equal(stale.items[0].lifespan_days, 41);
      assert.equal((await t.request('GET', '/api/v1/flags?tag=team')).json().items.length, 4);
    } finally {
      await t.close();
    }
  },
);

testBothDbs(
  'flags: plan conventions and definition errors fail validation; API-created flags work',
  async (h) => {
    const bad = FLAGS_PLAN.replace('key: ui_checkout', 'key: Checkout').replace(
      'tags: [team:platform, type:kill-switch]',
      'tags: [team:platform]',
    );
    const res = loadPlanFromString(bad, 'vigil.yaml');
    assert.equal(res.ok, false);
    const msgs = res.diagnostics.map((d) => d.message).join('\n');
    assert.match(msgs, /name "Checkout" does not follow/);
    assert.match(msgs, /missing required tag "type"/);
    const dangling = loadPlanFromString(
      FLAGS_PLAN.replace('segments: [staff]', 'segments: [nobody]'),
      'v.yaml',
    );
    assert.equal(dangling.ok, false);

    const t = await createTestApp(h);
    try {
      await t.request('POST', '/api/v1/apply', planBody(FLAGS_PLAN));
      let r = await t.request('POST', '/api/v1/flag-definitions', {
        key: 'api_bulk',
        type: 'release',
        variants: { on: true, off: false },
        environments: { prod: { enabled: true, default_variant: 'nope' } },
      });
      assert.equal(r.statusCode, 400, 'definition problems are rejected');
      r = await t.request('POST', '/api/v1/flag-definitions', {
        key: 'api_bulk',
        type: 'release',
        environments: { prod: { enabled: true, rollout: { percentage: 100 } } },
      });
      assert.equal(r.statusCode, 201, r.body);
      const secret = await clientKey(t, 'prod');
      r = await t.request(
        'POST',
        '/ofrep/v1/evaluate/flags/api_bulk',
        { context: { targetingKey: 'u' } },
        { token: secret },
      );
      assert.equal(r.json().value, true);
      assert.equal(r.json().reason, 'SPLIT');

      // Deleting a flag drops its runtime state: a flag re-created under the same key starts clean.
      await t.request('POST', '/api/v1/flags/api_bulk/environments/prod/off', { reason: 'x' });
      assert.equal((await t.request('DELETE', '/api/v1/flag-definitions/api_bulk')).statusCode, 204);
      await drain(t, 'flags-events');
      r = await t.request('POST', '/ofrep/v1/evaluate/flags/api_bulk', {}, { token: secret });
      assert.equal(r.statusCode, 404);
      await t.request('POST', '/api/v1/flag-definitions', {
        key: 'api_bulk',
        type: 'release',
        environments: { prod: { enabled: true, default_variant: 'on' } },
      });
      r = await t.request('POST', '/ofrep/v1/evaluate/flags/api_bulk', {}, { token: secret });
      assert.equal(r.json().value, true);
    } finally {
      await t.close();
    }
  },
);
