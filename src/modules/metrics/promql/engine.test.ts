import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelsFromObject, STALE_NAN } from '../storage.ts';
import { PromQLEvalError } from './errors.ts';
import { MemoryQuerier } from './memory-querier.ts';
import { runScript } from './promqltest.ts';
import { instantQuery, rangeQuery } from './query.ts';
import { formatPromValue, type QueryResult } from './values.ts';

const m = (o: Record<string, string>) => labelsFromObject(o);

function store(): MemoryQuerier {
  const q = new MemoryQuerier();
  for (let i = 0; i <= 10; i++) {
    q.append(m({ __name__: 'req_total', job: 'a', code: '200' }), i * 60_000, i * 60);
    q.append(m({ __name__: 'req_total', job: 'a', code: '500' }), i * 60_000, i * 6);
    q.append(m({ __name__: 'req_total', job: 'b', code: '200' }), i * 60_000, i * 120);
  }
  return q;
}

/** Instant vector result as `labels => value` for easy assertions. */
function vec(r: QueryResult): Record<string, number> {
  assert.equal(r.resultType, 'vector');
  const out: Record<string, number> = {};
  for (const s of r.result as { metric: { name: string; value: string }[]; value: [number, number] }[]) {
    out[s.metric.map((l) => `${l.name}=${l.value}`).join(',')] = s.value[1];
  }
  return out;
}

test('rate, sum by and division give the per-job error ratio', () => {
  const r = instantQuery(
    store(),
    'sum by (job) (rate(req_total{code=~"5.."}[5m])) / sum by (job) (rate(req_total[5m]))',
    600_000,
  );
  assert.deepEqual(vec(r), { 'job=a': 6 / 66 });
  assert.equal(r.result.length, 1);
});

test('staleness markers end a series immediately; otherwise the 5m lookback applies', () => {
  const q = new MemoryQuerier();
  q.append(m({ __name__: 'up', i: '1' }), 0, 1);
  q.append(m({ __name__: 'up', i: '1' }), 60_000, STALE_NAN);
  q.append(m({ __name__: 'up', i: '2' }), 0, 1);
  assert.deepEqual(Object.keys(vec(instantQuery(q, 'up', 30_000))), ['__name__=up,i=1', '__name__=up,i=2']);
  assert.deepEqual(Object.keys(vec(instantQuery(q, 'up', 60_000))), ['__name__=up,i=2']);
  assert.deepEqual(Object.keys(vec(instantQuery(q, 'up', 299_999))), ['__name__=up,i=2']);
  assert.deepEqual(vec(instantQuery(q, 'up', 300_000)), {}, 'lookback window is left-open');
  assert.deepEqual(Object.keys(vec(instantQuery(q, 'up', 400_000, { lookbackDeltaMs: 600_000 }))), [
    '__name__=up,i=2',
  ]);
});

test('arithmetic drops __name__ and colliding results are an error', () => {
  const q = store();
  assert.deepEqual(vec(instantQuery(q, 'req_total{job="b"} * 2', 60_000)), { 'code=200,job=b': 240 });
  assert.deepEqual(vec(instantQuery(q, 'req_total{job="b"} > 100', 60_000)), {
    '__name__=req_total,code=200,job=b': 120,
  });
  q.append(m({ __name__: 'other_total', job: 'b', code: '200' }), 0, 1);
  assert.throws(
    () => instantQuery(q, '{job="b"} * 2', 0),
    (e: unknown) =>
      e instanceof PromQLEvalError && e.message === 'vector cannot contain metrics with the same labelset',
  );
});

test('many-to-many matching is rejected with Prometheus message; group_left joins labels', () => {
  const q = store();
  q.append(m({ __name__: 'info', job: 'a', team: 'x' }), 0, 1);
  assert.throws(() => instantQuery(q, 'info * on(job) req_total', 0), /many-to-many matching not allowed/);
  assert.throws(
    () => instantQuery(q, 'req_total * on(job) info', 0),
    /many-to-one matching must be explicit/,
  );
  const r = vec(instantQuery(q, 'req_total * on(job) group_left(team) info', 60_000));
  assert.deepEqual(r, { 'code=200,job=a,team=x': 60, 'code=500,job=a,team=x': 6 });
});

