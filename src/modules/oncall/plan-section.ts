/**
 * Ops-plan sections of the on-call module: `schedules:`, `escalation_policies:`,
 * `notification_channels:`, `contacts:` (per-user contact methods) and `paging:` (routing).
 * Each becomes catalog objects of the matching kind; meaning is checked with the pure core.
 */
import { Type } from '@sinclair/typebox';
import { registerSection } from '../../plan/index.ts';
import type { PlanReference } from '../../plan/registry.ts';
import { ContactMethodSchema, destinationProblems, NotificationChannelSpec, PagingSpec } from './kinds.ts';
import { compilePolicy, type EscalationPolicy, policyReferences } from './policy.ts';
import { compileSchedule, scheduleUsers } from './schedule.ts';
import { EscalationPoliciesSectionSchema, SchedulesSectionSchema } from './schemas.ts';
import type { Schedule } from './types.ts';

const refs = (kind: string, keys: string[], path: string): PlanReference[] =>
  keys.map((key) => ({ kind, key, path }));

const ChannelsSection = Type.Array(
  Type.Composite([Type.Object({ key: Type.String() }), NotificationChannelSpec], {
    additionalProperties: false,
  }),
);

registerSection<Array<{ key: string; type: string } & Record<string, unknown>>>({
  key: 'notification_channels',
  kinds: ['notification_channel'],
  schema: ChannelsSection,
  singleton: false,
  description: 'Shared notification destinations (Slack, Teams, e-mail lists, webhooks, ntfy, PagerDuty).',
  toObjects: (value, ctx) =>
    value.map((c, i) => {
      for (const p of destinationProblems(c)) ctx.error([i], p);
      const { key, ...spec } = c;
      return ctx.object('notification_channel', key, spec, [i]);
    }),
});

const ContactsSection = Type.Array(
  Type.Object(
    {
      user: Type.String({ description: 'user key (e-mail)' }),
      methods: Type.Array(ContactMethodSchema, { minItems: 1 }),
    },
    { additionalProperties: false },
  ),
);

registerSection<Array<{ user: string; methods: Array<{ type: string } & Record<string, unknown>> }>>({
  key: 'contacts',
  kinds: ['contact'],
  schema: ContactsSection,
  singleton: false,
  description: 'How each user is reached, per urgency (default: their e-mail address).',
  toObjects: (value, ctx) =>
    value.map((c, i) => {
      c.methods.forEach((m, j) => {
        for (const p of destinationProblems(m as never)) ctx.error([i, 'methods', j], p);
      });
      return ctx.object('contact', c.user.toLowerCase(), { methods: c.methods }, [i]);
    }),
  references: (obj) => [{ kind: 'user', key: obj.key, path: 'user' }],
});

registerSection<Array<Schedule>>({
  key: 'schedules',
  kinds: ['schedule'],
  schema: SchedulesSectionSchema,
  singleton: false,
  description: 'On-call schedules: rotation layers and overrides.',
  toObjects: (value, ctx) =>
    value.map((s, i) => {
      try {
        compileSchedule(s);
      } catch (err) {
        ctx.error([i], (err as Error).message);
      }
      const { key, ...spec } = s;
      return ctx.object('schedule', key, spec as Record<string, unknown>, [i]);
    }),
  references: (obj) => refs('user', scheduleUsers({ key: obj.key, ...obj.spec } as Schedule), 'participants'),
});

registerSection<EscalationPolicy[]>({
  key: 'escalation_policies',
  kinds: ['escalation_policy'],
  schema: EscalationPoliciesSectionSchema,
  singleton: false,
  description: 'Escalation policies: who is notified, in which order, per severity.',
  toObjects: (value, ctx) =>
    value.map((p, i) => {
      try {
        compilePolicy(p);
      } catch (err) {
        ctx.error([i], (err as Error).message);
      }
      const { key, ...spec } = p;
      return ctx.object('escalation_policy', key, spec as Record<string, unknown>, [i]);
    }),
  references: (obj) => {
    const r = policyReferences({ key: obj.key, ...obj.spec } as EscalationPolicy);
    return [
      ...refs('user', r.users, 'levels'),
      ...refs('schedule', r.schedules, 'levels'),
      ...refs('team', r.teams, 'levels'),
      ...refs('notification_channel', r.channels, 'severity_overrides'),
      ...refs('notification_channel', r.tickets, 'severity_overrides'),
    ];
  },
});

registerSection<Record<string, unknown>>({
  key: 'paging',
  kinds: ['paging'],
  schema: PagingSpec,
  singleton: true,
  description: 'Which escalation policy pages for a service (service → owner team → default).',
  toObjects: (value, ctx) => [ctx.object('paging', 'default', value)],
  references: (obj) => {
    const s = obj.spec as {
      default_policy?: string;
      teams?: Record<string, string>;
      services?: Record<string, string>;
    };
    return [
      ...(s.default_policy ? refs('escalation_policy', [s.default_policy], 'default_policy') : []),
      ...Object.entries(s.teams ?? {}).flatMap(([t, p]) => [
        { kind: 'team', key: t, path: `teams.${t}` },
        { kind: 'escalation_policy', key: p, path: `teams.${t}` },
      ]),
      ...Object.entries(s.services ?? {}).flatMap(([svc, p]) => [
        { kind: 'service', key: svc, path: `services.${svc}` },
        { kind: 'escalation_policy', key: p, path: `services.${svc}` },
      ]),
    ];
  },
});
