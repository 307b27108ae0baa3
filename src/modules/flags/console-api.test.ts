import assert from 'node:assert/strict';
import { createTestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { alertEvent, drain, FLAGS_PLAN, planBody } from './test/fixture.ts';

const FLAGD = {
  $schema: 'https://flagd.dev/schema/v0/flags.json',
  flags: {
    api_search: {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        if: [
          { $ref: 'beta' },
          'on',
          {
            fractional: [
              ['on', 25],
              ['off', 75],
            ],
          },
        ],
      },
      metadata: { type: 'release', tags: 'team:frontend,type:release', owner: 'frontend' },
    },
    enable_email: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    bad_flag: {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'on',
      targeting: { map: [] },
    },
  },
  $evaluators: { beta: { ends_with: [{ var: 'email' }, '@beta.acme.test'] } },
};

testBothDbs('flags console API: conventions, per-flag audit, flagd import and export', async (h) => {
  const t = await createTestApp(h);
  try {
    let r = await t.request('POST', '/api/v1/apply', planBody(FLAGS_PLAN));
    assert.equal(r.statusCode, 200, r.body);

    // The plan's conventions are readable (managed), and API-made flags are checked against them.
    r = await t.request('GET', '/api/v1/flag-conventions');
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().name_pattern, '{prefix}_{feature}');
    assert.equal(r.json().managed, true);
    r = await t.request('POST', '/api/v1/flag-definitions', {
      key: 'Checkout',
      type: 'release',
      tags: ['team:frontend'],
      environments: { prod: { enabled: true, default_variant: 'on' } },
    });
    assert.equal(r.statusCode, 201, r.body);
    const list = (await t.request('GET', '/api/v1/flags')).json();
    assert.equal(list.conventions.default_off_in[0], 'prod');
    const checkout = list.items.find((f: { key: string }) => f.key === 'Checkout');
    assert.deepEqual(checkout.convention_problems, [
      'name "Checkout" does not follow {prefix}_{feature}',
      'missing required tag "type" (e.g. type:…)',
      'must default to off in prod',
    ]);
    assert.equal(typeof checkout.version, 'number');
    const managed = list.items.find((f: { key: string }) => f.key === 'enable_email');
    assert.deepEqual(managed.convention_problems, []);

    // The console's create route enforces them (the generic definitions API only reports).
    r = await t.request('POST', '/api/v1/flags', {
      key: 'Checkout2',
      type: 'release',
      tags: ['team:frontend'],
      environments: { prod: { enabled: true, default_variant: 'on' } },
    });
    assert.equal(r.statusCode, 400, r.body);
    assert.deepEqual(
      r.json().errors.map((e: { path: string }) => e.path),
      ['key', 'tags', 'environments.prod'],
    );
    const viewer0 = await t.token('viewer');
    r = await t.request(
      'POST',
      '/api/v1/flags',
      { key: 'ui_x', type: 'release', environments: {} },
      { token: viewer0 },
    );
    assert.equal(r.statusCode, 403);
    r = await t.request('POST', '/api/v1/flags', {
      key: 'ui_checkout_v2',
      type: 'release',
      tags: ['team:frontend', 'type:release'],
      environments: { prod: { enabled: false } },
    });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().managed, false);
    assert.equal(r.headers.location, '/api/v1/flag-definitions/ui_checkout_v2');

    // Per-flag audit with before/after, for viewers (the full audit log is admin-only).
    await t.request('POST', '/api/v1/flags/enable_email/environments/prod/off', { reason: 'INC-1: bounces' });
    const viewer = await t.token('viewer');
    r = await t.request('GET', '/api/v1/flags/enable_email/audit?limit=1', undefined, { token: viewer });
    assert.equal(r.statusCode, 200, r.body);
    const audit = r.json();
    assert.equal(audit.items.length, 1);
    assert.equal(audit.items[0].action, 'flag.toggle');
    assert.equal(audit.items[0].before.enabled, true);
    assert.equal(audit.items[0].after.enabled, false);
    assert.ok(audit.next_cursor);
    r = await t.request('GET', `/api/v1/flags/enable_email/audit?cursor=${audit.next_cursor}`, undefined, {
      token: viewer,
    });
    assert.ok(r.json().items.some((e: { action: string }) => e.action === 'flag.create'));
    assert.equal((await t.request('GET', '/api/v1/flags/nope/audit')).statusCode, 404);

    // A rollout's alert guards say whether they fire now.
    let guards = (await t.request('GET', '/api/v1/flags/ui_new_exporter')).json().environments.prod.rollout
      .guard_states;
    assert.deepEqual(guards, [{ guard: 'snapshot_latency_p95', kind: 'alert', state: 'healthy' }]);
    await alertEvent(t, 'alert.firing', 'snapshot_latency_p95', 'prod');
    await drain(t, 'flags-events');
    guards = (await t.request('GET', '/api/v1/flags/ui_new_exporter')).json().environments.prod.rollout
      .guard_states;
    assert.equal(guards[0].state, 'firing');
    const q = (await t.request('GET', '/api/v1/flags/ui_query_guarded')).json().environments.prod.rollout;
    assert.equal(q.guard_states[0].state, 'checked_by_engine');

    // flagd export of one environment: plan flags and the segments they use.
    r = await t.request('GET', '/api/v1/flagd/export?env=prod', undefined, { token: viewer });
    assert.equal(r.statusCode, 200, r.body);
    const exp = r.json();
    assert.equal(exp.document.flags.ui_checkout.state, 'ENABLED');
    assert.ok(exp.document.$evaluators.staff);
    assert.equal((await t.request('GET', '/api/v1/flagd/export?env=mars')).statusCode, 404);

    // Import: viewers may not; a dry run writes nothing; managed flags are skipped; problems reported.
    r = await t.request('POST', '/api/v1/flagd/import', { document: FLAGD, env: 'prod' }, { token: viewer });
    assert.equal(r.statusCode, 403);
    r = await t.request('POST', '/api/v1/flagd/import', { document: FLAGD, env: 'prod', dry_run: true });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().created, ['api_search']);
    assert.equal((await t.request('GET', '/api/v1/flag-definitions/api_search')).statusCode, 404);
    r = await t.request('POST', '/api/v1/flagd/import', { document: JSON.stringify(FLAGD), env: 'prod' });
    const imp = r.json();
    assert.deepEqual(imp.created, ['api_search']);
    assert.deepEqual(imp.segments, ['beta']);
    assert.deepEqual(
      imp.skipped.map((s: { key: string }) => s.key),
      ['enable_email'],
    );
    assert.ok(imp.problems.some((p: { flag: string }) => p.flag === 'bad_flag'));
    const def = (await t.request('GET', '/api/v1/flag-definitions/api_search')).json();
    assert.equal(def.managed, false);
    assert.equal(def.owner, 'frontend');
    assert.deepEqual(def.environments.prod.targeting[0].segments, ['beta']);
    r = await t.request('POST', '/api/v1/flags/api_search/evaluate', {
      env: 'prod',
      context: { email: 'a@beta.acme.test', targetingKey: 'x' },
    });
    assert.equal(r.json().results.prod.variant, 'on');
    assert.equal(r.json().results.prod.reason, 'TARGETING_MATCH');
    assert.equal(r.json().results.prod.rule, 1, 'the preview names the matching rule');
    r = await t.request('POST', '/api/v1/flags/api_search/evaluate', {
      env: 'prod',
      context: { email: 'a@example.com', targetingKey: 'x' },
    });
    assert.equal(r.json().results.prod.reason, 'SPLIT');
    assert.equal(r.json().results.prod.rule, null, 'the fallthrough rollout is not a rule');

    // A second import into staging keeps prod and adds staging.
    r = await t.request('POST', '/api/v1/flagd/import', { document: FLAGD, env: 'staging' });
    assert.deepEqual(r.json().updated, ['api_search']);
    const both = (await t.request('GET', '/api/v1/flag-definitions/api_search')).json();
    assert.deepEqual(Object.keys(both.environments).sort(), ['prod', 'staging']);
    r = await t.request('POST', '/api/v1/flagd/import', { document: '{not json', env: 'prod' });
    assert.equal(r.statusCode, 200);
    assert.ok(r.json().problems.length > 0);
  } finally {
    await t.close();
  }
});
