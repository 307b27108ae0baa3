/**
 * The feature-flag domain model: flags with typed variants, per-environment targeting (ordered
 * rules over context attributes, reusable segments) and fractional splits, plus the OpenFeature
 * evaluation result shape. Pure data; evaluation lives in evaluate.ts.
 */

/** Flag purpose; drives the expected lifetime (see FLAG_TYPE_LIFETIME_DAYS). */
export type FlagType = 'release' | 'experiment' | 'operational' | 'kill-switch' | 'permission';

export const FLAG_TYPES: readonly FlagType[] = [
  'release',
  'experiment',
  'operational',
  'kill-switch',
  'permission',
];

/**
 * Expected lifetime per type, taken from Unleash's feature types (release 40 d, experiment 40 d,
 * operational 7 d; kill switches and permission flags are meant to stay, so never stale: null).
 */
export const FLAG_TYPE_LIFETIME_DAYS: Readonly<Record<FlagType, number | null>> = {
  release: 40,
  experiment: 40,
  operational: 7,
  'kill-switch': null,
  permission: null,
};

/** The kind of value every variant of a flag carries (OpenFeature's boolean/string/number/object). */
export type ValueKind = 'boolean' | 'string' | 'number' | 'object';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type VariantValue = boolean | string | number | { [key: string]: JsonValue } | JsonValue[];
export type Scalar = string | number | boolean;

/** Condition operators; string ops take one or more values and match if any value matches. */
export type Operator =
  | 'equals'
  | 'not_equals'
  | 'in'
  | 'not_in'
  | 'starts_with'
  | 'ends_with'
  | 'contains'
  | 'matches'
  | 'semver_eq'
  | 'semver_lt'
  | 'semver_lte'
  | 'semver_gt'
  | 'semver_gte'
  | 'semver_caret'
  | 'semver_tilde'
  | 'num_eq'
  | 'num_lt'
  | 'num_lte'
  | 'num_gt'
  | 'num_gte'
  | 'date_before'
  | 'date_after'
  | 'exists';

export const OPERATORS: readonly Operator[] = [
  'equals',
  'not_equals',
  'in',
  'not_in',
  'starts_with',
  'ends_with',
  'contains',
  'matches',
  'semver_eq',
  'semver_lt',
  'semver_lte',
  'semver_gt',
  'semver_gte',
  'semver_caret',
  'semver_tilde',
  'num_eq',
  'num_lt',
  'num_lte',
  'num_gt',
  'num_gte',
  'date_before',
  'date_after',
  'exists',
];

/**
 * One test on a context attribute. `attribute` may be a dotted path (`user.plan`). Date operators
 * default to the `currentTime` attribute and fall back to the evaluation's `now`.
 */
export interface Condition {
  attribute: string;
  op: Operator;
  value?: Scalar;
  values?: Scalar[];
  caseInsensitive?: boolean;
  /** Inverts the result (Unleash's `inverted`). */
  negate?: boolean;
}

/** One slice of a fractional split; weights are non-negative integers (flagd semantics). */
export interface SplitBucket {
  variant: string;
  weight: number;
}

/**
 * A deterministic percentage split. The hash input is `salt + value(bucketBy)`; the salt defaults
 * to the flag key and bucketBy to `targetingKey`, which is exactly flagd's `fractional` default
 * (`flagKey + targetingKey`). `salt: ''` hashes the attribute alone (flagd's `{"var": attr}` form).
 * A list in bucketBy means "first attribute present" (Unleash's default stickiness).
 * scheme `unleash` reproduces Unleash's normalisation (`murmur3(salt:value) % total`), for imports.
 */
export interface Split {
  bucketBy?: string | string[];
  salt?: string;
  scheme?: 'flagd' | 'unleash';
  buckets: SplitBucket[];
}

/** An ordered targeting rule: all conditions (and all referenced segments) must hold. */
export interface Rule {
  id?: string;
  description?: string;
  conditions?: Condition[];
  /** Keys of segments that must all match. */
  segments?: string[];
  /** Serve this variant... */
  variant?: string;
  /** ...or split between variants. Exactly one of variant/split. */
  split?: Split;
}

