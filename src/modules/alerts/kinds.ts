/**
 * Catalog kinds of the alerts module: `integration` (an inbound alert source with its own key),
 * `alert_routing` (the singleton route tree + inhibition rules) and `maintenance_window`
 * (one-off or RRULE-recurring windows that mute alerts for services).
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { parseDuration } from '../../kernel/clock.ts';
import { SLUG_PATTERN } from '../../kernel/ids.ts';
import { getKind, registerKind } from '../catalog/kinds.ts';
import { matcherProblems } from './matchers.ts';
import { windowProblems } from './windows.ts';

const Slug = Type.String({ pattern: SLUG_PATTERN, maxLength: 64 });
const Dur = Type.String({ pattern: '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+$', maxLength: 32 });
const Matchers = Type.Array(Type.String({ minLength: 2, maxLength: 500 }), { maxItems: 30 });
const Labels = Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.String({ maxLength: 500 }), {
  maxProperties: 30,
});

export const INTEGRATION_TYPES = ['alertmanager', 'grafana', 'events_v2', 'webhook'] as const;
export type IntegrationType = (typeof INTEGRATION_TYPES)[number];

/** Field mapping of a generic JSON webhook: dotted paths into the posted document. */
export const WebhookMapping = Type.Object(
  {
    summary: Type.Optional(Type.String({ maxLength: 200 })),
    severity: Type.Optional(Type.String({ maxLength: 200 })),
    dedup_key: Type.Optional(Type.String({ maxLength: 200 })),
    status: Type.Optional(Type.String({ maxLength: 200 })),
    resolved_values: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20 })),
    labels: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 200 }))),
    annotations: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 200 }))),
  },
  { additionalProperties: false },
);

export const IntegrationSpec = Type.Object(
  {
    type: Type.Union(INTEGRATION_TYPES.map((t) => Type.Literal(t))),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    service: Type.Optional(Slug),
    labels: Type.Optional(Labels),
    rate_limit_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    require_signature: Type.Optional(Type.Boolean()),
    mapping: Type.Optional(WebhookMapping),
  },
  { additionalProperties: false },
);

const Target = Type.Object(
  { escalation_policy: Type.Optional(Slug), channel: Type.Optional(Slug) },
  { additionalProperties: false },
);
const Incident = Type.Object(
  {
    open: Type.Boolean(),
    severity_from: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    severity_map: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 32 }))),
    default_severity: Type.Optional(Type.String({ maxLength: 32 })),
    service_label: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** Fields of a route node (Alertmanager semantics; unset fields inherit from the parent). */
export const routeFields = {
  key: Type.Optional(Slug),
  matchers: Type.Optional(Matchers),
  continue: Type.Optional(Type.Boolean()),
  target: Type.Optional(Target),
  group_by: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 30 })),
  group_wait: Type.Optional(Dur),
  group_interval: Type.Optional(Dur),
  repeat_interval: Type.Optional(Dur),
  incident: Type.Optional(Incident),
};

/** A route tree nested `depth` levels deep (no recursive $ref, so plan diagnostics stay precise). */
export function routeSchema(depth: number): TSchema {
  const fields: Record<string, TSchema> = { ...routeFields };
  if (depth > 1) fields.routes = Type.Optional(Type.Array(routeSchema(depth - 1), { maxItems: 100 }));
  return Type.Object(fields, { additionalProperties: false });
}
export const ROUTE_DEPTH = 5;

export const InhibitRule = Type.Object(
  {
    source_matchers: Matchers,
    target_matchers: Matchers,
    equal: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 20 })),
  },
  { additionalProperties: false },
);

export const AlertRoutingSpec = Type.Object(
  {
    route: routeSchema(ROUTE_DEPTH),
    inhibit_rules: Type.Optional(Type.Array(InhibitRule, { maxItems: 200 })),
  },
  { additionalProperties: false },
);

export const MaintenanceWindowSpec = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    services: Type.Optional(Type.Array(Slug, { maxItems: 100 })),
    matchers: Type.Optional(Matchers),
    start: Type.String({
      pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2})?$',
      description: 'Local wall time in time_zone, e.g. 2026-12-06T02:00',
    }),
    end: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2})?$' })),
    duration: Type.Optional(Dur),
    time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    rrule: Type.Optional(
      Type.String({ minLength: 5, maxLength: 500, description: 'e.g. FREQ=MONTHLY;BYDAY=1SU' }),
    ),
    notice: Type.Optional(Dur),
    emergency: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const refIf = (kind: string, key: string, field: string) => (getKind(kind) ? [{ kind, key, field }] : []);

function routeRefs(r: any, path: string): Array<{ kind: string; key: string; field: string }> {
  const out = [
    ...(r.target?.escalation_policy
      ? refIf('escalation_policy', r.target.escalation_policy, `${path}.target`)
      : []),
    ...(r.target?.channel ? refIf('notification_channel', r.target.channel, `${path}.target`) : []),
  ];
  (r.routes ?? []).forEach((c: any, i: number) => {
    out.push(...routeRefs(c, `${path}.routes[${i}]`));
  });
  return out;
}

function routeProblems(r: any, path: string): string[] {
  const p = matcherProblems(r.matchers, `${path}.matchers`);
  if (r.target?.escalation_policy && r.target?.channel)
    p.push(`${path}.target: name an escalation_policy or a channel, not both`);
  for (const f of ['group_interval', 'repeat_interval']) {
    if (r[f] !== undefined && parseDuration(r[f]) <= 0) p.push(`${path}.${f} must be positive`);
  }
  (r.routes ?? []).forEach((c: any, i: number) => {
    p.push(...routeProblems(c, `${path}.routes[${i}]`));
  });
  return p;
}

registerKind({
  kind: 'integration',
  plural: 'integrations',
  label: 'alert integration',
  keyStyle: 'slug',
  order: 20,
  writeRole: 'operator',
  filters: ['type', 'service'],
  spec: IntegrationSpec,
  references: (s) => (s.service ? [{ kind: 'service', key: s.service, field: 'service' }] : []),
  check: (s) => (s.mapping && s.type !== 'webhook' ? ['mapping applies to webhook integrations only'] : []),
});

registerKind({
  kind: 'alert_routing',
  plural: 'alert-routing',
  label: 'alert routing',
  keyStyle: 'singleton',
  order: 40,
  writeRole: 'operator',
  spec: AlertRoutingSpec,
  references: (s) => routeRefs(s.route, 'route'),
  check: (s) => [
    ...routeProblems(s.route, 'route'),
    ...(s.inhibit_rules ?? []).flatMap((r: any, i: number) => [
      ...matcherProblems(r.source_matchers, `inhibit_rules[${i}].source_matchers`),
      ...matcherProblems(r.target_matchers, `inhibit_rules[${i}].target_matchers`),
    ]),
  ],
});

registerKind({
  kind: 'maintenance_window',
  plural: 'maintenance-windows',
  label: 'maintenance window',
  keyStyle: 'slug',
  order: 20,
  writeRole: 'operator',
  filters: ['services'],
  spec: MaintenanceWindowSpec,
  references: (s) => (s.services ?? []).map((k: string) => ({ kind: 'service', key: k, field: 'services' })),
  check: (s) => [...matcherProblems(s.matchers, 'matchers'), ...windowProblems(s)],
});
