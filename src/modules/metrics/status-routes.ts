/**
 * Status endpoints in Prometheus' shapes: `/api/v1/targets` (scrape targets and their health, as
 * Prometheus' /targets page shows them) and `/api/v1/status/tsdb` (head cardinality), plus the
 * embedded store's own figures (retention, blocks, WAL, bytes per sample and series) under
 * `data.storage`, which Prometheus clients ignore. Both describe Vigil's embedded store and scrape
 * engine, whatever backend answers queries.
 */
import type { FastifyInstance } from 'fastify';
import { formatDuration } from './promql/index.ts';
import type { ScrapeEngine } from './scrape.ts';
import type { Tsdb } from './tsdb/index.ts';

type Query = Record<string, string | string[] | undefined>;
const one = (q: Query, k: string) => {
  const v = q[k];
  return Array.isArray(v) ? v[v.length - 1] : v;
};
const badData = (error: string) => ({ status: 'error', errorType: 'bad_data', error });
/** `15d` rather than Prometheus' `2w1d`: retention is configured in days. */
const days = (ms: number) => (ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : formatDuration(ms));
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export interface StatusDeps {
  tsdb: Tsdb;
  scrape: ScrapeEngine;
  /** Which backend answers queries, and where (shown on the console's status pages). */
  backend(): { kind: 'embedded' | 'prometheus'; url: string | null; forwarding: boolean };
}

export function statusRoutes(deps: StatusDeps) {
  return async (app: FastifyInstance) => {
    const tags = ['prometheus'];

    app.get(
      '/api/v1/targets',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          summary: 'Scrape targets with health, last scrape, duration and last error (Prometheus shape)',
          querystring: {
            type: 'object',
            properties: {
              state: { type: 'string', description: 'active (default), dropped or any' },
              scrapePool: { type: 'string', description: 'only the targets of this job' },
            },
          },
        },
      },
      async (req, reply) => {
        const q = req.query as Query;
        const state = one(q, 'state') ?? 'active';
        if (!['active', 'dropped', 'any', ''].includes(state))
          return reply.code(400).send(badData(`invalid parameter "state": unknown state "${state}"`));
        const pool = one(q, 'scrapePool');
        const active =
          state === 'dropped'
            ? []
            : deps.scrape
                .status()
                .filter((t) => !pool || t.job === pool)
                .sort((a, b) => (a.job === b.job ? (a.target < b.target ? -1 : 1) : a.job < b.job ? -1 : 1))
                .map((t) => ({
                  discoveredLabels: {
                    __address__: t.target,
                    __metrics_path__: new URL(t.scrapeUrl).pathname,
                    __scheme__: new URL(t.scrapeUrl).protocol.replace(':', ''),
                    job: t.job,
                  },
                  labels: t.labels,
                  scrapePool: t.job,
                  scrapeUrl: t.scrapeUrl,
                  globalUrl: t.scrapeUrl,
                  lastError: t.lastError ?? '',
                  lastScrape: iso(t.lastScrapeAt) ?? '0001-01-01T00:00:00Z',
                  lastScrapeDuration: t.lastDurationMs === null ? 0 : t.lastDurationMs / 1000,
                  lastSamplesScraped: t.samplesScraped,
                  health: t.health,
                  scrapeInterval: formatDuration(t.intervalMs),
                  scrapeTimeout: formatDuration(t.timeoutMs),
                }));
        // Vigil has no relabelling, so nothing is ever dropped.
        return { status: 'success', data: { activeTargets: active, droppedTargets: [] } };
      },
    );

    app.get(
      '/api/v1/status/tsdb',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          summary: 'Head cardinality (Prometheus shape) and the embedded store figures',
          querystring: {
            type: 'object',
            properties: {
              limit: { type: 'string', description: 'entries per top list (1–10000, default 10)' },
            },
          },
        },
      },
      async (req, reply) => {
        const raw = one(req.query as Query, 'limit');
        const limit = raw === undefined || raw === '' ? 10 : Number(raw);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
          return reply
            .code(400)
            .send(badData(`invalid parameter "limit": must be an integer between 1 and 10000, got "${raw}"`));
        const s = deps.tsdb.stats();
        const c = deps.tsdb.headCardinality(limit);
        const blocks = deps.tsdb.blockMetas();
        return {
          status: 'success',
          data: {
            headStats: {
              numSeries: s.activeSeries,
              numLabelPairs: c.numLabelPairs,
              chunkCount: s.headChunks,
              minTime: s.headMinTime ?? 0,
              maxTime: s.headMaxTime ?? 0,
            },
            seriesCountByMetricName: c.seriesCountByMetricName,
            labelValueCountByLabelName: c.labelValueCountByLabelName,
            memoryInBytesByLabelName: c.memoryInBytesByLabelName,
            seriesCountByLabelValuePair: c.seriesCountByLabelValuePair,
            storage: {
              backend: deps.backend(),
              retention: days(deps.tsdb.retentionMs),
              headSamples: s.headSamples,
              headChunkBytes: s.headChunkBytes,
              bytesPerSeriesInMemory: s.approxBytesPerSeries,
              blocks: s.blocks,
              blockBytes: s.blockBytes,
              blockSamples: s.blockSamples,
              bytesPerSampleOnDisk: s.bytesPerSampleOnDisk,
              oldestBlockTime: blocks.length ? Math.min(...blocks.map((b) => b.minTime)) : null,
              walBytes: s.walBytes,
              walSegments: s.walSegments,
              walCorruptions: s.walCorruptions,
              rejectedSamples: s.rejected,
            },
          },
        };
      },
    );
  };
}
