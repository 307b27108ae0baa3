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
import { checksStore, type ResultRow, type StateRow } from './store.ts';

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
    if (f.state !== undefined && !ALL_STATES.includes(f.state)) {
      throw invalid(`unknown state "${f.state}" (one of ${ALL_STATES.join(', ')})`);
    }
    const rows = await this.index.page({
      kind: f.kind,
      service: f.service,
      type: f.type,
      state: f.state,
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
   * List summaries of probes from rollups: 24 h uptime, a latency sparkline (mean per hour over
   * the last 24 h, oldest first) and `days` daily uptime percentages (oldest first, today last).
   */
  async summaries(keys: string[], days: number): Promise<Map<string, CheckSummary>> {
    const now = this.clock.now();
    const out = new Map<string, CheckSummary>();
    if (keys.length === 0) return out;
    const hour0 = bucketStart(now, 'hour') - 23 * HOUR;
    const day0 = bucketStart(now, 'day') - (days - 1) * DAY;
    for (const k of keys) {
      out.set(k, {
        uptime24h: null,
        sparkline: new Array(24).fill(null),
        daily: days > 0 ? new Array(days).fill(null) : [],
      });
    }
    const acc = new Map<string, { ok: number; total: number }>();
    for (const r of await checksStore.rollupCounts(this.db.kysely, keys, 'hour', hour0, now + 1)) {
      const s = out.get(r.key)!;
      const i = Math.floor((r.start - hour0) / HOUR);
      if (i >= 0 && i < 24 && r.ok > 0) s.sparkline[i] = Math.round((r.latencySum / r.ok) * 10) / 10;
      const a = acc.get(r.key) ?? { ok: 0, total: 0 };
      a.ok += r.ok;
      a.total += r.total;
      acc.set(r.key, a);
    }
    for (const [k, a] of acc) {
      out.get(k)!.uptime24h = a.total ? Math.round((a.ok / a.total) * 100_000) / 1000 : null;
    }
    if (days > 0) {
      for (const r of await checksStore.rollupCounts(this.db.kysely, keys, 'day', day0, now + 1)) {
        const i = Math.floor((r.start - day0) / DAY);
        if (i >= 0 && i < days && r.total > 0)
          out.get(r.key)!.daily[i] = Math.round((r.ok / r.total) * 100_000) / 1000;
      }
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
    await this.heartbeats.sync();
    return toStatus(o, undefined, (await heartbeatStore.get(this.db.kysely, key)) ?? undefined);
  }

  async uptime(key: string, fromMs: number, toMs: number, bucket: 'day' | 'hour'): Promise<UptimeBucket[]> {
    if (bucket !== 'day' && bucket !== 'hour') throw invalid('bucket must be day or hour');
    if (toMs <= fromMs) throw invalid('to must be after from');
    const res: Resolution = bucket;
    return toBuckets(await checksStore.rollups(this.db.kysely, [key], res, fromMs, toMs));
  }

  async results(key: string, opts: { from?: number; to?: number; limit?: number }): Promise<ResultRow[]> {
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