test('histogram_quantile on classic buckets interpolates within the bucket', () => {
  const q = new MemoryQuerier();
  const buckets: [string, number][] = [
    ['0.1', 50],
    ['0.5', 90],
    ['+Inf', 100],
  ];
  for (const [le, v] of buckets) q.append(m({ __name__: 'lat_bucket', le }), 0, v);
  const r = vec(instantQuery(q, 'histogram_quantile(0.9, lat_bucket)', 0));
  assert.ok(Math.abs(r[''] - 0.5) < 1e-12);
  const p75 = vec(instantQuery(q, 'histogram_quantile(0.75, lat_bucket)', 0))[''];
  assert.ok(Math.abs(p75 - (0.1 + 0.4 * (25 / 40))) < 1e-12);
  const warned = instantQuery(q, 'histogram_quantile(2, lat_bucket)', 0);
  assert.match(warned.warnings[0], /quantile value should be between 0 and 1, got 2/);
});

test('range queries return sorted matrices; scalars become one unlabeled series', () => {
  const q = store();
  const r = rangeQuery(q, 'req_total{code="200"}', 0, 120_000, 60_000);
  assert.equal(r.resultType, 'matrix');
  const series = r.result as { metric: { value: string }[]; values: [number, number][] }[];
  assert.deepEqual(
    series.map((s) => s.metric.map((l) => l.value).join('/')),
    ['req_total/200/a', 'req_total/200/b'],
  );
  assert.deepEqual(series[1].values, [
    [0, 0],
    [60, 120],
    [120, 240],
  ]);
  const t = rangeQuery(q, 'time()', 0, 60_000, 30_000);
  assert.deepEqual(t.result, [
    {
      metric: [],
      values: [
        [0, 0],
        [30, 30],
        [60, 60],
      ],
    },
  ]);
  assert.throws(
    () => rangeQuery(q, 'req_total[5m]', 0, 60_000, 30_000),
    /invalid expression type "range vector"/,
  );
  assert.throws(
    () => rangeQuery(q, 'up', 0, 60_000, 0),
    (e: unknown) => e instanceof PromQLEvalError && e.kind === 'bad-data' && e.status === 400,
  );
});

test('subqueries evaluate the inner expression at absolute-aligned steps', () => {
  const q = store();
  const r = instantQuery(q, 'req_total{job="b"}[3m:1m]', 600_000);
  assert.equal(r.resultType, 'matrix');
  assert.deepEqual((r.result as { values: unknown }[])[0].values, [
    [480, 960],
    [540, 1080],
    [600, 1200],
  ]);
  assert.deepEqual(vec(instantQuery(q, 'max_over_time(rate(req_total{job="b"}[2m])[5m:30s])', 600_000)), {
    'code=200,job=b': 2,
  });
});

test('the max-samples limit aborts with a limit error', () => {
  assert.throws(
    () => instantQuery(store(), 'sum(req_total)', 600_000, { maxSamples: 3 }),
    (e: unknown) => e instanceof PromQLEvalError && e.kind === 'limit' && /too many samples/.test(e.message),
  );
});

test('shouldAbort stops a range query between steps with a timeout error', () => {
  let polls = 0;
  assert.throws(
    () => rangeQuery(store(), 'sum(req_total)', 0, 600_000, 60_000, { shouldAbort: () => ++polls > 3 }),
    (e: unknown) => e instanceof PromQLEvalError && e.kind === 'timeout',
  );
  assert.equal(polls, 4);
});

test('label_replace uses Go template expansion and anchored regexes', () => {
  const q = store();
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Go replacement template, not JS.
  const tpl = '"$1-${1}x-$1x"';
  const r = vec(instantQuery(q, `label_replace(req_total{job="b"}, "x", ${tpl}, "code", "(2)0+")`, 0));
  assert.deepEqual(Object.keys(r), ['__name__=req_total,code=200,job=b,x=2-2x-']);
  const none = vec(instantQuery(q, 'label_replace(req_total{job="b"}, "x", "y", "code", "0")', 0));
  assert.deepEqual(Object.keys(none), ['__name__=req_total,code=200,job=b']);
});

