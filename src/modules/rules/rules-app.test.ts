import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { inTransaction } from '../../db/tx.ts';
import { loadPlanFromString } from '../../plan/index.ts';
import type { MetricsApi } from '../metrics/module.ts';

const BASE = `
version: 1
org: { name: Acme }
severities: { preset: p1-p4 }
teams: [{ key: platform, name: Platform }]
services: [{ key: api, name: API, owner: platform }]
`;

function planBody(yaml: string) {
  const res = loadPlanFromString(BASE + yaml, 'vigil.yaml');
  if (!res.ok) throw new Error(JSON.stringify(res.diagnostics, null, 2));
  return { objects: res.plan.objects, prune: res.plan.prune, files: res.plan.files };
}

async function apply(t: TestApp, yaml: string) {
  const r = await t.request('POST', '/api/v1/apply', planBody(yaml));
  assert.equal(r.statusCode, 200, r.body);
}

const metrics = (t: TestApp) => t.app.modules.get<MetricsApi>('metrics');

function push(t: TestApp, name: string, labels: Record<string, string>, value: number) {
  const res = metrics(t).ingest([
    {
      labels: Object.entries({ __name__: name, ...labels })
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([n, v]) => ({ name: n, value: v })),
      timestamps: [t.clock.now()],
      values: [value],
    },
  ]);
  assert.equal(res.accepted, 1, JSON.stringify(res));
}

/** Advances one minute and runs the rules engine once. */
async function tick(t: TestApp, minutes = 1, each?: () => void) {
  for (let i = 0; i < minutes; i++) {
    await t.advance(60_000);
    each?.();
    await t.app.runner.runOnce('rules-eval');
  }
}

async function alertEvents(t: TestApp) {
  return (
    await t.app.services.timeline.recent({ types: ['alert.firing', 'alert.resolved'], limit: 500 })
  ).reverse();
}

const RULES = `
alerts:
  - name: api
    interval: 1m
    rules:
      - alert: HighErrorRate
        expr: errors_ratio > 0.01
        for: 5m
        keep_firing_for: 2m
        labels: { severity: p1, service: api }
        annotations:
          summary: "Error rate {{ $value | humanizePercentage }} on {{ $labels.instance }}"
        runbook: https://runbooks.acme.test/api-errors
      - record: job:errors_ratio:max
        expr: max(errors_ratio)
`;

testBothDbs('rules: pending → firing after for, keep_firing_for, resolved; API and events', async (h) => {
  const t = await createTestApp(h);
  try {
    await apply(t, RULES);
    const bad = () => push(t, 'errors_ratio', { instance: 'a' }, 0.05);
    await tick(t, 1, bad);
    const alerts = (await t.request('GET', '/api/v1/alerts?state=pending')).json().data.alerts;
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].labels.alertname, 'HighErrorRate');
    assert.equal(alerts[0].annotations.summary, 'Error rate 5% on a');
    await tick(t, 4, bad);
    assert.equal((await alertEvents(t)).length, 0, 'not firing before for elapsed');
    await tick(t, 1, bad);
    let events = await alertEvents(t);
    assert.equal(events.length, 1);
    const fired = events[0];
    assert.equal(fired.type, 'alert.firing');
    assert.equal(fired.subject.kind, 'alert');
    assert.equal(fired.data.source, 'rule');
    assert.equal(fired.data.rule, 'HighErrorRate');
    assert.equal(fired.data.group, 'api');
    assert.deepEqual(fired.data.labels, {
      instance: 'a',
      severity: 'p1',
      service: 'api',
      alertname: 'HighErrorRate',
    });
    assert.equal((fired.data.annotations as any).runbook_url, 'https://runbooks.acme.test/api-errors');
    assert.equal(fired.data.value, 0.05);
    // Synthetic ALERTS series, as in Prometheus.
    const alertsSeries = await metrics(t).query('ALERTS{alertname="HighErrorRate"}', t.clock.now());
    assert.equal(
      alertsSeries.resultType === 'vector' && alertsSeries.result.length,
      1,
      JSON.stringify(alertsSeries),
    );
    assert.ok(
      alertsSeries.resultType === 'vector' &&
        alertsSeries.result[0].metric.some((l) => l.name === 'alertstate' && l.value === 'firing'),
    );
    // Recording rule wrote its series.
    const rec = await metrics(t).query('job:errors_ratio:max', t.clock.now());
    assert.equal(rec.resultType === 'vector' && rec.result[0].value[1], 0.05);

    // The condition clears: keep firing for 2m, then resolve.
    await tick(t, 6, () => push(t, 'errors_ratio', { instance: 'a' }, 0));
    events = await alertEvents(t);
    assert.equal(events.length, 2);
    assert.equal(events[1].type, 'alert.resolved');
    assert.equal(events[1].subject.key, fired.subject.key);
    const endsAt = Date.parse(String(events[1].data.ends_at));
    const clearedAt = Date.parse(String(fired.data.starts_at)) + 60_000;
    assert.equal(
      endsAt - clearedAt,
      2 * 60_000,
      'resolved exactly keep_firing_for after the condition cleared',
    );

    const rules = (await t.request('GET', '/api/v1/rules')).json().data.groups;
    assert.equal(rules[0].name, 'api');
    assert.equal(rules[0].rules[0].health, 'ok');
    assert.equal(rules[0].rules[0].state, 'inactive');
    assert.equal(rules[0].rules[1].type, 'recording');
    const hist = (await t.request('GET', `/api/v1/alerts/${fired.subject.key}/history`)).json().data
      .transitions;
    assert.deepEqual(
      hist.map((x: any) => x.to),
      ['resolved', 'firing', 'pending'],
    );
  } finally {
    await t.close();
  }
});

