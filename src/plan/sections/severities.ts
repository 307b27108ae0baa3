/**
 * `severities:` — the team's severity ladder with response targets, from a preset, explicit
 * levels, or a preset with per-level overrides (kind `severity`, key = level key).
 * Rank is the position in the ladder: 0 is the most severe, higher is less severe.
 */
import { type Static, Type } from '@sinclair/typebox';
import { parseDuration } from '../../kernel/clock.ts';
import type { SectionDef } from '../registry.ts';
import { compact, Enum, List, Obj, Slug, Text } from '../schema-helpers.ts';

/** One level of a severity ladder. */
export interface SeverityLevel {
  key: string;
  label: string;
  rank: number;
  /** A duration (`5m`, `1h`) or `next_business_day`. */
  response_target: string;
  description?: string;
}

const level = (key: string, label: string, rank: number, response_target: string, description: string) => ({
  key,
  label,
  rank,
  response_target,
  description,
});

/** The ladders the five operations guides use (requirements: WT-1, CF-9, FF-5, CB-4). */
export const SEVERITY_PRESETS: Record<string, SeverityLevel[]> = {
  // WireTuner: P0 < 5 min, P1 < 15 min, P2 < 1 h, P3 < 24 h.
  'p0-p3': [
    level('p0', 'P0', 0, '5m', 'Outage, data loss or security breach; notify executives.'),
    level('p1', 'P1', 1, '15m', 'Major feature broken for many users.'),
    level('p2', 'P2', 2, '1h', 'Feature degraded, workaround available.'),
    level('p3', 'P3', 3, '24h', 'Cosmetic bug, low user impact.'),
  ],
  // CivicForge: 15 min, 1 h, 4 h, next business day.
  'p1-p4': [
    level('p1', 'P1', 0, '15m', 'Critical: service down or data at risk.'),
    level('p2', 'P2', 1, '1h', 'High: major functionality impaired.'),
    level('p3', 'P3', 2, '4h', 'Medium: minor functionality impaired.'),
    level('p4', 'P4', 3, 'next_business_day', 'Low: cosmetic or informational.'),
  ],
  // Forge Factory: SEV-1 "immediate" (we use 5 min), SEV-2 15 min, SEV-3 1 h, SEV-4 next business day.
  'sev1-4': [
    level('sev1', 'SEV-1', 0, '5m', 'Complete outage; page on-call and CTO.'),
    level('sev2', 'SEV-2', 1, '15m', 'Major degradation; page on-call.'),
    level('sev3', 'SEV-3', 2, '1h', 'Minor degradation; Slack notification.'),
    level('sev4', 'SEV-4', 3, 'next_business_day', 'Cosmetic issue; create a ticket.'),
  ],
  // ClickNBack gives no numeric targets: Severity 1 is "immediate" (5 min), Severity 2 escalates to
  // rollback after 10 min (15 min), Severity 3 waits for the next maintenance window (24 h).
  'severity1-3': [
    level('severity1', 'Severity 1', 0, '5m', 'Critical: system unavailable, data inaccessible.'),
    level(
      'severity2',
      'Severity 2',
      1,
      '15m',
      'High: specific features broken; roll back if unresolved in 10 min.',
    ),
    level('severity3', 'Severity 3', 2, '24h', 'Low: degraded performance, minor issues.'),
  ],
};

// Whole units only (no `1.5h`): the catalog stores targets in this exact grammar.
const TARGET_PATTERN = '^(?:next_business_day|(?:\\d+(?:ms|s|m|h|d|w))+)$';

const LevelSchema = Obj('severity level', {
  key: Type.String({ ...Slug('Level key, e.g. "p1".'), maxLength: 32 }),
  label: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'Display label, e.g. "P1".' }),
  ),
  rank: Type.Optional(Type.Integer({ minimum: 0, maximum: 99, description: '0 = most severe.' })),
  response_target: Type.Optional(
    Type.String({
      pattern: TARGET_PATTERN,
      'x-expected': 'a duration such as 5m, 15m, 1h or 24h, or next_business_day',
      description: 'Time to first response.',
    }),
  ),
  description: Type.Optional(Text(2000)),
});

const SeveritiesSchema = Obj(
  'severities',
  {
    preset: Type.Optional(Enum(Object.keys(SEVERITY_PRESETS) as [string, ...string[]], 'A built-in ladder.')),
    levels: Type.Optional(
      List(LevelSchema, 'Levels; with a preset, entries override or extend preset levels.'),
    ),
  },
  'The severity ladder.',
);

/** Milliseconds of a response target, or null for `next_business_day`. */
export function responseTargetMs(target: string): number | null {
  return target === 'next_business_day' ? null : parseDuration(target);
}

/** The `severities` section. */
export const severitiesSection: SectionDef<Static<typeof SeveritiesSchema>> = {
  key: 'severities',
  kinds: ['severity'],
  schema: SeveritiesSchema,
  singleton: true,
  description: 'Severity levels with response targets (a preset or explicit levels).',
  toObjects: (value, ctx) => {
    if (!value.preset && !value.levels) {
      ctx.error([], 'severities needs a "preset" or a list of "levels"', {
        expected: `preset: one of ${Object.keys(SEVERITY_PRESETS).join(', ')} — or levels: [...]`,
        hint: 'for example `severities: { preset: p0-p3 }`',
      });
      return [];
    }
    const merged = new Map<string, { level: Partial<SeverityLevel>; path: (string | number)[] }>();
    for (const l of value.preset ? SEVERITY_PRESETS[value.preset] : [])
      merged.set(l.key, { level: { ...l }, path: ['preset'] });
    (value.levels ?? []).forEach((l, i) => {
      const prev = merged.get(l.key);
      merged.set(l.key, { level: { ...prev?.level, ...compact(l) }, path: ['levels', i] });
    });
    const out = [];
    const ranks = new Map<number, string>();
    for (const [key, { level: l, path }] of merged) {
      const missing = (['label', 'rank', 'response_target'] as const).filter((f) => l[f] === undefined);
      if (missing.length > 0) {
        const names = missing.map((f) => `"${f}"`).join(', ');
        ctx.error(
          path,
          `missing required key${missing.length > 1 ? 's' : ''} ${names} in severity level "${key}"`,
          {
            expected: 'label, rank and response_target for every level',
            hint: value.preset
              ? `"${key}" is not a level of preset ${value.preset}, so nothing is inherited`
              : undefined,
          },
        );
        continue;
      }
      const other = ranks.get(l.rank!);
      if (other !== undefined) {
        ctx.error(
          [...path, ...(path[0] === 'levels' ? ['rank'] : [])],
          `rank ${l.rank} is used by both "${other}" and "${key}"`,
          {
            expected: 'a distinct rank per level (0 = most severe)',
          },
        );
        continue;
      }
      ranks.set(l.rank!, key);
      out.push(
        ctx.object(
          'severity',
          key,
          compact({
            label: l.label,
            rank: l.rank,
            response_target: l.response_target,
            response_target_ms: responseTargetMs(l.response_target!),
            description: l.description,
          }),
          path,
        ),
      );
    }
    return out.sort((a, b) => (a.spec.rank as number) - (b.spec.rank as number));
  },
};
