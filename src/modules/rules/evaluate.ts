/**
 * Evaluates one rule group at one instant, without any storage: queries each rule's PromQL (or
 * reads check states), applies the missing-data policy, runs the alert state machine and writes
 * recording-rule results back through the querier. Used by the engine and by `vigil rules test`.
 */
import { parseDuration } from '../../kernel/clock.ts';
import type { IngestSeries } from '../metrics/metrics-service.ts';
import type { QueryResult } from '../metrics/promql/index.ts';
import { STALE_NAN } from '../metrics/storage.ts';
import { dataExprOf, missingLabels } from './expr.ts';
import type { Rule, RuleGroup } from './kinds.ts';
import {
  type AlertInstance,
  type AlertRuleConfig,
  type RuleSample,
  type StepOutput,
  stepAlertRule,
} from './state-machine.ts';
import type { RuleHealth } from './store.ts';

/** What evaluation needs from the metrics backend. */
export interface RuleQuerier {
  query(expr: string, timeMs: number): Promise<QueryResult> | QueryResult;
  ingest?(series: IngestSeries[]): unknown;
}

export interface CheckState {
  service: string | null;
  state: string;
  since: number;
}

export interface CompiledRule {
  /** `<group>/<name>` plus `#n` for the n-th repeat of a name in the group. */
  id: string;
  group: string;
  def: Rule;
  type: 'alerting' | 'recording';
  name: string;
  config: AlertRuleConfig;
  missingData: 'breaching' | 'not_breaching' | 'ignore';
  dataExpr?: string;
  missing?: Record<string, string>;
}

export interface CompiledGroup {
  key: string;
  intervalMs: number;
  rules: CompiledRule[];
}

export interface RuleOutcome {
  rule: CompiledRule;
  health: RuleHealth;
  step?: StepOutput;
}

/** Compiles a stored group spec (durations parsed, rule ids assigned, data expressions derived). */
export function compileGroup(key: string, spec: RuleGroup, externalURL?: string): CompiledGroup {
  const seen = new Map<string, number>();
  const rules = spec.rules.map((def): CompiledRule => {
    const name = def.alert ?? def.record ?? 'rule';
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    const missingData = def.missing_data ?? 'not_breaching';
    let dataExpr: string | undefined;
    let missing: Record<string, string> | undefined;
    if (def.expr && missingData !== 'not_breaching') {
      try {
        dataExpr = dataExprOf(def.expr);
        missing = missingLabels(def.expr);
      } catch {
        // A broken expression is reported by its evaluation.
      }
    }
    return {
      id: `${key}/${name}${n ? `#${n}` : ''}`,
      group: key,
      def,
      type: def.record ? 'recording' : 'alerting',
      name,
      missingData,
      dataExpr,
      missing,
      config: {
        name,
        forMs: def.for ? parseDuration(def.for) : 0,
        keepFiringForMs: def.keep_firing_for ? parseDuration(def.keep_firing_for) : 0,
        labels: def.labels ?? {},
        annotations: def.annotations ?? {},
        runbook: def.runbook,
        evaluations: def.evaluations,
        externalURL,
      },
    };
  });
  return { key, intervalMs: spec.interval ? parseDuration(spec.interval) : 60_000, rules };
}

function toSamples(r: QueryResult): RuleSample[] {
  if (r.resultType === 'scalar') return [{ labels: {}, value: r.result[1] }];
  if (r.resultType !== 'vector')
    throw new Error(`rule expression must return a vector or scalar, got ${r.resultType}`);
  return r.result.map((s) => {
    const labels: Record<string, string> = {};
    for (const l of s.metric) labels[l.name] = l.value;
    return { labels, value: s.value[1] };
  });
}

