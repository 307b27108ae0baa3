/**
 * Plan section `alerts:` — rule groups (kind `rule_group`). The value is a list of groups, or
 * `{ require_runbook, groups }`; helpers (slo, budget, change) expand into plain rules here, and
 * every problem (PromQL syntax, unknown severity, missing runbook) is reported at its YAML path.
 */
import { type Static, Type } from '@sinclair/typebox';
import { parseDuration } from '../../kernel/clock.ts';
import { compact, Duration, List, Obj, registerSection, Slug } from '../../plan/index.ts';
import type { PlanObject } from '../../plan/types.ts';
import { BudgetHelper, ChangeHelper, expandBudget, expandChange, expandSlo, SloHelper } from './helpers.ts';
import { type Rule, RuleSpec, ruleProblems } from './kinds.ts';

const RuleEntry = Obj('rule', {
  ...RuleSpec.properties,
  slo: Type.Optional(SloHelper),
  budget: Type.Optional(BudgetHelper),
  change: Type.Optional(ChangeHelper),
});
const GroupEntry = Obj('rule group', {
  name: Slug('Group key, e.g. "api-alerts".'),
  interval: Type.Optional(Duration('Evaluation interval (default 1m).')),
  rules: List(RuleEntry, 'Alerting and recording rules (and helpers).', 1000),
});
const Groups = List(GroupEntry, 'Rule groups.');
const AlertsSchema = Type.Union(
  [
    Groups,
    Obj('alerts', {
      require_runbook: Type.Optional(
        Type.Boolean({ description: 'Every alerting rule must have a runbook (WT-6).' }),
      ),
      groups: Groups,
    }),
  ],
  { description: 'Alerting and recording rules: a list of groups, or { require_runbook, groups }.' },
);

type Entry = Static<typeof RuleEntry>;
/** Where each stored rule came from in the YAML (relative to the group), for reference errors. */
const origins = new WeakMap<PlanObject, Array<{ path: string; severityPath: string }>>();

function expand(e: Entry): Array<{ rule: Rule; severityPath: string; helper?: string }> {
  const { slo, budget, change, ...plain } = e;
  const { alert: _a, record: _r, expr: _e, check: _c, state: _s, ...base } = plain;
  if (slo)
    return expandSlo(slo, base).map((rule, i) => ({
      rule,
      severityPath: i === 0 ? 'slo.page_severity' : 'slo.ticket_severity',
      helper: 'slo',
    }));
  if (budget)
    return [{ rule: expandBudget(budget, base), severityPath: 'labels.severity', helper: 'budget' }];
  if (change)
    return [
      { rule: expandChange(change, base, parseDuration), severityPath: 'labels.severity', helper: 'change' },
    ];
  return [{ rule: compact(plain) as Rule, severityPath: 'labels.severity' }];
}

registerSection<Static<typeof AlertsSchema>>({
  key: 'alerts',
  kinds: ['rule_group'],
  schema: AlertsSchema,
  singleton: false,
  description: 'Alerting and recording rules evaluated by Vigil (PromQL, checks, SLO/budget/change helpers).',
  toObjects: (value, ctx) => {
    const listed = Array.isArray(value);
    const groups = listed ? value : value.groups;
    const requireRunbook = !listed && value.require_runbook === true;
    const prefix = listed ? [] : ['groups'];
    return groups.map((g, gi) => {
      const at = (...p: Array<string | number>) => [...prefix, gi, ...p];
      const rules: Rule[] = [];
      const origin: Array<{ path: string; severityPath: string }> = [];
      g.rules.forEach((entry, ri) => {
        const helpers = ['slo', 'budget', 'change'].filter((h) => (entry as Record<string, unknown>)[h]);
        if (helpers.length > 1)
          ctx.error(at('rules', ri), `use one helper per rule (got ${helpers.join(', ')})`);
        if (helpers.length === 1) {
          for (const f of ['alert', 'record', 'expr', 'check', 'state'] as const)
            if (entry[f] !== undefined)
              ctx.error(at('rules', ri, f), `"${f}" cannot be combined with the ${helpers[0]} helper`, {
                at: 'key',
              });
        }
        let expanded: ReturnType<typeof expand>;
        try {
          expanded = helpers.length > 1 ? [] : expand(entry);
        } catch (e) {
          ctx.error(
            at('rules', ri, helpers[0] ?? ''),
            `cannot expand ${helpers[0]}: ${(e as Error).message}`,
          );
          return;
        }
        for (const { rule, severityPath, helper } of expanded) {
          for (const p of ruleProblems(rule)) {
            const field = helper && (p.field === 'expr' || p.field === '') ? helper : p.field;
            ctx.error(at('rules', ri, ...(field ? field.split('.') : [])), p.message);
          }
          if (requireRunbook && rule.alert && !rule.runbook && !rule.annotations?.runbook_url)
            ctx.error(
              at('rules', ri),
              `alert "${rule.alert}" has no runbook, and alerts.require_runbook is true`,
              {
                expected: 'runbook: <URL or runbook id>',
                hint: 'add `runbook:` to the rule (WT-6: every alert carries its runbook link)',
              },
            );
          rules.push(rule);
          origin.push({ path: `rules[${ri}]`, severityPath });
        }
      });
      const obj = ctx.object('rule_group', g.name, compact({ interval: g.interval, rules }), at());
      origins.set(obj, origin);
      return obj;
    });
  },
  references: (obj) => {
    const origin = origins.get(obj);
    const rules = (obj.spec.rules ?? []) as Rule[];
    return rules.flatMap((r, i) => {
      const base = origin?.[i]?.path ?? `rules[${i}]`;
      const out = [];
      const lit = (v: string | undefined) => v !== undefined && !v.includes('{{');
      if (lit(r.labels?.severity))
        out.push({
          kind: 'severity',
          key: r.labels!.severity,
          path: `${base}.${origin?.[i]?.severityPath ?? 'labels.severity'}`,
        });
      if (lit(r.labels?.service))
        out.push({ kind: 'service', key: r.labels!.service, path: `${base}.labels.service` });
      if (lit(r.labels?.team)) out.push({ kind: 'team', key: r.labels!.team, path: `${base}.labels.team` });
      return out;
    });
  },
});
