/**
 * The metrics module: an embedded TSDB fed by scrapes, remote_write, pushes and Vigil's own
 * series, queried with PromQL through a Prometheus-compatible API. Other modules (rules,
 * flag-rollout guards) use the published `MetricsApi`.
 */
import { join } from 'node:path';
import { Gauge } from 'prom-client';
import { parseDuration } from '../../kernel/clock.ts';
import { defineModule } from '../module.ts';
import './kinds.ts';
import './plan-section.ts';
import { EmbeddedBackend, PrometheusBackend, type QueryBackend } from './backend.ts';
import { type ForwardTarget, RemoteWriteForwarder } from './forward.ts';
import { ingestRoutes } from './ingest-routes.ts';
import { type IngestResult, type IngestSeries, MetricsService } from './metrics-service.ts';
import { promApiRoutes } from './prom-api.ts';
import type { QueryResult } from './promql/index.ts';
import { ScrapeEngine, type TargetStatus } from './scrape.ts';
import { statusRoutes } from './status-routes.ts';
import { labelsFromObject } from './storage.ts';
import { Tsdb } from './tsdb/index.ts';

interface BackendSpec {
  type?: string;
  url?: string;
  headers?: Record<string, string>;
  tenant?: string;
  remote_write_url?: string;
  forward?: boolean;
}

interface ProbeSample {
  check: string;
  service: string | null;
  type: string;
  labels: Record<string, string>;
  location: string;
  at: number;
  success: 0 | 1;
  durationSeconds: number;
}

/** What other modules may call. */
export interface MetricsApi {
  /** Instant PromQL query at `timeMs` (rules pass their evaluation time), on the configured backend. */
  query(expr: string, timeMs?: number): Promise<QueryResult>;
  queryRange(expr: string, startMs: number, endMs: number, stepMs: number): Promise<QueryResult>;
  /** Which backend answers queries. */
  backend(): 'embedded' | 'prometheus';
  /** Appends samples (Vigil's own series such as probe_success). */
  ingest(series: IngestSeries[]): IngestResult;
  targets(): TargetStatus[];
}

export default defineModule<MetricsApi>({
  name: 'metrics',
  dependsOn: ['checks'],
  async create(ctx) {
    const backend = await ctx.catalog.get('metrics_backend', 'default').catch(() => null);
    const retention = (backend?.spec as { retention?: string } | undefined)?.retention;
    const tsdb = Tsdb.open({
      dir: join(ctx.settings.dataDir, 'tsdb'),
      now: () => ctx.clock.now(),
      retentionMs: retention ? parseDuration(retention) : undefined,
    });
    const svc = new MetricsService(tsdb, ctx.clock);
    const embedded = new EmbeddedBackend(svc);
    const forwarder = new RemoteWriteForwarder(ctx.logger, ctx.metrics);
    svc.sink = forwarder;
    let current: QueryBackend = embedded;
    let remote: { url: string; forwarding: boolean } | null = null;
    const configure = (spec: BackendSpec | undefined) => {
      if (spec?.type === 'prometheus' && spec.url) {
        current = new PrometheusBackend({ url: spec.url, headers: spec.headers, tenant: spec.tenant });
        const target: ForwardTarget | null =
          spec.forward === false
            ? null
            : {
                url: spec.remote_write_url ?? `${spec.url.replace(/\/+$/, '')}/api/v1/write`,
                headers: spec.headers,
                tenant: spec.tenant,
              };
        forwarder.configure(target);
        remote = { url: spec.url, forwarding: target !== null };
      } else {
        current = embedded;
        forwarder.configure(null);
        remote = null;
      }
    };
    configure(backend?.spec as BackendSpec | undefined);
    ctx.timeline.subscribe((e) => {
      if (e.subject.kind !== 'metrics_backend') return;
      configure(
        e.type === 'metrics_backend.deleted'
          ? undefined
          : ((e.data as { spec?: BackendSpec }).spec ?? undefined),
      );
    });
    const scrape = new ScrapeEngine(svc, ctx.catalog, ctx.logger);

    // Vigil's own series: every probe result becomes probe_success / probe_duration_seconds.
    const checks = ctx.modules.find<{ onResult(l: (s: ProbeSample) => void): () => void }>('checks');
    checks?.onResult((s) => {
      const labels = labelsFromObject({
        ...s.labels,
        job: 'vigil-checks',
        check: s.check,
        ...(s.service ? { service: s.service } : {}),
        location: s.location,
        type: s.type,
      });
      const name = (n: string) =>
        [{ name: '__name__', value: n }, ...labels].sort((a, b) => (a.name < b.name ? -1 : 1));
      svc.ingest([
        { labels: name('probe_success'), timestamps: [s.at], values: Float64Array.of(s.success) },
        {
          labels: name('probe_duration_seconds'),
          timestamps: [s.at],
          values: Float64Array.of(s.durationSeconds),
        },
      ]);
    });
    const compact = {
      name: 'metrics-compact',
      intervalMs: 60_000,
      step: async (now: number) => {
        tsdb.compact(now);
        return {};
      },
    };

    const stat = (name: string, help: string, pick: (s: ReturnType<Tsdb['stats']>) => number) =>
      new Gauge({
        name,
        help,
        registers: [ctx.metrics],
        collect() {
          this.set(pick(tsdb.stats()));
        },
      });
    stat('vigil_tsdb_active_series', 'Active series in the embedded TSDB head', (s) => s.activeSeries);
    stat('vigil_tsdb_head_samples', 'Samples in the TSDB head', (s) => s.headSamples);
    stat(
      'vigil_tsdb_bytes_per_series',
      'Approximate head memory per active series',
      (s) => s.approxBytesPerSeries,
    );
    stat(
      'vigil_tsdb_bytes_per_sample_disk',
      'Bytes per sample in persisted blocks',
      (s) => s.bytesPerSampleOnDisk,
    );
    stat('vigil_tsdb_wal_bytes', 'Size of the write-ahead log', (s) => s.walBytes);
    stat('vigil_tsdb_blocks', 'Persisted blocks', (s) => s.blocks);

    return {
      engines: [scrape, compact, forwarder],
      routes: async (app) => {
        await app.register(
          promApiRoutes(
            svc,
            () => current,
            () => ctx.clock.now(),
          ),
        );
        await app.register(ingestRoutes(svc, ctx.clock));
        await app.register(
          statusRoutes({
            tsdb,
            scrape,
            backend: () => ({
              kind: current.kind,
              url: remote?.url ?? null,
              forwarding: remote?.forwarding ?? false,
            }),
          }),
        );
      },
      api: {
        query: (expr, timeMs) => current.query(expr, timeMs ?? ctx.clock.now()),
        queryRange: (expr, s, e, step) => current.queryRange(expr, s, e, step),
        backend: () => current.kind,
        ingest: (series) => svc.ingest(series),
        targets: () => scrape.status(),
      },
      async stop() {
        tsdb.close();
      },
    };
  },
});
