import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matches, parseMatcher } from './matchers.ts';
import { compileRoute, groupOf, matchRoutes } from './routing.ts';

test('matchers: the four operators, quoting, anchoring and missing labels', () => {
  const l = { service: 'api', severity: 'critical' };
  assert.ok(matches(parseMatcher('service=api'), l));
  assert.ok(matches(parseMatcher('service != "web"'), l));
  assert.ok(matches(parseMatcher('severity=~"crit.*|page"'), l));
  assert.ok(!matches(parseMatcher('severity=~crit'), l), 'regexes are anchored');
  assert.ok(matches(parseMatcher('severity!~warn.*'), l));
  assert.ok(matches(parseMatcher('team=""'), l), 'a missing label is the empty string');
  assert.throws(() => parseMatcher('service'), /is not a matcher/);
  assert.throws(() => parseMatcher('a=~"("'));
});

test('routing: first matching child wins unless continue; settings inherit; group keys', () => {
  const root = compileRoute({
    group_by: ['alertname'],
    group_wait: '10s',
    target: { escalation_policy: 'default' },
    routes: [
      { key: 'db', matchers: ['service=db'], continue: true, target: { channel: 'db-chat' } },
      {
        key: 'crit',
        matchers: ['severity=critical'],
        group_by: ['...'],
        repeat_interval: '1h',
        routes: [{ key: 'crit-api', matchers: ['service=api'], group_wait: '0s' }],
      },
      { key: 'never', matchers: ['severity=critical'] },
    ],
  });
  const ids = (labels: Record<string, string>) => matchRoutes(root, labels).map((r) => r.id);
  assert.deepEqual(ids({ service: 'db', severity: 'critical' }), ['db', 'crit']);
  assert.deepEqual(ids({ service: 'api', severity: 'critical' }), ['crit-api']);
  assert.deepEqual(ids({ service: 'web', severity: 'warning' }), ['root'], 'no child matches: the root');
  const [critApi] = matchRoutes(root, { service: 'api', severity: 'critical' });
  assert.equal(critApi.groupWait, 0);
  assert.equal(critApi.repeatInterval, 3_600_000);
  assert.deepEqual(critApi.target, { escalation_policy: 'default' });
  assert.equal(critApi.groupBy, 'all');
  assert.equal(groupOf(root, { alertname: 'X', pod: 'a' }).key, '{alertname="X"}');
  assert.equal(groupOf(critApi, { b: '2', a: '1' }).key, '{a="1",b="2"}');
  assert.equal(groupOf(compileRoute({}), { a: '1' }).key, '{}', 'no group_by: one group');
});

test('routing plan section: bad matchers and zero intervals are reported at their position; group_wait 0s is fine', async () => {
  await import('./plan-section.ts');
  const { loadPlanFromString } = await import('../../plan/index.ts');
  const { BASE_PLAN } = await import('./testing.ts');
  const bad = loadPlanFromString(
    `${BASE_PLAN}
routing:
  route:
    group_wait: 0s
    routes:
      - { matchers: ['service=~"("'], group_interval: 0s }
  maintenance_windows:
    - { key: w, title: W, start: 2026-12-06T02:00 }
`,
    'vigil.yaml',
  );
  assert.equal(bad.ok, false);
  const messages = bad.diagnostics.map((d) => d.message).join('\n');
  assert.match(messages, /matchers/);
  assert.match(messages, /group_interval must be positive/);
  assert.match(messages, /needs end or duration/);
  assert.doesNotMatch(messages, /group_wait/);
});
