/** Shared types of the ops plan: diagnostics, desired objects, changes. */

/** Where a value came from: a plan file (relative to the plan root) and a 1-based line/column. */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
  /** YAML path of the object inside its file, e.g. `services[2]` (used to place reference errors). */
  path?: string;
}

/** One problem found in a plan, positioned like a compiler error. */
export interface PlanDiagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
  expected?: string;
  hint?: string;
  severity: 'error' | 'warning';
  /** Path of the offending value, e.g. `services[2].owner`. */
  path: string;
  /** The source line the diagnostic points into (filled by the loader; printed under the message). */
  excerpt?: string;
}

/** One object the plan wants to exist (a team, a service, a severity level, …). */
export interface PlanObject {
  kind: string;
  key: string;
  spec: Record<string, unknown>;
  source: SourcePos;
}

/** Prune setting: `true` deletes every unmanaged object absent from the plan; a list limits it to kinds. */
export type PruneSetting = boolean | string[];

/** The desired state read from a plan path. */
export interface Plan {
  version: number;
  prune: PruneSetting;
  objects: PlanObject[];
  /** Markdown files next to the plan, keyed by path relative to the plan root. */
  documents: Record<string, string>;
  /** YAML files read, relative to the plan root, in load order. */
  files: string[];
}

/** Result of loading a plan: never throws for user input. */
export type PlanLoadResult =
  | { ok: true; plan: Plan; warnings: PlanDiagnostic[] }
  | { ok: false; diagnostics: PlanDiagnostic[] };

/** An object as it exists in the running Vigil (given by the store to `diffPlan`). */
export interface CurrentObject {
  kind: string;
  key: string;
  spec: Record<string, unknown>;
  /** True when the object was created from (and is owned by) the ops plan. */
  managed: boolean;
  /** The plan file that manages it, if any. */
  source?: string;
}

/** One line of `vigil plan`. */
export interface PlanChange {
  action: 'create' | 'update' | 'delete' | 'adopt' | 'noop';
  kind: string;
  key: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  fields?: Array<{ path: string; before: unknown; after: unknown }>;
  /** `file:line` of the declaration (create/update/adopt/noop) or the managing file (delete). */
  source?: string;
}
