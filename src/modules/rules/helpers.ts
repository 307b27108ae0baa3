/**
 * Rule helpers that expand into plain alerting rules at plan time: SLO multiwindow
 * multi-burn-rate alerts (Google SRE workbook), a budget threshold and a period-over-period
 * change. Each takes the ordinary rule fields (labels, annotations, runbook, for, …) alongside.
 */
import { Type } from '@sinclair/typebox';
import { withOffset } from './expr.ts';
import type { Rule } from './kinds.ts';

const Name = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 150 });
const Expr = Type.String({ minLength: 1, maxLength: 10_000 });
const Sev = Type.String({ minLength: 1, maxLength: 32 });
const DUR = '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+$';

export const SloHelper = Type.Object(
  {
    name: Name,
    objective: Type.Number({
      exclusiveMinimum: 0,
      exclusiveMaximum: 100,
      description: 'Target in percent, e.g. 99.9',
    }),
    errors: Type.String({
      minLength: 1,
      maxLength: 10_000,
      description: 'Error rate with $window, e.g. sum(rate(x{code=~"5.."}[$window]))',
    }),
    total: Type.String({ minLength: 1, maxLength: 10_000, description: 'Total rate with $window' }),
    page_severity: Sev,
    ticket_severity: Sev,
  },
  { additionalProperties: false, 'x-noun': 'slo helper' },
);

export const BudgetHelper = Type.Object(
  {
    name: Name,
    expr: Expr,
    budget: Type.Number({ exclusiveMinimum: 0, description: 'The budget, e.g. 400 (USD per month)' }),
    percent: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'Default 80' })),
  },
  { additionalProperties: false, 'x-noun': 'budget helper' },
);

export const ChangeHelper = Type.Object(
  {
    name: Name,
    expr: Expr,
    percent: Type.Number({ exclusiveMinimum: 0, maximum: 100_000, description: 'Rise in percent, e.g. 50' }),
    compare_to: Type.Optional(Type.String({ pattern: DUR, description: 'How far back (default 1d)' })),
  },
  { additionalProperties: false, 'x-noun': 'change helper' },
);

type Base = Omit<Rule, 'alert' | 'record' | 'expr' | 'check' | 'state'>;
const num = (n: number) => String(Number(n.toPrecision(6)));

/** The burn-rate windows: [long, short, factor, kind]. */
export const BURN_WINDOWS = [
  ['1h', '5m', 14.4, 'page'],
  ['6h', '30m', 6, 'page'],
  ['3d', '6h', 1, 'ticket'],
] as const;

/** Expands an SLO into a page rule (14.4× 1h/5m or 6× 6h/30m) and a ticket rule (1× 3d/6h). */
export function expandSlo(
  h: {
    name: string;
    objective: number;
    errors: string;
    total: string;
    page_severity: string;
    ticket_severity: string;
  },
  base: Base,
): Rule[] {
  const budget = 1 - h.objective / 100;
  const ratio = (w: string) =>
    `(${h.errors.replaceAll('$window', w)}) / (${h.total.replaceAll('$window', w)})`;
  const cond = ([long, short, f]: readonly [string, string, number, string]) =>
    `(${ratio(long)} > ${num(f * budget)} and ${ratio(short)} > ${num(f * budget)})`;
  const page = BURN_WINDOWS.filter((w) => w[3] === 'page')
    .map(cond)
    .join(' or ');
  const ticket = BURN_WINDOWS.filter((w) => w[3] === 'ticket')
    .map(cond)
    .join(' or ');
  const ann = (what: string) => ({
    summary: `${h.name}: error budget burning ${what} (objective ${h.objective}%)`,
    ...base.annotations,
  });
  return [
    {
      ...base,
      alert: `${h.name}BurnRateFast`,
      expr: page,
      for: base.for ?? '2m',
      labels: { ...base.labels, severity: h.page_severity, slo: h.name },
      annotations: ann('fast (14.4× over 1h/5m or 6× over 6h/30m)'),
    },
    {
      ...base,
      alert: `${h.name}BurnRateSlow`,
      expr: ticket,
      for: base.for ?? '1h',
      labels: { ...base.labels, severity: h.ticket_severity, slo: h.name },
      annotations: ann('slowly (1× over 3d/6h)'),
    },
  ];
}

/** Expands a budget threshold: fires when `expr` exceeds `percent` (default 80) % of `budget`. */
export function expandBudget(
  h: { name: string; expr: string; budget: number; percent?: number },
  base: Base,
): Rule {
  const pct = h.percent ?? 80;
  return {
    ...base,
    alert: h.name,
    expr: `(${h.expr}) > ${num((h.budget * pct) / 100)}`,
    annotations: {
      summary: `${h.name}: {{ $value | humanize }} is over ${pct}% of the budget of ${h.budget}`,
      ...base.annotations,
    },
  };
}

/** Expands a change alert: fires when `expr` rose more than `percent` % versus `compare_to` ago. */
export function expandChange(
  h: { name: string; expr: string; percent: number; compare_to?: string },
  base: Base,
  parseDurationMs: (d: string) => number,
): Rule {
  const back = h.compare_to ?? '1d';
  const previous = withOffset(h.expr, parseDurationMs(back));
  return {
    ...base,
    alert: h.name,
    expr: `(${h.expr}) > ${num(1 + h.percent / 100)} * (${previous})`,
    annotations: {
      summary: `${h.name}: up more than ${h.percent}% compared with ${back} earlier (now {{ $value | humanize }})`,
      ...base.annotations,
    },
  };
}
