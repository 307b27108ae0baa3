/**
 * The `flags:` section of the ops plan: a TypeBox schema (snake_case YAML), its translation into
 * the domain model, and the naming/tagging/default-off conventions check (WT-4). The section is
 * registered in plan-section.ts; the catalog kinds (flag, segment) reuse the per-flag schemas.
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

const GuardSchema = Type.Union([
  Type.String({ minLength: 1, description: 'Alert rule key.' }),
  Type.Object({ alert: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  Type.Object(
    {
      query: Type.String({ minLength: 1, description: 'PromQL; the guard fails while it returns samples.' }),
    },
    { additionalProperties: false },
  ),
]);

const TriggerSchema = Type.Object(
  {
    alert: Type.String({ minLength: 1, description: 'Alert rule key whose firing pulls the trigger.' }),
    env: Type.Optional(Type.String({ minLength: 1, description: 'Only when it fires in this environment.' })),
    set: Type.Optional(
      Type.Union([Type.Literal('off'), Type.Literal('on')], { description: 'Default off (kill switch).' }),
    ),
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
      Type.Array(GuardSchema, {
        description: 'Alert rule keys (healthy while not firing) or {query: PromQL} (healthy while empty).',
      }),
    ),
    bucket_by: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

// Null first in `default_variant` unions: the API's ajv coerces types and would turn null into "".
const EnvSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    default_variant: Type.Optional(Type.Union([Type.Null(), Type.String()])),
    targeting: Type.Optional(Type.Array(RuleSchema)),
    rollout: Type.Optional(SplitSchema),
    staged_rollout: Type.Optional(StagedRolloutSchema),
  },
  { additionalProperties: false },
);

const flagFields = {
  description: Type.Optional(Type.String()),
  owner: Type.Optional(Type.String()),
  type: Type.Union(FLAG_TYPES.map((t) => Type.Literal(t))),
  tags: Type.Optional(Type.Array(Type.String())),
  variants: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), { description: 'Default {on: true, off: false}.' }),
  ),
  default_variant: Type.Optional(Type.Union([Type.Null(), Type.String()])),
  off_variant: Type.Optional(Type.String()),
  environments: Type.Record(Type.String(), EnvSchema),
  triggers: Type.Optional(
    Type.Array(TriggerSchema, { description: 'When an alert fires, turn the flag off (or on).' }),
  ),
  archived: Type.Optional(Type.Boolean()),
};

/** A flag's spec as stored in the catalog (kind `flag`): the plan entry without its key. */
export const FlagSpecSchema = Type.Object(flagFields, { additionalProperties: false });

const FlagSchema = Type.Object({ key: Key, ...flagFields }, { additionalProperties: false });

const segmentFields = {
  description: Type.Optional(Type.String()),
  conditions: Type.Array(ConditionSchema),
};

/** A segment's spec as stored in the catalog (kind `segment`). */
export const SegmentSpecSchema = Type.Object(segmentFields, { additionalProperties: false });

/** The `conventions:` part of the section (also the `flag_conventions` catalog kind). */
export const ConventionsSchema = Type.Object(
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

export const DIGEST_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** The weekly stale-flag digest (`flags.digest`), stored as the `flag_digest` singleton. */
export const DigestSchema = Type.Object(
  {
    day: Type.Optional(
      Type.Union(
        DIGEST_DAYS.map((d) => Type.Literal(d)),
        { description: 'Weekday it is sent on (default mon).' },
      ),
    ),
    time: Type.Optional(
      Type.String({
        pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
        description: 'Local time of day, "HH:MM" (default "09:00").',
      }),
    ),
    time_zone: Type.Optional(Type.String({ minLength: 1, description: 'IANA zone (default UTC).' })),
    channel: Type.String({ minLength: 1, description: 'notification_channel key for the digest.' }),
    team_channels: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }), {
        description: "Owner team → notification_channel key: that team's stale flags go there instead.",
      }),
    ),
  },
  { additionalProperties: false },
);

/** Schema of the ops plan's `flags:` section. */
export const FlagPlanSchema = Type.Object(
  {
    conventions: Type.Optional(ConventionsSchema),
    digest: Type.Optional(DigestSchema),
    segments: Type.Optional(
      Type.Array(Type.Object({ key: Key, ...segmentFields }, { additionalProperties: false })),
    ),
    flags: Type.Optional(Type.Array(FlagSchema)),
  },
  { additionalProperties: false },
);

