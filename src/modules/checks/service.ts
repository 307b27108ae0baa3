/**
 * Read side and public API of the checks module: merged probe + heartbeat status with filters
 * and pagination, detail with history, uptime buckets from rollups, and retention.
 */
import type { Db } from '../../db/db.ts';
import { type Clock, DAY } from '../../kernel/clock.ts';
import { invalid, notFound } from '../../kernel/errors.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { ConfigObject } from '../catalog/catalog-store.ts';
import type { Timeline } from '../timeline/timeline.ts';
import { type HeartbeatRow, heartbeatStore } from './heartbeat-store.ts';
import type { HeartbeatService } from './heartbeats.ts';
import type { ProbeResult } from './probes/index.ts';
import { type Resolution, toBuckets, type UptimeBucket } from './rollups.ts';
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
  cursor?: string;
  limit?: number;
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
  ) {}

  private cached: { at: number; objs: ConfigObject[] } | null = null;

  /** Drops the cached check/heartbeat specs (called when one is created, changed or deleted). */
  invalidate(): void {
    this.cached = null;
  }

  /** Check and heartbeat specs, cached until a change here or for 5 s (changes via other replicas). */
  private async objects(): Promise<ConfigObject[]> {
    const now = this.clock.now();
    if (!this.cached || now - this.cached.at > 5_000 || now < this.cached.at) {
      this.cached = { at: now, objs: await this.catalog.snapshot(['check', 'heartbeat']) };
    }
    return this.cached.objs;
  }

  /** The injected clock's time (routes default ranges with it). */
  now(): number {
    return this.clock.now();
  }

  /** Every probe and heartbeat with its state, sorted by key then kind. */
  async all(): Promise<CheckStatus[]> {
    const objs = await this.objects();
    const probeStates = new Map((await checksStore.allStates(this.db.kysely)).map((s) => [s.key, s]));
    await this.heartbeats.sync();
    const hbStates = new Map((await heartbeatStore.all(this.db.kysely)).map((s) => [s.key, s]));
    const out = objs.map((o) => toStatus(o, probeStates.get(o.key), hbStates.get(o.key)));
    return out.sort((a, b) => (a.key === b.key ? a.kind.localeCompare(b.kind) : a.key < b.key ? -1 : 1));
  }

  /** A filtered page of statuses. */
  async list(f: ListFilter = {}): Promise<{ items: CheckStatus[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(f.limit ?? 50, 1), 500);
    const after = f.cursor ? decode(f.cursor) : null;
    const [lk, lv] = f.label ? f.label.split('=', 2) : [];
    const rows = (await this.all()).filter(
      (s) =>
        (!f.kind || s.kind === f.kind) &&
        (!f.service || s.service === f.service) &&
        (!f.state || s.state === f.state) &&
        (!lk || (lk in s.labels && (lv === undefined || s.labels[lk] === lv))) &&
        (!after || `${s.key}\u0000${s.kind}` > after),
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit ? encode(`${last.key}\u0000${last.kind}`) : null };
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
