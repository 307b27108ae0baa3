/**
 * The probe scheduling engine. Keeps each check's next due time in memory (rebuilt from the
 * catalog and the state table on start or when a check changes), starts due probes up to a
 * concurrency bound without waiting for them, records how late each start was, and flags a
 * check whose last run is older than twice its interval as not_running.
 */
import type { Db } from '../../db/db.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Engine, StepResult } from '../../engines/runner.ts';
import { type Clock, formatDuration, parseDuration } from '../../kernel/clock.ts';
import { newId } from '../../kernel/ids.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { Timeline } from '../timeline/timeline.ts';
import { DueHeap } from './due-heap.ts';
import type { ProbeResult, Prober } from './probes/index.ts';
import { phaseOffset, slotAtOrAfter } from './schedule-math.ts';
import { applyResult } from './state-machine.ts';
import { checksStore, initialState, type StateRow } from './store.ts';

export const DEFAULT_INTERVAL = 60_000;
const RESYNC_MS = 60_000;
/** How often checks are looked at for the not-running rule (a scan of all of them). */
const NOT_RUNNING_SCAN_MS = 1000;

/** A result as handed to listeners (the metrics module turns these into probe_* samples). */
export interface ResultSample {
  check: string;
  service: string | null;
  type: string;
  labels: Record<string, string>;
  location: string;
  at: number;
  status: ProbeResult['status'];
  /** probe_success: 1 when up or degraded. */
  success: 0 | 1;
  /** probe_duration_seconds. */
  durationSeconds: number;
}

interface Entry {
  key: string;
  spec: Record<string, any>;
  intervalMs: number;
  offset: number;
  nextDue: number;
  /** Last start (from the store, or when this process first saw the check). */
  lastStartedAt: number;
  running: boolean;
  state: StateRow;
}

/** A probe result waiting for its group commit. */
interface PendingWrite {
  e: Entry;
  at: number;
  lateness: number | null;
  result: ProbeResult;
  location: string;
  state: StateRow;
  change: { from: string; to: string; reason: string } | null | undefined;
}

export interface SchedulerOptions {
  db: Db;
  clock: Clock;
  timeline: Timeline;
  catalog: CatalogService;
  prober: Prober;
  concurrency?: number;
  location?: string;
}

export class ProbeScheduler implements Engine {
  readonly name = 'checks-probes';
  readonly intervalMs = 5000;
  private entries = new Map<string, Entry>();
  private dirty = true;
  private syncedAt = 0;
  private inflight = new Set<Promise<unknown>>();
  private listeners = new Set<(s: ResultSample) => void>();
  private latest = new Map<string, ResultSample>();
  /** Recent scheduling lateness samples (ms), newest last, bounded. */
  readonly lateness: number[] = [];
  /** Most probes in flight at once (mutable for benchmarks). */
  concurrency: number;
  readonly location: string;

  constructor(private o: SchedulerOptions) {
    this.concurrency = o.concurrency ?? 50;
    this.location = o.location ?? 'local';
  }

  /** Replaces the prober (tests and benchmarks use fakes or local targets). */
  setProber(p: Prober): void {
    this.o.prober = p;
  }

  /** Marks the in-memory schedule stale (a check was created, changed or deleted). */
  invalidate(): void {
    this.dirty = true;
  }

