/**
 * Catalog kinds of the flags module: `flag` (a definition: variants, per-environment targeting,
 * staged-rollout plans, alert triggers) and `segment` (reusable conditions). Being catalog kinds,
 * they get CRUD under /api/v1/flag-definitions and /api/v1/flag-segments, plan/apply, managed-by-plan
 * protection, audit and `flag.created|updated|deleted` timeline events from the foundation.
 */

import { IANAZone } from 'luxon';
import { type KeyStyle, registerKind } from '../catalog/kinds.ts';
import { validateSegment } from './evaluate.ts';
import {
  ConventionsSchema,
  DigestSchema,
  type FlagConventions,
  type FlagDigestSpec,
  type FlagSpec,
  FlagSpecSchema,
  flagFromSpec,
  namePatternRegex,
  SegmentSpecSchema,
  segmentFromSpec,
} from './plan.ts';

/** Flag and segment keys: the catalog's `flag` key style (teams' own naming, e.g. `enable_email`). */
export const FLAG_KEY_STYLE: KeyStyle = 'flag';

/** Objects a flag spec refers to: owner team, environments, segments and trigger environments. */
export function flagReferences(spec: FlagSpec): Array<{ kind: string; key: string; field: string }> {
  const refs: Array<{ kind: string; key: string; field: string }> = [];
  if (spec.owner) refs.push({ kind: 'team', key: spec.owner, field: 'owner' });
  for (const [env, cfg] of Object.entries(spec.environments ?? {})) {
    refs.push({ kind: 'environment', key: env, field: `environments.${env}` });
    (cfg.targeting ?? []).forEach((r, i) => {
      for (const s of r.segments ?? []) {
        refs.push({ kind: 'segment', key: s, field: `environments.${env}.targeting[${i}].segments` });
      }
    });
  }
  (spec.triggers ?? []).forEach((t, i) => {
    if (t.env) refs.push({ kind: 'environment', key: t.env, field: `triggers[${i}].env` });
  });
  return refs;
}

/**
 * The plan's `conventions:` (WT-4) as a singleton (`GET /api/v1/flag-conventions`), so the console
 * can check a new flag before creating it and the flags views can report violations.
 */
registerKind({
  kind: 'flag_conventions',
  plural: 'flag-conventions',
  label: 'flag conventions',
  keyStyle: 'singleton',
  order: 19,
  spec: ConventionsSchema,
  check: (spec: FlagConventions) => {
    if (!spec.name_pattern) return [];
    try {
      namePatternRegex(spec.name_pattern, spec.prefixes);
      return [];
    } catch (e) {
      return [`name_pattern: ${(e as Error).message}`];
    }
  },
});

/** Objects the digest refers to: its channel, and the teams and channels of `team_channels`. */
export function digestReferences(spec: FlagDigestSpec): Array<{ kind: string; key: string; field: string }> {
  const refs = [{ kind: 'notification_channel', key: spec.channel, field: 'channel' }];
  for (const [team, channel] of Object.entries(spec.team_channels ?? {})) {
    refs.push({ kind: 'team', key: team, field: `team_channels.${team}` });
    refs.push({ kind: 'notification_channel', key: channel, field: `team_channels.${team}` });
  }
  return refs;
}

/** What a schema-valid digest setting can still get wrong: an unknown IANA zone. */
export function digestProblems(spec: FlagDigestSpec): string[] {
  return spec.time_zone && !IANAZone.isValidZone(spec.time_zone)
    ? [`unknown IANA time zone "${spec.time_zone}"`]
    : [];
}

/**
 * The plan's `digest:` — when and where the weekly stale-flag digest goes — as a singleton
 * (`GET /api/v1/flag-digest`), read by the `flags-digest` engine. See docs/flags.md.
 */
registerKind({
  kind: 'flag_digest',
  plural: 'flag-digest',
  label: 'flag digest',
  keyStyle: 'singleton',
  order: 19,
  spec: DigestSchema,
  references: (spec: FlagDigestSpec) => digestReferences(spec),
  check: (spec: FlagDigestSpec) => digestProblems(spec).map((p) => `time_zone: ${p}`),
});

registerKind({
  kind: 'segment',
  plural: 'flag-segments',
  label: 'segment',
  keyStyle: FLAG_KEY_STYLE,
  order: 20,
  writeRole: 'operator',
  spec: SegmentSpecSchema,
  check: (spec, key) => validateSegment(segmentFromSpec(key, spec)),
});

registerKind({
  kind: 'flag',
  plural: 'flag-definitions',
  label: 'flag',
  keyStyle: FLAG_KEY_STYLE,
  order: 21,
  writeRole: 'operator',
  filters: ['type', 'tags', 'owner'],
  spec: FlagSpecSchema,
  references: (spec) => flagReferences(spec),
  check: (spec, key) => flagFromSpec(key, spec).problems.map((p) => `${p.path}: ${p.message}`),
});
