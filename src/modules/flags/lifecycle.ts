/**
 * Flag lifecycle: when a flag has become technical debt. Two rules, after WT-4/WT-10 and Unleash:
 * a flag served identically to everybody (100 % or 0 % in every environment) for `fullDays`
 * (default 14) is ready to retire, and a flag older than its type's expected lifetime (release and
 * experiment 40 d, operational 7 d) is potentially stale. Kill switches and permission flags are
 * meant to stay and are never stale.
 */
import { DAY } from '../../kernel/clock.ts';
import { FLAG_TYPE_LIFETIME_DAYS, type Flag, type Split } from './flag.ts';

/** The share of users served the "on" value per environment from `at` on; null = targeted/mixed. */
export interface FlagStateRecord {
  at: number;
  percentages: Record<string, number | null>;
}

export interface Staleness {
  stale: boolean;
  reason: string;
}

function onShare(flag: Flag, split: Split): number {
  let on = 0;
  let total = 0;
  for (const b of split.buckets) {
    total += b.weight;
    if (flag.variants[b.variant] === true) on += b.weight;
  }
  return total > 0 ? (on * 100) / total : 0;
}

/** Derives a boolean flag's per-environment "on" percentage; null where rules target users. */
export function flagPercentages(flag: Flag): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [env, cfg] of Object.entries(flag.environments)) {
    if (flag.kind !== 'boolean') out[env] = null;
    else if (!cfg.enabled) out[env] = 0;
    else if (cfg.targeting?.length) out[env] = null;
    else if (cfg.rollout) out[env] = onShare(flag, cfg.rollout);
    else {
      const def = cfg.defaultVariant !== undefined ? cfg.defaultVariant : flag.defaultVariant;
      out[env] = def !== null && flag.variants[def] === true ? 100 : 0;
    }
  }
  return out;
}

function uniform(p: Record<string, number | null>): 0 | 100 | null {
  const vals = Object.values(p);
  if (vals.length === 0) return null;
  if (vals.every((v) => v === 100)) return 100;
  if (vals.every((v) => v === 0)) return 0;
  return null;
}

const days = (ms: number) => Math.floor(ms / DAY);

/**
 * Whether a flag is stale at `now`, given its state history (oldest first; the first record is
 * taken as creation unless `createdAt` is given).
 */
export function staleness(
  flag: Flag,
  history: FlagStateRecord[],
  now: number,
  opts: { fullDays?: number; createdAt?: number } = {},
): Staleness {
  if (flag.archived) return { stale: false, reason: 'archived' };
  const lifetime = FLAG_TYPE_LIFETIME_DAYS[flag.type];
  if (lifetime === null) return { stale: false, reason: `${flag.type} flags are permanent` };
  const fullDays = opts.fullDays ?? 14;
  const sorted = [...history].sort((a, b) => a.at - b.at);
  const last = sorted[sorted.length - 1];
  const state = last ? uniform(last.percentages) : null;
  if (last && state !== null) {
    let since = last.at;
    for (let i = sorted.length - 2; i >= 0 && uniform(sorted[i].percentages) === state; i--)
      since = sorted[i].at;
    if (now - since >= fullDays * DAY) {
      return {
        stale: true,
        reason: `served at ${state} % in every environment for ${days(now - since)} d (retire after ${fullDays} d)`,
      };
    }
  }
  const createdAt = opts.createdAt ?? sorted[0]?.at;
  if (createdAt !== undefined && now - createdAt > lifetime * DAY) {
    return {
      stale: true,
      reason: `${flag.type} flag is ${days(now - createdAt)} d old, beyond its expected lifetime of ${lifetime} d`,
    };
  }
  return {
    stale: false,
    reason: state === null ? 'still varies between users or environments' : 'within limits',
  };
}

/** Days from creation to archival (or to `now` while the flag lives), for the WT-10 lifespan metric. */
export function lifespanDays(createdAt: number, archivedAt: number | null, now: number): number {
  return Math.round((((archivedAt ?? now) - createdAt) / DAY) * 10) / 10;
}