  onResult(fn: (s: ResultSample) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  latestSamples(): ResultSample[] {
    return [...this.latest.values()];
  }

  /** Waits for every probe started so far (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /** Rebuilds the schedule from the catalog and the stored state. */
  async sync(now: number): Promise<void> {
    this.dirty = false;
    this.syncedAt = now;
    const objs = await this.o.catalog.snapshot(['check']);
    const states = new Map((await checksStore.allStates(this.o.db.kysely)).map((s) => [s.key, s]));
    const seen = new Set<string>();
    for (const o of objs) {
      seen.add(o.key);
      const intervalMs = o.spec.interval ? parseDuration(String(o.spec.interval)) : DEFAULT_INTERVAL;
      const cur = this.entries.get(o.key);
      if (cur) {
        cur.spec = o.spec;
        if (cur.intervalMs !== intervalMs) {
          cur.intervalMs = intervalMs;
          cur.offset = phaseOffset(o.key, intervalMs);
          cur.nextDue = slotAtOrAfter(now, intervalMs, cur.offset);
        }
        continue;
      }
      const state = states.get(o.key) ?? initialState(o.key);
      const offset = phaseOffset(o.key, intervalMs);
      this.entries.set(o.key, {
        key: o.key,
        spec: o.spec,
        intervalMs,
        offset,
        nextDue: slotAtOrAfter(state.lastRunAt == null ? now : state.lastRunAt + 1, intervalMs, offset),
        lastStartedAt: Math.max(state.lastRunAt ?? 0, now),
        running: false,
        state,
      });
    }
    for (const key of [...this.entries.keys()]) if (!seen.has(key)) this.entries.delete(key);
    this.heap.clear();
    for (const e of this.entries.values()) this.heap.push(e.nextDue, e);
    // State of deleted checks goes too; their results age out with retention.
    for (const key of states.keys()) if (!seen.has(key)) await checksStore.deleteState(this.o.db.kysely, key);
  }

  /** The in-memory state of a check (after sync). */
  async entry(key: string): Promise<Entry | undefined> {
    if (this.dirty) await this.sync(this.o.clock.now());
    return this.entries.get(key);
  }

  async allEntries(): Promise<Entry[]> {
    if (this.dirty) await this.sync(this.o.clock.now());
    return [...this.entries.values()];
  }

  async step(now: number): Promise<StepResult> {
    // Changes made through another replica reach this one by the periodic re-sync.
    if (this.dirty || now - this.syncedAt > RESYNC_MS) await this.sync(now);
    if (now - this.scannedAt >= NOT_RUNNING_SCAN_MS) {
      this.scannedAt = now;
      for (const e of this.entries.values()) {
        if (e.state.paused || e.state.state === 'not_running') continue;
        if (now - e.lastStartedAt > 2 * e.intervalMs) await this.markNotRunning(e, now);
      }
    }
    // Due checks leave the heap in due order (most overdue first, so lateness is shared fairly
    // when the pool is saturated); stale heap entries (moved, removed, paused, running) are dropped.
    for (let top = this.heap.peekDue(); top !== undefined && top <= now; top = this.heap.peekDue()) {
      const { due, item: e } = this.heap.pop()!;
      if (e.nextDue !== due || e.running || e.state.paused || this.entries.get(e.key) !== e) continue;
      this.backlog.push(e);
    }
    // What does not fit now waits in the backlog and starts as soon as a probe finishes.
    this.pump(now);
    return { nextDueAt: this.heap.peekDue() ?? null };
  }

  /** Every check's next due time (lazy: an entry is pushed again whenever its due time moves). */
  private heap = new DueHeap<Entry>();
  private scannedAt = Number.NEGATIVE_INFINITY;

  /** Due checks waiting for a free slot, most overdue first. */
  private backlog: Entry[] = [];

  /** Starts backlog entries while slots are free (skipping any changed, paused or removed meanwhile). */
  private pump(now: number): void {
    while (this.backlog.length && this.inflight.size < this.concurrency) {
      const e = this.backlog.shift()!;
      if (e.running || e.state.paused || e.nextDue > now || this.entries.get(e.key) !== e) continue;
      this.launch(e, now);
    }
  }

  private launch(e: Entry, now: number): void {
    const lateness = now - e.nextDue;
    this.lateness.push(lateness);
    if (this.lateness.length > 10_000) this.lateness.splice(0, this.lateness.length - 10_000);
    e.running = true;
    e.lastStartedAt = now;
    e.nextDue = slotAtOrAfter(Math.max(now, e.nextDue) + 1, e.intervalMs, e.offset);
    const p = this.execute(e, now, lateness).finally(() => {
      e.running = false;
      // "Last run" for the not-running rule counts from when the run ended.
      e.lastStartedAt = Math.max(e.lastStartedAt, this.o.clock.now());
      this.inflight.delete(p);
      this.heap.push(e.nextDue, e);
      if (this.backlog.length) this.pump(this.o.clock.now());
    });
    this.inflight.add(p);
  }

  /** Runs a check now (API "run now"), records and returns the result. */
  async runNow(key: string): Promise<{ result: ProbeResult; state: StateRow; at: number } | null> {
    const e = await this.entry(key);
    if (!e) return null;
    const at = this.o.clock.now();
    const result = await this.execute(e, at, null);
    return { result, state: e.state, at };
  }

  private async execute(e: Entry, at: number, lateness: number | null): Promise<ProbeResult> {
    const result = await this.o.prober(e.spec, at);
    const location = e.spec.location ?? this.location;
    const { next, change } = applyResult(e.state, result, e.spec.down_after ?? 2, e.spec.up_after ?? 1);
    const state: StateRow = {
      ...e.state,
      ...next,
      lastRunAt: at,
      lastStatus: result.status,
      lastLatencyMs: result.latencyMs,
      lastErrorClass: result.errorClass,
      lastError: result.error,
      lastLatenessMs: lateness,
      changedAt: change ? at : e.state.changedAt,
    };
    await this.record({ e, at, lateness, result, location, state, change });
    e.state = state;
    const sample: ResultSample = {
      check: e.key,
      service: e.spec.service ?? null,
      type: e.spec.type,
      labels: e.spec.labels ?? {},
      location,
      at,
      status: result.status,
      success: result.status === 'down' ? 0 : 1,
      durationSeconds: result.latencyMs / 1000,
    };
    this.latest.set(e.key, sample);
    for (const l of this.listeners) {
      try {
        l(sample);
      } catch {
        // A broken listener must not lose the result.
      }
    }
    return result;
  }

  /**
   * Stores a result (durable when this resolves). Results finishing close together are
   * group-committed: those completing in the same event-loop turn, or while a transaction runs,
   * share the next one — one multi-row write each for results, rollups and states.
   */
  private record(w: PendingWrite): Promise<void> {
    return new Promise((resolve, reject) => {
      this.writeQueue.push({ ...w, resolve, reject });
      if (!this.writing) void this.drainWrites();
    });
  }

  private writeQueue: Array<PendingWrite & { resolve: () => void; reject: (e: unknown) => void }> = [];
  private writing = false;

  private async drainWrites(): Promise<void> {
    this.writing = true;
    try {
      // Let the probes finishing in this turn join the first batch (an I/O-phase yield, no clock).
      await new Promise<void>((r) => setImmediate(r));
      while (this.writeQueue.length) {
        const batch = this.writeQueue.splice(0, 500);
        try {
          await this.writeResults(batch);
          for (const b of batch) b.resolve();
        } catch {
          // One bad result must not fail its neighbours: retry each on its own.
          for (const b of batch) await this.writeResults([b]).then(b.resolve, b.reject);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeResults(batch: PendingWrite[]): Promise<void> {
    const now = this.o.clock.now();
    await inTransaction(this.o.db, async (tx) => {
      await checksStore.insertResults(
        tx,
        batch.map((w) => ({
          id: newId(this.o.clock),
          checkKey: w.e.key,
          at: w.at,
          status: w.result.status,
          latencyMs: w.result.latencyMs,
          errorClass: w.result.errorClass,
          error: w.result.error,
          location: w.location,
          latenessMs: w.lateness,
          details: w.result.details,
        })),
      );
      await checksStore.addManyToRollups(
        tx,
        batch.map((w) => ({ key: w.e.key, at: w.at, result: w.result })),
      );
      // A pause that landed while the probe ran wins.
      const paused = await checksStore.pausedFlags(tx, [...new Set(batch.map((w) => w.e.key))]);
      for (const w of batch) w.state.paused = paused.get(w.e.key) ?? false;
      // A check run twice in one batch (a "run now" during a scheduled run) keeps its last state.
      await checksStore.putStates(tx, [...new Map(batch.map((w) => [w.e.key, w.state])).values()], now);
      await this.o.timeline.appendMany(
        tx,
        batch.flatMap((w) =>
          w.change
            ? [
                stateChangedEvent('check', w.e.key, w.e.spec.service ?? null, w.change, w.at, {
                  status: w.result.status,
                  latency_ms: w.result.latencyMs,
                  error_class: w.result.errorClass,
                  error: w.result.error,
                  location: w.location,
                }),
              ]
            : [],
        ),
      );
    });
  }

  private async markNotRunning(e: Entry, now: number): Promise<void> {
    const change = {
      from: e.state.state,
      to: 'not_running' as const,
      reason: `last run ${formatDuration(now - e.lastStartedAt)} ago (interval ${formatDuration(e.intervalMs)})`,
    };
    const state: StateRow = { ...e.state, state: 'not_running', changedAt: now };
    await inTransaction(this.o.db, async (tx) => {
      await checksStore.putState(tx, state, now);
      await this.o.timeline.append(
        tx,
        stateChangedEvent('check', e.key, e.spec.service ?? null, change, now, null),
      );
    });
    e.state = state;
  }

  /** Sets the paused flag (persisted); a paused check is not scheduled. */
  async setPaused(key: string, paused: boolean, actor: string): Promise<StateRow | null> {
    const e = await this.entry(key);
    if (!e) return null;
    const now = this.o.clock.now();
    const state: StateRow = { ...e.state, paused };
    await inTransaction(this.o.db, async (tx) => {
      await checksStore.putState(tx, state, now);
      await this.o.timeline.append(tx, {
        type: paused ? 'check.paused' : 'check.resumed',
        subject: { kind: 'check', key },
        actor,
        data: { check: key, service: e.spec.service ?? null },
      });
    });
    e.state = state;
    if (!paused) {
      e.lastStartedAt = now;
      e.nextDue = slotAtOrAfter(now, e.intervalMs, e.offset);
      this.heap.push(e.nextDue, e);
    }
    return state;
  }
}

/** The `check.state_changed` event contract (see docs/checks.md). */
export function stateChangedEvent(
  kind: 'check' | 'heartbeat',
  key: string,
  service: string | null,
  change: { from: string; to: string; reason: string },
  at: number,
  result: Record<string, unknown> | null,
) {
  return {
    type: 'check.state_changed',
    subject: { kind, key },
    actor: 'system:checks',
    at,
    data: { check: key, kind, service, from: change.from, to: change.to, reason: change.reason, at, result },
  };
}
