/**
 * The `flags:` section of the ops plan: a TypeBox schema (snake_case YAML), its translation into
 * the domain model, and the naming/tagging/default-off conventions check (WT-4). Not registered
 * with the plan loader here; the integrator wires `FlagPlanSchema` and `planToFlags` into a section.
 */
import { type Static, Type } from '@sinclair/typebox';
import { parseDuration } from '../../kernel/clock.ts';
import { validateFlag, validateSegment } from './evaluate.ts';
import {
  type Condition,
  FLAG_TYPES,
  type Flag,
  type FlagEnvironment,
  kindOf,
  OPERATORS,
  percentageSplit,
  type Rule,
  type Segment,
  type Split,
  type VariantValue,
} from './flag.ts';
import { type RolloutPlan, validateRolloutPlan } from './rollout.ts';

const Key = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$', description: 'Stable key.' });
const ScalarT = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
const Duration = Type.String({ pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h|d|w|y))+$', description: 'e.g. 24h, 3d' });

const ConditionSchema = Type.Object(
  {
    attribute: Type.String({ minLength: 1 }),
    op: Type.Union(OPERATORS.map((o) => Type.Literal(o))),
    value: Type.Optional(ScalarT),
    values: Type.Optional(Type.Array(ScalarT)),
    case_insensitive: Type.Optional(Type.Boolean()),
    negate: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const SplitSchema = Type.Object(
  {
    percentage: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'On/off shorthand.' })),
    buckets: Type.Optional(
      Type.Array(Type.Object({ variant: Type.String(), weight: Type.Integer({ minimum: 0 }) }), {
        minItems: 1,
      }),
    ),
    bucket_by: Type.Optional(
      Type.String({ minLength: 1, description: 'Context attribute (default targetingKey).' }),
    ),
    salt: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const RuleSchema = Type.Object(
  {
    description: Type.Optional(Type.String()),
    conditions: Type.Optional(Type.Array(ConditionSchema)),
    segments: Type.Optional(Type.Array(Key)),
    variant: Type.Optional(Type.String()),
    split: Type.Optional(SplitSchema),
  },
  { additionalProperties: false },
);

const StagedRolloutSchema = Type.Object(
  {
    steps: Type.Array(
      Type.Object(
        { percentage: Type.Number({ exclusiveMinimum: 0, maximum: 100 }), wait: Type.Optional(Duration) },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    on_guard_failure: Type.Optional(Type.Union([Type.Literal('pause'), Type.Literal('rollback')])),
    guards: Type.Optional(
      Type.Array(Type.String(), { description: 'Alert rules/KPIs whose firing stops the rollout.' }),
    ),
    bucket_by: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

const EnvSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    default_variant: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    targeting: Type.Optional(Type.Array(RuleSchema)),
    rollout: Type.Optional(SplitSchema),
    staged_rollout: Type.Optional(StagedRolloutSchema),
  },
  { additionalProperties: false },
);

const FlagSchema = Type.Object(
  {
    key: Key,
    description: Type.Optional(Type.String()),
    owner: Type.Optional(Type.String()),
    type: Type.Union(FLAG_TYPES.map((t) => Type.Literal(t))),
    tags: Type.Optional(Type.Array(Type.String())),
    variants: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'Default {on: true, off: false}.' }),
    ),
    default_variant: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    off_variant: Type.Optional(Type.String()),
    environments: Type.Record(Type.String(), EnvSchema),
    archived: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const ConventionsSchema = Type.Object(
  {
    name_pattern: Type.Optional(
      Type.String({ description: 'Template like "{prefix}_{feature}" or an anchored regex ("^...$").' }),
    ),
    prefixes: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: 'Allowed {prefix} values.' }),
    ),
    required_tags: Type.Optional(
      Type.Array(Type.String(), { description: 'Tag keys every flag needs (team → team:x).' }),
    ),
    default_off_in: Type.Optional(
      Type.Array(Type.String(), { description: 'Environments where flags default to off.' }),
    ),
  },
  { additionalProperties: false },
);

