/**
 * Catalog kinds of the on-call module: schedules, escalation policies, notification channels
 * (shared Slack/Teams/e-mail/webhook/ntfy/PagerDuty destinations), per-user contacts with
 * urgency rules, and the `paging` routing table (which policy pages for which service or team).
 */
import { Type } from '@sinclair/typebox';
import { registerKind } from '../catalog/kinds.ts';
import { compilePolicy, type EscalationPolicy, policyReferences } from './policy.ts';
import { compileSchedule, scheduleUsers } from './schedule.ts';
import { EscalationPolicySchema, ScheduleSchema } from './schemas.ts';
import type { Schedule } from './types.ts';

const problems = (fn: () => unknown): string[] => {
  try {
    fn();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
};

export const CHANNEL_TYPES = ['webhook', 'slack', 'teams', 'email', 'ntfy', 'pagerduty'] as const;
const ChannelType = Type.Union(CHANNEL_TYPES.map((t) => Type.Literal(t)));
const Urgency = Type.Union([Type.Literal('high'), Type.Literal('low')]);

/** Destination fields shared by channels and contact methods (which apply depends on `type`). */
const destination = {
  url: Type.Optional(
    Type.String({ format: 'uri', maxLength: 2000, description: 'webhook/slack/teams/pagerduty URL' }),
  ),
  secret: Type.Optional(Type.String({ maxLength: 200, description: 'Standard Webhooks secret (whsec_…)' })),
  to: Type.Optional(
    Type.Array(Type.String({ format: 'email' }), { maxItems: 50, description: 'e-mail recipients' }),
  ),
  topic: Type.Optional(Type.String({ maxLength: 200, description: 'ntfy topic' })),
  server: Type.Optional(
    Type.String({ format: 'uri', maxLength: 2000, description: 'ntfy server (default https://ntfy.sh)' }),
  ),
  routing_key: Type.Optional(Type.String({ maxLength: 200, description: 'PagerDuty integration key' })),
};

/** Per-type required destination field. */
export function destinationProblems(spec: {
  type: string;
  url?: string;
  to?: string[];
  topic?: string;
  routing_key?: string;
}): string[] {
  const need: Record<string, keyof typeof spec> = {
    webhook: 'url',
    slack: 'url',
    teams: 'url',
    email: 'to',
    ntfy: 'topic',
    pagerduty: 'routing_key',
  };
  const f = need[spec.type];
  return f && !spec[f] ? [`a ${spec.type} destination needs "${String(f)}"`] : [];
}

export const NotificationChannelSpec = Type.Object(
  { name: Type.Optional(Type.String({ maxLength: 200 })), type: ChannelType, ...destination },
  { additionalProperties: false },
);

export const ContactMethodSchema = Type.Object(
  {
    type: ChannelType,
    ...destination,
    urgency: Type.Optional(
      Type.Array(Urgency, { description: 'urgencies this method is used for (default: high and low)' }),
    ),
    delay: Type.Optional(
      Type.String({
        pattern: '^\\d+(ms|s|m|h)$',
        maxLength: 16,
        description:
          'send this long after the page instead of at once, e.g. 5m for a second reminder (list a method twice: 0s and 5m); cancelled when the incident is acknowledged or resolved',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ContactSpec = Type.Object(
  { methods: Type.Array(ContactMethodSchema, { minItems: 1, maxItems: 20 }) },
  { additionalProperties: false },
);

export const PagingSpec = Type.Object(
  {
    default_policy: Type.Optional(
      Type.String({ description: 'policy used when nothing more specific matches' }),
    ),
    teams: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'owner team → policy' })),
    services: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'service → policy' })),
  },
  { additionalProperties: false },
);

export const ScheduleSpec = Type.Omit(ScheduleSchema, ['key']);
export const EscalationPolicySpec = Type.Omit(EscalationPolicySchema, ['key']);

registerKind({
  kind: 'notification_channel',
  plural: 'notification-channels',
  label: 'notification channel',
  keyStyle: 'slug',
  order: 11,
  spec: NotificationChannelSpec,
  check: (spec) => destinationProblems(spec),
});

registerKind({
  kind: 'contact',
  plural: 'contacts',
  label: 'contact',
  keyStyle: 'email',
  order: 11,
  writeRole: 'responder',
  spec: ContactSpec,
  references: (_s) => [],
  check: (spec) =>
    spec.methods.flatMap((m: any, i: number) => destinationProblems(m).map((p) => `methods[${i}]: ${p}`)),
});

registerKind({
  kind: 'schedule',
  plural: 'schedules',
  label: 'schedule',
  keyStyle: 'slug',
  order: 12,
  writeRole: 'operator',
  spec: ScheduleSpec,
  references: (s) =>
    scheduleUsers({ key: 'x', ...s } as Schedule).map((k) => ({
      kind: 'user',
      key: k,
      field: 'participants',
    })),
  check: (spec, key) => problems(() => compileSchedule({ key, ...spec } as Schedule)),
});

registerKind({
  kind: 'escalation_policy',
  plural: 'escalation-policies',
  label: 'escalation policy',
  keyStyle: 'slug',
  order: 13,
  writeRole: 'operator',
  spec: EscalationPolicySpec,
  references: (s) => {
    const r = policyReferences({ key: 'x', ...s } as EscalationPolicy);
    return [
      ...r.users.map((k) => ({ kind: 'user', key: k, field: 'targets' })),
      ...r.schedules.map((k) => ({ kind: 'schedule', key: k, field: 'targets' })),
      ...r.teams.map((k) => ({ kind: 'team', key: k, field: 'targets' })),
      ...r.channels.map((k) => ({
        kind: 'notification_channel',
        key: k,
        field: 'severity_overrides.channels',
      })),
      ...r.tickets.map((k) => ({ kind: 'notification_channel', key: k, field: 'severity_overrides.ticket' })),
    ];
  },
  check: (spec, key) => problems(() => compilePolicy({ key, ...spec } as EscalationPolicy)),
});

registerKind({
  kind: 'paging',
  plural: 'paging',
  label: 'paging routes',
  keyStyle: 'singleton',
  order: 14,
  spec: PagingSpec,
  references: (s) => [
    ...(s.default_policy
      ? [{ kind: 'escalation_policy', key: s.default_policy, field: 'default_policy' }]
      : []),
    ...Object.entries(s.teams ?? {}).flatMap(([t, p]) => [
      { kind: 'team', key: t, field: `teams.${t}` },
      { kind: 'escalation_policy', key: p as string, field: `teams.${t}` },
    ]),
    ...Object.entries(s.services ?? {}).flatMap(([svc, p]) => [
      { kind: 'service', key: svc, field: `services.${svc}` },
      { kind: 'escalation_policy', key: p as string, field: `services.${svc}` },
    ]),
  ],
});
