/**
 * TypeBox schemas of the ops-plan sections `schedules:` and `escalation_policies:`. They check
 * shape only; `compileSchedule` / `compilePolicy` check meaning (zones, durations, targets).
 */
import { type Static, Type } from '@sinclair/typebox';

const Key = Type.String({ pattern: '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$', description: 'slug' });
const UserKey = Type.String({ minLength: 1, maxLength: 200 });
const ClockTime = Type.String({
  pattern: '^(?:[01]\\d|2[0-3]):[0-5]\\d$|^24:00$',
  description: 'HH:MM local time',
});
const DayTime = Type.String({
  pattern: '^(?:mon|tue|wed|thu|fri|sat|sun) (?:[01]\\d|2[0-3]):[0-5]\\d$',
  description: 'weekday and time, e.g. "fri 18:00"',
});
const Weekday = Type.Union(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => Type.Literal(d)));
const InstantSchema = Type.Union([
  Type.Integer({ description: 'epoch milliseconds' }),
  Type.String({ description: 'ISO-8601 instant with offset or Z', minLength: 10 }),
]);
const Duration = Type.Union([
  Type.String({ pattern: '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w|y))+$', description: 'e.g. 5m, 1h30m' }),
  Type.Integer({ minimum: 0, description: 'milliseconds' }),
]);

export const RestrictionSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal('daily'),
      start: ClockTime,
      end: ClockTime,
      days: Type.Optional(Type.Array(Weekday)),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('weekly'), start: DayTime, end: DayTime },
    { additionalProperties: false },
  ),
]);

export const RotationLayerSchema = Type.Object(
  {
    key: Key,
    name: Type.Optional(Type.String()),
    participants: Type.Array(UserKey, { minItems: 1 }),
    turn: Type.String({ description: '1w / 2d (calendar, hand-off keeps local time) or 12h (elapsed)' }),
    handoff: Type.Optional(ClockTime),
    time_zone: Type.Optional(Type.String({ description: 'IANA zone, e.g. Europe/Berlin' })),
    start: Type.String({
      pattern: '^\\d{4}-\\d{2}-\\d{2}$',
      description: 'local date of the first hand-off',
    }),
    end: Type.Optional(InstantSchema),
    restrictions: Type.Optional(Type.Array(RestrictionSchema)),
  },
  { additionalProperties: false },
);

export const OverrideSchema = Type.Object(
  {
    id: Type.Optional(Type.String()),
    user: Type.Union([UserKey, Type.Null()], { description: 'null: deliberately nobody' }),
    start: InstantSchema,
    end: InstantSchema,
    reason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** Shift notices of a schedule (see docs/oncall.md); all on by default. */
export const ShiftNotificationsSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ description: 'false: no shift notices at all' })),
    reminder: Type.Optional(Type.Boolean({ description: 'false: no reminder before a shift' })),
    reminder_before: Type.Optional(Duration),
    handoff: Type.Optional(Type.Boolean({ description: 'false: no notice when a shift starts' })),
  },
  { additionalProperties: false, description: 'shift reminders and hand-off notices' },
);

export const ScheduleSchema = Type.Object(
  {
    key: Key,
    name: Type.Optional(Type.String()),
    time_zone: Type.String({ description: 'IANA zone' }),
    layers: Type.Array(RotationLayerSchema, { description: 'later layers win where they have someone' }),
    overrides: Type.Optional(Type.Array(OverrideSchema)),
    notifications: Type.Optional(ShiftNotificationsSchema),
  },
  { additionalProperties: false },
);

/** The `schedules:` section of an ops plan. */
export const SchedulesSectionSchema = Type.Array(ScheduleSchema);

const TargetSchema = Type.Union([
  Type.Object(
    {
      type: Type.Union([Type.Literal('user'), Type.Literal('schedule'), Type.Literal('team')]),
      key: UserKey,
    },
    { additionalProperties: false },
  ),
  Type.String({ pattern: '^(?:user|schedule|team):.+$', description: 'shorthand, e.g. schedule:primary' }),
]);

export const SeverityRuleSchema = Type.Object(
  {
    page: Type.Optional(Type.Boolean({ description: 'false: no paging ladder' })),
    urgency: Type.Optional(
      Type.Union([Type.Literal('high'), Type.Literal('low')], {
        description: "contact methods used for this severity's pages: high (default) or low",
      }),
    ),
    also_notify: Type.Optional(
      Type.Array(TargetSchema, { description: 'notified at once, next to level 1' }),
    ),
    channels: Type.Optional(Type.Array(Type.String(), { description: 'channel keys posted to once' })),
    ticket: Type.Optional(Type.String({ description: 'ticket webhook key' })),
  },
  { additionalProperties: false },
);

export const EscalationPolicySchema = Type.Object(
  {
    key: Key,
    name: Type.Optional(Type.String()),
    levels: Type.Array(
      Type.Object(
        { targets: Type.Array(TargetSchema, { minItems: 1 }), delay: Duration },
        { additionalProperties: false },
      ),
    ),
    repeat: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    ack_timeout: Type.Optional(Duration),
    severity_overrides: Type.Optional(Type.Record(Type.String(), SeverityRuleSchema)),
  },
  { additionalProperties: false },
);

/** The `escalation_policies:` section of an ops plan. */
export const EscalationPoliciesSectionSchema = Type.Array(EscalationPolicySchema);

export type ScheduleDoc = Static<typeof ScheduleSchema>;
export type EscalationPolicyDoc = Static<typeof EscalationPolicySchema>;
