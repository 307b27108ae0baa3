import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Labels } from '../storage.ts';
import { Head, hashLabels } from './head.ts';
import { DEFAULT_LIMITS } from './labels.ts';
import { dump, L, m, openTsdb, tempDir, write } from './test-helpers.ts';

const H = 3_600_000;

/** Two different label sets with the same 32-bit hash (birthday search). */
function collidingPair(): [Labels, Labels] {
  const seen = new Map<number, number>();
  for (let i = 0; ; i++) {
    const h = hashLabels(L({ i: String(i) }));
    const j = seen.get(h);
    if (j !== undefined) return [L({ i: String(j) }), L({ i: String(i) })];
    seen.set(h, i);
  }
}

describe('head internals', () => {
  it('keeps series with colliding hashes apart, also across removal', () => {
    const [a, b] = collidingPair();
    assert.equal(hashLabels(a), hashLabels(b));
    const head = new Head(H, DEFAULT_LIMITS);
    const sa = head.getOrCreate(a);
    const sb = head.getOrCreate(b);
    assert.notEqual(sa, sb);
    assert.equal(head.getOrCreate(a), sa);
    assert.equal(head.getOrCreate(b), sb);
    head.appendCommitted(sb, 10 * H, 1);
    head.truncateBefore(H); // sa has no samples: removed
    assert.equal(head.lookup(a), undefined);
    assert.equal(head.lookup(b), sb);
    assert.deepEqual(head.labelsOf(sb), b);
  });

  it('compacts the label pool after mass removal and keeps labels and lookups right', () => {
    const head = new Head(H, DEFAULT_LIMITS);
    const keep: Labels[] = [];
    for (let i = 0; i < 1000; i++) {
      const labels = L({ __name__: 'm', i: String(i), parity: i % 2 ? 'odd' : 'even' });
      const s = head.getOrCreate(labels);
      if (i % 10 === 0) {
        head.appendCommitted(s, 5 * H, i);
        keep.push(labels);
      } else head.appendCommitted(s, 0, i);
    }
    const symbolsBefore = head.symbols.size;
    head.truncateBefore(2 * H);
    assert.equal(head.numSeries, 100);
    // The 900 dropped values of label i are gone from the symbol table too.
    assert.equal(head.symbols.size, symbolsBefore - 900 - 1);
    for (const labels of keep) {
      const s = head.lookup(labels)!;
      assert.deepEqual(head.labelsOf(s), labels);
    }
    assert.equal(head.postings('parity', 'odd').length, 0);
    assert.equal(head.postings('parity', 'even').length, 100);
    assert.deepEqual([...head.labelValues('parity')], ['even']);
  });

  it('a commit that lands after a block cut drops samples now out of bounds', () => {
    const db = openTsdb(tempDir(), { blockDurationMs: H, maxBlockDurationMs: H });
    const x = L({ __name__: 'x' });
    const y = L({ __name__: 'y' });
    write(db, [[x, 0, 0]]);
    const late = db.appender();
    late.append(y, 0.9 * H, 1); // valid now
    write(db, [[x, 2 * H, 2]]);
    db.compact(0); // cuts [0, 1h): minValidTime becomes 1h
    late.commit();
    assert.deepEqual(dump(db, m('__name__="y"')), {});
    assert.equal(db.stats().rejected.out_of_bounds, 1);
    db.close();
  });
});

describe('series removed while an appender holds them', () => {
  it('re-creates the series with the right labels on commit', () => {
    const db = openTsdb(tempDir(), { blockDurationMs: H, maxBlockDurationMs: H });
    const labels = Array.from({ length: 20 }, (_, i) => L({ __name__: 'old', i: String(i) }));
    write(
      db,
      labels.map((l) => [l, 0, 1] as [Labels, number, number]),
    );
    const first = db.appender();
    first.append(labels[3], 0.8 * H, 2); // pending on series 3...
    const second = db.appender();
    second.append(labels[3], 0.9 * H, 3); // ...then taken over by another appender
    second.rollback();
    write(db, [[L({ __name__: 'new' }), 2 * H, 1]]);
    db.compact(0); // cuts [0, 1h): every "old" series is removed and the label pool compacted
    assert.equal(db.stats().activeSeries, 1);
    first.commit(); // 0.8h is out of bounds now, but the series must come back with its labels
    assert.equal(db.stats().rejected.out_of_bounds, 1);
    assert.deepEqual(
      db.labelValues('i', [], 0, 3 * H),
      Array.from({ length: 20 }, (_, i) => String(i)).sort(),
    );
    const s = db.head.lookup(labels[3])!;
    assert.deepEqual(db.head.labelsOf(s), labels[3]);
    db.close();
  });
});
