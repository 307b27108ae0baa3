/**
 * Embedded TSDB ingest and query throughput: remote_write-like batches (1000 series × 500
 * samples) into a store holding 100k active series, then rule-style selects.
 * Figures: samples/s, CPU seconds per million samples, select latency percentiles.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Labels, labelsFromObject } from '../src/modules/metrics/storage.ts';
import { Tsdb } from '../src/modules/metrics/tsdb/index.ts';
import type { Report } from './run.ts';

const SERIES = 100_000;
const BATCH_SERIES = 1000;
const BATCH_SAMPLES = 500;
const BATCHES = 6;
const STEP = 5_000; // 500 samples span 41 min: inside the head's 1 h out-of-bounds window
const T0 = 1_700_000_000_000;

function seriesLabels(i: number): Labels {
  return labelsFromObject({
    __name__: `metric_${i % 200}`,
    instance: `host-${Math.floor(i / 200)}:9100`,
    job: `job-${i % 20}`,
    region: `r${i % 4}`,
    team: `t${i % 7}`,
  });
}

export default async function run(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-tsdb-'));
  // The batches backfill the last 42 min, as a remote_write sender catching up would.
  let now = T0 + (BATCH_SAMPLES + 10) * STEP;
  const db = Tsdb.open({ dir, now: () => now, walFsync: 1000 });
  try {
    const labels = Array.from({ length: SERIES }, (_, i) => seriesLabels(i));
    // Prime: every series gets one sample, as after the first scrape round.
    let t0 = performance.now();
    for (let b = 0; b < SERIES; b += 10_000) {
      const a = db.appender();
      for (let i = b; i < b + 10_000; i++) a.append(labels[i], T0, i);
      a.commit();
    }
    report('series_create_per_sec', SERIES / ((performance.now() - t0) / 1000), 'series/s');

    let samples = 0;
    const cpu0 = process.cpuUsage();
    t0 = performance.now();
    for (let b = 0; b < BATCHES; b++) {
      const a = db.appender();
      const first = b * BATCH_SERIES;
      for (let i = first; i < first + BATCH_SERIES; i++) {
        const l = labels[i];
        let v = i;
        for (let k = 1; k <= BATCH_SAMPLES; k++) {
          v += k % 3;
          a.append(l, T0 + k * STEP, v);
        }
      }
      a.commit();
      samples += BATCH_SERIES * BATCH_SAMPLES;
      now += 1000;
    }
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    report('ingest_samples_per_sec', samples / secs, 'samples/s');
    report('ingest_cpu_seconds_per_million', (cpu.user + cpu.system) / 1e6 / (samples / 1e6), 's');

    // Scrape-like: one appender per round, each series appended once, so every append looks
    // its series up by label hash (remote_write batches above mostly hit the per-appender cache).
    const rounds = 5;
    const cpu1 = process.cpuUsage();
    t0 = performance.now();
    for (let r = 1; r <= rounds; r++) {
      const a = db.appender();
      const t = T0 + (BATCH_SAMPLES + r) * STEP;
      for (let i = 0; i < SERIES; i++) a.append(labels[i], t, r);
      a.commit();
    }
    const scrapeSecs = (performance.now() - t0) / 1000;
    const cpuScrape = process.cpuUsage(cpu1);
    report('scrape_samples_per_sec', (rounds * SERIES) / scrapeSecs, 'samples/s');
    report(
      'scrape_cpu_seconds_per_million',
      (cpuScrape.user + cpuScrape.system) / 1e6 / ((rounds * SERIES) / 1e6),
      's',
    );
    const st = db.stats();
    report('head_active_series', st.activeSeries, 'series');
    report('head_chunk_bytes_per_sample', st.headChunkBytes / st.headSamples, 'B');
    report('wal_bytes_per_sample', st.walBytes / st.headSamples, 'B');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  await selectBench(report);
}

function percentiles(runs: number, fn: () => void, warmup = 3): { p50: number; p99: number } {
  for (let i = 0; i < warmup; i++) fn(); // warm up the JIT
  const lat: number[] = [];
  for (let i = 0; i < runs; i++) {
    const q0 = performance.now();
    fn();
    lat.push(performance.now() - q0);
  }
  lat.sort((x, y) => x - y);
  return { p50: lat[Math.floor(runs / 2)], p99: lat[Math.min(runs - 1, Math.ceil(runs * 0.99) - 1)] };
}

/** 10k series × 6 h of 15 s data (two 2 h blocks + head), queried as rules and dashboards do. */
async function selectBench(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-tsdb-'));
  // No WAL here: queries do not touch it, and 170 MB of it would only load the disk.
  const db = Tsdb.open({ dir, now: () => T0 + 6 * 3_600_000, wal: false });
  try {
    const n = 10_000;
    const labels = Array.from({ length: n }, (_, i) => seriesLabels(i));
    const end = T0 + 6 * 3_600_000;
    // Loaded in 30 min windows, each series' window in one go (the remote_write fast path).
    const window = 30 * 60_000;
    for (let w = T0; w < end; w += window) {
      const a = db.appender();
      for (let i = 0; i < n; i++) {
        for (let t = w; t < w + window; t += 15_000) a.append(labels[i], t, (t - T0) / 1000 + i);
      }
      a.commit();
    }
    db.compact(end);
    const st = db.stats();
    report('select_bench_blocks', st.blocks, 'blocks');
    report('block_bytes_per_sample', st.bytesPerSampleOnDisk, 'B');
    const all = [{ type: '=~' as const, name: '__name__', value: 'metric_.*' }];
    const oneJob = [{ type: '=' as const, name: 'job', value: 'job-3' }];
    const last5m = percentiles(30, () => db.select(all, end - 300_000, end));
    report('select_10k_series_5m_p50_ms', last5m.p50, 'ms');
    report('select_10k_series_5m_p99_ms', last5m.p99, 'ms');
    const job1h = percentiles(30, () => db.select(oneJob, end - 3_600_000, end));
    report('select_500_series_1h_p99_ms', job1h.p99, 'ms');
    const full = percentiles(3, () => db.select(all, T0, end), 1);
    report('select_10k_series_6h_p50_ms', full.p50, 'ms');
    report('select_10k_series_6h_p99_ms', full.p99, 'ms');
    report('select_6h_samples_per_sec', (n * 6 * 240) / (full.p50 / 1000), 'samples/s');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
