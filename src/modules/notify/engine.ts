/**
 * The notifier engine: claims due deliveries, calls their transport, and records the outcome —
 * sent; retry later (backoff with jitter, Retry-After honoured); or failed for good (permanent
 * answers such as 400/404/410, or 24 h of retries). Each outcome is appended to the incident's
 * timeline, and a channel that keeps failing raises `channel.failing` (then `channel.recovered`).
 */
import type { Db } from '../../db/db.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Engine, StepResult } from '../../engines/runner.ts';
import type { Clock } from '../../kernel/clock.ts';
import type { EventInput, Timeline } from '../timeline/timeline.ts';
import { GIVE_UP_AFTER_MS, retryDelay } from './backoff.ts';
import type { Delivery, NotifyStore, NotifyTables } from './store.ts';
import type { Transports } from './transports/index.ts';
import type { ActionLinks, Notification, SendResult } from './types.ts';

/** Consecutive failed attempts after which a channel is reported as failing. */
export const CHANNEL_FAILING_AFTER = 3;
const BATCH = 200;
const LEASE_MS = 60_000;

export interface NotifierDeps {
  db: Db;
  store: NotifyStore;
  timeline: Timeline;
  transports: Transports;
  holder: string;
  /** Time for runs started by `wake()` (steps from the runner get theirs from it). */
  clock: Clock;
  /** Told about a failed run started by `wake()` (the runner reports its own steps). */
  onWakeError?(err: unknown): void;
  /** Links for a delivery at send time (signed one-click links, open URL). */
  links(d: Delivery, now: number): Promise<ActionLinks> | ActionLinks;
  random?: () => number;
  /** Told about each outcome (metrics). */
  onOutcome?(d: Delivery, r: SendResult, ms: number): void;
}

export class Notifier implements Engine {
  name = 'notify';
  // New deliveries wake the sender (`wake()` after their transaction commits); the interval is the
  // safety net for deliveries enqueued by another replica and for retries that come due.
  intervalMs = 5_000;
  // Claims are row-level, so every replica may send.
  singleton = false;
  /** The run in progress (runner steps and wake-ups never overlap in this process). */
  private busy: Promise<unknown> = Promise.resolve();
  private wakeQueued = false;
  private stopped = false;
  /** Outcomes waiting for the next group commit. */
  private outcomes: Array<{ o: Outcome; resolve: () => void; reject: (e: unknown) => void }> = [];
  private draining = false;

  constructor(private deps: NotifierDeps) {}

  step(now: number): Promise<StepResult> {
    return this.exclusive(() => this.work(now));
  }

  /**
   * Sends what is due now without waiting for the next step: called after a transaction that
   * enqueued deliveries commits. Wake-ups during a run coalesce into one more run after it.
   */
  wake(): void {
    if (this.wakeQueued || this.stopped) return;
    this.wakeQueued = true;
    this.exclusive(async () => {
      this.wakeQueued = false;
      for (let i = 0; i < 20 && !this.stopped; i++) if (!(await this.work(this.deps.clock.now())).more) break;
    }).catch((err) => this.deps.onWakeError?.(err));
  }

