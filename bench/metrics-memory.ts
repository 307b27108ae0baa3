/**
 * Embedded TSDB memory per active series: 100k series (5 labels each), measured after 120 and
 * 360 samples per series (30 min and 1.5 h of 15 s data, a fresh and a fuller head).
 * Figures: bytes_per_series (RSS growth / series) and heap_bytes_per_series (JS heap + array
 * buffers), next to the store's own estimate (stats().approxBytesPerSeries).
 * The measurement runs in a child process so that RSS is not skewed by other benchmarks.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Labels, labelsFromObject } from '../src/modules/metrics/storage.ts';
import { Tsdb } from '../src/modules/metrics/tsdb/index.ts';
import type { Report } from './run.ts';

const SERIES = 100_000;
const T0 = 1_700_000_000_000;
const STEP = 15_000;
const CHILD_ENV = 'VIGIL_TSDB_MEMORY_CHILD';

function usage(): { rss: number; heap: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.arrayBuffers };
}

/** The measurement itself (in the child); reports through `report`. */
function measure(report: Report): void {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-tsdb-'));
  // Labels are built per batch (as a decoder would) and dropped, so they are not counted.
  const labelsOf = (i: number): Labels =>
    labelsFromObject({
      __name__: `metric_${i % 200}`,
      instance: `host-${Math.floor(i / 200)}:9100`,
      job: `job-${i % 20}`,
      region: `r${i % 4}`,
      team: `t${i % 7}`,
    });
  const before = usage();
  // No WAL: it does not change memory, and 36M samples of WAL would only load the disk.
  const db = Tsdb.open({ dir, now: () => T0 + 360 * STEP, wal: false });
  try {
    let written = 0;
    const fill = (upto: number) => {
      for (let b = 0; b < SERIES; b += 1000) {
        const a = db.appender();
        for (let i = b; i < b + 1000; i++) {
          const l = labelsOf(i);
          for (let k = written; k < upto; k++) a.append(l, T0 + k * STEP, (i + k) % 1000);
        }
        a.commit();
      }
      written = upto;
    };
    for (const samples of [120, 360]) {
      fill(samples);
      const now = usage();
      const st = db.stats();
      report(`bytes_per_series_${samples}_samples`, (now.rss - before.rss) / SERIES, 'B');
      report(`heap_bytes_per_series_${samples}_samples`, (now.heap - before.heap) / SERIES, 'B');
      report(`estimated_bytes_per_series_${samples}_samples`, st.approxBytesPerSeries, 'B');
      report(`chunk_bytes_per_sample_${samples}_samples`, st.headChunkBytes / st.headSamples, 'B');
    }
    const now = usage();
    report('bytes_per_series', (now.rss - before.rss) / SERIES, 'B');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function run(report: Report): Promise<void> {
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', fileURLToPath(import.meta.url)],
    { env: { ...process.env, [CHILD_ENV]: '1' }, encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (res.status !== 0) throw new Error(`memory bench child failed: ${res.stderr}`);
  for (const line of res.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const { metric, value, unit } = JSON.parse(line) as { metric: string; value: number; unit: string };
    report(metric, value, unit);
  }
}

if (process.env[CHILD_ENV] === '1') {
  measure((metric, value, unit) => process.stdout.write(`${JSON.stringify({ metric, value, unit })}\n`));
}
