/**
 * Read side and public API of the checks module: merged probe + heartbeat status with filters
 * and pagination, detail with history, uptime buckets from rollups, and retention.
 */
import type { Db } from '../../db/db.ts';
import { type Clock, DAY, HOUR } from '../../kernel/clock.ts';
import { invalid, notFound } from '../../kernel/errors.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { ConfigObject } from '../catalog/catalog-store.ts';
import type { Timeline } from '../timeline/timeline.ts';
import { type HeartbeatRow, heartbeatStore } from './heartbeat-store.ts';
import type { HeartbeatService } from './heartbeats.ts';
import { CheckIndex } from './list-index.ts';
import type { ProbeResult } from './probes/index.ts';
import { bucketStart, type Resolution, toBuckets, type UptimeBucket } from './rollups.ts';
import type { ProbeScheduler, ResultSample } from './scheduler.ts';
import { checksStore, type ResultRow, type RollupCount, type StateRow } from './store.ts';

/** One check or heartbeat as status lists show it. */
export interface CheckStatus {
  key: string;
  kind: 'check' | 'heartbeat';
  name: string;
  type: string;
  service: string | null;
  labels: Record<string, string>;
  runbook: string | null;
  /** up, degraded, down, unknown, not_running, paused (probes); new, up, late, down, started, paused (heartbeats). */
  state: string;
  changedAt: number | null;
  lastRunAt: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  lastErrorClass: string | null;
  /** Heartbeats: when the next deadline fires. */
  deadlineAt: number | null;
}

export interface ListFilter {
  kind?: 'check' | 'heartbeat';
  service?: string;
  /** One state or several, comma-separated (e.g. down,late,not_running). */
  state?: string;
  /** `name=value` or just `name`. */
  label?: string;
  /** Probe type (http, tcp, dns, tls) or heartbeat. */
  type?: string;
  /** Case-insensitive part of the key or name. */
  search?: string;
  cursor?: string;
  limit?: number;
}

/** How long a list may show the current hour/day counts of a check another process probes. */
const CURRENT_TTL_MS = 2_000;

/** Every state a probe or heartbeat can be in. */
export const ALL_STATES = [
  'unknown',
  'new',
  'up',
  'degraded',
  'late',
  'started',
  'down',
  'not_running',
  'paused',
];

/** What a list row shows besides the state (probes only). */
export interface CheckSummary {
  uptime24h: number | null;
  /** Mean latency (ms) per hour of the last 24 h, oldest first; null where nothing succeeded. */
  sparkline: Array<number | null>;
  /** Uptime % per day, oldest first (today last); null where nothing ran. */
  daily: Array<number | null>;
}

/** The api other modules get from `ctx.modules.get('checks')`. */
export interface ChecksApi {
  getState(key: string, kind?: 'check' | 'heartbeat'): Promise<CheckStatus | null>;
  listStates(filter?: ListFilter): Promise<CheckStatus[]>;
  /** Uptime buckets of a probe for the status page (from rollups, never raw results). */
  uptime(key: string, fromMs: number, toMs: number, bucket: 'day' | 'hour'): Promise<UptimeBucket[]>;
  /** Hears every probe result (probe_success / probe_duration_seconds for the metrics module). */
  onResult(listener: (s: ResultSample) => void): () => void;
  /** The latest sample of each probe run by this process. */
  latestSamples(): ResultSample[];
  /** Runs a probe now and records the result. */
  runNow(key: string): Promise<{ result: ProbeResult; at: number }>;
}

const encode = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const decode = (c: string) => {
  const s = Buffer.from(c, 'base64url').toString('utf8');
  if (!s || encode(s) !== c) throw invalid(`invalid cursor "${c}"`);
  return s;
};

export class ChecksService {
  constructor(
    private db: Db,
    private clock: Clock,
    private catalog: CatalogService,
    private timeline: Timeline,
    readonly scheduler: ProbeScheduler,
    readonly heartbeats: HeartbeatService,
  ) {
    this.index = new CheckIndex(db, clock, timeline, catalog);
  }

  readonly index: CheckIndex;

