/**
 * PromQL query latency over an in-memory store shaped like the metrics issue's target: 10k series
 * with 6 h of 15 s samples (5k request counters, 5k histogram buckets over 50 services). Times the
 * two rule queries as instant queries (p50/p99 over 50 runs) and as 1 h range queries at 60 s step.
 */

import { instantQuery, MemoryQuerier, rangeQuery } from '../src/modules/metrics/promql/index.ts';
import { labelsFromObject } from '../src/modules/metrics/storage.ts';
import type { Report } from './run.ts';

const STEP = 15_000;
const POINTS = (6 * 3600_000) / STEP;
const SERVICES = 50;
const CODES = ['200', '404', '500', '503'];
const COUNTER_INSTANCES = 25;
const HIST_INSTANCES = 10;
const LES = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];

const ERROR_RATIO =
  'sum by (service) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (service) (rate(http_requests_total[5m]))';
const HIST_Q =
  'histogram_quantile(0.95, sum by (le, service) (rate(http_request_duration_seconds_bucket[5m])))';

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function counter(rand: () => number, perStep: number): Float64Array {
  const vs = new Float64Array(POINTS);
  let v = 0;
  for (let i = 0; i < POINTS; i++) {
    v += perStep * (0.5 + rand());
    vs[i] = v;
  }
  return vs;
}

function build(): { q: MemoryQuerier; end: number; series: number } {
  const q = new MemoryQuerier();
  const start = 1_700_000_000_000;
  const ts = new Float64Array(POINTS);
  for (let i = 0; i < POINTS; i++) ts[i] = start + i * STEP;
  const rand = rng(42);
  let series = 0;
  for (let s = 0; s < SERVICES; s++) {
    const service = `svc-${s}`;
    for (let i = 0; i < COUNTER_INSTANCES; i++) {
      for (const code of CODES) {
        const labels = labelsFromObject({
          __name__: 'http_requests_total',
          service,
          instance: `i-${i}`,
          code,
        });
        q.addSeries(labels, ts, counter(rand, code === '200' ? 100 : 2));
        series++;
      }
    }
    for (let i = 0; i < HIST_INSTANCES; i++) {
      // Cumulative buckets: each bucket adds to the previous one's counts.
      let prev: Float64Array | undefined;
      for (const le of LES) {
        const own = counter(rand, 10);
        if (prev) for (let k = 0; k < POINTS; k++) own[k] += prev[k];
        prev = own;
        const labels = labelsFromObject({
          __name__: 'http_request_duration_seconds_bucket',
          service,
          instance: `i-${i}`,
          le,
        });
        q.addSeries(labels, ts, own);
        series++;
      }
    }
  }
  return { q, end: start + (POINTS - 1) * STEP, series };
}

function percentiles(times: number[]): { p50: number; p99: number } {
  const s = [...times].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return { p50: at(0.5), p99: at(0.99) };
}

function time(runs: number, fn: () => void): { p50: number; p99: number } {
  fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return percentiles(times);
}

export default async function run(report: Report): Promise<void> {
  const t0 = performance.now();
  const { q, end, series } = build();
  report('build_series', series, 'series');
  report('build_time', performance.now() - t0, 'ms');

  for (const [name, query] of [
    ['error_ratio', ERROR_RATIO],
    ['histogram_quantile', HIST_Q],
  ] as const) {
    let n = 0;
    const inst = time(50, () => {
      n = (instantQuery(q, query, end).result as unknown[]).length;
    });
    if (n !== SERVICES) throw new Error(`${name}: expected ${SERVICES} series, got ${n}`);
    report(`${name}_p50`, inst.p50, 'ms');
    report(`${name}_p99`, inst.p99, 'ms');
    const range = time(10, () => {
      rangeQuery(q, query, end - 3600_000, end, 60_000);
    });
    report(`${name}_range_1h_p50`, range.p50, 'ms');
    report(`${name}_range_1h_p99`, range.p99, 'ms');
  }
}
