/**
 * Where PromQL is answered: the embedded engine, or a remote Prometheus-compatible query API
 * (Prometheus, Thanos, Mimir, VictoriaMetrics) when the plan sets `metrics.backend: prometheus`.
 * Rules, flag guards and the explorer go through this port, so they work the same either way.
 */
import { VigilError } from '../../kernel/errors.ts';
import type { MetricsService } from './metrics-service.ts';
import type { QueryResult } from './promql/index.ts';
import { type Labels, labelsFromObject } from './storage.ts';

export interface QueryBackend {
  readonly kind: 'embedded' | 'prometheus';
  query(expr: string, timeMs: number): Promise<QueryResult>;
  queryRange(expr: string, startMs: number, endMs: number, stepMs: number): Promise<QueryResult>;
}

export class EmbeddedBackend implements QueryBackend {
  readonly kind = 'embedded' as const;
  constructor(private svc: MetricsService) {}
  async query(expr: string, timeMs: number) {
    return this.svc.query(expr, timeMs);
  }
  async queryRange(expr: string, startMs: number, endMs: number, stepMs: number) {
    return this.svc.queryRange(expr, startMs, endMs, stepMs);
  }
}

export interface RemoteOptions {
  url: string;
  headers?: Record<string, string>;
  /** Sent as X-Scope-OrgID (Mimir, Cortex, Loki-style multi-tenancy). */
  tenant?: string;
  timeoutMs?: number;
}

const num = (s: string) => (s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s));
const labels = (m: Record<string, string>): Labels => labelsFromObject(m);

/** Delegates to a Prometheus-compatible HTTP API and converts its JSON back to QueryResult. */
export class PrometheusBackend implements QueryBackend {
  readonly kind = 'prometheus' as const;
  constructor(private opts: RemoteOptions) {}

  private async call(path: string, params: Record<string, string>): Promise<QueryResult> {
    const url = `${this.opts.url.replace(/\/+$/, '')}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(this.opts.tenant ? { 'x-scope-orgid': this.opts.tenant } : {}),
          ...this.opts.headers,
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new VigilError(
        503,
        'metrics-backend-unavailable',
        `metrics backend ${this.opts.url} unreachable: ${(err as Error).message}`,
      );
    }
    const body = (await res.json().catch(() => null)) as any;
    if (body?.status !== 'success') {
      const msg = body?.error ?? `HTTP ${res.status}`;
      throw new VigilError(
        res.status >= 500 ? 503 : 400,
        body?.errorType === 'bad_data' ? 'promql-bad-data' : 'metrics-backend-error',
        `metrics backend: ${msg}`,
      );
    }
    const d = body.data;
    const warnings: string[] = body.warnings ?? [];
    switch (d.resultType) {
      case 'scalar':
        return { resultType: 'scalar', result: [d.result[0], num(d.result[1])], warnings, infos: [] };
      case 'string':
        return { resultType: 'string', result: d.result, warnings, infos: [] };
      case 'vector':
        return {
          resultType: 'vector',
          result: d.result.map((s: any) => ({
            metric: labels(s.metric),
            value: [s.value[0], num(s.value[1])],
          })),
          warnings,
          infos: [],
        };
      default:
        return {
          resultType: 'matrix',
          result: d.result.map((s: any) => ({
            metric: labels(s.metric),
            values: s.values.map((p: [number, string]) => [p[0], num(p[1])]),
          })),
          warnings,
          infos: [],
        };
    }
  }

  query(expr: string, timeMs: number) {
    return this.call('/api/v1/query', { query: expr, time: String(timeMs / 1000) });
  }
  queryRange(expr: string, startMs: number, endMs: number, stepMs: number) {
    return this.call('/api/v1/query_range', {
      query: expr,
      start: String(startMs / 1000),
      end: String(endMs / 1000),
      step: String(stepMs / 1000),
    });
  }
}