  /** A check or heartbeat was created, changed or deleted here: lists catch up before reading. */
  invalidate(): void {
    this.index.markDirty();
  }

  /** The injected clock's time (routes default ranges with it). */
  now(): number {
    return this.clock.now();
  }

  /** A filtered page of statuses, filtered, ordered (key, kind) and paginated in SQL. */
  async list(f: ListFilter = {}): Promise<{ items: CheckStatus[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(f.limit ?? 50, 1), 500);
    let after: { key: string; kind: string } | undefined;
    if (f.cursor) {
      const [key, kind] = decode(f.cursor).split('\u0000');
      if (!key || (kind !== 'check' && kind !== 'heartbeat')) throw invalid(`invalid cursor "${f.cursor}"`);
      after = { key, kind };
    }
    const states = f.state === undefined ? undefined : f.state.split(',').map((x) => x.trim());
    for (const st of states ?? []) {
      if (!ALL_STATES.includes(st)) throw invalid(`unknown state "${st}" (one of ${ALL_STATES.join(', ')})`);
    }
    const rows = await this.index.page({
      kind: f.kind,
      service: f.service,
      type: f.type,
      states,
      label: f.label,
      search: f.search,
      after,
      limit,
    });
    const items: CheckStatus[] = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit ? encode(`${last.key}\u0000${last.kind}`) : null };
  }

  /**
   * Rollups of finished buckets never change, so list summaries keep them in memory per check:
   * the last 23 hours (mean latency, ok and total) and the last 89 days (uptime %), computed once
   * per check per hour/day. Only the current hour and day are read per request.
   */
  private pastHours = new Map<string, { start: number; lat: Float32Array; ok: number; total: number }>();
  private pastDays = new Map<string, { start: number; pct: Float32Array }>();

  /**
   * The current hour and day buckets change with every result, so they are read per request but
   * kept for up to CURRENT_TTL_MS per check (dropped at once when this process records a result
   * for the check): a page of 50 then costs no rollup reads while it is being looked at.
   */
  private current = new Map<
    string,
    { at: number; hourStart: number; dayStart: number; hour: RollupCount | null; day: RollupCount | null }
  >();

  /** Forgets a check's cached current buckets (a result was just recorded). */
  forgetCurrent(key: string): void {
    this.current.delete(key);
  }

  private async currentCounts(keys: string[], now: number, hourStart: number, dayStart: number) {
    const hour = new Map<string, RollupCount>();
    const day = new Map<string, RollupCount>();
    const stale = keys.filter((k) => {
      const c = this.current.get(k);
      return (
        !c ||
        c.hourStart !== hourStart ||
        c.dayStart !== dayStart ||
        now - c.at > CURRENT_TTL_MS ||
        now < c.at
      );
    });
    if (stale.length) {
      const fresh = await checksStore.currentCounts(this.db.kysely, stale, hourStart, dayStart);
      if (this.current.size > 50_000) this.current.clear();
      for (const k of stale) {
        this.current.set(k, {
          at: now,
          hourStart,
          dayStart,
          hour: fresh.hour.get(k) ?? null,
          day: fresh.day.get(k) ?? null,
        });
      }
    }
    for (const k of keys) {
      const c = this.current.get(k)!;
      if (c.hour) hour.set(k, c.hour);
      if (c.day) day.set(k, c.day);
    }
    return { hour, day };
  }

  /**
   * List summaries of probes from rollups: 24 h uptime, a latency sparkline (mean per hour over
   * the last 24 h, oldest first) and `days` daily uptime percentages (oldest first, today last).
   */
  async summaries(keys: string[], days: number): Promise<Map<string, CheckSummary>> {
    const now = this.clock.now();
    const out = new Map<string, CheckSummary>();
    if (keys.length === 0) return out;
    const hourNow = bucketStart(now, 'hour');
    const dayNow = bucketStart(now, 'day');
    const hour0 = hourNow - 23 * HOUR;
    const day0 = dayNow - 89 * DAY;
    // Late results (a probe that started before the boundary) can still land in the previous
    // bucket for a little while: cache a window only once that grace has passed.
    const GRACE = 5 * 60_000;
    const db = this.db.kysely;
    if (this.pastHours.size > 50_000) this.pastHours.clear();
    if (this.pastDays.size > 50_000) this.pastDays.clear();

    const hours = new Map<string, { lat: Float32Array; ok: number; total: number }>();
    const missH = keys.filter((k) => this.pastHours.get(k)?.start !== hour0);
    for (const k of keys) if (!missH.includes(k)) hours.set(k, this.pastHours.get(k)!);
    if (missH.length) {
      const fill = new Map(
        missH.map((k) => [k, { lat: new Float32Array(23).fill(Number.NaN), ok: 0, total: 0 }]),
      );
      for (const r of await checksStore.rollupCounts(db, missH, 'hour', hour0, hourNow)) {
        const e = fill.get(r.key)!;
        const i = Math.floor((r.start - hour0) / HOUR);
        if (i >= 0 && i < 23 && r.ok > 0) e.lat[i] = r.latencySum / r.ok;
        e.ok += r.ok;
        e.total += r.total;
      }
      for (const [k, e] of fill) {
        hours.set(k, e);
        if (now - hourNow >= GRACE) this.pastHours.set(k, { start: hour0, ...e });
      }
    }
    const pastDays = new Map<string, Float32Array>();
    if (days > 0) {
      const missD = keys.filter((k) => this.pastDays.get(k)?.start !== day0);
      for (const k of keys) if (!missD.includes(k)) pastDays.set(k, this.pastDays.get(k)!.pct);
      if (missD.length) {
        const fill = new Map(missD.map((k) => [k, new Float32Array(89).fill(Number.NaN)]));
        for (const r of await checksStore.rollupCounts(db, missD, 'day', day0, dayNow)) {
          const i = Math.floor((r.start - day0) / DAY);
          if (i >= 0 && i < 89 && r.total > 0) fill.get(r.key)![i] = (r.ok / r.total) * 100;
        }
        for (const [k, pct] of fill) {
          pastDays.set(k, pct);
          if (now - dayNow >= GRACE) this.pastDays.set(k, { start: day0, pct });
        }
      }
    }
    // The current hour and day: at most one row per key each.
    const { hour: curH, day: curD } = await this.currentCounts(keys, now, hourNow, dayNow);
    const r1 = (v: number) => Math.round(v * 10) / 10;
    const r3 = (v: number) => Math.round(v * 1000) / 1000;
    for (const k of keys) {
      const h = hours.get(k)!;
      const c = curH.get(k);
      const sparkline: Array<number | null> = Array.from(h.lat, (v) => (Number.isNaN(v) ? null : r1(v)));
      sparkline.push(c && c.ok > 0 ? r1(c.latencySum / c.ok) : null);
      const ok = h.ok + (c?.ok ?? 0);
      const total = h.total + (c?.total ?? 0);
      let daily: Array<number | null> = [];
      if (days > 0) {
        const past = pastDays.get(k)!;
        const d = curD.get(k);
        daily = Array.from(past.subarray(89 - (days - 1)), (v) => (Number.isNaN(v) ? null : r3(v)));
        daily.push(d && d.total > 0 ? r3((d.ok / d.total) * 100) : null);
      }
      out.set(k, { uptime24h: total ? r3((ok / total) * 100) : null, sparkline, daily });
    }
    return out;
  }

  /** Uptime % over the last 24 h per probe key (from hour rollups). */
  async uptime24h(keys: string[]): Promise<Map<string, number | null>> {
    const now = this.clock.now();
    // Hour buckets that started within the last 24 h (the current, partial hour included).
    const acc = await checksStore.uptimeSums(this.db.kysely, keys, 'hour', now - DAY, now + 1);
    return new Map(
      keys.map((k) => {
        const a = acc.get(k);
        return [k, a?.total ? Math.round((a.ok / a.total) * 100_000) / 1000 : null];
      }),
    );
  }

  /** One status without listing everything (cheap enough for other modules to call often). */
  async getState(key: string, kind: 'check' | 'heartbeat' = 'check'): Promise<CheckStatus | null> {
    const o = await this.catalog.get(kind, key).catch(() => null);
    if (!o) return null;
    if (kind === 'check')
      return toStatus(o, (await checksStore.getState(this.db.kysely, key)) ?? undefined, undefined);
    return toStatus(o, undefined, (await this.heartbeats.state(key)) ?? undefined);
  }

  async uptime(key: string, fromMs: number, toMs: number, bucket: 'day' | 'hour'): Promise<UptimeBucket[]> {
    if (bucket !== 'day' && bucket !== 'hour') throw invalid('bucket must be day or hour');
    if (toMs <= fromMs) throw invalid('to must be after from');
    const res: Resolution = bucket;
    return toBuckets(await checksStore.rollups(this.db.kysely, [key], res, fromMs, toMs));
  }

  async results(
    key: string,
    opts: { from?: number; to?: number; limit?: number; status?: string },
  ): Promise<ResultRow[]> {
    return checksStore.results(this.db.kysely, key, opts);
  }

  /** State changes of a check or heartbeat, newest first. */
  async stateChanges(kind: 'check' | 'heartbeat', key: string, limit = 50) {
    const events = await this.timeline.forSubject(kind, key, 2000);
    return events
      .filter((e) => e.type === 'check.state_changed')
      .reverse()
      .slice(0, limit);
  }

  async runNow(key: string): Promise<{ result: ProbeResult; at: number }> {
    const r = await this.scheduler.runNow(key);
    if (!r) throw notFound('check', key);
    return { result: r.result, at: r.at };
  }

  /** Deletes raw results and rollups past retention and keeps the newest pings per heartbeat. */
  async prune(now: number, raw: number, rollups: number, keepPings: number): Promise<number> {
    const n = await checksStore.prune(this.db.kysely, now - raw, {
      minute: now - raw,
      hour: now - rollups,
      day: now - rollups,
    });
    for (const key of await this.heartbeats.keys())
      await heartbeatStore.trimPings(this.db.kysely, key, keepPings);
    return n;
  }

  publicApi(): ChecksApi {
    return {
      getState: (key, kind) => this.getState(key, kind),
      listStates: async (f) => {
        const out: CheckStatus[] = [];
        let cursor: string | undefined;
        do {
          const page = await this.list({ ...f, cursor, limit: 500 });
          out.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        return out;
      },
      uptime: (key, from, to, bucket) => this.uptime(key, from, to, bucket),
      onResult: (l) => this.scheduler.onResult(l),
      latestSamples: () => this.scheduler.latestSamples(),
      runNow: (key) => this.runNow(key),
    };
  }
}

