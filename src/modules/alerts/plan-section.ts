/**
 * Plan section `routing:` — inbound integrations, the alert route tree with inhibition rules,
 * and maintenance windows. Produces `integration`, `alert_routing` (key `default`) and
 * `maintenance_window` objects; semantic problems are reported at the entry's position.
 */
import { Type } from '@sinclair/typebox';
import { parseDuration } from '../../kernel/clock.ts';
import type { PlanObject, PlanReference } from '../../plan/index.ts';
import { compact, List, Obj, registerSection, Slug } from '../../plan/index.ts';
import { getKind } from '../catalog/kinds.ts';
import { InhibitRule, IntegrationSpec, MaintenanceWindowSpec, ROUTE_DEPTH, routeSchema } from './kinds.ts';
import { matcherProblems } from './matchers.ts';
import { windowProblems } from './windows.ts';

const RoutingSchema = Obj(
  'routing',
  {
    integrations: Type.Optional(
      List(
        Obj('integration', {
          key: Slug('Stable identifier, e.g. "prometheus".'),
          ...IntegrationSpec.properties,
        }),
        'Inbound alert sources, each with its own key.',
      ),
    ),
    route: Type.Optional(routeSchema(ROUTE_DEPTH)),
    inhibit_rules: Type.Optional(
      List(
        InhibitRule,
        'Alerts matching source_matchers mute alerts matching target_matchers with equal labels.',
      ),
    ),
    maintenance_windows: Type.Optional(
      List(
        Obj('maintenance window', {
          key: Slug('Stable identifier, e.g. "monthly-patching".'),
          ...MaintenanceWindowSpec.properties,
        }),
        'Windows during which alerts for their scope are recorded and muted.',
      ),
    ),
  },
  'Alert integrations, routing, inhibition and maintenance windows.',
);

interface RoutingValue {
  integrations?: Array<{ key: string } & Record<string, unknown>>;
  route?: Record<string, unknown>;
  inhibit_rules?: Array<{ source_matchers: string[]; target_matchers: string[]; equal?: string[] }>;
  maintenance_windows?: Array<{ key: string } & Record<string, unknown>>;
}

function routeErrors(
  r: any,
  path: (string | number)[],
  err: (p: (string | number)[], m: string) => void,
): void {
  for (const problem of matcherProblems(r.matchers, 'matchers')) err([...path, 'matchers'], problem);
  if (r.target?.escalation_policy && r.target?.channel)
    err([...path, 'target'], 'name an escalation_policy or a channel, not both');
  for (const f of ['group_interval', 'repeat_interval']) {
    if (r[f] !== undefined && parseDuration(r[f]) <= 0) err([...path, f], `${f} must be positive`);
  }
  (r.routes ?? []).forEach((c: any, i: number) => {
    routeErrors(c, [...path, 'routes', i], err);
  });
}

function routeRefs(r: any, path: string, out: PlanReference[]): void {
  if (r.target?.escalation_policy && getKind('escalation_policy'))
    out.push({
      kind: 'escalation_policy',
      key: r.target.escalation_policy,
      path: `${path}.target.escalation_policy`,
    });
  if (r.target?.channel && getKind('notification_channel'))
    out.push({ kind: 'notification_channel', key: r.target.channel, path: `${path}.target.channel` });
  (r.routes ?? []).forEach((c: any, i: number) => {
    routeRefs(c, `${path}.routes[${i}]`, out);
  });
}

registerSection<RoutingValue>({
  key: 'routing',
  kinds: ['integration', 'maintenance_window', 'alert_routing'],
  schema: RoutingSchema,
  singleton: true,
  description:
    'Alert integrations (Alertmanager, Grafana, Events v2, webhooks), routes, inhibition and maintenance windows.',
  toObjects: (value, ctx) => {
    const out: PlanObject[] = [];
    const err = (p: (string | number)[], m: string) => ctx.error(p, m);
    (value.integrations ?? []).forEach((i, n) => {
      const { key, ...spec } = i;
      if (spec.mapping && spec.type !== 'webhook')
        err(['integrations', n, 'mapping'], 'mapping applies to webhook integrations only');
      out.push(ctx.object('integration', key, compact(spec), ['integrations', n]));
    });
    (value.maintenance_windows ?? []).forEach((w, n) => {
      const { key, ...spec } = w;
      for (const p of [
        ...matcherProblems(spec.matchers as string[] | undefined, 'matchers'),
        ...windowProblems(spec as any),
      ])
        err(['maintenance_windows', n], p);
      out.push(ctx.object('maintenance_window', key, compact(spec), ['maintenance_windows', n]));
    });
    if (value.route || value.inhibit_rules) {
      const route = value.route ?? {};
      routeErrors(route, ['route'], err);
      (value.inhibit_rules ?? []).forEach((r, n) => {
        for (const p of matcherProblems(r.source_matchers, 'source_matchers'))
          err(['inhibit_rules', n, 'source_matchers'], p);
        for (const p of matcherProblems(r.target_matchers, 'target_matchers'))
          err(['inhibit_rules', n, 'target_matchers'], p);
      });
      out.push(
        ctx.object('alert_routing', 'default', compact({ route, inhibit_rules: value.inhibit_rules }), [
          'route',
        ]),
      );
    }
    return out;
  },
  references: (obj) => {
    const out: PlanReference[] = [];
    if (obj.kind === 'integration' && obj.spec.service)
      out.push({ kind: 'service', key: String(obj.spec.service), path: 'service' });
    if (obj.kind === 'maintenance_window')
      for (const [i, s] of ((obj.spec.services as string[]) ?? []).entries())
        out.push({ kind: 'service', key: s, path: `services[${i}]` });
    if (obj.kind === 'alert_routing') routeRefs(obj.spec.route, 'route', out);
    return out;
  },
});
