/** Shapes of the flags API as the console uses them (see docs/flags.md, "HTTP API"). */

export const FLAG_TYPES = ['release', 'experiment', 'operational', 'kill-switch', 'permission'] as const;
export type FlagType = (typeof FLAG_TYPES)[number];

/** Expected lifetime per type in days (null = never stale), as the server's staleness uses. */
export const TYPE_LIFETIME: Record<FlagType, number | null> = {
  release: 40,
  experiment: 40,
  operational: 7,
  'kill-switch': null,
  permission: null,
};

export const OPERATORS = [
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
] as const;
export type Operator = (typeof OPERATORS)[number];

export interface RolloutView {
  status: 'pending' | 'running' | 'paused' | 'completed' | 'rolled_back';
  step: number;
  steps: Array<{ percentage: number; wait_ms: number }>;
  percentage: number;
  on_guard_failure: 'pause' | 'rollback';
  guards: Array<{ alert: string } | { query: string }>;
  paused_reason: string | null;
  next_step_at: string | null;
  /** On the flag page only: alert guards firing now; query guards are checked by the engine each minute. */
  guard_states?: Array<{
    guard: string;
    kind: 'alert' | 'query';
    state: 'healthy' | 'firing' | 'checked_by_engine';
  }>;
}

export interface EnvState {
  enabled: boolean;
  declared_enabled: boolean;
  override: { enabled: boolean; reason: string; by: string; incident: string | null; at: string } | null;
  rollout: RolloutView | null;
  percentage: number | null;
}

export interface FlagSummary {
  key: string;
  type: FlagType;
  kind: 'boolean' | 'string' | 'number' | 'object';
  description: string | null;
  owner: string | null;
  tags: string[];
  archived: boolean;
  managed: boolean;
  source: string | null;
  version: number;
  environments: Record<string, EnvState>;
  triggers: Array<{ alert: string; env?: string; set: 'on' | 'off' }>;
  stale: boolean;
  stale_reason: string;
  convention_problems: string[];
  lifespan_days: number;
  created_at: string;
  updated_at: string;
}

export interface Conventions {
  name_pattern?: string;
  prefixes?: string[];
  required_tags?: string[];
  default_off_in?: string[];
}

export interface FlagList {
  items: FlagSummary[];
  summary: {
    flags: number;
    retired: number;
    mean_lifespan_days: number | null;
    median_lifespan_days: number | null;
    over_60_days: number;
  };
  conventions: Conventions | null;
}

export interface FlagDetail extends FlagSummary {
  history: Array<{ at: string; type: string; actor: string; data: Record<string, unknown> }>;
}

/** Condition, rule, split and environment in the spec (snake_case) form the definitions API takes. */
export interface ConditionSpec {
  attribute: string;
  op: Operator;
  value?: string | number | boolean;
  values?: Array<string | number | boolean>;
  case_insensitive?: boolean;
  negate?: boolean;
}
export interface SplitSpec {
  percentage?: number;
  buckets?: Array<{ variant: string; weight: number }>;
  bucket_by?: string;
  salt?: string;
}
export interface RuleSpec {
  description?: string;
  conditions?: ConditionSpec[];
  segments?: string[];
  variant?: string;
  split?: SplitSpec;
}
export interface StagedRolloutSpec {
  steps: Array<{ percentage: number; wait?: string }>;
  on_guard_failure?: 'pause' | 'rollback';
  guards?: Array<string | { alert: string } | { query: string }>;
  bucket_by?: string;
}
export interface EnvSpec {
  enabled: boolean;
  default_variant?: string | null;
  targeting?: RuleSpec[];
  rollout?: SplitSpec;
  staged_rollout?: StagedRolloutSpec;
}
export interface FlagSpec {
  description?: string;
  owner?: string;
  type: FlagType;
  tags?: string[];
  variants?: Record<string, unknown>;
  default_variant?: string | null;
  off_variant?: string;
  environments: Record<string, EnvSpec>;
  triggers?: Array<{ alert: string; env?: string; set?: 'on' | 'off' }>;
  archived?: boolean;
}
/** A definition as GET /api/v1/flag-definitions/{key} presents it. */
export interface FlagDefinition extends FlagSpec {
  key: string;
  managed: boolean;
  source: string | null;
  version: number;
}
export interface SegmentDefinition {
  key: string;
  description?: string;
  conditions: ConditionSpec[];
  managed: boolean;
  source: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Environment {
  key: string;
  name: string;
  production?: boolean;
  order?: number;
}

export interface AuditItem {
  seq: number;
  at: string;
  actor: string;
  action: string;
  before: unknown;
  after: unknown;
}

export interface PreviewResult {
  value: unknown;
  variant: string | null;
  reason: string;
  rule: number | null;
  error_code?: string;
  error_message?: string;
}

/** Timeline event types about flags (for live updates). */
export const FLAG_EVENTS = [
  'flag.created',
  'flag.updated',
  'flag.deleted',
  'flag.toggled',
  'flag.override_cleared',
  'flag.rollout_started',
  'flag.rollout_paused',
  'flag.rollout_resumed',
  'flag.rollout_rolled_back',
  'flag.rollout_advanced',
  'flag.rollout_completed',
];
export const SEGMENT_EVENTS = ['segment.created', 'segment.updated', 'segment.deleted'];