/** Builds the status of a catalog object from its probe or heartbeat state row. */
function toStatus(o: ConfigObject, s: StateRow | undefined, h: HeartbeatRow | undefined): CheckStatus {
  const base = {
    key: o.key,
    kind: o.kind as 'check' | 'heartbeat',
    name: String(o.spec.name ?? o.key),
    service: (o.spec.service as string | undefined) ?? null,
    labels: (o.spec.labels as Record<string, string> | undefined) ?? {},
    runbook: (o.spec.runbook as string | undefined) ?? null,
  };
  if (o.kind === 'check') {
    return {
      ...base,
      type: String(o.spec.type),
      state: s?.paused ? 'paused' : (s?.state ?? 'unknown'),
      changedAt: s?.changedAt ?? null,
      lastRunAt: s?.lastRunAt ?? null,
      lastLatencyMs: s?.lastLatencyMs ?? null,
      lastError: s?.lastError ?? null,
      lastErrorClass: s?.lastErrorClass ?? null,
      deadlineAt: null,
    };
  }
  return {
    ...base,
    type: 'heartbeat',
    state: h?.paused ? 'paused' : (h?.state ?? 'new'),
    changedAt: h?.changedAt ?? null,
    lastRunAt: h?.lastPingAt ?? null,
    lastLatencyMs: h?.lastDurationMs ?? null,
    lastError: null,
    lastErrorClass: null,
    deadlineAt: h?.deadlineAt ?? null,
  };
}
