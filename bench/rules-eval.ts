/**
 * Rule evaluation cost: 1,000 alerting rules (10 groups of 100) over 10k series (1,000 metrics
 * × 10 series, 30 min of 15 s samples; each rule reads one metric) in an in-memory querier. Times one evaluation round of the
 * pure evaluator, and one round of the engine on SQLite (first round persists ~1,000 pending
 * alerts; the next is steady state). Goal: one round < 1 s.
 */
import { VirtualClock } from '../src/kernel/clock.ts';
import { instantQuery, MemoryQuerier } from '../src/modules/metrics/promql/index.ts';
import { RulesEngine } from '../src/modules/rules/engine.ts';
import { compileGroup, evaluateGroup, type RuleQuerier } from '../src/modules/rules/evaluate.ts';
import type { RuleGroup } from '../src/modules/rules/kinds.ts';
import type { AlertInstance } from '../src/modules/rules/state-machine.ts';
import { Timeline } from '../src/modules/timeline/timeline.ts';
import { createTestDb } from '../test/support/db.ts';
import type { Report } from './run.ts';

const METRICS = 1000;
const SERIES_PER_METRIC = 10;
const STEP = 15_000;
const POINTS = 120;
const START = Date.UTC(2026, 10, 23, 9);

function buildQuerier(): MemoryQuerier {
  const q = new MemoryQuerier();
  for (let m = 0; m < METRICS; m++) {
    for (let s = 0; s < SERIES_PER_METRIC; s++) {
      const labels = [
        { name: '__name__', value: `app_requests_total_${m}` },
        { name: 'instance', value: `i${s}` },
        { name: 'service', value: `svc${s % 5}` },
      ];
      const ts = new Float64Array(POINTS);
      const vs = new Float64Array(POINTS);
      const perStep = 1 + ((m * 7 + s) % 13);
      for (let i = 0; i < POINTS; i++) {
        ts[i] = START + i * STEP;
        vs[i] = i * perStep;
      }
      q.addSeries(labels, ts, vs);
    }
  }
  return q;
}

function groups(): Array<{ key: string; spec: RuleGroup }> {
  const out = [];
  for (let g = 0; g < 10; g++) {
    const rules = [];
    for (let r = 0; r < 100; r++) {
      const m = (g * 100 + r) % METRICS;
      rules.push({
        alert: `HighRate_${g}_${r}`,
        expr: `sum by (service) (rate(app_requests_total_${m}[5m])) > ${(0.5 + (r % 10) * 0.1).toFixed(1)}`,
        for: '5m',
        labels: { severity: 'p2' },
        annotations: { summary: '{{ $labels.service }} at {{ $value | humanize }}/s' },
      });
    }
    out.push({ key: `group-${g}`, spec: { interval: '1m', rules } });
  }
  return out;
}

export default async function run(report: Report): Promise<void> {
  const q = buildQuerier();
  const querier: RuleQuerier = { query: (e, t) => instantQuery(q, e, t) };
  const compiled = groups().map((g) => compileGroup(g.key, g.spec));
  const at = START + (POINTS - 1) * STEP;

  let firing = 0;
  for (const phase of ['cold', 'warm']) {
    const active = new Map<string, Map<string, AlertInstance>>();
    firing = 0;
    const t0 = performance.now();
    for (const g of compiled) {
      const out = await evaluateGroup(g, at, querier, active, new Map());
      firing += out.reduce((n, o) => n + (o.step?.active.size ?? 0), 0);
    }
    report(`rules_eval_round_pure_${phase}_ms`, performance.now() - t0, 'ms');
  }
  report('rules_eval_alert_instances', firing, 'count');

  const h = await createTestDb('sqlite');
  try {
    const clock = new VirtualClock(at);
    const timeline = new Timeline(h.db, clock);
    const items = groups();
    const catalog = { list: async () => ({ items, nextCursor: null }) } as never;
    const engine = new RulesEngine({
      db: h.db,
      timeline,
      catalog,
      querier: () => querier,
      baseUrl: 'http://localhost',
    });
    const t1 = performance.now();
    await engine.step(at);
    report('rules_engine_round_first_ms', performance.now() - t1, 'ms');
    const t2 = performance.now();
    await engine.step(at + 60_000);
    report('rules_engine_round_steady_ms', performance.now() - t2, 'ms');
  } finally {
    await h.destroy();
  }
}
