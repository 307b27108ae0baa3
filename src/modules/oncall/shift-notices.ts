/**
 * Shift notices: for every schedule, a reminder `reminder_before` (default 1 h) before a person's
 * shift starts and a hand-off notice to the incoming person when it starts (naming the outgoing
 * one). Both are low-urgency messages through notify's outbox with the idempotency key
 * `shift:<schedule>:<shift start ms>:<user>:reminder|handoff:<channel index>`, so a replayed or
 * overlapping window never sends twice; each notice also lands on the schedule's timeline
 * (`schedule.shift_reminder_sent`, `schedule.handoff_notified`) once.
 *
 * Each step looks at the notices due in [last step, now], bounded to LOOKBACK_MS: a restart
 * catches up what it missed in that window, but a first start never replays older history.
 */
import type { Db } from '../../db/db.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Engine, StepResult } from '../../engines/runner.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { NotifyApi } from '../notify/module.ts';
import type { Message } from '../notify/types.ts';
import type { Timeline } from '../timeline/timeline.ts';
import { userChannels } from './engine.ts';
import { reminders, shiftNotices, whoIsOnCall } from './schedule.ts';
import { listAll, type OncallStore } from './store.ts';
import type { Schedule } from './types.ts';

export const SHIFT_NOTICES_ENGINE = 'oncall-shift-notices';
/** How far back a step looks (after a restart or a stalled runner). */
export const LOOKBACK_MS = 10 * 60_000;
export const SHIFT_EVENTS = ['schedule.shift_reminder_sent', 'schedule.handoff_notified'];

type Spec = Record<string, unknown>;

/** One notice to send (pure description). */
export interface ShiftNotice {
  kind: 'reminder' | 'handoff';
  schedule: string;
  scheduleName?: string;
  user: string;
  /** When the notice is due. */
  at: number;
  /** When the shift starts. */
  shiftStart: number;
  shiftEnd: number;
  /** The person handing over (null: nobody was on call). */
  from: string | null;
}

/** The notices of `schedule` due in [fromMs, toMs) (pure). */
export function dueNotices(schedule: Schedule, fromMs: number, toMs: number): ShiftNotice[] {
  if (!(toMs > fromMs)) return [];
  const cfg = shiftNotices(schedule);
  const out: ShiftNotice[] = [];
  const base = (user: string, shift: { start: number; end: number }) => ({
    schedule: schedule.key,
    ...(schedule.name ? { scheduleName: schedule.name } : {}),
    user,
    shiftStart: shift.start,
    shiftEnd: shift.end,
  });
  if (cfg.reminderMs !== null)
    for (const r of reminders(schedule, fromMs, toMs, cfg.reminderMs))
      out.push({
        kind: 'reminder',
        ...base(r.userKey, r.shift),
        at: r.at,
        from: whoIsOnCall(schedule, r.shift.start - 1).user,
      });
  if (cfg.handoff)
    for (const h of reminders(schedule, fromMs, toMs, 0))
      out.push({
        kind: 'handoff',
        ...base(h.userKey, h.shift),
        at: h.at,
        from: whoIsOnCall(schedule, h.shift.start - 1).user,
      });
  return out.sort((a, b) => a.at - b.at || a.kind.localeCompare(b.kind));
}

/** The idempotency key of a notice (without the channel index). */
export function noticeKey(n: ShiftNotice): string {
  return `shift:${n.schedule}:${n.shiftStart}:${n.user}:${n.kind}`;
}

