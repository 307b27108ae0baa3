import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MemoryQuerier } from '../promql/index.ts';
import type { Labels, Matcher, SeriesSamples } from '../storage.ts';
import { compareLabels } from './labels.ts';
import { L, openTsdb, tempDir } from './test-helpers.ts';

const H = 3_600_000;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const bits = (v: number) => {
  f64[0] = v;
  return `${u32[1]}:${u32[0]}`;
};
const norm = (list: SeriesSamples[]) =>
  [...list]
    .sort((a, b) => compareLabels(a.labels, b.labels))
    .map((s) => ({
      labels: s.labels,
      ts: Array.from(s.timestamps),
      vs: Array.from(s.values, bits),
    }));

describe('Tsdb agrees with the PromQL engine’s MemoryQuerier (property)', () => {
  it('on random series, matchers and ranges across blocks and head', () => {
    const labelSet = fc
      .record({
        __name__: fc.constantFrom('up', 'req'),
        a: fc.constantFrom('x', 'y', 'xy', ''),
        b: fc.constantFrom('1', '2', ''),
      })
      .map((o) => L(Object.fromEntries(Object.entries(o).filter(([, v]) => v !== ''))));
    const matcher: fc.Arbitrary<Matcher> = fc.record({
      type: fc.constantFrom('=', '!=', '=~', '!~'),
      name: fc.constantFrom('__name__', 'a', 'b', 'c'),
      value: fc.constantFrom('', 'x', 'y', 'up', '1', 'x|y', 'x.*', '.*', '.+', '(?i)X'),
    }) as fc.Arbitrary<Matcher>;
    fc.assert(
      fc.property(
        fc.uniqueArray(labelSet, { minLength: 1, maxLength: 8, selector: (l) => JSON.stringify(l) }),
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.array(matcher, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 * H }), fc.integer({ min: 0, max: 5 * H })), {
          minLength: 1,
          maxLength: 4,
        }),
        (series, stepMin, queries, ranges) => {
          const db = openTsdb(tempDir(), { blockDurationMs: H, maxBlockDurationMs: 3 * H });
          const mem = new MemoryQuerier();
          const step = stepMin * 60_000;
          for (let t = 0; t < 5 * H; t += step) {
            const a = db.appender();
            series.forEach((l: Labels, i) => {
              const v = (t / step) * (i + 1) + 0.5;
              a.append(l, t, v);
              mem.append(l, t, v);
            });
            a.commit();
            db.compact(t);
          }
          assert.ok(db.stats().blocks > 0);
          for (const ms of queries) {
            for (const [x, y] of ranges) {
              const [mint, maxt] = x <= y ? [x, y] : [y, x];
              assert.deepEqual(norm(db.select(ms, mint, maxt)), norm(mem.select(ms, mint, maxt)));
            }
            assert.deepEqual(db.labelNames(ms, 0, 5 * H), mem.labelNames(ms, 0, 5 * H));
            assert.deepEqual(db.labelValues('a', ms, 0, 5 * H), mem.labelValues('a', ms, 0, 5 * H));
          }
          assert.deepEqual(db.labelValues('b', [], 0, 5 * H), mem.labelValues('b', [], 0, 5 * H));
          db.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});
