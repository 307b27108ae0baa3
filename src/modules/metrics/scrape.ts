/**
 * The scrape engine: pulls each target of each scrape job at its interval (start times spread by
 * a stable hash), parses the exposition, and appends samples with Prometheus' target labels and
 * synthetic series (`up`, `scrape_duration_seconds`, `scrape_samples_scraped`). Series that
 * vanish from a target — or all of a target's series when it goes down — get staleness markers.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Engine, StepResult } from '../../engines/runner.ts';
import { parseDuration } from '../../kernel/clock.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import { parseExposition } from './exposition.ts';
import { describe, type IngestSeries, type MetricsService } from './metrics-service.ts';
import { type Label, labelsFromObject, STALE_NAN } from './storage.ts';

interface ScrapeJobSpec {
  targets: string[];
  interval?: string;
  timeout?: string;
  metrics_path?: string;
  scheme?: 'http' | 'https';
  labels?: Record<string, string>;
  honor_labels?: boolean;
  sample_limit?: number;
}

interface TargetState {
  job: string;
  target: string;
  spec: ScrapeJobSpec;
  intervalMs: number;
  nextAt: number;
  lastSeries: Map<string, Label[]>;
  lastError: string | null;
  lastScrapeAt: number | null;
  lastDurationMs: number | null;
  lastSamples: number;
  health: 'unknown' | 'up' | 'down';
}

export interface TargetStatus {
  job: string;
  target: string;
  /** The URL scraped. */
  scrapeUrl: string;
  /** Labels every series of the target gets (the job's labels, job, instance). */
  labels: Record<string, string>;
  health: TargetState['health'];
  lastError: string | null;
  lastScrapeAt: number | null;
  /** How long the last scrape took (fetch + parse + append), ms. */
  lastDurationMs: number | null;
  /** Samples in the last successful scrape. */
  samplesScraped: number;
  intervalMs: number;
  timeoutMs: number;
}

const scrapeUrl = (t: { target: string; spec: ScrapeJobSpec }) =>
  `${t.spec.scheme ?? 'http'}://${t.target}${t.spec.metrics_path ?? '/metrics'}`;
const targetLabels = (t: { job: string; target: string; spec: ScrapeJobSpec }): Record<string, string> => ({
  ...(t.spec.labels ?? {}),
  job: t.job,
  instance: t.target,
});
const timeoutOf = (t: { spec: ScrapeJobSpec; intervalMs: number }) =>
  Math.min(parseDuration(t.spec.timeout ?? '10s'), t.intervalMs);

/** Fetches a URL's exposition text; injected so tests and benches can replace the network. */
export type Fetcher = (url: string, timeoutMs: number) => Promise<{ text: string; contentType: string }>;

export const httpFetcher: Fetcher = async (url, timeoutMs) => {
  const res = await fetch(url, {
    signal: AbortSignal.timeout(timeoutMs),
    headers: {
      accept: 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1',
    },
  });
  if (!res.ok) throw new Error(`server returned HTTP status ${res.status} ${res.statusText}`);
  return { text: await res.text(), contentType: res.headers.get('content-type') ?? '' };
};

/** A readable reason: fetch's "fetch failed" hides the cause (connection refused, DNS …). */
function scrapeError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `scrape timed out after ${timeoutMs} ms`;
  if (e.message === 'fetch failed' && e.cause) return `fetch failed: ${e.cause.message ?? e.cause.code}`;
  return e.message;
}

function offsetFor(key: string, intervalMs: number): number {
  const h = createHash('sha1').update(key).digest().readUInt32BE(0);
  return h % intervalMs;
}

export class ScrapeEngine implements Engine {
  readonly name = 'metrics-scrape';
  readonly intervalMs = 1000;
  private targets = new Map<string, TargetState>();
  private configVersion = '';

  constructor(
    private svc: MetricsService,
    private catalog: CatalogService,
    private logger: Logger,
    private fetcher: Fetcher = httpFetcher,
  ) {}

  status(): TargetStatus[] {
    return [...this.targets.values()].map((t) => ({
      job: t.job,
      target: t.target,
      scrapeUrl: scrapeUrl(t),
      labels: targetLabels(t),
      health: t.health,
      lastError: t.lastError,
      lastScrapeAt: t.lastScrapeAt,
      lastDurationMs: t.lastDurationMs,
      samplesScraped: t.lastSamples,
      intervalMs: t.intervalMs,
      timeoutMs: timeoutOf(t),
    }));
  }