testBothDbs('rules: missing data breaching (WP-1), M of N, evaluation errors', async (h) => {
  const t = await createTestApp(h);
  try {
    await apply(
      t,
      `
alerts:
  - name: forecasts
    interval: 1m
    rules:
      - alert: ForecastMissing
        expr: sum_over_time(ForecastReady{ForecastType="medium_range"}[8h]) < 1
        missing_data: breaching
        labels: { severity: p1 }
      - alert: Flappy
        expr: flappy > 0
        evaluations: { breaching: 3, of: 5 }
        labels: { severity: p3 }
      - alert: Broken
        expr: 'label_replace(up, "a", "b", "c", "(")'
        labels: { severity: p4 }
`,
    );
    // Never reported: fires at the first evaluation (no for).
    await tick(t, 1);
    let events = await alertEvents(t);
    assert.equal(events.length, 1);
    assert.equal(events[0].data.rule, 'ForecastMissing');
    assert.equal((events[0].data.labels as any).ForecastType, 'medium_range');
    assert.equal(events[0].data.value, null);
    // Reported: resolves. Reported but below threshold is not "missing" and would fire anyway.
    await tick(t, 1, () => push(t, 'ForecastReady', { ForecastType: 'medium_range' }, 1));
    events = await alertEvents(t);
    assert.equal(events.at(-1)!.type, 'alert.resolved');
    // Stopped reporting: breaching again once the 8h window is empty.
    await t.advance(8 * 3_600_000);
    await t.app.runner.runOnce('rules-eval');
    events = await alertEvents(t);
    assert.equal(
      events.filter((e) => e.data.rule === 'ForecastMissing' && e.type === 'alert.firing').length,
      2,
    );

    // M of N: 1,0,1 → 2 of 5, no; 1 more → 3 of 5 fires.
    const f = (v: number) => () => push(t, 'flappy', {}, v);
    await tick(t, 1, f(1));
    await tick(t, 1, f(0));
    await tick(t, 1, f(1));
    assert.equal((await alertEvents(t)).filter((e) => e.data.rule === 'Flappy').length, 0);
    await tick(t, 1, f(1));
    assert.equal(
      (await alertEvents(t)).filter((e) => e.data.rule === 'Flappy' && e.type === 'alert.firing').length,
      1,
    );

    const rules = (await t.request('GET', '/api/v1/rules?group=forecasts')).json().data.groups[0].rules;
    const broken = rules.find((r: any) => r.name === 'Broken');
    assert.equal(broken.health, 'err');
    assert.match(broken.lastError, /regex|parse|invalid/i);
  } finally {
    await t.close();
  }
});

testBothDbs('rules: restart mid-for resumes the timer; check rules from check.state_changed', async (h) => {
  const t = await createTestApp(h);
  let t2: TestApp | undefined;
  try {
    await apply(
      t,
      `
alerts:
  - name: svc
    rules:
      - alert: Latency
        expr: latency_seconds > 2
        for: 10m
        labels: { severity: p2 }
      - alert: ApiDown
        check: api-health
        state: down
        for: 2m
        labels: { severity: p1 }
        runbook: https://runbooks.acme.test/api-down
`,
    );
    const slow = () => push(t, 'latency_seconds', {}, 3);
    await tick(t, 6, slow);
    const at = t.clock.now();
    t.app.runner.stop();
    await t.app.close();
    t2 = await createTestApp(t.db, { clock: t.clock, dataDir: t.dataDir });
    const push2 = () =>
      t2!.app.modules.get<MetricsApi>('metrics').ingest([
        {
          labels: [{ name: '__name__', value: 'latency_seconds' }],
          timestamps: [t2!.clock.now()],
          values: [3],
        },
      ]);
    await tick(t2, 4, push2);
    let events = await alertEvents(t2);
    assert.equal(events.length, 0, 'still pending 9m after it became pending');
    await tick(t2, 1, push2);
    events = await alertEvents(t2);
    assert.equal(
      events.length,
      1,
      'for timer resumed: fires 10m after it became pending, not 10m after restart',
    );
    assert.equal(Date.parse(String(events[0].data.starts_at)), at + 5 * 60_000);
    assert.equal(Date.parse(String(events[0].data.active_at)), at - 5 * 60_000);

    // A check goes down (as the checks module would report it).
    const downAt = t2.clock.now() + 30_000;
    await inTransaction(t2.app.db, async (tx) => {
      await t2!.app.services.timeline.append(tx, {
        type: 'check.state_changed',
        subject: { kind: 'check', key: 'api-health' },
        actor: 'system:checks',
        at: downAt,
        data: { check: 'api-health', service: 'api', from: 'up', to: 'down', reason: 'HTTP 500', at: downAt },
      });
    });
    await tick(t2, 2, push2);
    events = (await alertEvents(t2)).filter((e) => e.data.rule === 'ApiDown');
    assert.equal(events.length, 0, 'pending for 2m from the state change');
    await tick(t2, 1, push2);
    events = (await alertEvents(t2)).filter((e) => e.data.rule === 'ApiDown');
    assert.equal(events.length, 1);
    assert.equal(events[0].data.source, 'check');
    assert.equal((events[0].data.labels as any).service, 'api');
    assert.equal((events[0].data.labels as any).check, 'api-health');
  } finally {
    if (t2) {
      await t2.close();
      await t.db.destroy();
      rmSync(t.dataDir, { recursive: true, force: true });
    } else await t.close();
  }
});
