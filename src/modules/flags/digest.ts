/**
 * The weekly stale-flag digest (issue #10: stale flags "surfaced … in a weekly digest").
 *
 * `flags.digest` in the plan (the `flag_digest` singleton) says when (weekday, local time, IANA
 * zone) and where (a notification_channel; optionally one per owner team). The `flags-digest`
 * engine looks once a minute whether this week's send time has passed (within a day's grace) and
 * then enqueues one message per channel through the notify module's outbox with the idempotency
 * key `flags-digest:<ISO week>:<channel>` — so each channel gets it once a week, across restarts
 * and replicas — and records `flags.digest_sent` on the timeline. Nothing is sent to a channel
 * that has no stale flags to report.
 */
import { DateTime } from 'luxon';
import { inTransaction } from '../../db/tx.ts';
import type { Engine, StepResult } from '../../engines/runner.ts';
import { DAY } from '../../kernel/clock.ts';
import { catalogStore } from '../catalog/catalog-store.ts';
import type { ModuleDirectory } from '../module.ts';
import type { NotifyApi } from '../notify/module.ts';
import type { Channel, ChannelType } from '../notify/types.ts';
import { readTx } from './definitions.ts';
import { DIGEST_DAYS, type FlagDigestSpec } from './plan.ts';
import type { FlagsDeps, FlagsService } from './service.ts';

export const DIGEST_ENGINE = 'flags-digest';
export const DIGEST_EVENT = 'flags.digest_sent';
/** A digest missed by more than this (Vigil down over the send time) is skipped, not sent late. */
export const DIGEST_GRACE_MS = DAY;

type FlagList = Awaited<ReturnType<FlagsService['list']>>;
type FlagItem = FlagList['items'][number];

/** The latest scheduled send time at or before `now` and its ISO week (`2026-W48`, in the zone). */
export function lastOccurrence(spec: FlagDigestSpec, now: number): { at: number; week: string } {
  const zone = spec.time_zone ?? 'UTC';
  const [hour, minute] = (spec.time ?? '09:00').split(':').map(Number);
  const weekday = DIGEST_DAYS.indexOf(spec.day ?? 'mon') + 1;
  const local = DateTime.fromMillis(now, { zone });
  // Set calendar fields in the zone (luxon resolves DST: a time in the spring gap moves forward).
  let occ = local.set({ weekday: weekday as 1, hour, minute, second: 0, millisecond: 0 });
  if (occ.toMillis() > now) occ = occ.minus({ weeks: 1 }).set({ hour, minute });
  return { at: occ.toMillis(), week: occ.toFormat("kkkk-'W'WW") };
}

/** A catalog notification_channel spec as a notify channel (as the on-call engine does). */
export function toChannel(key: string, spec: Record<string, unknown>): Channel {
  const { type, name: _n, urgency: _u, ...config } = spec;
  return { type: type as ChannelType, key, config };
}

export interface DigestTeam {
  team: string;
  flags: Array<{ key: string; type: string; reason: string; lifespan_days: number; full_for_days?: number }>;
}

/** Stale flags grouped by owner team (`(no owner)` last), each with reason and lifespan. */
export function groupStale(items: FlagItem[]): DigestTeam[] {
  const by = new Map<string, DigestTeam['flags']>();
  for (const f of items) {
    if (!f.stale) continue;
    const team = f.owner ?? '(no owner)';
    const m = /^served at (?:100|0) % in every environment for (\d+) d/.exec(f.stale_reason);
    const list = by.get(team) ?? [];
    list.push({
      key: f.key,
      type: f.type,
      reason: f.stale_reason,
      lifespan_days: f.lifespan_days,
      ...(m ? { full_for_days: Number(m[1]) } : {}),
    });
    by.set(team, list);
  }
  return [...by.entries()]
    .sort(([a], [b]) => (a === '(no owner)' ? 1 : b === '(no owner)' ? -1 : a.localeCompare(b)))
    .map(([team, flags]) => ({ team, flags }));
}

