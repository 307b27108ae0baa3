/** Public API of the on-call module: schedules, iCal feeds, escalation policies and their state machine. */
export {
  acknowledge,
  type EscalationAction,
  type EscalationState,
  type EscalationStatus,
  type IncidentRef,
  resolve,
  type StepResult,
  startEscalation,
  stepEscalation,
} from './escalation.ts';
export { type ICalOptions, scheduleToICal, shiftUid, userICal } from './ical.ts';
export {
  type CompiledPolicy,
  compilePolicy,
  type EscalationLevel,
  type EscalationPolicy,
  type PolicyReferences,
  policyReferences,
  type SeverityRule,
} from './policy.ts';
export { layerShifts } from './rotation.ts';
export {
  compileSchedule,
  computeShifts,
  gaps,
  nextHandoffs,
  reminders,
  scheduleUsers,
  whoIsOnCall,
} from './schedule.ts';
export {
  EscalationPoliciesSectionSchema,
  type EscalationPolicyDoc,
  EscalationPolicySchema,
  OverrideSchema,
  RestrictionSchema,
  RotationLayerSchema,
  type ScheduleDoc,
  ScheduleSchema,
  SchedulesSectionSchema,
  SeverityRuleSchema,
} from './schemas.ts';
export {
  makeResolver,
  parseTarget,
  type ResolverSources,
  type ResolveTargets,
  type Target,
  type TargetSpec,
  type TargetType,
  targetText,
} from './targets.ts';
export { type Instant, isValidZone, parseTurn } from './time.ts';
export type {
  Handoff,
  LayerShift,
  Reminder,
  Restriction,
  RotationLayer,
  Schedule,
  ScheduleOverride,
  Shift,
  Weekday,
} from './types.ts';
