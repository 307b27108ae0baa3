import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStaleNaN, STALE_NAN } from '../storage.ts';
import { IngestError } from './index.ts';
import { dump, L, m, openTsdb, tempDir, write } from './test-helpers.ts';

const up = L({ __name__: 'up', job: 'a' });

function reason(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof IngestError, `not an IngestError: ${err}`);
    return err.reason;
  }
  return 'accepted';
}

describe('appender ingestion rules', () => {
  it('rejects out-of-order and duplicate samples, ignores exact repeats, counts by reason', () => {
    const db = openTsdb(tempDir());
    write(db, [[up, 1000, 1]]);
    const a = db.appender();
    assert.equal(
      reason(() => a.append(up, 999, 1)),
      'out_of_order',
    );
    assert.equal(
      reason(() => a.append(up, 1000, 2)),
      'duplicate',
    );
    assert.equal(
      reason(() => a.append(up, 1000, 1)),
      'accepted',
    );
    assert.equal(
      reason(() => a.append(up, 2000, 2)),
      'accepted',
    );
    // Within one appender the pending samples count too.
    assert.equal(
      reason(() => a.append(up, 1500, 2)),
      'out_of_order',
    );
    assert.equal(
      reason(() => a.append(up, 2000, 3)),
      'duplicate',
    );
    assert.equal(
      reason(() => a.append(up, 2000, 2)),
      'accepted',
    );
    a.commit();
    assert.deepEqual(dump(db, m('job="a"'))['{__name__=up,job=a}'], [
      [1000, 1],
      [2000, 2],
    ]);
    const st = db.stats();
    assert.equal(st.rejected.out_of_order, 2);
    assert.equal(st.rejected.duplicate, 2);
    assert.equal(st.headSamples, 2);
  });

  it('distinguishes value bits: NaN payloads, -0', () => {
    const db = openTsdb(tempDir());
    write(db, [
      [up, 1, STALE_NAN],
      [up, 2, 0],
    ]);
    const a = db.appender();
    assert.equal(
      reason(() => a.append(up, 1, STALE_NAN)),
      'out_of_order',
    );
    assert.equal(
      reason(() => a.append(up, 2, -0)),
      'duplicate',
    );
    assert.equal(
      reason(() => a.append(up, 2, 0)),
      'accepted',
    );
    a.append(up, 3, STALE_NAN);
    assert.equal(
      reason(() => a.append(up, 3, Number.NaN)),
      'duplicate',
    );
    a.commit();
    const [s] = db.select(m('job="a"'), 0, 10);
    assert.ok(isStaleNaN(s.values[0]));
    assert.ok(isStaleNaN(s.values[2]));
  });

  it('rejects samples older than the head allows (out of bounds)', () => {
    const hour = 3_600_000;
    const db = openTsdb(tempDir(), { blockDurationMs: hour });
    write(db, [[up, 10 * hour, 1]]);
    const other = L({ __name__: 'up', job: 'b' });
    // maxt - range/2 is the oldest acceptable time for any series.
    assert.equal(
      reason(() => write(db, [[other, 10 * hour - hour / 2 - 1, 1]])),
      'out_of_bounds',
    );
    assert.equal(
      reason(() => write(db, [[other, 10 * hour - hour / 2, 1]])),
      'accepted',
    );
    assert.equal(db.stats().rejected.out_of_bounds, 1);
  });

  it('rejects samples too far ahead of the clock', () => {
    let now = 1_000_000;
    const db = openTsdb(tempDir(), { now: () => now, limits: { maxFutureMs: 60_000 } });
    assert.equal(
      reason(() => write(db, [[up, now + 60_001, 1]])),
      'too_far_in_future',
    );
    assert.equal(
      reason(() => write(db, [[up, now + 60_000, 1]])),
      'accepted',
    );
    now += 120_000;
    assert.equal(
      reason(() => write(db, [[up, now + 60_000, 1]])),
      'accepted',
    );
    assert.equal(db.stats().rejected.too_far_in_future, 1);
  });

  it('rejects invalid samples and label sets, and enforces limits', () => {
    const db = openTsdb(tempDir(), {
      limits: { maxSeries: 2, maxLabelNamesPerSeries: 3, maxLabelNameLength: 10, maxLabelValueLength: 5 },
    });
    const a = db.appender();
    assert.equal(
      reason(() => a.append(up, 1.5, 1)),
      'invalid_sample',
    );
    assert.equal(
      reason(() => a.append(up, Number.NaN, 1)),
      'invalid_sample',
    );
    assert.equal(
      reason(() => a.append([], 1, 1)),
      'invalid_labels',
    );
    assert.equal(
      reason(() =>
        a.append(
          [
            { name: 'b', value: '1' },
            { name: 'a', value: '1' },
          ],
          1,
          1,
        ),
      ),
      'invalid_labels',
    );
    assert.equal(
      reason(() => a.append(L({ a: '1', b: '2', c: '3', d: '4' }), 1, 1)),
      'limit_labels',
    );
    assert.equal(
      reason(() => a.append(L({ abcdefghijk: '1' }), 1, 1)),
      'limit_labels',
    );
    assert.equal(
      reason(() => a.append(L({ a: '123456' }), 1, 1)),
      'limit_labels',
    );
    // Empty values are dropped before the label count is checked.
    assert.equal(
      reason(() => a.append(L({ a: '1', b: '2', c: '3', d: '' }), 1, 1)),
      'accepted',
    );
    assert.equal(
      reason(() => a.append(L({ a: '2' }), 1, 1)),
      'accepted',
    );
    assert.equal(
      reason(() => a.append(L({ a: '3' }), 1, 1)),
      'limit_series',
    );
    a.commit();
    const st = db.stats();
    assert.equal(st.activeSeries, 2);
    assert.deepEqual(
      { ...st.rejected },
      {
        out_of_order: 0,
        duplicate: 0,
        out_of_bounds: 0,
        too_far_in_future: 0,
        invalid_sample: 2,
        invalid_labels: 2,
        limit_series: 1,
        limit_labels: 3,
      },
    );
    assert.deepEqual(Object.keys(dump(db, m('a=~".+"'))), ['{a=1,b=2,c=3}', '{a=2}']);
  });

  it('rollback discards samples; a finished appender refuses more', () => {
    const db = openTsdb(tempDir());
    const a = db.appender();
    a.append(up, 1, 1);
    a.rollback();
    assert.deepEqual(db.select(m('job="a"'), 0, 10), []);
    assert.throws(() => a.append(up, 2, 1), /already committed/);
    const b = db.appender();
    b.append(up, 1, 5); // the rolled-back sample left no ordering trace
    b.commit();
    assert.throws(() => b.commit(), /already committed/);
    assert.deepEqual(dump(db, m('job="a"'))['{__name__=up,job=a}'], [[1, 5]]);
  });

  it('two appenders on one series: the later commit drops what became out of order', () => {
    const db = openTsdb(tempDir());
    const a = db.appender();
    const b = db.appender();
    a.append(up, 10, 1);
    b.append(up, 5, 1);
    a.commit();
    b.commit();
    assert.deepEqual(dump(db, m('job="a"'))['{__name__=up,job=a}'], [[10, 1]]);
    assert.equal(db.stats().rejected.out_of_order, 1);
  });

  it('cuts chunks at 120 samples and reports head stats', () => {
    const db = openTsdb(tempDir());
    const samples: [typeof up, number, number][] = [];
    for (let i = 0; i < 250; i++) samples.push([up, i * 15_000, i]);
    write(db, samples);
    const st = db.stats();
    assert.equal(st.headChunks, 3);
    assert.equal(st.headSamples, 250);
    assert.equal(st.headMinTime, 0);
    assert.equal(st.headMaxTime, 249 * 15_000);
    assert.ok(st.headChunkBytes > 0 && st.headChunkBytes < 250 * 4);
    assert.ok(st.approxBytesPerSeries > 0);
    assert.equal(db.select(m('job="a"'), 0, 1e9)[0].timestamps.length, 250);
    assert.equal(db.select(m('job="a"'), 15_000 * 100, 15_000 * 130)[0].timestamps.length, 31);
  });
});