async function samplesFor(
  rule: CompiledRule,
  ts: number,
  q: RuleQuerier,
  checks: Map<string, CheckState>,
): Promise<RuleSample[] | 'ignore'> {
  if (rule.def.check) {
    const c = checks.get(rule.def.check);
    const want = rule.def.state ?? 'down';
    if (!c || c.state !== want) return [];
    return [
      {
        labels: { check: rule.def.check, ...(c.service ? { service: c.service } : {}) },
        value: 1,
        since: c.since,
      },
    ];
  }
  const samples = toSamples(await q.query(rule.def.expr!, ts));
  if (samples.length > 0 || rule.missingData === 'not_breaching') return samples;
  // Empty: is the data missing, or is the condition simply false?
  const data =
    rule.dataExpr && rule.dataExpr !== rule.def.expr ? toSamples(await q.query(rule.dataExpr, ts)) : [];
  if (data.length > 0) return [];
  if (rule.missingData === 'ignore') return 'ignore';
  return [{ labels: { ...rule.missing }, value: Number.NaN }];
}

/** Evaluates every rule of `g` at `ts`, in order (later rules see earlier recording results). */
export async function evaluateGroup(
  g: CompiledGroup,
  ts: number,
  q: RuleQuerier,
  active: Map<string, Map<string, AlertInstance>>,
  checks: Map<string, CheckState>,
): Promise<RuleOutcome[]> {
  const out: RuleOutcome[] = [];
  for (const rule of g.rules) {
    const t0 = performance.now();
    try {
      if (rule.type === 'recording') {
        const samples = toSamples(await q.query(rule.def.expr!, ts));
        const series: IngestSeries[] = samples.map((s) => ({
          labels: Object.entries({ ...s.labels, ...rule.def.labels, __name__: rule.name })
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([name, value]) => ({ name, value })),
          timestamps: [ts],
          values: [s.value],
        }));
        if (series.length && q.ingest) q.ingest(series);
        out.push({ rule, health: health('ok', null, ts, t0) });
        continue;
      }
      const samples = await samplesFor(rule, ts, q, checks);
      const prev = active.get(rule.id) ?? new Map();
      if (samples === 'ignore') {
        out.push({ rule, health: health('ok', null, ts, t0) });
        continue;
      }
      const step = stepAlertRule(rule.config, prev, samples, ts);
      active.set(rule.id, step.active);
      if (q.ingest) writeAlertSeries(q, prev, step.active, ts);
      out.push({ rule, health: health('ok', null, ts, t0), step });
    } catch (e) {
      out.push({ rule, health: health('err', (e as Error).message, ts, t0) });
    }
  }
  return out;
}

const byName = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * Prometheus' synthetic `ALERTS` (1 per pending/firing instance) and `ALERTS_FOR_STATE`
 * (activeAt in seconds); series an instance left (pending → firing, resolved) get a stale marker.
 */
function writeAlertSeries(
  q: RuleQuerier,
  prev: Map<string, AlertInstance>,
  next: Map<string, AlertInstance>,
  ts: number,
): void {
  const series: IngestSeries[] = [];
  const add = (a: AlertInstance, extra: Record<string, string>, v: number) =>
    series.push({
      labels: Object.entries({ ...a.labels, ...extra })
        .sort(byName)
        .map(([name, value]) => ({ name, value })),
      timestamps: [ts],
      // A Float64Array keeps the stale marker's NaN payload; a JS array may canonicalise it.
      values: Float64Array.of(v),
    });
  for (const a of next.values()) {
    if (a.state === 'inactive') continue;
    add(a, { __name__: 'ALERTS', alertstate: a.state }, 1);
    add(a, { __name__: 'ALERTS_FOR_STATE' }, a.activeAt / 1000);
  }
  for (const [fp, a] of prev) {
    if (a.state === 'inactive') continue;
    const now = next.get(fp);
    if (now?.state !== a.state) add(a, { __name__: 'ALERTS', alertstate: a.state }, STALE_NAN);
    if (!now || now.state === 'inactive') add(a, { __name__: 'ALERTS_FOR_STATE' }, STALE_NAN);
  }
  if (series.length) q.ingest!(series);
}

function health(h: 'ok' | 'err', err: string | null, ts: number, t0: number): RuleHealth {
  return { health: h, lastError: err, lastEvaluation: ts, evaluationMs: performance.now() - t0 };
}
