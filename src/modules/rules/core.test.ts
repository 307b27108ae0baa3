import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isStaleNaN } from '../metrics/storage.ts';
import { dataExprOf, missingLabels, withOffset } from './expr.ts';
import { expandSeriesValues } from './series-notation.ts';
import { type AlertInstance, type AlertRuleConfig, fingerprint, stepAlertRule } from './state-machine.ts';
import { expandTemplate, humanize, humanizeDuration, templateProblems } from './template.ts';
import { runRuleTests } from './unit-test.ts';

const rule = (o: Partial<AlertRuleConfig> = {}): AlertRuleConfig => ({
  name: 'A',
  forMs: 0,
  keepFiringForMs: 0,
  labels: { severity: 'p1' },
  annotations: {},
  ...o,
});
const M = 60_000;

/** Runs the state machine over a sequence of "breaching?" outcomes, one per minute; returns states. */
function run(cfg: AlertRuleConfig, outcomes: boolean[]) {
  let active = new Map<string, AlertInstance>();
  const states: string[] = [];
  const events: string[] = [];
  outcomes.forEach((hit, i) => {
    const out = stepAlertRule(cfg, active, hit ? [{ labels: { job: 'x' }, value: 1 }] : [], i * M);
    active = out.active;
    const a = [...active.values()].find((x) => x.state !== 'inactive');
    states.push(a?.state ?? 'inactive');
    for (const t of out.transitions) events.push(`${i}:${t.to}`);
  });
  return { states, events };
}

test('state machine: for holds pending, then fires; a gap while pending drops the alert silently', () => {
  const r = run(rule({ forMs: 2 * M }), [true, true, true, false, true]);
  assert.deepEqual(r.states, ['pending', 'pending', 'firing', 'inactive', 'pending']);
  assert.deepEqual(r.events, ['0:pending', '2:firing', '3:resolved', '4:pending']);
  const g = run(rule({ forMs: 2 * M }), [true, false, true, true, true]);
  assert.deepEqual(g.events, ['0:pending', '1:inactive', '2:pending', '4:firing']);
});

test('state machine: keep_firing_for keeps firing after the condition clears, and is reset by a new breach', () => {
  const r = run(rule({ keepFiringForMs: 2 * M }), [
    true,
    false,
    false,
    false,
    true,
    false,
    true,
    false,
    false,
    false,
  ]);
  assert.deepEqual(r.events, ['0:pending', '0:firing', '3:resolved', '4:pending', '4:firing', '9:resolved']);
});

test('state machine: M of N counts breaching evaluations within the window', () => {
  const r = run(rule({ evaluations: { breaching: 2, of: 3 } }), [
    true,
    false,
    false,
    true,
    false,
    true,
    false,
    false,
  ]);
  // 1,0,0 → no; 0,0,1 → no; 0,1,0 → no; 1,0,1 → fires; 0,1,0 → resolves.
  assert.deepEqual(r.events, ['5:pending', '5:firing', '6:resolved']);
});

test('state machine: labels, annotations, runbook_url and a stable fingerprint', () => {
  const cfg = rule({
    labels: { severity: 'p1', instance: '{{ $labels.instance }}-x' },
    annotations: { summary: '{{ $labels.instance }} at {{ $value | humanize }}' },
    runbook: 'https://rb.test/a',
  });
  const out = stepAlertRule(cfg, new Map(), [{ labels: { __name__: 'm', instance: 'h1' }, value: 1234 }], 0);
  const [a] = out.active.values();
  assert.deepEqual(a.labels, { instance: 'h1-x', severity: 'p1', alertname: 'A' });
  assert.deepEqual(a.annotations, { summary: 'h1 at 1.234k', runbook_url: 'https://rb.test/a' });
  assert.equal(a.fingerprint, fingerprint({ alertname: 'A', severity: 'p1', instance: 'h1-x' }));
  assert.match(a.fingerprint, /^[0-9a-f]{16}$/);
});

test('templates: Prometheus subset', () => {
  const d = { labels: { job: 'api' }, value: 0.01234 };
  assert.equal(expandTemplate('{{ $value | humanizePercentage }}', d), '1.234%');
  assert.equal(expandTemplate('{{ .Labels.job | toUpper }} {{ printf "%.2f" $value }}', d), 'API 0.01');
  assert.equal(humanize(1_500_000), '1.5M');
  assert.equal(humanize(0.002), '2m');
  assert.equal(humanizeDuration(3725), '1h 2m 5s');
  assert.deepEqual(templateProblems('{{ $value | nope }}'), ['unknown template function nope']);
  assert.deepEqual(templateProblems('{{ $labels.x }}'), []);
});

test('series notation: promtool expanding values', () => {
  const v = expandSeriesValues('0+10x3 _ 5x2 100-5x1 _x2 stale');
  assert.ok(isStaleNaN(v.pop() as number), 'stale is the staleness marker');
  assert.deepEqual(v, [0, 10, 20, 30, null, 5, 5, 5, 100, 95, null, null]);
  assert.throws(() => expandSeriesValues('1 abc'), /invalid value "abc"/);
});

test('expr helpers: data expression, missing labels, offset shift', () => {
  assert.equal(dataExprOf('sum_over_time(x{a="b"}[8h]) < 1'), 'sum_over_time(x{a="b"}[8h])');
  assert.equal(dataExprOf('1 > bool up'), '1 > bool up');
  assert.deepEqual(missingLabels('sum_over_time(ForecastReady{ForecastType="nowcast",x=~"y"}[30m]) < 1'), {
    ForecastType: 'nowcast',
  });
  assert.equal(withOffset('sum(rate(x[5m])) / y', 86_400_000), 'sum (rate(x[5m] offset 1d)) / y offset 1d');
});

test('rules test runner reports a wrong expectation (and passes the right ones)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rt-'));
  try {
    writeFileSync(
      join(dir, 'rules.yaml'),
      `groups:
  - name: g
    rules:
      - alert: High
        expr: m > 5
        for: 2m
        labels: { severity: page }
`,
    );
    writeFileSync(
      join(dir, 't.yaml'),
      `rule_files: [rules.yaml]
tests:
  - interval: 1m
    input_series:
      - { series: 'm{job="a"}', values: '10x10' }
    alert_rule_test:
      - { eval_time: 1m, alertname: High, exp_alerts: [] }
      - { eval_time: 2m, alertname: High, exp_alerts: [{ exp_labels: { job: a, severity: page } }] }
      - { eval_time: 3m, alertname: High, exp_alerts: [] }
    promql_expr_test:
      - { expr: 'm * 2', eval_time: 1m, exp_samples: [{ labels: '{job="a"}', value: 20 }] }
`,
    );
    const r = await runRuleTests(join(dir, 't.yaml'));
    assert.equal(r.tests, 1);
    assert.equal(r.failures.length, 1, r.failures.join('\n'));
    assert.match(
      r.failures[0],
      /alertname High at 3m: expected firing \[\], got \[\{alertname="High", job="a"/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