/** Schema of the ops plan's `flags:` section. */
export const FlagPlanSchema = Type.Object(
  {
    conventions: Type.Optional(ConventionsSchema),
    segments: Type.Optional(
      Type.Array(
        Type.Object(
          { key: Key, description: Type.Optional(Type.String()), conditions: Type.Array(ConditionSchema) },
          { additionalProperties: false },
        ),
      ),
    ),
    flags: Type.Optional(Type.Array(FlagSchema)),
  },
  { additionalProperties: false },
);

export type FlagPlan = Static<typeof FlagPlanSchema>;
export type FlagConventions = Static<typeof ConventionsSchema>;

/** A staged rollout declared in the plan for one flag in one environment. */
export interface PlannedRollout {
  flag: string;
  env: string;
  plan: RolloutPlan;
  guards: string[];
  bucketBy?: string;
}

/** One problem found in the plan's flags, with a path like `flags[2].environments.prod`. */
export interface FlagPlanProblem {
  path: string;
  message: string;
  flag?: string;
}

function condition(c: Static<typeof ConditionSchema>): Condition {
  const out: Condition = { attribute: c.attribute, op: c.op };
  if (c.value !== undefined) out.value = c.value;
  if (c.values !== undefined) out.values = c.values;
  if (c.case_insensitive) out.caseInsensitive = true;
  if (c.negate) out.negate = true;
  return out;
}

function split(s: Static<typeof SplitSchema>, variants: Record<string, VariantValue>): Split {
  if (s.percentage !== undefined) {
    const on = Object.keys(variants).find((k) => variants[k] === true) ?? 'on';
    const off = Object.keys(variants).find((k) => variants[k] === false) ?? 'off';
    const out = percentageSplit(on, off, s.percentage, s.bucket_by);
    if (s.salt !== undefined) out.salt = s.salt;
    return out;
  }
  const out: Split = { buckets: s.buckets ?? [] };
  if (s.bucket_by) out.bucketBy = s.bucket_by;
  if (s.salt !== undefined) out.salt = s.salt;
  return out;
}

/** Translates a (schema-valid) `flags:` section into flags, segments and staged rollouts. */
export function planToFlags(plan: FlagPlan): {
  flags: Flag[];
  segments: Segment[];
  rollouts: PlannedRollout[];
  problems: FlagPlanProblem[];
} {
  const problems: FlagPlanProblem[] = [];
  const segments: Segment[] = (plan.segments ?? []).map((s) => ({
    key: s.key,
    ...(s.description ? { description: s.description } : {}),
    conditions: s.conditions.map(condition),
  }));
  segments.forEach((s, i) => {
    for (const m of validateSegment(s)) problems.push({ path: `segments[${i}]`, message: m });
  });
  const flags: Flag[] = [];
  const rollouts: PlannedRollout[] = [];
  (plan.flags ?? []).forEach((p, i) => {
    const variants = (p.variants ?? { on: true, off: false }) as Record<string, VariantValue>;
    const kind = kindOf(Object.values(variants)[0]) ?? 'boolean';
    const environments: Record<string, FlagEnvironment> = {};
    for (const [envKey, e] of Object.entries(p.environments)) {
      const env: FlagEnvironment = { enabled: e.enabled };
      if (e.default_variant !== undefined) env.defaultVariant = e.default_variant;
      if (e.targeting?.length) {
        env.targeting = e.targeting.map((r) => {
          const rule: Rule = {};
          if (r.description) rule.description = r.description;
          if (r.conditions?.length) rule.conditions = r.conditions.map(condition);
          if (r.segments?.length) rule.segments = r.segments;
          if (r.variant !== undefined) rule.variant = r.variant;
          if (r.split) rule.split = split(r.split, variants);
          return rule;
        });
      }
      if (e.rollout) env.rollout = split(e.rollout, variants);
      if (e.staged_rollout) {
        const sr = e.staged_rollout;
        const rp: RolloutPlan = {
          steps: sr.steps.map((s) =>
            s.wait ? { percentage: s.percentage, wait: parseDuration(s.wait) } : { percentage: s.percentage },
          ),
          onGuardFailure: sr.on_guard_failure ?? 'pause',
        };
        for (const m of validateRolloutPlan(rp)) {
          problems.push({
            path: `flags[${i}].environments.${envKey}.staged_rollout`,
            message: m,
            flag: p.key,
          });
        }
        rollouts.push({
          flag: p.key,
          env: envKey,
          plan: rp,
          guards: sr.guards ?? [],
          ...(sr.bucket_by ? { bucketBy: sr.bucket_by } : {}),
        });
      }
      environments[envKey] = env;
    }
    const flag: Flag = {
      key: p.key,
      tags: p.tags ?? [],
      type: p.type,
      kind,
      variants,
      defaultVariant:
        p.default_variant !== undefined
          ? p.default_variant
          : 'off' in variants
            ? 'off'
            : Object.keys(variants)[0],
      environments,
    };
    if (p.description) flag.description = p.description;
    if (p.owner) flag.owner = p.owner;
    if (p.off_variant) flag.offVariant = p.off_variant;
    if (p.archived) flag.archived = true;
    for (const m of validateFlag(flag, segments))
      problems.push({ path: `flags[${i}]`, message: m, flag: p.key });
    flags.push(flag);
  });
  return { flags, segments, rollouts, problems };
}

