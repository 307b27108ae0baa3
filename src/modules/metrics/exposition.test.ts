import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpositionError, parseExposition } from './exposition.ts';
import { decodeWriteRequest, encodeWriteRequest, RemoteWriteError } from './remote-write.ts';
import { isStaleNaN } from './storage.ts';

test('text format 0.0.4: names, labels with escapes, special values, timestamps, metadata', () => {
  const { samples, metadata } = parseExposition(
    [
      '# HELP http_requests_total The total number of HTTP requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3 1395066363000',
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
      'metric_without_timestamp_and_labels 12.47',
      'something_weird{problem="division by zero"} +Inf -3982045',
      'nan_metric NaN',
      '',
    ].join('\n'),
  );
  assert.equal(samples.length, 6);
  assert.deepEqual(samples[0].labels, [
    { name: '__name__', value: 'http_requests_total' },
    { name: 'code', value: '200' },
    { name: 'method', value: 'post' },
  ]);
  assert.equal(samples[0].timestampMs, 1395066363000);
  assert.equal(samples[2].labels.find((l) => l.name === 'path')?.value, 'C:\\DIR\\FILE.TXT');
  assert.equal(samples[2].labels.find((l) => l.name === 'error')?.value, 'Cannot find file:\n"FILE.TXT"');
  assert.equal(samples[3].timestampMs, undefined);
  assert.equal(samples[4].value, Number.POSITIVE_INFINITY);
  assert.equal(samples[4].timestampMs, -3982045);
  assert.ok(Number.isNaN(samples[5].value));
  assert.deepEqual(metadata.get('http_requests_total'), {
    help: 'The total number of HTTP requests.',
    type: 'counter',
  });
});

test('OpenMetrics: seconds timestamps, exemplars dropped, EOF', () => {
  const { samples } = parseExposition(
    'foo_total{a="b"} 17 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67\n# EOF\nignored 1\n',
    { openMetrics: true },
  );
  assert.equal(samples.length, 1);
  assert.equal(samples[0].timestampMs, 1520879607789);
});

test('malformed lines fail with their line number', () => {
  for (const [text, msg] of [
    ['ok 1\n{a="b"} 1', /line 2: expected a metric name/],
    ['m{a="b} 1', /unterminated value/],
    ['m{a=b} 1', /expected a quoted value/],
    ['m 1 2 3', /expected "value \[timestamp\]"/],
    ['m one', /invalid value "one"/],
    ['m{a="1",a="2"} 1', /duplicate label a/],
  ] as const) {
    assert.throws(
      () => parseExposition(text),
      (e: unknown) => e instanceof ExpositionError && msg.test(e.message),
      text,
    );
  }
});

test('remote_write: encode/decode round trip keeps labels, ±Inf, stale markers and int64 times', () => {
  const stale = new Float64Array(1);
  new DataView(stale.buffer).setUint32(0, 0x7ff00000, true);
  const series = [
    {
      labels: [
        { name: '__name__', value: 'up' },
        { name: 'job', value: 'api' },
      ],
      timestamps: [1700000000000, 1700000015000, 1700000030000],
      values: [1, Number.POSITIVE_INFINITY, Number.NaN],
    },
  ];
  const back = decodeWriteRequest(encodeWriteRequest(series));
  assert.deepEqual(back[0].labels, series[0].labels);
  assert.deepEqual(back[0].timestamps, series[0].timestamps);
  assert.equal(back[0].values[1], Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(back[0].values[2]));
  assert.equal(isStaleNaN(back[0].values[2]), false);
  assert.throws(() => decodeWriteRequest(new Uint8Array([1, 2, 3, 4])), RemoteWriteError);
});
