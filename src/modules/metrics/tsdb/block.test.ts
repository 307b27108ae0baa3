import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isStaleNaN, STALE_NAN } from '../storage.ts';
import { BlockReader, BlockWriter } from './block.ts';
import { XorEncoder } from './chunk.ts';
import { dump, L, m, openTsdb, tempDir, write } from './test-helpers.ts';

const H = 3_600_000;
const STEP = 60_000;
const cpu = (i: number) => L({ __name__: 'cpu', host: `h${i}` });

/** Writes one sample per minute for hosts 0..n-1 over [from, to), one commit per 10 minutes. */
function fill(db: ReturnType<typeof openTsdb>, from: number, to: number, hosts = 3): void {
  for (let t0 = from; t0 < to; t0 += 10 * STEP) {
    const a = db.appender();
    for (let t = t0; t < Math.min(to, t0 + 10 * STEP); t += STEP) {
      for (let i = 0; i < hosts; i++) a.append(cpu(i), t, t / STEP + i);
    }
    a.commit();
  }
}

function files(dir: string): string[] {
  return readdirSync(join(dir, 'blocks')).sort();
}

describe('block files', () => {
  it('round-trip series, chunks and postings', () => {
    const dir = tempDir();
    const w = new BlockWriter(join(dir, 'b.blk'));
    const enc = (pairs: [number, number][]) => {
      const e = new XorEncoder();
      for (const [t, v] of pairs) e.append(t, v);
      return { bytes: e.finish(), mint: pairs[0][0], maxt: pairs[pairs.length - 1][0] };
    };
    // STALE_NAN is appended directly: a JS array of numbers may canonicalize NaN payloads.
    const stale = new XorEncoder();
    stale.append(1, 1);
    stale.append(2, STALE_NAN);
    w.add(L({ a: '1', b: 'x' }), [{ bytes: stale.finish(), mint: 1, maxt: 2 }, enc([[5, 5]])]);
    w.add(L({ a: '2' }), [enc([[3, 3]])]);
    w.add(L({ a: '3' }), []); // no chunks: skipped
    const r = w.finish(0, 10);
    assert.equal(r.meta.numSeries, 2);
    assert.equal(r.meta.numSamples, 4);
    assert.equal(r.meta.minTime, 1);
    assert.equal(r.meta.maxTime, 5);
    r.close();
    const b = BlockReader.open(join(dir, 'b.blk'));
    assert.deepEqual(Array.from(b.postings('a', '2')), [1]);
    assert.deepEqual([...b.labelValues('a')].sort(), ['1', '2']);
    assert.deepEqual(b.labelsById(0), L({ a: '1', b: 'x' }));
    const s = b.samplesById(0, 2, 5);
    assert.deepEqual(Array.from(s.ts), [2, 5]);
    assert.ok(isStaleNaN(s.vs[0]));
    assert.equal(b.chunksById(0, 3, 4).length, 0);
    b.close();
  });
});

