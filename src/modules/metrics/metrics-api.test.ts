import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createTestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { loadPlanFromString } from '../../plan/index.ts';
import { encodeWriteRequest } from './remote-write.ts';

testBothDbs('metrics: remote_write and push feed PromQL over the Prometheus API', async (h) => {
  const t = await createTestApp(h);
  try {
    const now = t.clock.now();
    const series = ['200', '500'].map((code) => ({
      labels: [
        { name: '__name__', value: 'http_requests_total' },
        { name: 'code', value: code },
        { name: 'service', value: 'api' },
      ],
      timestamps: Array.from({ length: 21 }, (_, i) => now - 300_000 + i * 15_000),
      values: Array.from({ length: 21 }, (_, i) => (code === '200' ? 99 : 1) * i * 15),
    }));
    const body = Buffer.from(encodeWriteRequest(series));
    let r = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/write',
      headers: {
        authorization: `Bearer ${t.adminToken}`,
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
      },
      payload: body,
    });
    assert.equal(r.statusCode, 204, r.body);
    // Re-sending the same samples is refused as Prometheus does (duplicates/out of order), nothing breaks.
    r = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/write',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/x-protobuf' },
      payload: Buffer.from(
        encodeWriteRequest([{ ...series[0], values: series[0].values.map((v) => v + 1) }]),
      ),
    });
    assert.equal(r.statusCode, 400);
    assert.match(r.body, /rejected: 20 out of order, 1 duplicate/);

    const q = encodeURIComponent(
      'sum by (service) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (service) (rate(http_requests_total[5m]))',
    );
    r = await t.request('GET', `/api/v1/query?query=${q}&time=${now / 1000}`);
    assert.equal(r.statusCode, 200, r.body);
    const data = r.json();
    assert.equal(data.status, 'success');
    assert.equal(data.data.resultType, 'vector');
    assert.deepEqual(data.data.result[0].metric, { service: 'api' });
    assert.equal(data.data.result[0].value[0], now / 1000);
    assert.equal(data.data.result[0].value[1], '0.01');

    // query_range by POST form, like Grafana.
    r = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/query_range',
      headers: {
        authorization: `Bearer ${t.adminToken}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: `query=${encodeURIComponent('http_requests_total{code="500"}')}&start=${(now - 60_000) / 1000}&end=${now / 1000}&step=30s`,
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(
      JSON.parse(r.body).data.result[0].values.map((v: [number, string]) => v[1]),
      ['240', '270', '300'],
    );

    // Push a script's metrics; then replace the group and see the vanished series go stale.
    r = await t.request(
      'PUT',
      '/metrics/job/backup/instance/db1',
      '# TYPE backup_last_success gauge\nbackup_last_success 1\nbackup_bytes 42\n',
      {
        headers: { 'content-type': 'text/plain' },
      },
    );
    assert.equal(r.statusCode, 200, r.body);
    r = await t.request('GET', '/api/v1/query?query=backup_bytes');
    assert.deepEqual(r.json().data.result[0].metric, {
      __name__: 'backup_bytes',
      instance: 'db1',
      job: 'backup',
    });
    await t.advance(1000);
    await t.request('PUT', '/metrics/job/backup/instance/db1', 'backup_last_success 2\n', {
      headers: { 'content-type': 'text/plain' },
    });
    r = await t.request('GET', '/api/v1/query?query=backup_bytes');
    assert.deepEqual(r.json().data.result, [], 'replaced series is stale');

    // Series, labels, values, metadata, buildinfo.
    r = await t.request('GET', `/api/v1/series?match[]=${encodeURIComponent('{job="backup"}')}`);
    assert.equal(r.json().data.length, 2);
    assert.ok(r.json().data.some((s: any) => s.__name__ === 'backup_last_success'));
    assert.ok((await t.request('GET', '/api/v1/labels')).json().data.includes('code'));
    assert.deepEqual((await t.request('GET', '/api/v1/label/code/values')).json().data, ['200', '500']);
    assert.deepEqual((await t.request('GET', '/api/v1/metadata?metric=backup_last_success')).json().data, {
      backup_last_success: [{ type: 'gauge', help: '', unit: '' }],
    });
    assert.equal((await t.request('GET', '/api/v1/status/buildinfo')).json().status, 'success');

    // Errors in Prometheus' shape.
    r = await t.request('GET', '/api/v1/query?query=sum(');
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().errorType, 'bad_data');
    r = await t.request('GET', '/api/v1/query_range?query=up&start=10&end=0&step=15');
    assert.equal(r.statusCode, 400);
    r = await t.request('GET', '/api/v1/series');
    assert.match(r.json().error, /no match\[\] parameter/);
    assert.equal(
      (await t.request('GET', '/api/v1/query?query=up', undefined, { token: null })).statusCode,
      401,
    );
  } finally {
    await t.close();
  }
});

testBothDbs('metrics: scrape jobs from the plan produce up, target labels and staleness', async (h) => {
  let body =
    '# TYPE app_queue_depth gauge\napp_queue_depth{queue="emails"} 7\napp_queue_depth{queue="sms"} 3\n';
  let fail = false;
  const target = createServer((req, res) => {
    if (fail || req.url !== '/metrics') {
      res.writeHead(500).end('boom');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const port = (target.address() as { port: number }).port;
  const t = await createTestApp(h, { startEngines: true });
  try {
    const plan = loadPlanFromString(
      `metrics:\n  scrape:\n    - job: app\n      targets: ["127.0.0.1:${port}"]\n      interval: 15s\n      labels: { env: prod }\n`,
    );
    assert.ok(plan.ok, JSON.stringify(!plan.ok && plan.diagnostics));
    const r = await t.request('POST', '/api/v1/apply', {
      objects: plan.plan.objects,
      prune: false,
      files: plan.plan.files,
    });
    assert.equal(r.statusCode, 200, r.body);
    await t.advance(16_000);
    const q = async (expr: string) =>
      (await t.request('GET', `/api/v1/query?query=${encodeURIComponent(expr)}`)).json().data.result;
    assert.deepEqual((await q('up'))[0], {
      metric: { __name__: 'up', env: 'prod', instance: `127.0.0.1:${port}`, job: 'app' },
      value: [t.clock.now() / 1000, '1'],
    });
    assert.equal((await q('app_queue_depth{queue="emails"}'))[0].value[1], '7');
    body = '# TYPE app_queue_depth gauge\napp_queue_depth{queue="emails"} 9\n';
    await t.advance(15_000);
    assert.equal((await q('app_queue_depth{queue="emails"}'))[0].value[1], '9');
    assert.deepEqual(await q('app_queue_depth{queue="sms"}'), [], 'vanished series is stale at once');
    fail = true;
    await t.advance(15_000);
    assert.equal((await q('up'))[0].value[1], '0');
    assert.deepEqual(await q('app_queue_depth'), [], 'a down target marks its series stale');
    const targets = (await t.request('GET', '/api/v1/targets')).json().data.activeTargets;
    assert.equal(targets[0].health, 'down');
    assert.match(targets[0].lastError, /HTTP status 500/);
  } finally {
    await t.close();
    target.close();
  }
});
