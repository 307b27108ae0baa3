import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testBothDbs } from '../../../test/support/db.ts';
import { DAY, HOUR } from '../../kernel/clock.ts';
import type { ProbeResult } from './probes/index.ts';
import { BUCKET_BOUNDS, bucketStart, quantile, toBuckets } from './rollups.ts';
import { checksStore } from './store.ts';

const r = (status: ProbeResult['status'], latencyMs: number): ProbeResult => ({
  status,
  latencyMs,
  errorClass: null,
  error: null,
  details: {},
});

test('quantiles interpolate inside histogram buckets', () => {
  const counts = BUCKET_BOUNDS.map(() => 0);
  counts[5] = 100; // 75–100 ms
  assert.equal(quantile(counts, 0.5), 87.5);
  assert.equal(quantile(counts, 1), 100);
  assert.equal(
    quantile(
      BUCKET_BOUNDS.map(() => 0),
      0.5,
    ),
    null,
  );
  assert.equal(bucketStart(Date.UTC(2026, 0, 2, 13, 45), 'day'), Date.UTC(2026, 0, 2));
});

testBothDbs(
  'rollups count by status with latency percentiles; retention prunes raw and old rollups',
  async (h) => {
    const db = h.db.kysely as any;
    const t0 = Date.UTC(2026, 10, 1, 12, 0);
    for (let i = 0; i < 10; i++) {
      const res = i < 8 ? r('up', 40) : i === 8 ? r('degraded', 2500) : r('down', 5000);
      await checksStore.addToRollups(db, 'a', t0 + i * 1000, res);
      await checksStore.insertResult(db, {
        id: `r${i}`,
        checkKey: 'a',
        at: t0 + i * 1000,
        status: res.status,
        latencyMs: res.latencyMs,
        errorClass: null,
        error: null,
        location: 'local',
        latenessMs: 0,
        details: null,
      });
    }
    await checksStore.addToRollups(db, 'a', t0 - 100 * DAY, r('up', 10));
    const [day] = toBuckets(await checksStore.rollups(db, ['a'], 'day', t0 - DAY, t0 + DAY));
    assert.deepEqual([day.total, day.up, day.degraded, day.down, day.uptimePct], [10, 8, 1, 1, 90]);
    assert.ok(day.p50! > 25 && day.p50! <= 50, `p50 ${day.p50}`);
    assert.ok(day.p99! > 2000 && day.p99! <= 3000, `p99 ${day.p99}`);
    const minutes = await checksStore.rollups(db, ['a'], 'minute', t0, t0 + HOUR);
    assert.equal(minutes.length, 1);

    const now = t0 + 8 * DAY;
    const n = await checksStore.prune(db, now - 7 * DAY, {
      minute: now - 7 * DAY,
      hour: now - 90 * DAY,
      day: now - 90 * DAY,
    });
    assert.ok(n >= 10 + 3);
    assert.equal((await checksStore.results(db, 'a', {})).length, 0, 'raw results past 7 days are gone');
    assert.equal((await checksStore.rollups(db, ['a'], 'minute', 0, now)).length, 0);
    assert.equal(
      (await checksStore.rollups(db, ['a'], 'day', t0 - DAY, now)).length,
      1,
      'recent day rollup kept',
    );
    assert.equal(
      (await checksStore.rollups(db, ['a'], 'day', 0, t0 - DAY)).length,
      0,
      '100-day-old rollup pruned',
    );
  },
);
