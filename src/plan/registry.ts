/**
 * The section registry: every top-level key of an ops plan is a section with a TypeBox schema,
 * a rule for turning its value into desired objects, and the references those objects make.
 * Later modules (checks, alerts, schedules, …) add their sections with `registerSection`.
 */
import type { TSchema } from '@sinclair/typebox';
import { AjvModule, type ValidateFunction } from './ajv.ts';
import type { Segment } from './source.ts';
import type { PlanObject, SourcePos } from './types.ts';

/** A reference from one plan object to another (`service.owner` → team), checked across all sections. */
export interface PlanReference {
  kind: string;
  key: string;
  /** Path relative to the referring object, e.g. `owner` or `grants[0].environments[1]`. */
  path: string;
}

/** What a section's `toObjects` may use: positions, semantic errors and an object builder. */
export interface SectionContext {
  /** Plan file the value came from. */
  file: string;
  /** Position of a path relative to the section value (`[2, 'owner']` or `'[2].owner'`). */
  pos(path?: readonly Segment[] | string): SourcePos;
  /** Reports a semantic error at a path relative to the section value. */
  error(path: readonly Segment[] | string, message: string, opts?: DiagnosticExtras): void;
  /** Reports a warning at a path relative to the section value. */
  warn(path: readonly Segment[] | string, message: string, opts?: DiagnosticExtras): void;
  /** Builds a PlanObject whose source points at `path` (relative to the section value). */
  object(
    kind: string,
    key: string,
    spec: Record<string, unknown>,
    path?: readonly Segment[] | string,
  ): PlanObject;
}

/** Optional details of a diagnostic raised by a section. */
export interface DiagnosticExtras {
  expected?: string;
  hint?: string;
  /** Point at the key of the entry rather than its value. */
  at?: 'key' | 'value';
}

/** A section of the ops plan. */
export interface SectionDef<T = any> {
  /** Top-level YAML key, e.g. `services`. */
  key: string;
  /** Object kinds this section produces, in dependency order (used by kindOrder and prune). */
  kinds: string[];
  /** TypeBox schema of the section value (validated with ajv, allErrors). */
  schema: TSchema;
  /** Singletons may appear in one file only; list sections concatenate across files. */
  singleton: boolean;
  /** One-line description (for docs and the combined JSON Schema). */
  description?: string;
  /** Turns the (schema-valid) value from one file into desired objects. */
  toObjects(value: T, ctx: SectionContext): PlanObject[];
  /** References an object makes to other objects; dangling ones are errors at the reference. */
  references?(obj: PlanObject): PlanReference[];
}

/** Kinds that everything else depends on, in apply order. */
const FOUNDATION_KINDS = ['org', 'severity', 'team', 'environment', 'user', 'service'];

/** Holds registered sections and their compiled validators. */
export class SectionRegistry {
  private readonly defs = new Map<string, SectionDef>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv = AjvModule.create();

  /** Adds a section; registering the same key twice is a programming error. */
  register<T>(def: SectionDef<T>): void {
    if (this.defs.has(def.key)) throw new Error(`plan section "${def.key}" is already registered`);
    if (def.key === 'version' || def.key === 'prune') throw new Error(`"${def.key}" is reserved`);
    this.defs.set(def.key, def as SectionDef);
  }

  /** The section for a top-level key, if registered. */
  get(key: string): SectionDef | undefined {
    return this.defs.get(key);
  }

  /** Registered sections in registration order. */
  list(): SectionDef[] {
    return [...this.defs.values()];
  }

  /** Allowed top-level keys (sections plus `version` and `prune`). */
  topLevelKeys(): string[] {
    return ['version', 'prune', ...this.defs.keys()];
  }

  /** The compiled ajv validator of a section (compiled once). */
  validator(key: string): ValidateFunction {
    let v = this.validators.get(key);
    if (!v) {
      const def = this.defs.get(key);
      if (!def) throw new Error(`unknown plan section "${key}"`);
      v = this.ajv.compile(def.schema);
      this.validators.set(key, v);
    }
    return v;
  }

  /** Kinds in dependency order: foundation kinds first, then others by registration order. */
  kindOrder(): string[] {
    const out = [...FOUNDATION_KINDS];
    for (const def of this.defs.values()) for (const k of def.kinds) if (!out.includes(k)) out.push(k);
    return out;
  }

  /** The combined JSON Schema of a whole plan file (for editors such as the YAML language server). */
  planSchema(): Record<string, unknown> {
    const properties: Record<string, unknown> = {
      version: { const: 1, description: 'Plan format version (default 1).' },
      prune: {
        description: 'Delete unmanaged objects absent from the plan: true, or a list of kinds.',
        anyOf: [{ type: 'boolean' }, { type: 'array', items: { enum: this.kindOrder() } }],
      },
    };
    for (const def of this.defs.values()) {
      properties[def.key] = stripSymbols({
        ...def.schema,
        description: def.description ?? def.schema.description,
      });
    }
    return {
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'Vigil ops plan',
      type: 'object',
      additionalProperties: false,
      properties,
    };
  }
}

function stripSymbols(value: unknown): unknown {
  // TypeBox tags schemas with symbol keys; a JSON round trip drops them and any undefined.
  return JSON.parse(JSON.stringify(value));
}

/** The registry `loadPlan` uses by default; foundation sections are registered in sections/index.ts. */
export const defaultRegistry = new SectionRegistry();

/** Registers a section in the default registry. */
export function registerSection<T>(def: SectionDef<T>): void {
  defaultRegistry.register(def);
}

/** Kinds in dependency order (for the applier: create forward, delete in reverse). */
export function kindOrder(registry: SectionRegistry = defaultRegistry): string[] {
  return registry.kindOrder();
}
