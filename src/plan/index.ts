/**
 * The ops plan (`vigil.yaml`): loading with positioned diagnostics, the section registry,
 * desired state, and the diff that `vigil plan` shows and `vigil apply` executes.
 */
import { defaultRegistry, type SectionRegistry } from './registry.ts';
import './sections/index.ts';

export { didYouMean, formatDiagnostics, sortDiagnostics } from './diagnostics.ts';
export { type DiffOptions, diffFields, diffPlan, normaliseSpec, specEqual, summarise } from './diff.ts';
export {
  type LoadOptions,
  loadPlan,
  loadPlanFromInputs,
  loadPlanFromString,
  PLAN_VERSIONS,
  type PlanInput,
} from './loader.ts';
export {
  type DiagnosticExtras,
  defaultRegistry,
  kindOrder,
  type PlanReference,
  registerSection,
  type SectionContext,
  type SectionDef,
  SectionRegistry,
} from './registry.ts';
export { renderPlan } from './render.ts';
export {
  compact,
  DURATION_PATTERN,
  Duration,
  Enum,
  List,
  Name,
  Obj,
  Slug,
  Text,
  Url,
} from './schema-helpers.ts';
export {
  FOUNDATION_SECTIONS,
  isTimeZone,
  ROLES,
  registerFoundationSections,
  responseTargetMs,
  SEVERITY_PRESETS,
  type SeverityLevel,
} from './sections/index.ts';
export type {
  CurrentObject,
  Plan,
  PlanChange,
  PlanDiagnostic,
  PlanLoadResult,
  PlanObject,
  PruneSetting,
  SourcePos,
} from './types.ts';

/** The combined JSON Schema of a plan file, for editors (e.g. yaml-language-server). */
export function planSchema(registry: SectionRegistry = defaultRegistry): Record<string, unknown> {
  return registry.planSchema();
}
