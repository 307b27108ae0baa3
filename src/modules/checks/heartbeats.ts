/**
 * Heartbeats (dead man's switches) with Healthchecks.io's ping semantics: success, start, fail,
 * log and exit-status signals by UUID or by ping key + slug, `rid` pairing of start and finish,
 * and deadlines kept as durable timers so a restart never forgets that a job is overdue.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../../db/db.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Engine, StepResult } from '../../engines/runner.ts';
import type { TimerStore } from '../../engines/timers.ts';
import { type Clock, formatDuration, parseDuration } from '../../kernel/clock.ts';
import { newId, slugify } from '../../kernel/ids.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { EventInput, Timeline } from '../timeline/timeline.ts';
import {
  type Deadline,
  deadlineAfterLate,
  deadlineAfterStart,
  deadlineAfterSuccess,
  type HeartbeatState,
} from './heartbeat-schedule.ts';
import { type HeartbeatRow, heartbeatStore, type PingRow } from './heartbeat-store.ts';
import { stateChangedEvent } from './scheduler.ts';

export const TIMER_KIND = 'checks.heartbeat';
/** Journaled pings are written behind at least this often… */
const MERGE_EVERY_MS = 2000;
/** …or once this many are waiting. */
const MERGE_AFTER = 50_000;
export const BODY_LIMIT = 10_000;
const UTF8 = new TextDecoder('utf-8', { fatal: false });
const OK: PingReply = Object.freeze({ status: 200, text: 'OK' });
const CREATED: PingReply = Object.freeze({ status: 201, text: 'Created' });
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A parsed ping request. */
export interface PingInput {
  uuid?: string;
  pingKey?: string;
  slug?: string;
  /** `success` unless the URL says start/fail/log or an exit status. */
  kind: 'success' | 'start' | 'fail' | 'log';
  exitStatus: number | null;
  rid: string | null;
  create: boolean;
  method: string;
  body: Buffer | null;
  remoteAddr: string | null;
  userAgent: string | null;
}

/** What the ping endpoint answers (status and the plain-text body Healthchecks.io uses). */
export interface PingReply {
  status: number;
  text: string;
}

/** Parses `/ping/...` path segments the way Healthchecks.io routes them; null = not found. */
export function parsePingPath(
  segments: string[],
): Omit<PingInput, 'create' | 'method' | 'body' | 'remoteAddr' | 'userAgent' | 'rid'> | PingReply | null {
  type Act = { kind: PingInput['kind']; exitStatus: number | null } | PingReply | null;
  const action = (s: string | undefined): Act => {
    if (s === undefined) return { kind: 'success', exitStatus: null };
    if (s === 'start' || s === 'fail' || s === 'log') return { kind: s, exitStatus: null };
    if (/^\d+$/.test(s)) {
      const n = Number(s);
      if (n > 255) return { status: 400, text: 'invalid url format' };
      return { kind: n === 0 ? ('success' as const) : ('fail' as const), exitStatus: n };
    }
    return null;
  };
  const [a, b, c, ...rest] = segments;
  if (!a || rest.length) return null;
  if (UUID_RE.test(a)) {
    if (c !== undefined) return null;
    const act = action(b);
    if (!act || 'status' in act) return act;
    return { uuid: a.toLowerCase(), ...act };
  }
  if (!b) return null;
  const act = action(c);
  if (!act || 'status' in act) return act;
  return { pingKey: a, slug: b, ...act };
}

interface QueuedPing {
  key: string;
  spec: Record<string, any>;
  p: PingInput;
  now: number;
}

/**
 * Writes collected while pings of a group commit are applied in memory: ping rows and events in
 * order, and per heartbeat only its last state row and deadline (a timer is an upsert per key).
 */
class Writes {
  pings: PingRow[] = [];
  events: EventInput[] = [];
  /** Deadline per heartbeat key; null = cancel. */
  timers = new Map<string, Deadline | null>();
  rows = new Map<string, { row: HeartbeatRow; now: number }>();

  /**
   * `readInTx`: the rows were read in this transaction so nobody can delete them before commit
   * (SQLite's single writer, PostgreSQL's row locks); their writes may then be one multi-row
   * upsert. Otherwise each is a plain UPDATE, which never brings back a deleted row.
   */
  constructor(private readInTx = false) {}

