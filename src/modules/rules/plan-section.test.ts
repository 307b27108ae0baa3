import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { loadPlanFromString } from '../../plan/index.ts';
import './module.ts';

const BASE = `version: 1
org: { name: Acme }
severities: { preset: p0-p3 }
teams: [{ key: devops, name: DevOps }]
services: [{ key: api, name: API, owner: devops }]
`;

function diags(yaml: string) {
  const r = loadPlanFromString(BASE + yaml);
  assert.equal(r.ok, false, 'expected the plan to fail');
  return r.ok ? [] : r.diagnostics.filter((d) => d.severity === 'error');
}

test('alerts: PromQL errors point at expr, with the position inside the expression', () => {
  const d = diags(`alerts:
  - name: api
    rules:
      - alert: Bad
        expr: rate(http_requests_total[5m] > 1
        labels: { severity: p1 }
`);
  assert.equal(d.length, 1, JSON.stringify(d));
  assert.equal(d[0].line, 10);
  assert.equal(d[0].column, 15);
  assert.equal(d[0].path, 'alerts[0].rules[0].expr');
  assert.match(d[0].message, /invalid PromQL: .*at 1:\d+ of the expression/);
});

test('alerts: unknown severity is an error at the label with a suggestion', () => {
  const d = diags(`alerts:
  - name: api
    rules:
      - alert: X
        expr: up == 0
        labels: { severity: p9, service: api }
`);
  assert.equal(d.length, 1, JSON.stringify(d));
  assert.equal(d[0].path, 'alerts[0].rules[0].labels.severity');
  assert.match(d[0].message, /unknown severity "p9"/);
  assert.equal(d[0].line, 11);
});

test('alerts: require_runbook makes a missing runbook an error (WT-6); helpers expand', () => {
  const d = diags(`alerts:
  require_runbook: true
  groups:
    - name: api
      rules:
        - alert: WithRunbook
          expr: up == 0
          runbook: https://runbooks.test/up
          labels: { severity: p1 }
        - alert: Without
          expr: up == 0
          labels: { severity: p1 }
`);
  assert.equal(d.length, 1, JSON.stringify(d));
  assert.equal(d[0].path, 'alerts.groups[0].rules[1]');
  assert.match(d[0].message, /no runbook/);

  const ok = loadPlanFromString(`${BASE}alerts:
  - name: slo
    rules:
      - slo: { name: ApiAvailability, objective: 99.9, errors: 'sum(rate(http_requests_total{code=~"5.."}[$window]))', total: 'sum(rate(http_requests_total[$window]))', page_severity: p0, ticket_severity: p2 }
        labels: { service: api }
      - budget: { name: MonthlyCost, expr: sum(aws_month_to_date_usd), budget: 400 }
        labels: { severity: p2 }
      - change: { name: CostDayOverDay, expr: 'sum(increase(aws_cost_usd_total[1d]))', percent: 50 }
        labels: { severity: p2 }
`);
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.diagnostics));
  const group = ok.plan.objects.find((o) => o.kind === 'rule_group')!;
  const rules = group.spec.rules as Array<Record<string, any>>;
  assert.deepEqual(
    rules.map((r) => r.alert),
    ['ApiAvailabilityBurnRateFast', 'ApiAvailabilityBurnRateSlow', 'MonthlyCost', 'CostDayOverDay'],
  );
  assert.match(rules[0].expr, /\[1h\]\)+ > 0\.0144 and .*\[5m\]\)+ > 0\.0144\) or \(.*\[6h\]\)+ > 0\.006/);
  assert.equal(rules[0].labels.severity, 'p0');
  assert.equal(rules[1].labels.severity, 'p2');
  assert.equal(rules[2].expr, '(sum(aws_month_to_date_usd)) > 320');
  assert.match(rules[3].expr, /> 1\.5 \* \(sum ?\(increase\(aws_cost_usd_total\[1d\] offset 1d\)\)\)/);

  const badSev = diags(`alerts:
  - name: slo
    rules:
      - slo: { name: A, objective: 99, errors: 'x', total: 'y', page_severity: page, ticket_severity: p2 }
`);
  assert.equal(badSev.length, 1);
  assert.equal(badSev[0].path, 'alerts[0].rules[0].slo.page_severity');
});

test('alerts: a rule needs alert or record, and expr or check', () => {
  const d = diags(`alerts:
  - name: api
    rules:
      - alert: X
        labels: { severity: p1 }
      - record: "job:x"
        check: api
`);
  assert.ok(d.some((x) => x.path === 'alerts[0].rules[0]' && /exactly one of "expr"/.test(x.message)));
  assert.ok(d.some((x) => x.path === 'alerts[0].rules[1].check'));
});

testBothDbs('alerts: plan objects pass the rule_group kind schema on apply', async (h) => {
  const t = await createTestApp(h);
  try {
    const r = loadPlanFromString(`${BASE}alerts:
  - name: api
    interval: 30s
    rules:
      - alert: ApiErrors
        expr: sum(rate(errors_total[5m])) > 10
        for: 5m
        missing_data: breaching
        evaluations: { breaching: 2, of: 3 }
        labels: { severity: p1, service: api, team: devops }
        annotations: { summary: "{{ $value | humanize }} errors/s" }
        runbook: https://runbooks.test/errors
      - alert: ApiDown
        check: api-health
        state: not_running
        for: 2m
        labels: { severity: p0 }
`);
    assert.ok(r.ok);
    const res = await t.request('POST', '/api/v1/apply', {
      objects: r.plan.objects,
      prune: r.plan.prune,
      files: r.plan.files,
    });
    assert.equal(res.statusCode, 200, res.body);
    const g = (await t.request('GET', '/api/v1/rule-groups/api')).json();
    assert.equal(g.interval, '30s');
    assert.equal(g.rules.length, 2);
    // The server re-validates: bad PromQL through the API is refused.
    const bad = await t.request('POST', '/api/v1/rule-groups', {
      key: 'bad',
      rules: [{ alert: 'X', expr: 'sum(' }],
    });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(bad.body, /invalid PromQL/);
  } finally {
    await t.close();
  }
});
