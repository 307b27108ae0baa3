/**
 * The inverse of `flagFromSpec`/`segmentFromSpec`: domain flags and segments (e.g. from a flagd
 * import) as catalog specs (snake_case, the plan's shape), so they can be stored as definitions.
 */
import type { Condition, Flag, Segment, Split } from './flag.ts';
import type { FlagSpec, SegmentSpec } from './plan.ts';

type CondSpec = NonNullable<SegmentSpec['conditions']>[number];
type EnvSpec = FlagSpec['environments'][string];
type SplitSpec = NonNullable<EnvSpec['rollout']>;

function conditionSpec(c: Condition): CondSpec {
  const out: CondSpec = { attribute: c.attribute, op: c.op };
  if (c.value !== undefined) out.value = c.value;
  if (c.values !== undefined) out.values = c.values;
  if (c.caseInsensitive) out.case_insensitive = true;
  if (c.negate) out.negate = true;
  return out;
}

/** A split as a spec; fails for what the spec cannot say (several bucketing attributes, Unleash hashing). */
function splitSpec(s: Split): SplitSpec {
  if (Array.isArray(s.bucketBy) || s.scheme === 'unleash') {
    throw new Error('splits with fallback bucketing attributes or Unleash hashing cannot be stored');
  }
  const out: SplitSpec = { buckets: s.buckets.map((b) => ({ variant: b.variant, weight: b.weight })) };
  if (s.bucketBy) out.bucket_by = s.bucketBy;
  if (s.salt !== undefined) out.salt = s.salt;
  return out;
}

/** One environment of a flag as a spec. */
export function environmentSpec(flag: Flag, env: string): EnvSpec | undefined {
  const e = flag.environments[env];
  if (!e) return undefined;
  const out: EnvSpec = { enabled: e.enabled };
  if (e.defaultVariant !== undefined) out.default_variant = e.defaultVariant;
  if (e.targeting?.length) {
    out.targeting = e.targeting.map((r) => {
      const rule: NonNullable<EnvSpec['targeting']>[number] = {};
      if (r.description) rule.description = r.description;
      if (r.conditions?.length) rule.conditions = r.conditions.map(conditionSpec);
      if (r.segments?.length) rule.segments = r.segments;
      if (r.variant !== undefined) rule.variant = r.variant;
      if (r.split) rule.split = splitSpec(r.split);
      return rule;
    });
  }
  if (e.rollout) out.rollout = splitSpec(e.rollout);
  return out;
}

/** A domain flag as a catalog spec (every environment it configures). */
export function flagToSpec(flag: Flag): FlagSpec {
  const environments: FlagSpec['environments'] = {};
  for (const env of Object.keys(flag.environments)) environments[env] = environmentSpec(flag, env)!;
  const out: FlagSpec = {
    type: flag.type,
    tags: flag.tags,
    variants: flag.variants,
    default_variant: flag.defaultVariant,
    environments,
  };
  if (flag.description) out.description = flag.description;
  if (flag.owner) out.owner = flag.owner;
  if (flag.offVariant) out.off_variant = flag.offVariant;
  if (flag.archived) out.archived = true;
  return out;
}

/** A domain segment as a catalog spec. */
export function segmentToSpec(s: Segment): SegmentSpec {
  return {
    ...(s.description ? { description: s.description } : {}),
    conditions: s.conditions.map(conditionSpec),
  };
}
