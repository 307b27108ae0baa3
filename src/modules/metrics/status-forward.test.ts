import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { loadPlanFromString } from '../../plan/index.ts';
import { decodeWriteRequest, encodeWriteRequest, type WriteSeries } from './remote-write.ts';

async function apply(t: TestApp, yaml: string) {
  const plan = loadPlanFromString(yaml);
  assert.ok(plan.ok, JSON.stringify(!plan.ok && plan.diagnostics));
  const r = await t.request('POST', '/api/v1/apply', {
    objects: plan.plan.objects,
    prune: false,
    files: plan.plan.files,
  });
  assert.equal(r.statusCode, 200, r.body);
}

const body = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts)));
  });

testBothDbs('metrics: /api/v1/status/tsdb reports head cardinality in Prometheus’ shape', async (h) => {
  const t = await createTestApp(h);
  try {
    const now = t.clock.now();
    const api = t.app.modules.get<{ ingest(s: WriteSeries[]): unknown }>('metrics');
    const series: WriteSeries[] = [];
    for (const code of ['200', '500', '503'])
      for (const svc of ['api', 'web'])
        series.push({
          labels: [
            { name: '__name__', value: 'http_requests_total' },
            { name: 'code', value: code },
            { name: 'service', value: svc },
          ],
          timestamps: [now - 15_000, now],
          values: [1, 2],
        });
    series.push({ labels: [{ name: '__name__', value: 'up' }], timestamps: [now], values: [1] });
    api.ingest(series);

    let r = await t.request('GET', '/api/v1/status/tsdb?limit=2');
    assert.equal(r.statusCode, 200, r.body);
    const d = r.json().data;
    assert.deepEqual(d.headStats, {
      numSeries: 7,
      numLabelPairs: 2 + 3 + 2, // __name__ ×2, code ×3, service ×2
      chunkCount: 7,
      minTime: now - 15_000,
      maxTime: now,
    });
    assert.deepEqual(d.seriesCountByMetricName, [
      { name: 'http_requests_total', value: 6 },
      { name: 'up', value: 1 },
    ]);
    assert.deepEqual(d.labelValueCountByLabelName, [
      { name: 'code', value: 3 },
      { name: '__name__', value: 2 },
    ]);
    // length × series: "http_requests_total" (19) × 6 + "up" (2) × 1.
    assert.deepEqual(d.memoryInBytesByLabelName[0], { name: '__name__', value: 19 * 6 + 2 });
    assert.deepEqual(d.seriesCountByLabelValuePair, [
      { name: '__name__=http_requests_total', value: 6 },
      { name: 'service=api', value: 3 },
    ]);
    assert.equal(d.storage.retention, '15d');
    assert.equal(d.storage.headSamples, 13);
    assert.deepEqual(d.storage.backend, { kind: 'embedded', url: null, forwarding: false });
    assert.ok(d.storage.bytesPerSeriesInMemory > 0);

    r = await t.request('GET', '/api/v1/status/tsdb?limit=0');
    assert.equal(r.statusCode, 400);
    assert.deepEqual(Object.keys(r.json()).sort(), ['error', 'errorType', 'status']);
    assert.equal(r.json().errorType, 'bad_data');
    assert.equal((await t.request('GET', '/api/v1/status/tsdb', undefined, { token: null })).statusCode, 401);
    assert.equal((await t.request('GET', '/api/v1/targets?state=bogus')).statusCode, 400);
  } finally {
    await t.close();
  }
});