/** Builds the name regex for a template like `{prefix}_{feature}` (or takes an anchored regex as is). */
export function namePatternRegex(pattern: string, prefixes?: string[]): RegExp {
  if (pattern.startsWith('^')) return new RegExp(pattern);
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const prefix = prefixes?.length ? `(?:${prefixes.map(esc).join('|')})` : '[a-z][a-z0-9]*';
  const parts = pattern.split(/(\{prefix\}|\{feature\})/);
  const body = parts
    .map((p) => (p === '{prefix}' ? prefix : p === '{feature}' ? '[a-z0-9]+(?:_[a-z0-9]+)*' : esc(p)))
    .join('');
  return new RegExp(`^${body}$`);
}

/**
 * Checks flags against the team's conventions (WT-4): name pattern, required tag keys
 * (`team` is satisfied by `team:frontend`), and "default off" in the listed environments. Kill
 * switches are exempt from default-off: they are on by design and exist to be turned off.
 */
export function checkConventions(flags: Flag[], conventions: FlagConventions): FlagPlanProblem[] {
  const out: FlagPlanProblem[] = [];
  const re = conventions.name_pattern
    ? namePatternRegex(conventions.name_pattern, conventions.prefixes)
    : null;
  flags.forEach((f, i) => {
    const path = `flags[${i}]`;
    if (f.archived) return;
    if (re && !re.test(f.key)) {
      out.push({ path, flag: f.key, message: `name "${f.key}" does not follow ${conventions.name_pattern}` });
    }
    for (const tag of conventions.required_tags ?? []) {
      if (!f.tags.some((t) => t === tag || t.startsWith(`${tag}:`))) {
        out.push({ path, flag: f.key, message: `missing required tag "${tag}" (e.g. ${tag}:…)` });
      }
    }
    if (f.type === 'kill-switch') return;
    for (const env of conventions.default_off_in ?? []) {
      const cfg = f.environments[env];
      if (!cfg?.enabled) continue;
      const def = cfg.defaultVariant !== undefined ? cfg.defaultVariant : f.defaultVariant;
      const value = def === null ? undefined : f.variants[def];
      if (value === true || (f.kind === 'boolean' && value !== false && value !== undefined)) {
        out.push({
          path: `${path}.environments.${env}`,
          flag: f.key,
          message: `must default to off in ${env}`,
        });
      }
    }
  });
  return out;
}
