/**
 * The kinds of configuration object the foundation owns, each with the JSON Schema (TypeBox) of
 * its spec, how its key looks, and which other objects it refers to. Later modules register their
 * own kinds the same way (`registerKind`), and get CRUD routes, plan/apply and audit for free.
 */
import { type TObject, Type } from '@sinclair/typebox';
import { SLUG_PATTERN } from '../../kernel/ids.ts';

export type KeyStyle = 'slug' | 'email' | 'singleton' | 'severity' | 'flag';

export interface KindDef {
  /** Singular machine name, e.g. `service`. */
  kind: string;
  /** URL segment under /api/v1, e.g. `services`. */
  plural: string;
  /** Human name for messages. */
  label: string;
  keyStyle: KeyStyle;
  spec: TObject;
  /** Other objects this spec refers to (checked on write; blocks deletion of the target). */
  references?: (spec: any) => Array<{ kind: string; key: string; field: string }>;
  /** Fields usable as `?field=value` list filters (array fields match by membership). */
  filters?: string[];
  /** Ordering of dependents for apply (lower first). Foundation kinds use 0–9; modules 10+. */
  order: number;
  /** Role needed to create/update/delete through the API (default admin). */
  writeRole?: Role;
  /** Semantic checks beyond the schema (e.g. a cron expression parses); returns problems. */
  check?: (spec: any, key: string) => string[];
}

const Link = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 100 }),
    url: Type.String({ format: 'uri', maxLength: 2000 }),
  },
  { additionalProperties: false },
);

export const ROLES = ['viewer', 'responder', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Slug = Type.String({ pattern: SLUG_PATTERN, maxLength: 64 });

const kinds = new Map<string, KindDef>();

/** Registers a kind (modules call this at import time). */
export function registerKind(def: KindDef): KindDef {
  if (kinds.has(def.kind)) throw new Error(`kind ${def.kind} registered twice`);
  kinds.set(def.kind, def);
  return def;
}

export function getKind(kind: string): KindDef | undefined {
  return kinds.get(kind);
}

/** All registered kinds in dependency order. */
export function allKinds(): KindDef[] {
  return [...kinds.values()].sort((a, b) => a.order - b.order || a.kind.localeCompare(b.kind));
}

export const KEY_PATTERNS: Record<KeyStyle, RegExp> = {
  slug: new RegExp(SLUG_PATTERN),
  email: /^[^\s@]+@[^\s@]+$/,
  singleton: /^default$/,
  severity: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/,
  // Flag and segment keys follow teams' own conventions (`ui_new_exporter`, `enable_email`);
  // `new` and `flagd` are console paths (/flags/new, /flags/flagd), so they cannot be keys.
  flag: /^(?!(?:new|flagd)$)[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/,
};

registerKind({
  kind: 'org',
  plural: 'org',
  label: 'organisation',
  keyStyle: 'singleton',
  order: 0,
  spec: Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 200 }),
      base_url: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
    },
    { additionalProperties: false },
  ),
});

registerKind({
  kind: 'severity',
  plural: 'severities',
  label: 'severity level',
  keyStyle: 'severity',
  order: 1,
  spec: Type.Object(
    {
      label: Type.String({ minLength: 1, maxLength: 100 }),
      rank: Type.Integer({ minimum: 0, maximum: 99, description: 'Lower rank = more severe' }),
      response_target: Type.String({
        pattern: '^(\\d+(ms|s|m|h|d|w))+$|^next_business_day$',
        description: 'Time to acknowledge: a duration (5m, 1h) or next_business_day',
      }),
      /** Derived by the plan loader: the target in ms (null for next_business_day). */
      response_target_ms: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
      description: Type.Optional(Type.String({ maxLength: 2000 })),
    },
    { additionalProperties: false },
  ),
});

registerKind({
  kind: 'team',
  plural: 'teams',
  label: 'team',
  keyStyle: 'slug',
  order: 2,
  spec: Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 200 }),
      description: Type.Optional(Type.String({ maxLength: 2000 })),
    },
    { additionalProperties: false },
  ),
});

registerKind({
  kind: 'environment',
  plural: 'environments',
  label: 'environment',
  keyStyle: 'slug',
  order: 3,
  filters: ['production'],
  spec: Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 200 }),
      production: Type.Optional(Type.Boolean()),
      branch: Type.Optional(Type.String({ maxLength: 200 })),
      order: Type.Optional(Type.Integer()),
    },
    { additionalProperties: false },
  ),
});

export const Grant = Type.Object(
  {
    role: RoleSchema,
    team: Type.Optional(Slug),
    environments: Type.Optional(Type.Array(Slug, { maxItems: 50 })),
  },
  { additionalProperties: false },
);

registerKind({
  kind: 'user',
  plural: 'users',
  label: 'user',
  keyStyle: 'email',
  order: 4,
  filters: ['role', 'teams'],
  spec: Type.Object(
    {
      email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
      name: Type.String({ minLength: 1, maxLength: 200 }),
      time_zone: Type.Optional(Type.String({ maxLength: 64 })),
      role: RoleSchema,
      teams: Type.Optional(Type.Array(Slug, { maxItems: 100 })),
      grants: Type.Optional(Type.Array(Grant, { maxItems: 100 })),
    },
    { additionalProperties: false },
  ),
  references: (s) => [
    ...(s.teams ?? []).map((k: string) => ({ kind: 'team', key: k, field: 'teams' })),
    ...(s.grants ?? []).flatMap((g: any, i: number) => [
      ...(g.team ? [{ kind: 'team', key: g.team, field: `grants[${i}].team` }] : []),
      ...(g.environments ?? []).map((e: string) => ({
        kind: 'environment',
        key: e,
        field: `grants[${i}].environments`,
      })),
    ]),
  ],
});

registerKind({
  kind: 'service',
  plural: 'services',
  label: 'service',
  keyStyle: 'slug',
  order: 5,
  writeRole: 'operator',
  filters: ['owner', 'tier', 'tags'],
  spec: Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 200 }),
      owner: Slug,
      tier: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
      tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 })),
      description: Type.Optional(Type.String({ maxLength: 4000 })),
      links: Type.Optional(Type.Array(Link, { maxItems: 50 })),
    },
    { additionalProperties: false },
  ),
  references: (s) => [{ kind: 'team', key: s.owner, field: 'owner' }],
});