testBothDbs('metrics: /api/v1/targets tells each target’s health, duration and error', async (h) => {
  let fail = false;
  const target = createServer((_req, res) => {
    if (fail) res.writeHead(503).end('down for maintenance');
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('a 1\nb 2\nc{x="y"} 3\n');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const port = (target.address() as AddressInfo).port;
  const t = await createTestApp(h, { startEngines: true });
  try {
    await apply(
      t,
      `metrics:\n  scrape:\n    - job: app\n      targets: ["127.0.0.1:${port}"]\n      interval: 30s\n      timeout: 5s\n      metrics_path: /m\n      labels: { env: prod }\n`,
    );
    await t.advance(31_000);
    let r = await t.request('GET', '/api/v1/targets');
    assert.equal(r.statusCode, 200, r.body);
    const [tg] = r.json().data.activeTargets;
    assert.deepEqual(
      { ...tg, lastScrapeDuration: typeof tg.lastScrapeDuration, lastScrape: typeof tg.lastScrape },
      {
        discoveredLabels: {
          __address__: `127.0.0.1:${port}`,
          __metrics_path__: '/m',
          __scheme__: 'http',
          job: 'app',
        },
        labels: { env: 'prod', instance: `127.0.0.1:${port}`, job: 'app' },
        scrapePool: 'app',
        scrapeUrl: `http://127.0.0.1:${port}/m`,
        globalUrl: `http://127.0.0.1:${port}/m`,
        lastError: '',
        lastScrape: 'string',
        lastScrapeDuration: 'number',
        lastSamplesScraped: 3,
        health: 'up',
        scrapeInterval: '30s',
        scrapeTimeout: '5s',
      },
    );
    assert.ok(Date.parse(tg.lastScrape) <= t.clock.now());
    fail = true;
    await t.advance(30_000);
    r = await t.request('GET', '/api/v1/targets?scrapePool=app');
    assert.equal(r.json().data.activeTargets[0].health, 'down');
    assert.match(r.json().data.activeTargets[0].lastError, /HTTP status 503/);
    assert.deepEqual(
      (await t.request('GET', '/api/v1/targets?scrapePool=other')).json().data.activeTargets,
      [],
    );
    assert.deepEqual((await t.request('GET', '/api/v1/targets?state=dropped')).json().data, {
      activeTargets: [],
      droppedTargets: [],
    });
  } finally {
    await t.close();
    target.close();
  }
});

testBothDbs('metrics: Vigil’s own series are remote-written to a delegated backend', async (h) => {
  const received: WriteSeries[][] = [];
  const headers: IncomingMessage['headers'][] = [];
  let answer = 204;
  let backend: Server | undefined;
  backend = createServer(async (req, res) => {
    if (req.url === '/api/v1/write') {
      headers.push(req.headers);
      const payload = await body(req);
      if (answer === 204) received.push(decodeWriteRequest(payload));
      res.writeHead(answer).end(answer === 204 ? undefined : 'nope');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
  });
  await new Promise<void>((r) => backend!.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  const t = await createTestApp(h);
  try {
    const now = t.clock.now();
    const api = t.app.modules.get<{ ingest(s: WriteSeries[]): unknown }>('metrics');
    const probe = (v: number, at: number): WriteSeries => ({
      labels: [
        { name: '__name__', value: 'probe_success' },
        { name: 'check', value: 'home' },
      ],
      timestamps: [at],
      values: [v],
    });
    api.ingest([probe(1, now - 1000)]); // before delegation: not queued
    await apply(t, `metrics:\n  backend: prometheus\n  url: ${url}/\n  tenant: team-a\n`);
    api.ingest([probe(1, now)]);
    let r = await t.request('PUT', '/metrics/job/backup', 'backup_ok 1\n', {
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(r.statusCode, 200, r.body);
    // Samples that came by remote_write are not sent back.
    r = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/write',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/x-protobuf' },
      payload: Buffer.from(
        encodeWriteRequest([
          { labels: [{ name: '__name__', value: 'from_prom' }], timestamps: [now], values: [5] },
        ]),
      ),
    });
    assert.equal(r.statusCode, 204, r.body);

    await t.app.runner.runOnce('metrics-forward');
    assert.equal(received.length, 1);
    const names = received[0].map((s) => s.labels.find((l) => l.name === '__name__')?.value).sort();
    assert.deepEqual(names, ['backup_ok', 'probe_success']);
    const p = received[0].find((s) => s.labels.some((l) => l.value === 'probe_success'))!;
    assert.deepEqual(p, { ...probe(1, now), timestamps: [now], values: [1] });
    assert.equal(headers[0]['content-encoding'], 'snappy');
    assert.equal(headers[0]['x-prometheus-remote-write-version'], '0.1.0');
    assert.equal(headers[0]['x-scope-orgid'], 'team-a');

    // A 5xx keeps the samples for the next try; a 4xx drops them (as Prometheus does).
    answer = 503;
    api.ingest([probe(0, now + 1000)]);
    await assert.rejects(t.app.runner.runOnce('metrics-forward'), /HTTP 503 nope/);
    const status = () => t.app.runner.status().find((e: { name: string }) => e.name === 'metrics-forward')!;
    assert.match(String(status().lastError), /HTTP 503/);
    answer = 204;
    await t.app.runner.runOnce('metrics-forward');
    assert.equal(received.length, 2);
    assert.deepEqual(received[1][0].values, [0]);
    answer = 400;
    api.ingest([probe(1, now + 2000)]);
    await assert.rejects(t.app.runner.runOnce('metrics-forward'), /refused 1 samples: HTTP 400 nope/);
    answer = 204;
    await t.app.runner.runOnce('metrics-forward');
    assert.equal(received.length, 2, 'refused batch is dropped, not resent');
    const metrics = (await t.request('GET', '/metrics')).body;
    assert.match(metrics, /vigil_metrics_forward_samples_total\{result="sent"\} 3/);
    assert.match(metrics, /vigil_metrics_forward_samples_total\{result="failed"\} 1/);

    // forward: false turns it off.
    await apply(t, `metrics:\n  backend: prometheus\n  url: ${url}\n  forward: false\n`);
    api.ingest([probe(1, now + 3000)]);
    await t.app.runner.runOnce('metrics-forward');
    assert.equal(received.length, 2);
    r = await t.request('GET', '/api/v1/status/tsdb');
    assert.deepEqual(r.json().data.storage.backend, { kind: 'prometheus', url, forwarding: false });
  } finally {
    await t.close();
    backend.close();
  }
});
