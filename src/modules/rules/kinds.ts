/**
 * Catalog kind `rule_group`: a named group of alerting and recording rules evaluated together at
 * its interval. Gives /api/v1/rule-groups CRUD, plan/apply, audit and `rule_group.*` events.
 * Helpers (slo, budget, change) are expanded by the plan section, so stored rules are plain.
 */
import { type Static, Type } from '@sinclair/typebox';
import { parseDuration } from '../../kernel/clock.ts';
import { SLUG_PATTERN } from '../../kernel/ids.ts';
import { registerKind } from '../catalog/kinds.ts';
import { parseExpr } from '../metrics/promql/index.ts';
import { templateProblems } from './template.ts';

const DUR = '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+$';
const Dur = (description?: string) => Type.String({ pattern: DUR, maxLength: 32, description });
const LabelMap = (description: string) =>
  Type.Record(
    Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 100 }),
    Type.String({ maxLength: 4000 }),
    {
      maxProperties: 50,
      description,
    },
  );

export const MISSING_DATA = ['breaching', 'not_breaching', 'ignore'] as const;
export const CHECK_STATES = ['down', 'not_running', 'degraded'] as const;

/** One alerting or recording rule as stored. */
export const RuleSpec = Type.Object(
  {
    alert: Type.Optional(
      Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 200, description: 'Alert name.' }),
    ),
    record: Type.Optional(
      Type.String({
        pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$',
        maxLength: 200,
        description: 'Recorded metric name.',
      }),
    ),
    expr: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000, description: 'PromQL expression.' })),
    check: Type.Optional(
      Type.String({ pattern: SLUG_PATTERN, maxLength: 64, description: 'Check or heartbeat key.' }),
    ),
    state: Type.Optional(
      Type.Unsafe<(typeof CHECK_STATES)[number]>({
        type: 'string',
        enum: [...CHECK_STATES],
        description: 'Check state that breaches (check rules; default down).',
      }),
    ),
    for: Type.Optional(Dur('How long the condition must hold before firing.')),
    keep_firing_for: Type.Optional(Dur('How long to keep firing after the condition clears.')),
    labels: Type.Optional(LabelMap('Labels added to the alert (severity, service, team).')),
    annotations: Type.Optional(LabelMap('Templated annotations (summary, description).')),
    runbook: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Runbook URL or id.' })),
    missing_data: Type.Optional(
      Type.Unsafe<(typeof MISSING_DATA)[number]>({
        type: 'string',
        enum: [...MISSING_DATA],
        description: 'What an empty result means (default not_breaching).',
      }),
    ),
    evaluations: Type.Optional(
      Type.Object(
        {
          breaching: Type.Integer({ minimum: 1, maximum: 100 }),
          of: Type.Integer({ minimum: 1, maximum: 100 }),
        },
        { additionalProperties: false, description: 'M out of N evaluations must breach.' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type Rule = Static<typeof RuleSpec>;

/** Spec of kind `rule_group`. */
export const RuleGroupSpec = Type.Object(
  {
    interval: Type.Optional(Dur('Evaluation interval (default 1m).')),
    rules: Type.Array(RuleSpec, { minItems: 1, maxItems: 1000 }),
  },
  { additionalProperties: false },
);
export type RuleGroup = Static<typeof RuleGroupSpec>;

/** Semantic problems of one rule, each with the field it concerns. */
export function ruleProblems(
  r: Rule,
): Array<{ field: string; message: string; offset?: { line: number; column: number } }> {
  const p: Array<{ field: string; message: string; offset?: { line: number; column: number } }> = [];
  if (!r.alert === !r.record)
    p.push({ field: '', message: 'a rule needs exactly one of "alert" or "record"' });
  if (!r.expr === !r.check)
    p.push({ field: '', message: 'a rule needs exactly one of "expr" (PromQL) or "check"' });
  if (r.record && r.check) p.push({ field: 'check', message: 'recording rules need expr, not check' });
  if (r.record) {
    for (const f of [
      'for',
      'keep_firing_for',
      'annotations',
      'runbook',
      'missing_data',
      'evaluations',
    ] as const)
      if (r[f] !== undefined) p.push({ field: f, message: `"${f}" applies to alerting rules only` });
  }
  if (r.state && !r.check) p.push({ field: 'state', message: '"state" applies to check rules only' });
  if (r.check && (r.missing_data || r.evaluations))
    p.push({
      field: r.missing_data ? 'missing_data' : 'evaluations',
      message: 'check rules take no missing_data or evaluations',
    });
  if (r.expr) {
    try {
      parseExpr(r.expr);
    } catch (e) {
      const err = e as { position?: { line: number; column: number }; detail?: string; message: string };
      p.push({
        field: 'expr',
        message: `invalid PromQL: ${err.detail ?? err.message}${err.position ? ` (at ${err.position.line}:${err.position.column} of the expression)` : ''}`,
        offset: err.position,
      });
    }
  }
  if (r.evaluations && r.evaluations.breaching > r.evaluations.of)
    p.push({ field: 'evaluations', message: 'evaluations.breaching must not exceed evaluations.of' });
  for (const f of ['labels', 'annotations'] as const)
    for (const [k, v] of Object.entries(r[f] ?? {}))
      for (const t of templateProblems(v)) p.push({ field: `${f}.${k}`, message: `template error: ${t}` });
  for (const f of ['for', 'keep_firing_for'] as const)
    if (r[f] !== undefined && parseDuration(r[f]!) > 30 * 86_400_000)
      p.push({ field: f, message: `${f} must be at most 30d` });
  return p;
}

/** Problems of a whole group (duplicate names are allowed, as in Prometheus). */
export function groupProblems(g: RuleGroup): string[] {
  const out: string[] = [];
  if (g.interval && parseDuration(g.interval) < 1000) out.push('interval must be at least 1s');
  g.rules.forEach((r, i) => {
    for (const p of ruleProblems(r)) out.push(`rules[${i}]${p.field ? `.${p.field}` : ''}: ${p.message}`);
  });
  return out;
}

registerKind({
  kind: 'rule_group',
  plural: 'rule-groups',
  label: 'rule group',
  keyStyle: 'slug',
  order: 30,
  writeRole: 'operator',
  spec: RuleGroupSpec,
  references: (s: RuleGroup) =>
    s.rules.flatMap((r, i) => [
      ...(r.labels?.severity && !r.labels.severity.includes('{{')
        ? [{ kind: 'severity', key: r.labels.severity, field: `rules[${i}].labels.severity` }]
        : []),
      ...(r.labels?.service && !r.labels.service.includes('{{')
        ? [{ kind: 'service', key: r.labels.service, field: `rules[${i}].labels.service` }]
        : []),
      ...(r.labels?.team && !r.labels.team.includes('{{')
        ? [{ kind: 'team', key: r.labels.team, field: `rules[${i}].labels.team` }]
        : []),
    ]),
  check: (s: RuleGroup) => groupProblems(s),
});