  /** Reloads scrape jobs from the catalog (cheap when nothing changed). */
  private async sync(now: number): Promise<void> {
    const jobs = (await this.catalog.list('scrape_job', { limit: 500 })).items;
    const version = jobs.map((j) => `${j.key}@${j.version}`).join(',');
    if (version === this.configVersion) return;
    this.configVersion = version;
    const wanted = new Set<string>();
    for (const j of jobs) {
      const spec = j.spec as unknown as ScrapeJobSpec;
      const intervalMs = parseDuration(spec.interval ?? '15s');
      for (const target of spec.targets) {
        const key = `${j.key}/${target}`;
        wanted.add(key);
        const prev = this.targets.get(key);
        this.targets.set(key, {
          job: j.key,
          target,
          spec,
          intervalMs,
          nextAt: prev?.nextAt ?? now - (now % intervalMs) + offsetFor(key, intervalMs),
          lastSeries: prev?.lastSeries ?? new Map(),
          lastError: prev?.lastError ?? null,
          lastScrapeAt: prev?.lastScrapeAt ?? null,
          lastDurationMs: prev?.lastDurationMs ?? null,
          lastSamples: prev?.lastSamples ?? 0,
          health: prev?.health ?? 'unknown',
        });
      }
    }
    for (const [key, t] of this.targets) {
      if (!wanted.has(key)) {
        this.markStale(t, now);
        this.targets.delete(key);
      }
    }
  }

  async step(now: number): Promise<StepResult> {
    await this.sync(now);
    const due = [...this.targets.values()].filter((t) => t.nextAt <= now);
    await Promise.all(due.map((t) => this.scrape(t, now)));
    let next = Number.POSITIVE_INFINITY;
    for (const t of this.targets.values()) next = Math.min(next, t.nextAt);
    return { nextDueAt: Number.isFinite(next) ? next : null };
  }

  private async scrape(t: TargetState, now: number): Promise<void> {
    while (t.nextAt <= now) t.nextAt += t.intervalMs; // a late scrape is not repeated
    const timeoutMs = timeoutOf(t);
    const url = scrapeUrl(t);
    const target = targetLabels(t);
    const t0 = performance.now();
    const series: IngestSeries[] = [];
    const current = new Map<string, Label[]>();
    let up = 1;
    let scraped = 0;
    try {
      const { text, contentType } = await this.fetcher(url, timeoutMs);
      const parsed = parseExposition(text, { openMetrics: contentType.includes('openmetrics') });
      if (t.spec.sample_limit && parsed.samples.length > t.spec.sample_limit) {
        throw new Error(`sample limit exceeded (${parsed.samples.length} > ${t.spec.sample_limit})`);
      }
      this.svc.noteMetadata(parsed.metadata, `scrape:${t.job}`);
      for (const s of parsed.samples) {
        const obj: Record<string, string> = {};
        for (const l of s.labels) obj[l.name] = l.value;
        for (const [k, v] of Object.entries(target)) {
          if (k in obj && !t.spec.honor_labels) {
            if (obj[k] !== '') obj[`exported_${k}`] = obj[k];
            obj[k] = v;
          } else if (!(k in obj)) obj[k] = v;
        }
        const labels = labelsFromObject(obj);
        current.set(describe(labels), labels);
        series.push({ labels, timestamps: [s.timestampMs ?? now], values: [s.value] });
      }
      scraped = parsed.samples.length;
      t.lastError = null;
      t.health = 'up';
    } catch (err) {
      up = 0;
      t.lastError = scrapeError(err, timeoutMs);
      t.health = 'down';
      series.length = 0;
      current.clear();
    }
    for (const [k, l] of t.lastSeries) {
      if (!current.has(k)) series.push({ labels: l, timestamps: [now], values: Float64Array.of(STALE_NAN) });
    }
    t.lastSeries = current;
    t.lastScrapeAt = now;
    t.lastSamples = scraped;
    const duration = (performance.now() - t0) / 1000;
    t.lastDurationMs = duration * 1000;
    const synth = (name: string, v: number) => ({
      labels: labelsFromObject({ ...target, __name__: name }),
      timestamps: [now],
      values: [v],
    });
    series.push(
      synth('up', up),
      synth('scrape_duration_seconds', duration),
      synth('scrape_samples_scraped', scraped),
    );
    const r = this.svc.ingest(series);
    if (Object.keys(r.rejected).length) {
      this.logger.warn(
        { job: t.job, target: t.target, rejected: r.rejected, example: r.examples[0] },
        'scrape samples rejected',
      );
    }
  }

  private markStale(t: TargetState, now: number): void {
    const series = [...t.lastSeries.values()].map((labels) => ({
      labels,
      timestamps: [now],
      values: Float64Array.of(STALE_NAN),
    }));
    if (series.length) this.svc.ingest(series);
  }
}
