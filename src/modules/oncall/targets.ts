/**
 * Escalation targets (a user, whoever is on call in a schedule, or a team) and their resolution
 * to user keys at an instant.
 */
import { invalid } from '../../kernel/errors.ts';
import { whoIsOnCall } from './schedule.ts';
import type { Schedule } from './types.ts';

export type TargetType = 'user' | 'schedule' | 'team';

/** Who to notify. */
export interface Target {
  type: TargetType;
  key: string;
}

/** A target as written in a plan: `{ type, key }` or the shorthand `"schedule:primary"`. */
export type TargetSpec = Target | string;

const TYPES: readonly TargetType[] = ['user', 'schedule', 'team'];

/** Normalises a target spec; throws VigilError(400) on an unknown type or empty key. */
export function parseTarget(spec: TargetSpec): Target {
  let t: Target;
  if (typeof spec === 'string') {
    const i = spec.indexOf(':');
    if (i < 0) throw invalid(`invalid target "${spec}" (expected user:KEY, schedule:KEY or team:KEY)`);
    t = { type: spec.slice(0, i) as TargetType, key: spec.slice(i + 1) };
  } else t = { type: spec.type, key: spec.key };
  if (!TYPES.includes(t.type)) throw invalid(`invalid target type "${t.type}"`);
  if (!t.key) throw invalid('target key is empty');
  return t;
}

/** `type:key`, the canonical text of a target. */
export function targetText(t: Target): string {
  return `${t.type}:${t.key}`;
}

/** Maps a target to the user keys it reaches at `at` (empty: nobody, e.g. a schedule gap). */
export type ResolveTargets = (target: Target, at: number) => string[];

/** Where a resolver finds schedules and team members. */
export interface ResolverSources {
  schedules?: Record<string, Schedule> | Map<string, Schedule>;
  /** Team key → member user keys (everyone in the team is notified). */
  teams?: Record<string, string[]> | Map<string, string[]>;
}

function lookup<T>(m: Record<string, T> | Map<string, T> | undefined, k: string): T | undefined {
  if (!m) return undefined;
  return m instanceof Map ? m.get(k) : Object.hasOwn(m, k) ? m[k] : undefined;
}

/**
 * A resolver over in-memory schedules and teams: a user is itself, a schedule is whoever
 * `whoIsOnCall` names at that instant, a team is all its members. Unknown keys reach nobody.
 */
export function makeResolver(src: ResolverSources): ResolveTargets {
  return (t, at) => {
    if (t.type === 'user') return [t.key];
    if (t.type === 'schedule') {
      const s = lookup(src.schedules, t.key);
      const user = s ? whoIsOnCall(s, at).user : null;
      return user ? [user] : [];
    }
    return [...(lookup(src.teams, t.key) ?? [])];
  };
}
