import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { isStaleNaN, STALE_NAN } from '../storage.ts';
import { dump, L, m, openTsdb, tempDir, write } from './test-helpers.ts';
import { encodeSamples, readRecords, Wal, type WalSeries } from './wal.ts';

const a1 = L({ __name__: 'x', k: '1' });
const a2 = L({ __name__: 'x', k: '2' });

function segments(dir: string): string[] {
  return readdirSync(join(dir, 'wal'))
    .filter((f) => /^\d{8}$/.test(f))
    .sort();
}

describe('write-ahead log', () => {
  it('round-trips sample records: ids, time deltas and value bits (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 0xffffffff }),
            fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
            fc.integer({ min: 0, max: 0xffffffff }),
            fc.integer({ min: 0, max: 0xffffffff }),
          ),
          { minLength: 1, maxLength: 300 },
        ),
        fc.integer({ min: -(2 ** 45), max: 2 ** 45 }),
        (rows, baseT) => {
          const refs = rows.map((r) => r[0]);
          const ts = new Float64Array(rows.map((r) => baseT + r[1]));
          const vs = new Float64Array(rows.length);
          const vu = new Uint32Array(vs.buffer);
          rows.forEach((r, i) => {
            vu[2 * i] = r[2];
            vu[2 * i + 1] = r[3];
          });
          const rec = encodeSamples(refs, ts, vs, 0, rows.length, baseT);
          let seen = 0;
          const end = readRecords(rec, {
            series: (_e: WalSeries[]) => assert.fail('no series expected'),
            samples: (ids, b, d, v) => {
              seen++;
              assert.deepEqual(Array.from(ids), refs);
              assert.deepEqual(
                Array.from(d, (x) => b + x),
                Array.from(ts),
              );
              const got = new Uint32Array(new Float64Array(v).buffer);
              assert.deepEqual(Array.from(got), Array.from(vu));
            },
          });
          assert.equal(end, rec.length);
          assert.equal(seen, 1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('cuts the log back to a mark after a failed commit, across a segment roll', () => {
    const dir = tempDir();
    const noop = { series: () => {}, samples: () => {} };
    const wal = new Wal(dir, 'never', 300, () => 0);
    wal.replay(noop);
    const one = (t: number) => wal.logSamples([1], new Float64Array([t]), new Float64Array([t]), 1);
    wal.logSeries([{ id: 1, labels: ['a', 'b'] }]);
    one(1);
    const mark = wal.mark();
    for (let t = 2; t < 40; t++) one(t); // rolls over to new segments
    assert.ok(readdirSync(dir).length > 1);
    wal.rollbackTo(mark);
    one(100);
    wal.close();
    const seen: number[] = [];
    const again = new Wal(dir, 'never', 300, () => 0);
    again.replay({ series: () => {}, samples: (_r, b, d) => seen.push(...Array.from(d, (x) => b + x)) });
    again.close();
    assert.deepEqual(seen, [1, 100]);
    assert.equal(again.corruptions, 0);
  });

  it('splits a commit whose timestamps span more than 2^31 ms', () => {
    const dir = tempDir();
    const db = openTsdb(dir);
    write(db, [
      [a1, 0, 1],
      [a2, 3e9, 2],
    ]);
    db.close();
    const again = openTsdb(dir);
    assert.deepEqual(dump(again, m('__name__="x"')), {
      '{__name__=x,k=1}': [[0, 1]],
      '{__name__=x,k=2}': [[3e9, 2]],
    });
    again.close();
  });

  it('replays committed samples of an instance abandoned without close', () => {
    const dir = tempDir();
    const db = openTsdb(dir);
    write(db, [
      [a1, 1, 1],
      [a2, 1, STALE_NAN],
    ]);
    write(db, [[a1, 2, -0]]);
    const rolled = db.appender();
    rolled.append(a1, 3, 3);
    rolled.rollback();
    // No close(): a second instance reads the same files.
    const again = openTsdb(dir);
    const got = dump(again, m('__name__="x"'));
    assert.deepEqual(Object.keys(got), ['{__name__=x,k=1}', '{__name__=x,k=2}']);
    assert.deepEqual(
      got['{__name__=x,k=1}'].map(([t]) => t),
      [1, 2],
    );
    const [s1, s2] = again.select(m('__name__="x"'), 0, 10);
    assert.ok(Object.is(s1.values[1], -0));
    assert.ok(isStaleNaN(s2.values[0]));
    // Ordering state is restored too.
    assert.throws(() => write(again, [[a1, 1, 9]]), /out of order/);
    again.close();
  });

  it('drops a torn last record and keeps appending after it', () => {
    const dir = tempDir();
    const db = openTsdb(dir);
    write(db, [[a1, 1, 1]]);
    write(db, [[a1, 2, 2]]);
    db.close();
    const seg = join(dir, 'wal', segments(dir).at(-1)!);
    truncateSync(seg, statSync(seg).size - 5);
    const db2 = openTsdb(dir);
    assert.deepEqual(dump(db2, m('k="1"'))['{__name__=x,k=1}'], [[1, 1]]);
    assert.equal(db2.stats().walCorruptions, 1);
    write(db2, [[a1, 3, 3]]);
    db2.close();
    const db3 = openTsdb(dir);
    assert.deepEqual(dump(db3, m('k="1"'))['{__name__=x,k=1}'], [
      [1, 1],
      [3, 3],
    ]);
    assert.equal(db3.stats().walCorruptions, 0);
    db3.close();
  });

  it('stops at a record whose checksum fails', () => {
    const dir = tempDir();
    const db = openTsdb(dir);
    write(db, [[a1, 1, 1]]);
    write(db, [[a1, 2, 2]]);
    db.close();
    const seg = join(dir, 'wal', segments(dir).at(-1)!);
    const buf = readFileSync(seg);
    let last = 0;
    for (let off = 0; off < buf.length; off += 16 + ((buf.readUInt32LE(off + 4) + 7) & ~7)) last = off;
    buf[last + 16] ^= 0xff; // the first payload byte of the last record
    writeFileSync(seg, buf);
    const db2 = openTsdb(dir);
    assert.deepEqual(dump(db2, m('k="1"'))['{__name__=x,k=1}'], [[1, 1]]);
    db2.close();
  });

  it('rolls over to new segments at the size cap and replays them all', () => {
    const dir = tempDir();
    const db = openTsdb(dir, { walSegmentBytes: 256 });
    for (let t = 0; t < 50; t++) write(db, [[t % 2 ? a1 : a2, t, t]]);
    assert.ok(segments(dir).length > 3);
    assert.ok(db.stats().walSegments > 3);
    db.close();
    const db2 = openTsdb(dir, { walSegmentBytes: 256 });
    const got = dump(db2, m('__name__="x"'));
    assert.equal(got['{__name__=x,k=1}'].length + got['{__name__=x,k=2}'].length, 50);
    db2.close();
  });

  it('survives kill -9 of the writing process (and takes over its stale lock)', async () => {
    const dir = tempDir();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('./testdata/kill-child.ts', import.meta.url)),
        dir,
        '20',
        '50',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('committed')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${err}`)));
    });
    const exited = new Promise((r) => child.once('exit', (_code, signal) => r(signal)));
    try {
      // The live child holds the directory lock.
      assert.throws(() => openTsdb(dir), /in use by process/);
    } finally {
      child.kill('SIGKILL');
    }
    assert.equal(await exited, 'SIGKILL');
    const db = openTsdb(dir);
    const series = db.select(m('__name__="kill_test"'), 0, 1e9);
    assert.equal(series.length, 10);
    for (const s of series) {
      assert.equal(s.timestamps.length, 1000);
      assert.equal(s.timestamps[999], 999_000);
      assert.equal(s.values[999], 999);
    }
    db.close();
  });
});