/** The message a notice sends (pure). */
export function noticeMessage(n: ShiftNotice, names: (user: string) => string): Message {
  const sched = n.scheduleName ?? n.schedule;
  const start = new Date(n.shiftStart).toISOString();
  const end = new Date(n.shiftEnd).toISOString();
  const title =
    n.kind === 'reminder'
      ? `Reminder: your on-call shift for ${sched} starts at ${start}`
      : `You are now on call for ${sched}`;
  const lines =
    n.kind === 'reminder'
      ? [`Your shift for ${sched} runs from ${start} to ${end}.`]
      : [`Your shift for ${sched} started at ${start} and runs until ${end}.`];
  lines.push(n.from ? `Hand-off from ${names(n.from)}.` : 'Nobody was on call before you.');
  return {
    kind: 'notify',
    title,
    summary: lines.join('\n'),
    recipient: n.user,
    data: {
      type: n.kind === 'reminder' ? 'shift_reminder' : 'shift_handoff',
      schedule: n.schedule,
      user: n.user,
      from: n.from,
      shift_start: start,
      shift_end: end,
    },
  };
}

export interface ShiftNotifierDeps {
  db: Db;
  store: OncallStore;
  catalog: CatalogService;
  timeline: Timeline;
  notify: NotifyApi;
}

export class ShiftNotifier implements Engine {
  name = SHIFT_NOTICES_ENGINE;
  intervalMs = 60_000;
  /** End of the window the last successful step covered (exclusive). */
  private covered: number | null = null;

  constructor(private d: ShiftNotifierDeps) {}

  async step(now: number): Promise<StepResult> {
    const to = now + 1;
    const from = Math.max(this.covered ?? -Infinity, now - LOOKBACK_MS);
    if (!(to > from)) return {};
    // The catalog is read before any transaction opens: SQLite has one connection.
    const schedules = await this.d.store.schedules();
    const perSchedule: Array<{ schedule: Schedule; notices: ShiftNotice[] }> = [];
    for (const schedule of schedules) {
      let notices: ShiftNotice[];
      try {
        // A reminder for a shift that has already started (a late catch-up) is left to its hand-off notice.
        notices = dueNotices(schedule, from, to).filter((n) => n.kind === 'handoff' || n.shiftStart > now);
      } catch {
        continue; // an invalid schedule is reported by the catalog; it sends nothing
      }
      if (notices.length) perSchedule.push({ schedule, notices });
    }
    if (perSchedule.length) {
      const [users, contacts] = await Promise.all([
        listAll(this.d.catalog, 'user'),
        listAll(this.d.catalog, 'contact'),
      ]);
      const userSpecs = new Map<string, Spec>(users.map((o) => [o.key.toLowerCase(), o.spec]));
      const contactSpecs = new Map<string, Spec>(contacts.map((o) => [o.key.toLowerCase(), o.spec]));
      const names = (u: string) => {
        const name = userSpecs.get(u.toLowerCase())?.name as string | undefined;
        return name ? `${name} (${u})` : u;
      };
      for (const { schedule, notices } of perSchedule)
        await inTransaction(this.d.db, async (tx) => {
          for (const n of notices) {
            const channels = userChannels(
              n.user,
              contactSpecs.get(n.user.toLowerCase()),
              userSpecs.get(n.user.toLowerCase()),
              'low',
            );
            const message = noticeMessage(n, names);
            let created = false;
            for (const [i, channel] of channels.entries()) {
              const r = await this.d.notify.enqueue(tx, {
                idempotencyKey: `${noticeKey(n)}:${i}`,
                channel,
                message,
              });
              created ||= r.created;
            }
            if (!created) continue; // already sent (or nowhere to send; see the event below)
            await this.d.timeline.append(tx, {
              type: n.kind === 'reminder' ? 'schedule.shift_reminder_sent' : 'schedule.handoff_notified',
              subject: { kind: 'schedule', key: schedule.key },
              actor: 'system:oncall',
              data: {
                schedule: schedule.key,
                user: n.user,
                at: new Date(n.at).toISOString(),
                shift_start: new Date(n.shiftStart).toISOString(),
                ...(n.kind === 'handoff' ? { from: n.from } : {}),
                channels: channels.length,
              },
            });
          }
        });
    }
    this.covered = to;
    return {};
  }
}