test('case-insensitive RE2 groups work without JS inline-flag support', () => {
  const q = store();
  assert.equal(instantQuery(q, 'req_total{job=~"(?i:A)"}', 0).result.length, 2);
  assert.equal(instantQuery(q, 'req_total{job=~"(?i)B"}', 0).result.length, 1);
  assert.equal(instantQuery(q, 'req_total{job=~"B"}', 0).result.length, 0);
});

test('formatPromValue matches Go strconv.FormatFloat(v, f, -1, 64)', () => {
  assert.equal(formatPromValue(Number.POSITIVE_INFINITY), '+Inf');
  assert.equal(formatPromValue(Number.NEGATIVE_INFINITY), '-Inf');
  assert.equal(formatPromValue(Number.NaN), 'NaN');
  assert.equal(formatPromValue(0.1), '0.1');
  assert.equal(formatPromValue(1e21), '1000000000000000000000');
  assert.equal(formatPromValue(1.5e-7), '0.00000015');
  assert.equal(formatPromValue(-2.5e22), '-25000000000000000000000');
  assert.equal(formatPromValue(123456.789), '123456.789');
});

test('harness: failing expectations are reported, skip-list entries that pass are flagged', () => {
  const script = 'load 1m\n  m 1 2 3\n\neval instant at 2m m\n  m 3\n\neval instant at 2m m\n  m 4\n';
  const res = runScript('x.test', script, []);
  assert.deepEqual(
    res.map((r) => r.status),
    ['pass', 'fail'],
  );
  const skipped = runScript('x.test', script, [
    { file: 'x.test', line: 4, reason: 'r1' },
    { file: 'x.test', line: 7, reason: 'r2' },
  ]);
  assert.deepEqual(
    skipped.map((r) => r.status),
    ['fail', 'skip'],
  );
  const native = runScript(
    'x.test',
    'load 1m\n  h {{schema:0 sum:1 count:1}}\n\neval instant at 0m h\n  h 1\n',
    [],
  );
  assert.deepEqual(native[0].status, 'skip');
  assert.equal(native[0].detail, 'native histogram');
});

test('toPromJSON renders the Prometheus API shape', async () => {
  const { toPromJSON } = await import('./values.ts');
  const r = instantQuery(store(), 'req_total{job="b"} / 0', 60_000);
  assert.deepEqual(toPromJSON(r), {
    resultType: 'vector',
    result: [{ metric: { code: '200', job: 'b' }, value: [60, '+Inf'] }],
  });
  assert.deepEqual(toPromJSON(instantQuery(store(), '1/3', 1500)), {
    resultType: 'scalar',
    result: [1.5, '0.3333333333333333'],
  });
});

test('MemoryQuerier keeps samples sorted when appended out of order', () => {
  const q = new MemoryQuerier();
  const l = m({ __name__: 'x' });
  for (const t of [5, 1, 3, 2, 4, 3]) q.append(l, t * 1000, t);
  const [s] = q.select([{ type: '=', name: '__name__', value: 'x' }], 0, 10_000);
  assert.deepEqual(Array.from(s.timestamps), [1000, 2000, 3000, 4000, 5000]);
  assert.deepEqual(Array.from(s.values), [1, 2, 3, 4, 5]);
});

test('civil() calendar fields agree with the platform calendar over a wide range', async () => {
  const { civil } = await import('./functions.ts');
  for (let s = -5e10; s < 5e10; s += 86_413 * 997) {
    const d = new Date(s * 1000); // reference only, in the test
    const c = civil(s);
    assert.deepEqual(
      [c.year, c.month, c.day, c.dayOfWeek, c.hour, c.minute],
      [
        d.getUTCFullYear(),
        d.getUTCMonth() + 1,
        d.getUTCDate(),
        d.getUTCDay(),
        d.getUTCHours(),
        d.getUTCMinutes(),
      ],
      `at ${s}`,
    );
    const jan1 = Date.UTC(d.getUTCFullYear(), 0, 1);
    assert.equal(
      c.dayOfYear,
      Math.round((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - jan1) / 86_400_000) + 1,
    );
  }
});