/** The digest's text: per team, each stale flag with its reason and lifespan; then WT-10 figures. */
export function digestText(week: string, teams: DigestTeam[], summary: FlagList['summary']): string {
  const lines: string[] = [];
  for (const t of teams) {
    lines.push(`${t.team} (${t.flags.length}):`);
    for (const f of t.flags) {
      lines.push(`  - ${f.key} [${f.type}], ${f.lifespan_days} d old: ${f.reason}`);
    }
  }
  const full = teams.flatMap((t) => t.flags).filter((f) => f.full_for_days !== undefined).length;
  lines.push(`At 100 % or 0 % in every environment past the retirement window: ${full}.`);
  lines.push(
    `Lifespan (WT-10, target < 60 d): ${summary.flags} flags, ${summary.retired} retired, ` +
      `mean ${summary.mean_lifespan_days ?? '–'} d, median ${summary.median_lifespan_days ?? '–'} d, ` +
      `mean retired ${summary.mean_retired_lifespan_days ?? '–'} d, ${summary.over_60_days} over 60 d.`,
  );
  return `Stale feature flags, week ${week}\n\n${lines.join('\n')}`;
}

/** Sends the weekly digest when its time has come (see the file comment). */
export class DigestEngine implements Engine {
  readonly name = DIGEST_ENGINE;
  readonly intervalMs = 60_000;
  /** The last week this process has handled (saves rebuilding the digest every minute). */
  private doneWeek: string | null = null;

  constructor(
    private d: FlagsDeps & { modules: ModuleDirectory },
    private service: FlagsService,
  ) {}

  async step(now: number): Promise<StepResult> {
    // Every catalog read happens before the transaction (SQLite has a single connection).
    const tx = readTx(this.d.db);
    const cfg = await catalogStore.get(tx, 'flag_digest', 'default');
    if (!cfg) return {};
    const spec = cfg.spec as unknown as FlagDigestSpec;
    const { at, week } = lastOccurrence(spec, now);
    const doneKey = `${week}:${cfg.version}`;
    if (this.doneWeek === doneKey || now - at >= DIGEST_GRACE_MS) return {};

    const { items, summary } = await this.service.list({ stale: true });
    const teams = groupStale(items);
    // Channel key → the teams it reports on (team_channels first, the rest to `channel`).
    const routes = new Map<string, DigestTeam[]>();
    for (const t of teams) {
      const ch = spec.team_channels?.[t.team] ?? spec.channel;
      routes.set(ch, [...(routes.get(ch) ?? []), t]);
    }
    const channels = new Map<string, Channel>();
    for (const key of routes.keys()) {
      const o = await catalogStore.get(tx, 'notification_channel', key);
      if (o) channels.set(key, toChannel(key, o.spec));
    }

    const notify = this.d.modules.get<NotifyApi>('notify');
    await inTransaction(this.d.db, async (wtx) => {
      for (const [key, routed] of routes) {
        const channel = channels.get(key);
        if (!channel) continue; // removed since the plan was applied: nothing to deliver to
        const count = routed.reduce((n, t) => n + t.flags.length, 0);
        const idempotencyKey = `flags-digest:${week}:${key}`;
        const res = await notify.enqueue(wtx, {
          idempotencyKey,
          channel,
          message: {
            kind: 'notify',
            title: `${count} stale feature flag${count === 1 ? '' : 's'} (week ${week})`,
            summary: digestText(week, routed, summary),
            data: { week, teams: routed, lifespan: summary },
          },
        });
        if (!res.created) continue;
        await this.d.timeline.append(wtx, {
          type: DIGEST_EVENT,
          subject: { kind: 'flag_digest', key: 'default' },
          actor: `system:${DIGEST_ENGINE}`,
          data: { week, channel: key, delivery: res.id, stale: count, teams: routed.map((t) => t.team) },
        });
      }
    });
    this.doneWeek = doneKey;
    return {};
  }
}
