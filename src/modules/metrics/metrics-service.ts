/**
 * The metrics module's use cases: ingest (remote_write, push, scrapes, Vigil's own series) into
 * the embedded TSDB, and PromQL queries over it. Ingestion refusals are counted by reason, never
 * fatal; queries take their time from the caller (rules evaluate at the instant they are given).
 */
import type { Clock } from '../../kernel/clock.ts';
import type { MetricMetadata } from './exposition.ts';
import { type Expr, instantQuery, type QueryResult, rangeQuery } from './promql/index.ts';
import type { Label, Labels, Matcher } from './storage.ts';
import { IngestError, type Tsdb } from './tsdb/index.ts';

export interface IngestSeries {
  labels: Label[];
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
}

export interface IngestResult {
  accepted: number;
  rejected: Record<string, number>;
  /** First few refusal messages, for the client's error body. */
  examples: string[];
}

/** Default query limits: Prometheus' defaults scaled to one embedded node. */
const QUERY_TIMEOUT_MS = 30_000;

export interface IngestOptions {
  /** Offer the accepted samples to the forwarder (default true; false for remote_write input). */
  forward?: boolean;
}

/** Receives accepted samples to forward to a delegated backend (see forward.ts). */
export interface SampleSink {
  enabled(): boolean;
  offer(labels: Label[], t: number, v: number): void;
}

export class MetricsService {
  readonly metadata = new Map<string, MetricMetadata & { source: string }>();
  /** Where accepted samples go besides the embedded store (set by the module). */
  sink: SampleSink | null = null;

  constructor(
    readonly tsdb: Tsdb,
    private clock: Clock,
  ) {}

  /** Appends all samples in one commit; refused samples are counted and reported, the rest kept. */
  ingest(series: IngestSeries[], opts: IngestOptions = {}): IngestResult {
    const app = this.tsdb.appender();
    const res: IngestResult = { accepted: 0, rejected: {}, examples: [] };
    const sink = opts.forward !== false && this.sink?.enabled() ? this.sink : null;
    const accepted: Array<[Label[], number, number]> = [];
    for (const s of series) {
      for (let i = 0; i < s.values.length; i++) {
        try {
          app.append(s.labels, s.timestamps[i], s.values[i]);
          res.accepted++;
          if (sink) accepted.push([s.labels, s.timestamps[i], s.values[i]]);
        } catch (err) {
          if (!(err instanceof IngestError)) throw err;
          res.rejected[err.reason] = (res.rejected[err.reason] ?? 0) + 1;
          if (res.examples.length < 5) res.examples.push(`${describe(s.labels)}: ${err.message}`);
        }
      }
    }
    app.commit();
    for (const [l, t, v] of accepted) sink!.offer(l, t, v);
    return res;
  }

  /** Instant query at `timeMs` (default now). */
  query(expr: string | Expr, timeMs = this.clock.now(), timeoutMs = QUERY_TIMEOUT_MS): QueryResult {
    const deadline = performance.now() + timeoutMs;
    return instantQuery(this.tsdb, expr, timeMs, { shouldAbort: () => performance.now() > deadline });
  }

  queryRange(
    expr: string | Expr,
    startMs: number,
    endMs: number,
    stepMs: number,
    timeoutMs = QUERY_TIMEOUT_MS,
  ) {
    const deadline = performance.now() + timeoutMs;
    return rangeQuery(this.tsdb, expr, startMs, endMs, stepMs, {
      shouldAbort: () => performance.now() > deadline,
    });
  }

  /** Series (label sets) matching any of the selectors in [start, end]. */
  series(selectors: Matcher[][], startMs: number, endMs: number, limit = 0): Labels[] {
    const seen = new Map<string, Labels>();
    for (const m of selectors) {
      for (const s of this.tsdb.select(m, startMs, endMs)) {
        if (s.timestamps.length === 0) continue;
        seen.set(describe(s.labels), s.labels);
        if (limit && seen.size >= limit) return [...seen.values()];
      }
    }
    return [...seen.values()];
  }

  labelNames(selectors: Matcher[][], startMs: number, endMs: number): string[] {
    if (selectors.length === 0) return this.tsdb.labelNames([], startMs, endMs);
    const names = new Set<string>();
    for (const m of selectors) for (const n of this.tsdb.labelNames(m, startMs, endMs)) names.add(n);
    return [...names].sort();
  }

  labelValues(name: string, selectors: Matcher[][], startMs: number, endMs: number): string[] {
    if (selectors.length === 0) return this.tsdb.labelValues(name, [], startMs, endMs);
    const values = new Set<string>();
    for (const m of selectors) for (const v of this.tsdb.labelValues(name, m, startMs, endMs)) values.add(v);
    return [...values].sort();
  }

  /** Records HELP/TYPE/UNIT seen in scrapes and pushes (served by /api/v1/metadata). */
  noteMetadata(entries: Map<string, MetricMetadata>, source: string): void {
    for (const [name, md] of entries) this.metadata.set(name, { ...md, source });
  }
}

/** `name{a="b"}` rendering of a label set (for messages and keys). */
export function describe(labels: Labels): string {
  const name = labels.find((l) => l.name === '__name__')?.value ?? '';
  const rest = labels.filter((l) => l.name !== '__name__').map((l) => `${l.name}=${JSON.stringify(l.value)}`);
  return `${name}{${rest.join(',')}}`;
}
