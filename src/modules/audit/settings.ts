/**
 * Audit retention settings: a catalog kind (`audit-settings`, singleton) and the `audit:` plan
 * section. Events older than `hot` are archived month by month to JSON Lines files in
 * `archive_dir`, then deleted from the store. Without settings the trail is kept forever.
 */
import { type Static, Type } from '@sinclair/typebox';
import { parseDuration } from '../../kernel/clock.ts';
import { compact, Enum, Obj, registerSection } from '../../plan/index.ts';
import { registerKind } from '../catalog/kinds.ts';

export const AUDIT_SETTINGS_KIND = 'audit-settings';
// Like the plan's Duration, plus years (retention periods are stated in years: 2y, 7y).
const RETENTION_PATTERN = '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w|y))+$';
const MIN_HOT_MS = 30 * 86_400_000;

const RetentionSpec = Type.Object(
  {
    hot: Type.String({
      pattern: RETENTION_PATTERN,
      description: 'How long events stay in the store (e.g. 2y).',
    }),
    archive: Type.Optional(Type.Union([Type.Literal('monthly')])),
    archive_dir: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  },
  { additionalProperties: false },
);
const SettingsSpec = Type.Object(
  { retention: Type.Optional(RetentionSpec) },
  { additionalProperties: false },
);
export type AuditSettingsSpec = Static<typeof SettingsSpec>;

function check(s: AuditSettingsSpec): string[] {
  if (!s.retention) return [];
  try {
    const ms = parseDuration(s.retention.hot);
    return ms < MIN_HOT_MS ? [`retention.hot must be at least 30d (got ${s.retention.hot})`] : [];
  } catch (err) {
    return [(err as Error).message];
  }
}

registerKind({
  kind: AUDIT_SETTINGS_KIND,
  plural: 'audit-settings',
  label: 'audit settings',
  keyStyle: 'singleton',
  order: 10,
  spec: SettingsSpec,
  check,
});

const PlanSchema = Obj(
  'audit',
  {
    retention: Type.Optional(
      Obj('audit retention', {
        hot: Type.String({
          pattern: RETENTION_PATTERN,
          description: 'How long audit events stay in the store before archiving, e.g. 2y or 7y.',
        }),
        archive: Type.Optional(Enum(['monthly'] as const, 'Archive granularity: one JSONL file per month.')),
        archive_dir: Type.Optional(
          Type.String({
            minLength: 1,
            description: 'Directory for archive files (default <data-dir>/audit-archive).',
          }),
        ),
      }),
    ),
  },
  'The audit trail: retention and archiving.',
);

registerSection<Static<typeof PlanSchema>>({
  key: 'audit',
  kinds: [AUDIT_SETTINGS_KIND],
  schema: PlanSchema,
  singleton: true,
  description: 'Audit trail retention: how long events stay hot, then monthly JSONL archives.',
  toObjects: (value, ctx) => {
    const spec = compact({ retention: value.retention && compact({ ...value.retention }) });
    for (const p of check(spec as AuditSettingsSpec))
      ctx.error(['retention', 'hot'], p, { expected: 'e.g. 2y' });
    return [ctx.object(AUDIT_SETTINGS_KIND, 'default', spec)];
  },
});
