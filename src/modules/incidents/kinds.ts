/**
 * Configuration of the incident process: one catalog object (kind `incident-settings`, key
 * `default`, `GET/PUT /api/v1/incident-settings`) declared by the plan's `incidents:` section.
 * Everything has a default, so a Vigil without the section behaves as documented.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { parseDuration } from '../../kernel/clock.ts';
import { SLUG_PATTERN } from '../../kernel/ids.ts';
import { compact, Duration, Obj, registerSection, Slug } from '../../plan/index.ts';
import { registerKind } from '../catalog/kinds.ts';
import { isZone } from './time.ts';

export const SETTINGS_KIND = 'incident-settings';

const DUR = '^(?:\\d+(?:ms|s|m|h|d|w))+$';

/**
 * The spec, built twice: with the plan's helpers (positions, "did you mean", x- keywords for the
 * plan loader) and plain for the catalog kind (the HTTP layer's ajv is strict about keywords).
 */
function settingsSchema(plan: boolean) {
  const obj = <P extends Record<string, TSchema>>(noun: string, p: P, description?: string) =>
    plan ? Obj(noun, p, description) : Type.Object(p, { additionalProperties: false, description });
  const dur = (description: string) =>
    plan
      ? Type.String({ ...Duration(description), pattern: DUR, maxLength: 32 })
      : Type.String({ pattern: DUR, maxLength: 32, description });
  const slug = (description: string) =>
    plan ? Slug(description) : Type.String({ pattern: SLUG_PATTERN, maxLength: 64, description });
  return obj(
    'incidents',
    {
      id_pattern: Type.Optional(
        Type.String({
          minLength: 3,
          maxLength: 64,
          pattern: '\\{N+\\}',
          description:
            'Human id pattern: {YYYY} {MM} {DD} and a counter {NNN}; default INC-{YYYY}-{MM}-{DD}-{NNN}.',
          ...(plan ? { 'x-expected': 'a pattern with a counter such as INC-{YYYY}-{MM}-{DD}-{NNN}' } : {}),
        }),
      ),
      time_zone: Type.Optional(
        Type.String({ maxLength: 64, description: 'Zone for ids and next_business_day (default UTC).' }),
      ),
      reopen_window: Type.Optional(
        dur('A dedup key firing within this time after resolve re-opens (default 1h).'),
      ),
      commander_required_up_to_rank: Type.Optional(
        Type.Integer({
          minimum: -1,
          maximum: 99,
          description:
            'Severities of rank ≤ this need an incident commander before resolve (default 0; -1 = never).',
        }),
      ),
      postmortem: Type.Optional(
        obj('postmortem', {
          up_to_rank: Type.Optional(
            Type.Integer({ minimum: -1, maximum: 99, description: 'Required for ranks ≤ this (default 1).' }),
          ),
          due: Type.Optional(dur('Due this long after resolve (default 48h).')),
          reminder_before: Type.Optional(dur('Reminder this long before due (default 24h).')),
        }),
      ),
      auto_resolve: Type.Optional(
        obj('auto_resolve', {
          all: Type.Optional(Type.Boolean({ description: 'Auto-resolve for every service.' })),
          services: Type.Optional(
            Type.Array(slug('A service key.'), {
              maxItems: 500,
              description: 'Services whose incidents auto-resolve.',
            }),
          ),
          quiet_period: Type.Optional(dur('Wait after the last linked alert resolves (default 5m).')),
        }),
      ),
    },
    'How incidents are numbered, acknowledged, resolved and followed up.',
  );
}

/** The catalog kind's spec. */
export const SettingsSpec = settingsSchema(false);
const PlanSchema = settingsSchema(true);
export type SettingsSpecT = Static<typeof SettingsSpec>;

/** Effective settings with defaults applied. */
export interface IncidentSettings {
  idPattern: string;
  timeZone: string;
  reopenWindowMs: number;
  commanderRequiredUpToRank: number;
  postmortemUpToRank: number;
  postmortemDueMs: number;
  postmortemReminderBeforeMs: number;
  autoResolveAll: boolean;
  autoResolveServices: string[];
  autoResolveQuietMs: number;
}

/** Applies defaults to a (possibly absent) settings spec. */
export function effectiveSettings(s: SettingsSpecT | undefined): IncidentSettings {
  return {
    idPattern: s?.id_pattern ?? 'INC-{YYYY}-{MM}-{DD}-{NNN}',
    timeZone: s?.time_zone ?? 'UTC',
    reopenWindowMs: parseDuration(s?.reopen_window ?? '1h'),
    commanderRequiredUpToRank: s?.commander_required_up_to_rank ?? 0,
    postmortemUpToRank: s?.postmortem?.up_to_rank ?? 1,
    postmortemDueMs: parseDuration(s?.postmortem?.due ?? '48h'),
    postmortemReminderBeforeMs: parseDuration(s?.postmortem?.reminder_before ?? '24h'),
    autoResolveAll: s?.auto_resolve?.all ?? false,
    autoResolveServices: s?.auto_resolve?.services ?? [],
    autoResolveQuietMs: parseDuration(s?.auto_resolve?.quiet_period ?? '5m'),
  };
}

function checkSettings(s: SettingsSpecT): string[] {
  const problems: string[] = [];
  if (s.time_zone !== undefined && !isZone(s.time_zone)) problems.push(`unknown time zone "${s.time_zone}"`);
  for (const svc of s.auto_resolve?.services ?? [])
    if (!new RegExp(SLUG_PATTERN).test(svc)) problems.push(`invalid service key "${svc}"`);
  return problems;
}

registerKind({
  kind: SETTINGS_KIND,
  plural: 'incident-settings',
  label: 'incident settings',
  keyStyle: 'singleton',
  order: 20,
  writeRole: 'operator',
  spec: SettingsSpec,
  references: (s: SettingsSpecT) =>
    (s.auto_resolve?.services ?? []).map((k, i) => ({
      kind: 'service',
      key: k,
      field: `auto_resolve.services[${i}]`,
    })),
  check: checkSettings,
});

registerSection<SettingsSpecT>({
  key: 'incidents',
  kinds: [SETTINGS_KIND],
  schema: PlanSchema,
  singleton: true,
  description:
    'Incident process: id pattern, time zone, re-open window, commander, postmortems, auto-resolve.',
  toObjects: (value, ctx) => {
    if (value.time_zone !== undefined && !isZone(value.time_zone))
      ctx.error(['time_zone'], `unknown time zone "${value.time_zone}"`, {
        expected: 'an IANA zone such as Europe/Berlin',
      });
    return [ctx.object(SETTINGS_KIND, 'default', compact(value as Record<string, unknown>))];
  },
  references: (obj) =>
    ((obj.spec as SettingsSpecT).auto_resolve?.services ?? []).map((k, i) => ({
      kind: 'service',
      key: k,
      path: `auto_resolve.services[${i}]`,
    })),
});