describe('head compaction into blocks', () => {
  it('cuts blocks once the head spans 1.5 block durations and queries across head and blocks', () => {
    const dir = tempDir();
    const db = openTsdb(dir, { blockDurationMs: H, maxBlockDurationMs: H });
    fill(db, 0, 1.4 * H);
    db.compact(0);
    assert.equal(db.stats().blocks, 0, 'not yet 1.5 ranges');
    fill(db, 1.4 * H, 2.6 * H);
    db.compact(0);
    assert.deepEqual(
      db.blockMetas().map((b) => [b.mint, b.maxt]),
      [
        [0, H],
        [H, 2 * H],
      ],
    );
    const st = db.stats();
    assert.equal(st.blockSamples, 120 * 3);
    assert.equal(st.headSamples, 36 * 3);
    assert.ok(st.bytesPerSampleOnDisk > 0 && st.bytesPerSampleOnDisk < 8, `${st.bytesPerSampleOnDisk}`);
    assert.equal(st.headMinTime, 2 * H);
    // A sample older than the newest block is out of bounds now.
    assert.throws(() => write(db, [[cpu(0), 2 * H - STEP, 1]]), /out of bounds/);
    const got = dump(db, m('host="h1"'));
    const pts = got['{__name__=cpu,host=h1}'];
    assert.equal(pts.length, 156);
    assert.deepEqual(pts[59], [59 * STEP, 60]);
    assert.deepEqual(pts[60], [60 * STEP, 61]);
    assert.deepEqual(pts[120], [120 * STEP, 121]);
    // A range entirely inside the block, and one straddling block and head.
    assert.equal(db.select(m('host="h1"'), 10 * STEP, 20 * STEP)[0].timestamps.length, 11);
    assert.equal(db.select(m('host="h1"'), 50 * STEP, 70 * STEP)[0].timestamps.length, 21);
    assert.equal(db.select(m('host="h1"'), 110 * STEP, 130 * STEP)[0].timestamps.length, 21);
    assert.deepEqual(db.labelValues('host', [], 0, 10 * STEP), ['h0', 'h1', 'h2']);
    db.close();

    const re = openTsdb(dir, { blockDurationMs: H, maxBlockDurationMs: H });
    assert.deepEqual(dump(re, m('host="h1"')), got);
    assert.throws(() => write(re, [[cpu(0), 2 * H - STEP, 1]]), /out of bounds/);
    re.close();
  });

  it('drops series that only lived in cut data from the head, keeping them queryable in blocks', () => {
    const dir = tempDir();
    const db = openTsdb(dir, { blockDurationMs: H, maxBlockDurationMs: H });
    const gone = L({ __name__: 'gone' });
    write(db, [[gone, 0, 1]]);
    fill(db, 0, 2 * H, 1);
    db.compact(0);
    assert.equal(db.stats().activeSeries, 1);
    assert.deepEqual(Object.keys(dump(db, m('__name__="gone"'))), ['{__name__=gone}']);
    assert.deepEqual(db.labelValues('__name__', [], 0, 2 * H), ['cpu', 'gone']);
    // A recreated series gets a fresh head entry and merges with its block data in queries.
    write(db, [[gone, 1.9 * H, 2]]);
    assert.deepEqual(dump(db, m('__name__="gone"'))['{__name__=gone}'], [
      [0, 1],
      [1.9 * H, 2],
    ]);
    db.close();
  });

  it('truncates the WAL to a checkpoint after a cut and still restores the head', () => {
    const dir = tempDir();
    const opts = { blockDurationMs: H, maxBlockDurationMs: H, walSegmentBytes: 4096 };
    const db = openTsdb(dir, opts);
    fill(db, 0, 3 * H);
    const before = db.stats().walBytes;
    const segsBefore = readdirSync(join(dir, 'wal')).filter((f) => /^\d{8}$/.test(f));
    db.compact(0);
    const walFiles = readdirSync(join(dir, 'wal'));
    assert.ok(
      walFiles.some((f) => f.startsWith('checkpoint.')),
      walFiles.join(),
    );
    assert.ok(!walFiles.includes(segsBefore[0]), 'oldest segment removed');
    assert.ok(db.stats().walBytes < before);
    const want = dump(db, m('host=~"h.*"'));
    const head = db.stats().headSamples;
    db.close();
    const re = openTsdb(dir, opts);
    assert.equal(re.stats().headSamples, head);
    assert.equal(re.stats().activeSeries, 3);
    assert.deepEqual(dump(re, m('host=~"h.*"')), want);
    fill(re, 3 * H, 3.1 * H);
    re.close();
  });

  it('deletes whole blocks past retention', () => {
    const dir = tempDir();
    const db = openTsdb(dir, { blockDurationMs: H, maxBlockDurationMs: H, retentionMs: 2 * H });
    fill(db, 0, 4.6 * H, 1);
    db.compact(4.6 * H);
    // Blocks [0,1h) .. [3h,4h) were cut; with now=4.6h and 2h retention, those ending ≤ 2.6h go.
    assert.deepEqual(
      db.blockMetas().map((b) => b.mint / H),
      [2, 3],
    );
    assert.deepEqual(files(dir), ['b-7200000-10800000.blk', 'b-10800000-14400000.blk'].sort());
    assert.equal(db.select(m('host="h0"'), 0, 4.6 * H)[0].timestamps[0], 2 * H);
    db.close();
  });

  it('merges adjacent small blocks once their window is complete', () => {
    const dir = tempDir();
    const db = openTsdb(dir, { blockDurationMs: H, maxBlockDurationMs: 12 * H });
    fill(db, 0, 2.5 * H);
    db.compact(0);
    assert.deepEqual(
      db.blockMetas().map((b) => [b.mint / H, b.maxt / H]),
      [[0, 1]],
    );
    const want = dump(db, m('host="h2"'));
    fill(db, 2.5 * H, 4.6 * H);
    db.compact(0);
    // [0,1) [1,2) [2,3) merge into [0,3) once a block past 3h exists; [3,4) stays alone.
    assert.deepEqual(
      db.blockMetas().map((b) => [b.mint / H, b.maxt / H]),
      [
        [0, 3],
        [3, 4],
      ],
    );
    assert.deepEqual(files(dir), ['b-0-10800000.blk', 'b-10800000-14400000.blk']);
    const merged = dump(db, m('host="h2"'), 0, 2.5 * H - 1);
    assert.deepEqual(merged, want);
    assert.equal(db.select(m('host="h2"'), 0, 4.6 * H)[0].timestamps.length, 4.6 * 60);
    db.close();
    const re = openTsdb(dir, { blockDurationMs: H, maxBlockDurationMs: 12 * H });
    assert.equal(re.select(m('host="h2"'), 0, 4.6 * H)[0].timestamps.length, 4.6 * 60);
    re.close();
  });
});