export type FlagPlan = Static<typeof FlagPlanSchema>;
export type FlagConventions = Static<typeof ConventionsSchema>;
export type FlagDigestSpec = Static<typeof DigestSchema>;
export type FlagSpec = Static<typeof FlagSpecSchema>;
export type SegmentSpec = Static<typeof SegmentSpecSchema>;

/** A rollout guard: an alert rule (healthy while not firing) or a PromQL query (healthy while empty). */
export type RolloutGuard = { alert: string } | { query: string };

/** "When alert X fires (in env), set the flag off/on" — a kill-switch trigger. */
export interface FlagTrigger {
  alert: string;
  env?: string;
  set: 'off' | 'on';
}

/** A staged rollout declared in the plan for one flag in one environment. */
export interface PlannedRollout {
  flag: string;
  env: string;
  plan: RolloutPlan;
  guards: RolloutGuard[];
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

/** Normalises a guard from its YAML form (a bare string is an alert rule key). */
export function normaliseGuard(g: string | { alert: string } | { query: string }): RolloutGuard {
  return typeof g === 'string' ? { alert: g } : g;
}

/** A segment spec (catalog/plan form) as a domain segment. */
export function segmentFromSpec(key: string, s: SegmentSpec): Segment {
  return {
    key,
    ...(s.description ? { description: s.description } : {}),
    conditions: s.conditions.map(condition),
  };
}

/**
 * Translates one (schema-valid) flag spec into the domain flag, its staged rollouts and triggers.
 * Problems are definition errors; unknown segment references are left to the caller (references).
 */
export function flagFromSpec(
  key: string,
  p: FlagSpec,
  at = 'flag',
): { flag: Flag; rollouts: PlannedRollout[]; triggers: FlagTrigger[]; problems: FlagPlanProblem[] } {
  const problems: FlagPlanProblem[] = [];
  const rollouts: PlannedRollout[] = [];
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
        problems.push({ path: `${at}.environments.${envKey}.staged_rollout`, message: m, flag: key });
      }
      if (kind !== 'boolean') {
        problems.push({
          path: `${at}.environments.${envKey}.staged_rollout`,
          message: 'staged rollouts need a boolean flag',
          flag: key,
        });
      }
      rollouts.push({
        flag: key,
        env: envKey,
        plan: rp,
        guards: (sr.guards ?? []).map(normaliseGuard),
        ...(sr.bucket_by ? { bucketBy: sr.bucket_by } : {}),
      });
    }
    environments[envKey] = env;
  }
  const flag: Flag = {
    key,
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
  for (const m of validateFlag(flag)) problems.push({ path: at, message: m, flag: key });
  const triggers: FlagTrigger[] = (p.triggers ?? []).map((t) => ({
    alert: t.alert,
    ...(t.env ? { env: t.env } : {}),
    set: t.set ?? 'off',
  }));
  return { flag, rollouts, triggers, problems };
}

/** Translates a (schema-valid) `flags:` section into flags, segments and staged rollouts. */
export function planToFlags(plan: FlagPlan): {
  flags: Flag[];
  segments: Segment[];
  rollouts: PlannedRollout[];
  triggers: Array<FlagTrigger & { flag: string }>;
  problems: FlagPlanProblem[];
} {
  const problems: FlagPlanProblem[] = [];
  const segments: Segment[] = (plan.segments ?? []).map((s) => segmentFromSpec(s.key, s));
  segments.forEach((s, i) => {
    for (const m of validateSegment(s)) problems.push({ path: `segments[${i}]`, message: m });
  });
  const known = new Set(segments.map((s) => s.key));
  const flags: Flag[] = [];
  const rollouts: PlannedRollout[] = [];
  const triggers: Array<FlagTrigger & { flag: string }> = [];
  (plan.flags ?? []).forEach((p, i) => {
    const { key, ...spec } = p;
    const r = flagFromSpec(key, spec, `flags[${i}]`);
    problems.push(...r.problems);
    for (const env of Object.values(r.flag.environments)) {
      for (const rule of env.targeting ?? []) {
        for (const s of rule.segments ?? []) {
          if (!known.has(s))
            problems.push({ path: `flags[${i}]`, message: `refers to unknown segment "${s}"`, flag: key });
        }
      }
    }
    flags.push(r.flag);
    rollouts.push(...r.rollouts);
    triggers.push(...r.triggers.map((t) => ({ ...t, flag: key })));
  });
  return { flags, segments, rollouts, triggers, problems };
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
