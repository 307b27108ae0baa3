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
import { ingestRoutes } from './ingest-routes.ts';
import { type IngestResult, type IngestSeries, MetricsService } from './metrics-service.ts';
import { promApiRoutes } from './prom-api.ts';
import type { QueryResult } from './promql/index.ts';
import { ScrapeEngine, type TargetStatus } from './scrape.ts';
import { Tsdb } from './tsdb/index.ts';

/** What other modules may call. */
export interface MetricsApi {
  /** Instant PromQL query at `timeMs` (rules pass their evaluation time). */
  query(expr: string, timeMs?: number): QueryResult;
  queryRange(expr: string, startMs: number, endMs: number, stepMs: number): QueryResult;
  /** Appends samples (Vigil's own series such as probe_success). */
  ingest(series: IngestSeries[]): IngestResult;
  targets(): TargetStatus[];
}

export default defineModule<MetricsApi>({
  name: 'metrics',
  async create(ctx) {
    const backend = await ctx.catalog.get('metrics_backend', 'default').catch(() => null);
    const retention = (backend?.spec as { retention?: string } | undefined)?.retention;
    const tsdb = Tsdb.open({
      dir: join(ctx.settings.dataDir, 'tsdb'),
      now: () => ctx.clock.now(),
      retentionMs: retention ? parseDuration(retention) : undefined,
    });
    const svc = new MetricsService(tsdb, ctx.clock);
    const scrape = new ScrapeEngine(svc, ctx.catalog, ctx.logger);
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
      engines: [scrape, compact],
      routes: async (app) => {
        await app.register(promApiRoutes(svc, () => ctx.clock.now()));
        await app.register(ingestRoutes(svc, ctx.clock));
        app.get(
          '/api/v1/targets',
          { config: { policy: 'viewer' }, schema: { tags: ['prometheus'] } },
          async () => ({
            status: 'success',
            data: {
              activeTargets: scrape.status().map((t) => ({
                labels: { job: t.job, instance: t.target },
                scrapePool: t.job,
                scrapeUrl: t.target,
                health: t.health,
                lastError: t.lastError ?? '',
                lastScrape: t.lastScrapeAt === null ? null : new Date(t.lastScrapeAt).toISOString(),
              })),
              droppedTargets: [],
            },
          }),
        );
      },
      api: {
        query: (expr, timeMs) => svc.query(expr, timeMs),
        queryRange: (expr, s, e, step) => svc.queryRange(expr, s, e, step),
        ingest: (series) => svc.ingest(series),
        targets: () => scrape.status(),
      },
      async stop() {
        tsdb.close();
      },
    };
  },
});
