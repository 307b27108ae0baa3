/**
 * `vigil rules test`: promtool-style rule unit tests (rule_files, evaluation_interval, tests with
 * input_series in expanding notation, alert_rule_test with eval_time and exp_alerts,
 * promql_expr_test), evaluated from time 0 on an in-memory querier, without a server or clock.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { parseDuration } from '../../kernel/clock.ts';
import { loadPlanFromInputs, type PlanInput } from '../../plan/index.ts';
import { instantQuery, MemoryQuerier, parseExpr } from '../metrics/promql/index.ts';
import type { Labels } from '../metrics/storage.ts';
import { type CompiledGroup, compileGroup, evaluateGroup, type RuleQuerier } from './evaluate.ts';
import { groupProblems, type RuleGroup } from './kinds.ts';
import './plan-section.ts';
import { expandSeriesValues } from './series-notation.ts';
import type { AlertInstance } from './state-machine.ts';

export interface UnitTestResult {
  file: string;
  tests: number;
  failures: string[];
}

interface ExpAlert {
  exp_labels?: Record<string, string>;
  exp_annotations?: Record<string, string>;
}
interface TestCase {
  name?: string;
  interval?: string;
  input_series?: Array<{ series: string; values: string }>;
  alert_rule_test?: Array<{ eval_time: string; alertname: string; exp_alerts?: ExpAlert[] }>;
  promql_expr_test?: Array<{
    expr: string;
    eval_time: string;
    exp_samples?: Array<{ labels?: string; value: number }>;
  }>;
}

/** Labels of a series written as a selector, e.g. `up{job="api"}`. */
export function seriesLabels(text: string): Labels {
  const e = parseExpr(text);
  if (e.type !== 'VectorSelector') throw new Error(`"${text}" is not a series selector`);
  const out: Labels = [];
  for (const m of e.matchers) {
    if (m.type !== '=') throw new Error(`"${text}": only = matchers describe a series`);
    out.push({ name: m.name, value: m.value });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Loads rule groups from a plan file with `alerts:` (sibling vigil.yaml supplies severities) or Prometheus `groups:`. */
export async function loadRuleFile(path: string): Promise<CompiledGroup[]> {
  const text = await readFile(path, 'utf8');
  const doc = parse(text) as Record<string, unknown> | null;
  if (doc && Array.isArray(doc.groups) && !('alerts' in doc)) {
    return (doc.groups as Array<{ name: string } & RuleGroup>).map((g) => {
      const { name, ...spec } = g;
      const problems = groupProblems(spec);
      if (problems.length) throw new Error(`${path}: group ${name}: ${problems.join('; ')}`);
      return compileGroup(name, spec);
    });
  }
  const inputs: PlanInput[] = [{ file: path, display: path, text }];
  const base = join(dirname(path), 'vigil.yaml');
  if (resolve(base) !== resolve(path)) {
    const planText = await readFile(base, 'utf8').catch(() => null);
    if (planText !== null) inputs.unshift({ file: base, display: base, text: planText });
  }
  const res = loadPlanFromInputs(inputs);
  if (!res.ok) {
    const errs = res.diagnostics.filter((d) => d.severity === 'error');
    throw new Error(errs.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n'));
  }
  return res.plan.objects
    .filter((o) => o.kind === 'rule_group' && o.source.file === path)
    .map((o) => compileGroup(o.key, o.spec as RuleGroup));
}

const fmt = (l: Record<string, string>) =>
  `{${Object.keys(l)
    .sort()
    .map((k) => `${k}="${l[k]}"`)
    .join(', ')}}`;

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** Runs one test file; failures are human-readable lines (empty when everything passed). */
export async function runRuleTests(file: string): Promise<UnitTestResult> {
  const spec = parse(await readFile(file, 'utf8')) as {
    rule_files?: string[];
    evaluation_interval?: string;
    tests?: TestCase[];
  };
  const failures: string[] = [];
  const groups: CompiledGroup[] = [];
  for (const rf of spec.rule_files ?? []) groups.push(...(await loadRuleFile(resolve(dirname(file), rf))));
  const evalInterval = parseDuration(spec.evaluation_interval ?? '1m');
  const tests = spec.tests ?? [];
  for (const [i, tc] of tests.entries()) {
    const label = tc.name ?? `test ${i + 1}`;
    try {
      await runCase(tc, groups, evalInterval, (msg) => failures.push(`${label}: ${msg}`));
    } catch (e) {
      failures.push(`${label}: ${(e as Error).message}`);
    }
  }
  return { file, tests: tests.length, failures };
}

async function runCase(
  tc: TestCase,
  groups: CompiledGroup[],
  evalInterval: number,
  fail: (m: string) => void,
) {
  const q = new MemoryQuerier();
  const interval = parseDuration(tc.interval ?? '1m');
  for (const s of tc.input_series ?? []) {
    const labels = seriesLabels(s.series);
    expandSeriesValues(String(s.values)).forEach((v, i) => {
      if (v !== null) q.append(labels, i * interval, v);
    });
  }
  const querier: RuleQuerier = {
    query: (expr, t) => instantQuery(q, expr, t),
    ingest: (series) => {
      for (const s of series)
        for (let i = 0; i < s.timestamps.length; i++) q.append(s.labels, s.timestamps[i], s.values[i]);
    },
  };
  const alertTests = (tc.alert_rule_test ?? []).map((a) => ({
    ...a,
    at: parseDuration(String(a.eval_time)),
  }));
  const exprTests = (tc.promql_expr_test ?? []).map((a) => ({
    ...a,
    at: parseDuration(String(a.eval_time)),
  }));
  const end = Math.max(0, ...alertTests.map((a) => a.at), ...exprTests.map((a) => a.at));
  const active = new Map<string, Map<string, AlertInstance>>();
  // Only groups this case asserts on (and groups with recording rules, which may feed them) run:
  // a month-long cost test need not evaluate every per-minute group 40,000 times.
  const names = new Set(alertTests.map((a) => a.alertname));
  const needed = groups.filter((g) => g.rules.some((r) => names.has(r.name) || r.type === 'recording'));
  for (let ts = 0; ts <= end; ts += evalInterval) {
    for (const g of needed) {
      // A group runs at the slots of its own interval when that is coarser than the test's.
      if (ts % Math.max(g.intervalMs, evalInterval) !== 0) continue;
      const outcomes = await evaluateGroup(g, ts, querier, active, new Map());
      for (const o of outcomes)
        if (o.health.health === 'err')
          fail(`rule ${o.rule.name} failed at ${ts / 1000}s: ${o.health.lastError}`);
    }
    for (const a of alertTests.filter((x) => x.at >= ts && x.at < ts + evalInterval))
      checkAlerts(a, groups, active, fail);
  }
  for (const e of exprTests) checkExpr(e, q, fail);
}

function checkAlerts(
  t: { eval_time: string; alertname: string; exp_alerts?: ExpAlert[] },
  groups: CompiledGroup[],
  active: Map<string, Map<string, AlertInstance>>,
  fail: (m: string) => void,
) {
  const got = groups
    .flatMap((g) => g.rules.filter((r) => r.name === t.alertname).map((r) => active.get(r.id)))
    .flatMap((m) => [...(m?.values() ?? [])])
    .filter((a) => a.state === 'firing');
  const exp = (t.exp_alerts ?? []).map((e) => ({
    labels: {
      ...Object.fromEntries(Object.entries(e.exp_labels ?? {}).map(([k, v]) => [k, String(v)])),
      alertname: t.alertname,
    },
    annotations: e.exp_annotations,
  }));
  const unmatched = [...got];
  const missing: string[] = [];
  for (const e of exp) {
    const i = unmatched.findIndex(
      (a) =>
        sameMap(a.labels, e.labels) &&
        (!e.annotations ||
          sameMap(
            Object.fromEntries(
              Object.entries(a.annotations).filter(([k]) => k !== 'runbook_url' || k in e.annotations!),
            ),
            e.annotations,
          )),
    );
    if (i < 0) missing.push(`${fmt(e.labels)}${e.annotations ? ` annotations ${fmt(e.annotations)}` : ''}`);
    else unmatched.splice(i, 1);
  }
  if (missing.length || unmatched.length) {
    const show = (a: AlertInstance) => `${fmt(a.labels)} annotations ${fmt(a.annotations)}`;
    fail(
      `alertname ${t.alertname} at ${t.eval_time}: expected firing [${missing.join('; ')}${exp.length - missing.length ? ' …' : ''}], got [${got.map(show).join('; ')}]`,
    );
  }
}

function checkExpr(
  t: { expr: string; eval_time: string; at: number; exp_samples?: Array<{ labels?: string; value: number }> },
  q: MemoryQuerier,
  fail: (m: string) => void,
) {
  const r = instantQuery(q, t.expr, t.at);
  const got =
    r.resultType === 'vector'
      ? r.result.map((s) => ({
          labels: Object.fromEntries(s.metric.map((l) => [l.name, l.value])),
          value: s.value[1],
        }))
      : r.resultType === 'scalar'
        ? [{ labels: {}, value: r.result[1] }]
        : [];
  const exp = (t.exp_samples ?? []).map((s) => ({
    labels: Object.fromEntries((s.labels ? seriesLabels(s.labels) : []).map((l) => [l.name, l.value])),
    value: Number(s.value),
  }));
  const ok =
    got.length === exp.length &&
    exp.every((e) =>
      got.some(
        (g) =>
          sameMap(g.labels, e.labels) && Math.abs(g.value - e.value) <= 1e-9 * Math.max(1, Math.abs(e.value)),
      ),
    );
  if (!ok)
    fail(`expr ${t.expr} at ${t.eval_time}: expected ${JSON.stringify(exp)}, got ${JSON.stringify(got)}`);
}
