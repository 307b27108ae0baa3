/**
 * Public API of the flags module: the pure evaluation core (model, compiled evaluation, flagd
 * import/export, staged rollouts, lifecycle, plan section). Other modules import only from here.
 */
export {
  attributeGetter,
  compileCondition,
  MAX_PATTERN_LENGTH,
  MAX_REGEX_INPUT,
  type Matcher,
  parseVersion,
  toRegExp,
  validateCondition,
} from './conditions.ts';
export {
  type CompiledFlag,
  type CompiledFlagSet,
  compileFlag,
  compileFlagSet,
  compileSegments,
  evaluate,
  validateFlag,
  validateSegment,
} from './evaluate.ts';
export {
  type Condition,
  type ErrorCode,
  type EvaluateOptions,
  type EvaluationContext,
  type EvaluationResult,
  FLAG_TYPE_LIFETIME_DAYS,
  FLAG_TYPES,
  type Flag,
  type FlagEnvironment,
  type FlagType,
  type JsonValue,
  kindOf,
  OPERATORS,
  type Operator,
  offVariantOf,
  percentageSplit,
  type Reason,
  type Rule,
  type Scalar,
  type Segment,
  type Split,
  type SplitBucket,
  type ValueKind,
  type VariantValue,
} from './flag.ts';
export { exportFlagd, type FlagdDocument } from './flagd-export.ts';
export { type FlagdImport, type FlagdProblem, importFlagd } from './flagd-import.ts';
export {
  type FlagStateRecord,
  flagPercentages,
  lifespanDays,
  type Staleness,
  staleness,
} from './lifecycle.ts';
export { murmur3, murmur3Prefix, murmur3Resume } from './murmur3.ts';
export {
  checkConventions,
  type FlagConventions,
  type FlagPlan,
  type FlagPlanProblem,
  FlagPlanSchema,
  namePatternRegex,
  type PlannedRollout,
  planToFlags,
} from './plan.ts';
export {
  advanceRollout,
  initialRollout,
  nextAction,
  pauseRollout,
  type RolloutAction,
  type RolloutPlan,
  type RolloutState,
  type RolloutStatus,
  type RolloutStep,
  resumeRollout,
  rollbackRollout,
  rolloutPercentage,
  startRollout,
  validateRolloutPlan,
  withRolloutPercentage,
} from './rollout.ts';
export { bucketOf, compileSplit, MAX_TOTAL_WEIGHT, validateSplit } from './split.ts';