  /** Stops wake-ups and waits for the run in progress (before the store closes). */
  async idle(): Promise<void> {
    this.stopped = true;
    await this.busy;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.busy.then(fn, fn);
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async work(now: number): Promise<StepResult> {
    const due = await this.deps.store.claimDue(this.deps.holder, now, BATCH, LEASE_MS);
    await Promise.all(due.map((d) => this.deliver(d, now)));
    if (due.length === BATCH) return { more: true };
    return { nextDueAt: await this.deps.store.nextDue() };
  }

  private async deliver(d: Delivery, now: number): Promise<void> {
    const transport = this.deps.transports.get(d.channel.type);
    const attempt = d.attempts + 1;
    let result: SendResult;
    const t0 = performance.now();
    if (!transport)
      result = { status: 'permanent', detail: `no transport for channel type "${d.channel.type}"` };
    else {
      try {
        const n: Notification = {
          id: d.id,
          idempotencyKey: d.idempotencyKey,
          channel: d.channel,
          message: d.message,
          incidentId: d.incidentId,
          attempt,
          now,
          links: await this.deps.links(d, now),
        };
        result = await transport.send(n);
      } catch (err) {
        // A transport that throws has a configuration problem (missing url …): retrying will not help.
        result = { status: 'permanent', detail: (err as Error).message };
      }
    }
    this.deps.onOutcome?.(d, result, performance.now() - t0);
    const giveUp = result.status === 'retryable' && now - d.createdAt >= GIVE_UP_AFTER_MS;
    const status =
      result.status === 'ok' ? 'sent' : result.status === 'permanent' || giveUp ? 'failed' : 'pending';
    const next =
      status === 'pending'
        ? now + retryDelay(attempt, (this.deps.random ?? Math.random)(), result.retryAfterMs)
        : now;
    const detail = giveUp ? `gave up after ${attempt} attempts: ${result.detail}` : result.detail;
    await this.record({ d, result, status, attempt, next, detail, now });
  }

  /**
   * Records an outcome (durable when this resolves). Outcomes are group-committed: those that
   * arrive in the same event-loop turn, or while a transaction runs, share the next one.
   */
  private record(o: Outcome): Promise<void> {
    return new Promise((resolve, reject) => {
      this.outcomes.push({ o, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      // Let the answers already read in this event-loop turn join the first batch. (An I/O-phase
      // yield, not a timer: no clock involved.)
      await new Promise<void>((r) => setImmediate(r));
      while (this.outcomes.length) {
        const batch = this.outcomes.splice(0, BATCH);
        try {
          await this.writeOutcomes(batch.map((b) => b.o));
          for (const b of batch) b.resolve();
        } catch {
          // One bad outcome must not fail its neighbours: record each on its own.
          for (const b of batch) await this.writeOutcomes([b.o]).then(b.resolve, b.reject);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /**
   * One transaction for `batch`: the delivery rows (one UPDATE per distinct outcome), the timeline
   * entries, and per channel one read and one write of its health, applied in order in memory.
   */
  private async writeOutcomes(batch: Outcome[]): Promise<void> {
    await inTransaction(this.deps.db, async (tx) => {
      const store = this.deps.store;
      const held = await store.recordMany(
        tx,
        this.deps.holder,
        batch.map((o) => ({
          id: o.d.id,
          patch: {
            status: o.status,
            attempts: o.attempt,
            nextAttemptAt: o.next,
            detail: o.detail,
            now: o.now,
          },
        })),
      );
      // An outcome whose claim expired and was taken over is recorded by the new holder.
      const mine = batch.filter((o) => held.has(o.d.id));
      if (!mine.length) return;
      const channels = await store.channels(tx, [...new Set(mine.map((o) => o.d.channel.key))]);
      const changed = new Map<string, ChannelRow>();
      const events: EventInput[] = [];
      for (const o of mine) {
        const { d, status, detail, result, attempt, next, now } = o;
        if (d.incidentId) {
          events.push({
            type: status === 'sent' ? 'notification.sent' : 'notification.failed',
            subject: { kind: 'incident', key: d.incidentId },
            actor: 'system:notify',
            data: {
              delivery_id: d.id,
              recipient: d.message.recipient ?? null,
              channel: { type: d.channel.type, key: d.channel.key },
              kind: d.message.kind ?? 'notify',
              result: result.status,
              detail,
              attempt,
              final: status !== 'pending',
              ...(status === 'pending' ? { next_attempt_at: new Date(next).toISOString() } : {}),
            },
          });
        }
        const row = channelHealth(channels.get(d.channel.key), d, status === 'sent', detail, now, events);
        channels.set(d.channel.key, row);
        changed.set(d.channel.key, row);
      }
      await this.deps.timeline.appendMany(tx, events);
      await store.saveChannels(tx, [...changed.values()]);
    });
  }
}

type ChannelRow = NotifyTables['notify_channels'];

/** An attempt's outcome, waiting to be recorded. */
interface Outcome {
  d: Delivery;
  result: SendResult;
  status: 'sent' | 'failed' | 'pending';
  attempt: number;
  next: number;
  detail: string;
  now: number;
}

/**
 * Counts consecutive failures per channel (the row after this attempt) and announces when a
 * channel starts/stops failing (pushed to `events`).
 */
function channelHealth(
  row: ChannelRow | undefined,
  d: Delivery,
  ok: boolean,
  detail: string,
  now: number,
  events: EventInput[],
): ChannelRow {
  const failures = ok ? 0 : Number(row?.consecutive_failures ?? 0) + 1;
  const wasFailing = Number(row?.failing ?? 0) === 1;
  const failing = ok ? false : wasFailing || failures >= CHANNEL_FAILING_AFTER;
  if (failing !== wasFailing) {
    events.push({
      type: failing ? 'channel.failing' : 'channel.recovered',
      subject: { kind: 'channel', key: d.channel.key },
      actor: 'system:notify',
      data: {
        channel: { type: d.channel.type, key: d.channel.key },
        consecutive_failures: failures,
        last_error: detail,
      },
    });
  }
  return {
    channel_key: d.channel.key,
    channel_type: d.channel.type,
    consecutive_failures: failures,
    failing: failing ? 1 : 0,
    last_error: ok ? (row?.last_error ?? null) : detail.slice(0, 500),
    updated_at: now,
  };
}
