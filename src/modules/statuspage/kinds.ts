/** Configuration kind of the status page module: a page with its components (plan `status_pages:`). */
import { Type } from '@sinclair/typebox';
import { SLUG_PATTERN } from '../../kernel/ids.ts';
import { DURATION_PATTERN } from '../../plan/index.ts';
import { registerKind } from '../catalog/kinds.ts';

export const COMPONENT_STATUSES = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

const Slug = Type.String({ pattern: SLUG_PATTERN, maxLength: 64 });

export const PAGE_THEMES = ['auto', 'light', 'dark'] as const;
/** A host name as sent in the Host header (lower case, no port). */
export const HOSTNAME_PATTERN =
  '^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$';
export const INCIDENT_STATUS_VALUES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;

/** A reusable incident message (`{{page}}` and `{{components}}` are filled in when published). */
export const TemplateSpec = Type.Object(
  {
    key: Slug,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    title: Type.Optional(Type.String({ maxLength: 300 })),
    status: Type.Optional(Type.Union(INCIDENT_STATUS_VALUES.map((s) => Type.Literal(s)))),
    body: Type.String({ minLength: 1, maxLength: 10000 }),
  },
  { additionalProperties: false },
);

export const ComponentSpec = Type.Object(
  {
    key: Slug,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    group: Type.Optional(Type.String({ maxLength: 200 })),
    checks: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 })),
    services: Type.Optional(Type.Array(Slug, { maxItems: 100 })),
    only_show_if_degraded: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const StatusPageSpec = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    url: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
    time_zone: Type.Optional(Type.String({ maxLength: 64 })),
    logo_url: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
    brand_color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
    links: Type.Optional(
      Type.Array(
        Type.Object(
          { title: Type.String({ maxLength: 100 }), url: Type.String({ format: 'uri' }) },
          { additionalProperties: false },
        ),
        { maxItems: 20 },
      ),
    ),
    default: Type.Optional(Type.Boolean()),
    /** Colour scheme of the public page: follow the reader's preference, or force one. */
    theme: Type.Optional(Type.Union(PAGE_THEMES.map((t) => Type.Literal(t)))),
    /** Host names that serve this page at their root (custom domains, matched on the Host header). */
    domains: Type.Optional(
      Type.Array(Type.String({ pattern: HOSTNAME_PATTERN, maxLength: 253 }), { maxItems: 10 }),
    ),
    /** Only signed-in Vigil users may read the page, its feeds and its JSON. */
    private: Type.Optional(Type.Boolean()),
    templates: Type.Optional(Type.Array(TemplateSpec, { maxItems: 100 })),
    /** How long an automatic status must hold before the public page shows it (flap protection). */
    hold_down: Type.Optional(Type.String({ pattern: DURATION_PATTERN })),
    components: Type.Array(ComponentSpec, { maxItems: 200 }),
  },
  { additionalProperties: false },
);

registerKind({
  kind: 'status_page',
  plural: 'status-pages',
  label: 'status page',
  keyStyle: 'slug',
  order: 30,
  writeRole: 'operator',
  spec: StatusPageSpec,
  references: (s) =>
    (s.components ?? []).flatMap((c: { services?: string[] }, i: number) =>
      (c.services ?? []).map((k) => ({ kind: 'service', key: k, field: `components[${i}].services` })),
    ),
  check: (s) => {
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const c of s.components as Array<{ key: string }>) {
      if (seen.has(c.key)) problems.push(`component "${c.key}" is declared twice`);
      seen.add(c.key);
    }
    const tpl = new Set<string>();
    for (const t of (s.templates ?? []) as Array<{ key: string }>) {
      if (tpl.has(t.key)) problems.push(`template "${t.key}" is declared twice`);
      tpl.add(t.key);
    }
    return problems;
  },
});
