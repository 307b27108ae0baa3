/**
 * Property tests of the evaluator over generated queries: evaluation only ever fails with PromQL
 * errors, and an instant query at t agrees with the same query's range evaluation at step t (this
 * exercises the per-series cursors, which see times in a different order in the two modes).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { labelsFromObject, STALE_NAN } from '../storage.ts';
import { keyOf } from './labels-util.ts';
import { MemoryQuerier } from './memory-querier.ts';
import { instantQuery, rangeQuery } from './query.ts';

const sel = fc.constantFrom(
  'a_total',
  'b',
  'a_total{job="x"}',
  'b{job!="x"}',
  '{__name__=~"a_total|b"}',
  'a_total offset 1m',
  'b @ 300',
  'a_total offset -2m',
);
const plain = fc.constantFrom('a_total', 'b', 'a_total{job="x"}', 'b{job!="x"}', '{__name__=~"a_total|b"}');
const mod = fc.constantFrom('', '', ' offset 1m', ' @ 300', ' offset -2m @ 600');
const range = fc.constantFrom('1m', '3m', '5m', '10m');
const rangeSel = fc.tuple(plain, range, mod).map(([s, r, m]) => `${s}[${r}]${m}`);

const vectorExpr: fc.Arbitrary<string> = fc.letrec<{ v: string; s: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    sel,
    fc
      .tuple(fc.constantFrom('rate', 'increase', 'delta', 'irate', 'changes', 'resets', 'deriv'), rangeSel)
      .map(([f, m]) => `${f}(${m})`),
    fc
      .tuple(fc.constantFrom('sum', 'min', 'max', 'avg', 'count', 'last', 'stddev', 'present'), rangeSel)
      .map(([f, m]) => `${f}_over_time(${m})`),
    fc
      .tuple(
        fc.constantFrom('sum', 'avg', 'max', 'count', 'stddev', 'group'),
        fc.constantFrom('by (job)', 'without (instance)', ''),
        tie('v'),
      )
      .map(([op, g, e]) => `${op} ${g} (${e})`),
    fc
      .tuple(fc.constantFrom('topk', 'bottomk', 'limitk'), fc.integer({ min: 1, max: 3 }), tie('v'))
      .map(([op, k, e]) => `${op}(${k}, ${e})`),
    fc
      .tuple(
        tie('v'),
        fc.constantFrom('+', '-', '*', '/', '>', '<=', 'and', 'or', 'unless', '> bool'),
        tie('v'),
      )
      .map(([l, op, r]) => `(${l}) ${op} ignoring(instance) (${r})`),
    fc
      .tuple(tie('v'), fc.constantFrom('+', '*', '>', '== bool', '^'), tie('s'))
      .map(([l, op, r]) => `(${l}) ${op} ${r}`),
    fc
      .tuple(fc.constantFrom('abs', 'ceil', 'sqrt', 'timestamp', 'sort'), tie('v'))
      .map(([f, e]) => `${f}(${e})`),
    fc
      .tuple(
        fc.constantFrom('max_over_time', 'rate', 'count_over_time'),
        tie('v'),
        range,
        fc.constantFrom('', '30s', '1m'),
      )
      .map(([f, e, r, s]) => `${f}((${e})[${r}:${s}])`),
    fc.tuple(tie('v'), range, mod).map(([e, r, m]) => `last_over_time((${e})[${r}:1m]${m})`),
    fc.tuple(tie('s')).map(([s]) => `vector(${s})`),
    fc.tuple(tie('v')).map(([e]) => `label_replace(${e}, "dst", "$1", "job", "(.*)")`),
  ),
  s: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('1', '2.5', '-1', '0', 'NaN', 'time()', 'pi()'),
    tie('v').map((e) => `scalar(${e})`),
  ),
})).v;

function buildStore(seed: number[]): MemoryQuerier {
  const q = new MemoryQuerier();
  const series = [
    { __name__: 'a_total', job: 'x', instance: '1' },
    { __name__: 'a_total', job: 'y', instance: '2' },
    { __name__: 'b', job: 'x', instance: '1' },
    { __name__: 'b', job: 'z', instance: '3' },
  ];
  series.forEach((labels, si) => {
    let v = 0;
    for (let i = 0; i < 40; i++) {
      const r = seed[(si * 40 + i) % seed.length];
      if (r % 7 === 0) continue; // gap
      v = r % 11 === 0 ? 0 : v + (r % 5); // occasional counter reset
      q.append(labelsFromObject(labels), i * 30_000, r % 13 === 0 ? STALE_NAN : v);
    }
  });
  return q;
}

const isPromQLError = (e: unknown) =>
  e instanceof Error && (e.name === 'PromQLEvalError' || e.name === 'PromQLParseError');

test('property: instant query at t equals the range query at step t; only PromQL errors', () => {
  fc.assert(
    fc.property(
      vectorExpr,
      fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 20, maxLength: 60 }),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 0, max: 6 }),
      (query, seed, tIdx, stepMul, before) => {
        const q = buildStore(seed);
        const step = stepMul * 20_000;
        const t = tIdx * 30_000;
        let inst: ReturnType<typeof instantQuery>;
        let rng: ReturnType<typeof rangeQuery>;
        try {
          inst = instantQuery(q, query, t);
          rng = rangeQuery(q, query, t - before * step, t + 2 * step, step);
        } catch (e) {
          if (isPromQLError(e)) return;
          throw e;
        }
        const got = new Map<string, number>();
        for (const s of rng.result as { metric: []; values: [number, number][] }[]) {
          for (const p of s.values) if (p[0] === t / 1000) got.set(keyOf(s.metric), p[1]);
        }
        const want = new Map<string, number>();
        if (inst.resultType === 'vector') for (const s of inst.result) want.set(keyOf(s.metric), s.value[1]);
        else if (inst.resultType === 'scalar') want.set('', inst.result[1]);
        assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), query);
        for (const [k, v] of want) {
          const g = got.get(k)!;
          assert.ok(
            Object.is(v, g) || (Number.isNaN(v) && Number.isNaN(g)) || Math.abs(v - g) <= 1e-9 * Math.abs(v),
            `${query}: ${v} vs ${g}`,
          );
        }
      },
    ),
    { numRuns: 400 },
  );
});