/** A reusable, named set of conditions (all-of), referenced from rules by key. */
export interface Segment {
  key: string;
  description?: string;
  conditions: Condition[];
}

/** A flag's configuration in one environment. */
export interface FlagEnvironment {
  enabled: boolean;
  /** Overrides the flag's defaultVariant in this environment. */
  defaultVariant?: string | null;
  targeting?: Rule[];
  /** Fallthrough split applied when no rule matched (a percentage rollout). */
  rollout?: Split;
}

/** A feature flag. `defaultVariant: null` means "the caller's code default" (as in flagd). */
export interface Flag {
  key: string;
  description?: string;
  owner?: string;
  tags: string[];
  type: FlagType;
  kind: ValueKind;
  variants: Record<string, VariantValue>;
  defaultVariant: string | null;
  /** Served when the flag is disabled in an environment; defaults to the `false` variant of a boolean flag, else defaultVariant. */
  offVariant?: string;
  environments: Record<string, FlagEnvironment>;
  archived?: boolean;
  /** Static metadata returned as OpenFeature flagMetadata. */
  metadata?: Record<string, string | number | boolean>;
}

/** OpenFeature evaluation context: free-form attributes plus the conventional targetingKey. */
export type EvaluationContext = { targetingKey?: string } & Record<string, unknown>;

export type Reason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DEFAULT' | 'DISABLED' | 'ERROR';

export type ErrorCode =
  | 'FLAG_NOT_FOUND'
  | 'TYPE_MISMATCH'
  | 'TARGETING_KEY_MISSING'
  | 'PARSE_ERROR'
  | 'INVALID_CONTEXT'
  | 'GENERAL';

/** OpenFeature resolution details. Results of successful evaluations are shared and frozen. */
export interface EvaluationResult {
  readonly value: unknown;
  readonly variant?: string;
  readonly reason: Reason;
  readonly errorCode?: ErrorCode;
  readonly errorMessage?: string;
  readonly flagMetadata?: Readonly<Record<string, string | number | boolean>>;
}

/** Per-call evaluation options. */
export interface EvaluateOptions {
  /** Epoch ms; used by date operators when the context has no `currentTime`. */
  now?: number;
  /** When set and different from the flag's kind, the result is ERROR/TYPE_MISMATCH. */
  expectedKind?: ValueKind;
  /** The caller's code default, returned on errors and when defaultVariant is null. */
  defaultValue?: unknown;
  /** Report a split whose bucketing attribute is missing as ERROR/TARGETING_KEY_MISSING instead of falling through. */
  requireTargetingKey?: boolean;
}

/** The value kind of a variant value. */
export function kindOf(v: unknown): ValueKind | null {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isFinite(v) ? 'number' : null;
  if (v !== null && typeof v === 'object') return 'object';
  return null;
}

/** The variant served when the flag is off in an environment. */
export function offVariantOf(flag: Flag, env?: FlagEnvironment): string | null {
  if (flag.offVariant) return flag.offVariant;
  if (flag.kind === 'boolean') {
    for (const [name, v] of Object.entries(flag.variants)) if (v === false) return name;
  }
  return env?.defaultVariant !== undefined ? env.defaultVariant : flag.defaultVariant;
}

/** A two-bucket on/off split for `percent` % (on first, so raising the percentage only adds users). */
export function percentageSplit(
  onVariant: string,
  offVariant: string,
  percent: number,
  bucketBy?: string,
): Split {
  const p = Math.min(100, Math.max(0, percent));
  // Integer percentages keep flagd-compatible weights summing to 100; fractions use 1/1000 %.
  const scale = Number.isInteger(p) ? 1 : 1000;
  const on = Math.round(p * scale);
  const split: Split = {
    buckets: [
      { variant: onVariant, weight: on },
      { variant: offVariant, weight: 100 * scale - on },
    ],
  };
  if (bucketBy) split.bucketBy = bucketBy;
  return split;
}