  /** `row` is kept as given: callers hand over a fresh object and do not change it afterwards. */
  update(row: HeartbeatRow, now: number): void {
    this.rows.set(row.key, { row, now });
  }

  async flush(tx: Tx, timeline: Timeline, timers: TimerStore): Promise<void> {
    await heartbeatStore.insertPings(tx, this.pings);
    await timeline.appendMany(tx, this.events);
    const moved = [...this.timers].flatMap(([key, d]) =>
      d ? [{ kind: TIMER_KIND, key, dueAt: d.at, payload: d }] : [],
    );
    const cancelled = [...this.timers].flatMap(([key, d]) => (d ? [] : [key]));
    if (moved.length) await timers.scheduleMany(tx, moved);
    if (cancelled.length) await timers.cancelMany(tx, TIMER_KIND, cancelled);
    if (this.readInTx) await heartbeatStore.upsertMany(tx, [...this.rows.values()]);
    else for (const { row, now } of this.rows.values()) await heartbeatStore.update(tx, row, now);
  }
}

export class HeartbeatService {
  private specs = new Map<string, Record<string, any>>();
  private byUuid = new Map<string, string>();
  private bySlug = new Map<string, string[]>();
  private dirty = true;
  private syncedAt = 0;
  private pingKey: string | null = null;
  /**
   * SQLite (one writer process): steady-state pings — a success while up — are appended to the
   * journal and their state rows and deadlines written behind, in one merge a second (or every
   * MERGE_AFTER pings). On PostgreSQL several replicas take pings, so every ping is written through.
   */
  private readonly journaled: boolean;
  private behindRows = new Map<string, { row: HeartbeatRow; now: number }>();
  private behindTimers = new Map<string, Deadline>();
  private journaledSinceMerge = 0;
  private cancelMergeTimer: (() => void) | null = null;
  private recovered = false;
  private closed = false;
  /** Ping batches, merges and deadline firing run one at a time (they share the behind state). */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private db: Db,
    private clock: Clock,
    private timeline: Timeline,
    private timers: TimerStore,
    private catalog: CatalogService,
    private holder: string,
  ) {
    this.journaled = db.dialect === 'sqlite';
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  invalidate(): void {
    this.dirty = true;
  }

  /** The project ping key for slug URLs (created on first use). */
  async getPingKey(): Promise<string> {
    if (this.pingKey) return this.pingKey;
    let k = await heartbeatStore.meta(this.db.kysely, 'ping_key');
    if (!k) {
      await heartbeatStore.setMetaIfAbsent(this.db.kysely, 'ping_key', randomBytes(16).toString('base64url'));
      k = await heartbeatStore.meta(this.db.kysely, 'ping_key');
    }
    this.pingKey = k;
    return k!;
  }

  /** Aligns state rows (uuid, slug) with the catalog's heartbeats. */
  async sync(): Promise<void> {
    if (!this.dirty) return;
    // Rows written behind go first, so what is read below is current.
    if (!this.recovered) await this.serial(() => this.recoverJournal());
    else await this.merge();
    if (!this.dirty) return;
    this.dirty = false;
    this.syncedAt = this.clock.now();
    const objs = await this.catalog.snapshot(['heartbeat']);
    const rows = new Map((await heartbeatStore.all(this.db.kysely)).map((r) => [r.key, r]));
    const now = this.clock.now();
    this.specs.clear();
    this.byUuid.clear();
    this.bySlug.clear();
    for (const o of objs) {
      this.specs.set(o.key, o.spec);
      const slug = String(o.spec.slug ?? o.key);
      let row = rows.get(o.key);
      if (!row) {
        row = {
          key: o.key,
          uuid: String(o.spec.uuid ?? randomUUID()).toLowerCase(),
          slug,
          state: 'new',
          paused: false,
          nPings: 0,
          lastPingAt: null,
          lastPingKind: null,
          startedAt: null,
          startedRid: null,
          lastDurationMs: null,
          deadlineAt: null,
          changedAt: null,
        };
        await heartbeatStore.insert(this.db.kysely, row, now);
      } else if (row.slug !== slug || (o.spec.uuid && row.uuid !== String(o.spec.uuid).toLowerCase())) {
        row = { ...row, slug, uuid: String(o.spec.uuid ?? row.uuid).toLowerCase() };
        await heartbeatStore.update(this.db.kysely, row, now);
      }
      this.byUuid.set(row.uuid, o.key);
      this.bySlug.set(slug, [...(this.bySlug.get(slug) ?? []), o.key]);
    }
    for (const key of rows.keys()) {
      if (this.specs.has(key)) continue;
      await inTransaction(this.db, async (tx) => {
        await heartbeatStore.delete(tx, key);
        await this.timers.cancel(tx, TIMER_KIND, key);
      });
    }
  }

  async spec(key: string): Promise<Record<string, any> | undefined> {
    await this.sync();
    return this.specs.get(key);
  }

  async keys(): Promise<string[]> {
    await this.sync();
    return [...this.specs.keys()];
  }

  /** Handles one ping; unknown checks get 404 "not found" and nothing is written. */
  async ping(p: PingInput): Promise<PingReply> {
    if (this.dirty) await this.sync();
    if (p.rid !== null && !UUID_RE.test(p.rid)) return { status: 400, text: 'invalid url format' };
    let key: string | undefined;
    let created = false;
    if (p.uuid) {
      key = this.byUuid.get(p.uuid);
      if (!key && this.clock.now() - this.syncedAt > 5_000) {
        // Maybe created through another replica: look again (at most every 5 s, so unknown-UUID floods stay cheap).
        this.dirty = true;
        await this.sync();
        key = this.byUuid.get(p.uuid);
      }
    } else {
      if (p.pingKey !== (await this.getPingKey())) return { status: 404, text: 'not found' };
      const keys = this.bySlug.get(p.slug!) ?? [];
      if (keys.length > 1) return { status: 409, text: 'ambiguous slug' };
      key = keys[0];
      if (!key && p.create) {
        key = await this.autoProvision(p.slug!);
        if (!key) return { status: 400, text: 'invalid url format' };
        created = true;
      }
    }
    if (!key) return { status: 404, text: 'not found' };
    const spec = this.specs.get(key)!;
    await this.enqueue(key, spec, p, this.clock.now());
    return created ? CREATED : OK;
  }

  /**
   * Stores a ping (durable when this resolves). Concurrent pings are group-committed: those read
   * in the same event-loop turn, or arriving while a transaction runs, share the next one and are
   * applied in arrival order.
   */
  private enqueue(key: string, spec: Record<string, any>, p: PingInput, now: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ key, spec, p, now, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private queue: Array<QueuedPing & { resolve: () => void; reject: (e: unknown) => void }> = [];
  private draining = false;

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      // Let the requests already read in this event-loop turn join the first batch: with
      // SQLite a transaction runs synchronously, so without this yield no two pings would ever
      // share one. (An I/O-phase yield, not a timer: no clock involved.)
      await new Promise<void>((r) => setImmediate(r));
      while (this.queue.length) {
        const batch = this.queue.splice(0, 500);
        try {
          await this.serial(() => this.writePings(batch));
          for (const b of batch) b.resolve();
        } catch {
          // One bad ping must not fail its neighbours: retry each on its own.
          for (const b of batch) await this.serial(() => this.writePings([b])).then(b.resolve, b.reject);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** One transaction for `batch`: one read of the rows, pings in order, one write per heartbeat. */
  private async writePings(batch: QueuedPing[]): Promise<void> {
    if (this.journaled) {
      if (await this.journalPings(batch)) return;
      await this.mergeNow(); // the slow path reads rows: bring them up to date first
    }
    await inTransaction(this.db, async (tx) => {
      const rows = await heartbeatStore.getMany(
        tx,
        [...new Set(batch.map((b) => b.key))],
        this.db.dialect === 'postgres',
      );
      const w = new Writes(true);
      for (const b of batch) {
        const row = rows.get(b.key);
        if (!row) continue; // deleted meanwhile
        rows.set(b.key, this.applyPing(w, row, b.spec, b.p, b.now));
      }
      await w.flush(tx, this.timeline, this.timers);
    });
  }

  /**
   * The fast path: when every ping of the batch is a success for a heartbeat that is up (not
   * paused, no run started), the pings are appended to the journal — durable once that one
   * statement commits — and the rows and deadlines they move are kept for the next merge.
   * Returns false (nothing written) when the batch needs the full path.
   */
  private async journalPings(batch: QueuedPing[]): Promise<boolean> {
    const keys = [...new Set(batch.map((b) => b.key))];
    const missing = keys.filter((k) => !this.behindRows.has(k));
    const stored = missing.length ? await heartbeatStore.getMany(this.db.kysely, missing) : new Map();
    const rows = new Map<string, HeartbeatRow>();
    for (const k of keys) {
      const row = this.behindRows.get(k)?.row ?? stored.get(k);
      if (!row) return false;
      rows.set(k, row);
    }
    const w = new Writes();
    for (const b of batch) {
      const row = rows.get(b.key)!;
      if (b.p.kind !== 'success' || row.state !== 'up' || row.paused || row.startedAt !== null) return false;
      rows.set(b.key, this.applyPing(w, row, b.spec, b.p, b.now));
    }
    if (w.events.length) return false; // cannot happen for a success while up; kept as a guard
    await heartbeatStore.journalPings(this.db.kysely, w.pings);
    for (const [k, v] of w.rows) this.behindRows.set(k, v);
    for (const [k, d] of w.timers) if (d) this.behindTimers.set(k, d);
    this.journaledSinceMerge += w.pings.length;
    if (this.journaledSinceMerge >= MERGE_AFTER) void this.merge().catch(() => undefined);
    else if (!this.cancelMergeTimer && !this.closed)
      this.cancelMergeTimer = this.clock.setTimer(MERGE_EVERY_MS, () => {
        this.cancelMergeTimer = null;
        void this.merge().catch(() => undefined);
      });
    return true;
  }

  /** Writes what is behind: journal pings into the ping table, state rows, deadline timers. */
  merge(): Promise<void> {
    return this.serial(() => this.mergeNow());
  }

  private async mergeNow(): Promise<void> {
    this.cancelMergeTimer?.();
    this.cancelMergeTimer = null;
    if (this.journaledSinceMerge === 0 && this.behindRows.size === 0) return;
    const rows = this.behindRows;
    const timers = this.behindTimers;
    const n = this.journaledSinceMerge;
    this.behindRows = new Map();
    this.behindTimers = new Map();
    this.journaledSinceMerge = 0;
    try {
      await inTransaction(this.db, async (tx) => {
        const end = await heartbeatStore.journalEnd(tx);
        if (end > 0) await heartbeatStore.moveJournal(tx, end);
        await this.writeBehind(tx, rows, timers);
      });
    } catch (err) {
      // Keep what was behind (newer writes win) and try again at the next merge.
      for (const [k, v] of rows) if (!this.behindRows.has(k)) this.behindRows.set(k, v);
      for (const [k, v] of timers) if (!this.behindTimers.has(k)) this.behindTimers.set(k, v);
      this.journaledSinceMerge += n;
      throw err;
    }
  }

  /** State rows and deadlines of heartbeats that still exist (a deleted one is not brought back). */
  private async writeBehind(
    tx: Tx,
    rows: Map<string, { row: HeartbeatRow; now: number }>,
    timers: Map<string, Deadline>,
  ): Promise<void> {
    if (rows.size === 0) return;
    const exist = await heartbeatStore.getMany(tx, [...rows.keys()]);
    const live = [...rows.values()].filter((r) => exist.has(r.row.key) && !exist.get(r.row.key)!.paused);
    await heartbeatStore.upsertMany(tx, live);
    await this.timers.scheduleMany(
      tx,
      live.flatMap(({ row }) => {
        const d = timers.get(row.key);
        return d ? [{ kind: TIMER_KIND, key: row.key, dueAt: d.at, payload: d }] : [];
      }),
    );
  }

  /**
   * After a crash, journal pings whose rows were not yet written behind: each was a success while
   * up, so a heartbeat's row advances by their count to its last one, with the deadline after it.
   */
  private async recoverJournal(): Promise<void> {
    this.recovered = true;
    const { pings, lastSeq } = await heartbeatStore.journal(this.db.kysely);
    if (pings.length === 0) return;
    const objs = new Map((await this.catalog.snapshot(['heartbeat'])).map((o) => [o.key, o.spec]));
    const byKey = new Map<string, PingRow[]>();
    for (const p of pings) byKey.set(p.heartbeatKey, [...(byKey.get(p.heartbeatKey) ?? []), p]);
    const stored = await heartbeatStore.getMany(this.db.kysely, [...byKey.keys()]);
    const rows = new Map<string, { row: HeartbeatRow; now: number }>();
    const timers = new Map<string, Deadline>();
    for (const [key, list] of byKey) {
      const row = stored.get(key);
      const spec = objs.get(key);
      if (!row || !spec) continue;
      const last = list[list.length - 1]!;
      const d = deadlineAfterSuccess(spec, last.at);
      rows.set(key, {
        row: {
          ...row,
          nPings: row.nPings + list.length,
          lastPingAt: last.at,
          lastPingKind: last.kind,
          deadlineAt: d.at,
        },
        now: last.at,
      });
      timers.set(key, d);
    }
    await inTransaction(this.db, async (tx) => {
      await heartbeatStore.moveJournal(tx, lastSeq);
      await this.writeBehind(tx, rows, timers);
    });
  }

  /** Writes what is behind and stops merging (module shutdown). */
  async close(): Promise<void> {
    await this.merge();
    this.closed = true;
    this.cancelMergeTimer?.();
    this.cancelMergeTimer = null;
  }

  private async autoProvision(slug: string): Promise<string | undefined> {
    const key = slugify(slug);
    if (!key) return undefined;
    try {
      await this.catalog.create({ actor: 'ping:auto-provision' }, 'heartbeat', key, {
        slug,
        period: '1d',
        grace: '1h',
      });
    } catch {
      return undefined;
    }
    this.dirty = true;
    await this.sync();
    return this.specs.has(key) ? key : undefined;
  }

  /** Applies one ping to `row` in memory (writes go to `w`); returns the row after it. */
  private applyPing(
    w: Writes,
    row: HeartbeatRow,
    spec: Record<string, any>,
    p: PingInput,
    now: number,
  ): HeartbeatRow {
    let body: string | null = null;
    let truncated = false;
    if (p.body?.length) {
      truncated = p.body.length > BODY_LIMIT;
      body = UTF8.decode(p.body.subarray(0, BODY_LIMIT));
    }
    const next: HeartbeatRow = { ...row, nPings: row.nPings + 1, lastPingAt: now, lastPingKind: p.kind };
    let durationMs: number | null = null;
    if (
      (p.kind === 'success' || p.kind === 'fail') &&
      row.startedAt !== null &&
      (p.rid === null || p.rid === row.startedRid)
    ) {
      durationMs = now - row.startedAt;
      next.lastDurationMs = durationMs;
      next.startedAt = null;
      next.startedRid = null;
    }
    w.pings.push({
      id: newId(this.clock),
      heartbeatKey: row.key,
      at: now,
      kind: p.kind,
      exitStatus: p.exitStatus,
      rid: p.rid,
      durationMs,
      method: p.method,
      remoteAddr: p.remoteAddr,
      userAgent: p.userAgent?.slice(0, 200) ?? null,
      body,
      bodyTruncated: truncated,
    });
    if (row.paused && spec.manual_resume) {
      const paused: HeartbeatRow = { ...next, state: 'paused' };
      w.update(paused, now);
      return paused;
    }
    // Any signal but a log resumes a paused heartbeat (Healthchecks.io without manual_resume).
    if (row.paused && p.kind !== 'log') next.paused = false;
    let to: HeartbeatState | null = null;
    let reason = '';
    let deadline: Deadline | null = null;
    if (p.kind === 'log') {
      // A log entry changes no state.
    } else if (p.kind === 'start') {
      next.startedAt = now;
      next.startedRid = p.rid;
      to = 'started';
      reason = 'start signal';
      deadline = deadlineAfterStart(spec, now);
    } else if (p.kind === 'fail') {
      to = 'down';
      reason = p.exitStatus !== null ? `exit status ${p.exitStatus}` : 'failure signal';
    } else {
      const min = spec.min_run_time ? parseDuration(spec.min_run_time) : null;
      if (durationMs !== null && min !== null && durationMs < min) {
        to = 'down';
        reason = `finished suspiciously fast (${formatDuration(durationMs)} < ${spec.min_run_time})`;
      } else {
        to = 'up';
        reason = 'success signal';
        deadline = deadlineAfterSuccess(spec, now);
      }
    }
    this.moveTo(w, row, next, to, reason, deadline, now, {
      kind: p.kind,
      exit_status: p.exitStatus,
      duration_ms: durationMs,
    });
    return next;
  }

  /** Persists `next` in state `to` (when given), emits the change event, and sets or clears the deadline timer. */
  private moveTo(
    w: Writes,
    prev: HeartbeatRow,
    next: HeartbeatRow,
    to: HeartbeatState | null,
    reason: string,
    deadline: Deadline | null,
    now: number,
    result: Record<string, unknown> | null,
  ): void {
    const from: HeartbeatState = prev.paused ? 'paused' : prev.state;
    if (to) next.state = to;
    if (to && to !== from) {
      next.changedAt = now;
      const spec = this.specs.get(prev.key);
      w.events.push(
        stateChangedEvent('heartbeat', prev.key, spec?.service ?? null, { from, to, reason }, now, result),
      );
    }
    if (to) {
      next.deadlineAt = deadline?.at ?? null;
      w.timers.set(prev.key, deadline);
    }
    w.update(next, now);
  }

  /** Fires due deadlines (late → down escalation); returns how many were handled. */
  async fireDue(limit = 100): Promise<number> {
    await this.sync();
    // Deadlines moved by journaled pings are written first; a ping cannot slip in meanwhile.
    return this.serial(async () => {
      await this.mergeNow();
      return this.fireClaimed(limit);
    });
  }

  private async fireClaimed(limit: number): Promise<number> {
    const due = await this.timers.claimDue<Deadline>(TIMER_KIND, this.holder, limit);
    for (const t of due) {
      await inTransaction(this.db, async (tx) => {
        if (!(await this.timers.complete(tx, t.id, this.holder))) return; // a ping moved it meanwhile
        const row = await heartbeatStore.get(tx, t.key);
        const spec = this.specs.get(t.key);
        if (!row || !spec || row.paused) return;
        const d = t.payload;
        const follow = d.to === 'late' ? deadlineAfterLate(spec, d.at) : null;
        const w = new Writes();
        this.moveTo(w, row, { ...row }, d.to, d.reason, follow, this.clock.now(), {
          deadline: new Date(d.at).toISOString(),
        });
        await w.flush(tx, this.timeline, this.timers);
      });
    }
    return due.length;
  }

  /** Pauses or resumes a heartbeat (a paused one has no deadline). */
  async setPaused(key: string, paused: boolean, actor: string): Promise<HeartbeatRow | null> {
    await this.sync();
    const spec = this.specs.get(key);
    if (!spec) return null;
    return this.serial(async () => {
      await this.mergeNow();
      return this.writePaused(key, spec, paused, actor);
    });
  }

  private writePaused(
    key: string,
    spec: Record<string, any>,
    paused: boolean,
    actor: string,
  ): Promise<HeartbeatRow | null> {
    const now = this.clock.now();
    return inTransaction(this.db, async (tx) => {
      const row = await heartbeatStore.get(tx, key);
      if (!row) return null;
      const next: HeartbeatRow = {
        ...row,
        paused,
        state: paused ? 'paused' : 'new',
        deadlineAt: null,
        startedAt: null,
        startedRid: null,
      };
      await this.timers.cancel(tx, TIMER_KIND, key);
      await this.timeline.append(tx, {
        type: paused ? 'check.paused' : 'check.resumed',
        subject: { kind: 'heartbeat', key },
        actor,
        data: { check: key, kind: 'heartbeat', service: spec.service ?? null },
      });
      await heartbeatStore.update(tx, next, now);
      return next;
    });
  }

  async state(key: string): Promise<HeartbeatRow | null> {
    await this.sync();
    await this.merge();
    return this.specs.has(key) ? heartbeatStore.get(this.db.kysely, key) : null;
  }

  async states(): Promise<HeartbeatRow[]> {
    await this.sync();
    await this.merge();
    return heartbeatStore.all(this.db.kysely);
  }

  async pings(key: string, limit = 50): Promise<PingRow[]> {
    await this.merge();
    return heartbeatStore.pings(this.db.kysely, key, limit);
  }
}

/** Engine that fires heartbeat deadlines from durable timers. */
export class HeartbeatEngine implements Engine {
  readonly name = 'checks-heartbeats';
  readonly intervalMs = 15_000;
  constructor(
    private service: HeartbeatService,
    private timers: TimerStore,
  ) {}
  async step(): Promise<StepResult> {
    const n = await this.service.fireDue(100);
    if (n === 100) return { more: true };
    return { nextDueAt: await this.timers.nextDue(TIMER_KIND) };
  }
}
