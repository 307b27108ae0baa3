import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { createTestApp } from '../../../test/support/app.ts';
import { clientKey, FLAGS_PLAN, planBody } from './test/fixture.ts';

test('OFREP: the official OpenFeature provider evaluates against a listening Vigil', async () => {
  const t = await createTestApp('sqlite');
  try {
    assert.equal((await t.request('POST', '/api/v1/apply', planBody(FLAGS_PLAN))).statusCode, 200);
    let r = await t.request('POST', '/api/v1/flag-definitions', {
      key: 'ui_checkout_copy',
      type: 'experiment',
      variants: { control: 'Buy now', short: 'Buy' },
      default_variant: 'control',
      environments: { prod: { enabled: true, targeting: [{ segments: ['staff'], variant: 'short' }] } },
    });
    assert.equal(r.statusCode, 201, r.body);
    r = await t.request('POST', '/api/v1/flag-definitions', {
      key: 'api_page_size',
      type: 'operational',
      variants: { small: 20, large: 100 },
      default_variant: null,
      environments: { prod: { enabled: true } },
    });
    assert.equal(r.statusCode, 201, r.body);
    const secret = await clientKey(t, 'prod');
    await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.http.server.address() as { port: number }).port}`;

    await OpenFeature.setProviderAndWait(
      'vigil-ofrep',
      new OFREPProvider({ baseUrl: base, headers: { Authorization: `Bearer ${secret}` } }),
    );
    const client = OpenFeature.getClient('vigil-ofrep');
    const email = await client.getBooleanDetails('enable_email', false, { targetingKey: 'u-1' });
    assert.deepEqual([email.value, email.reason, email.variant], [true, 'STATIC', 'on']);
    const copy = await client.getStringDetails('ui_checkout_copy', 'x', {
      targetingKey: 'u-1',
      email: 'a@acme.test',
    });
    assert.deepEqual([copy.value, copy.reason, copy.variant], ['Buy', 'TARGETING_MATCH', 'short']);
    assert.equal(await client.getStringValue('ui_checkout_copy', 'x', { targetingKey: 'u-2' }), 'Buy now');
    const missing = await client.getBooleanDetails('no_such_flag', true, {});
    assert.deepEqual([missing.value, missing.errorCode], [true, 'FLAG_NOT_FOUND']);
    const mismatch = await client.getNumberDetails('enable_email', 7, {});
    assert.deepEqual([mismatch.value, mismatch.errorCode], [7, 'TYPE_MISMATCH']);
    // A null default variant means "the caller's default": the value is left out of the response.
    assert.equal(await client.getNumberValue('api_page_size', 50, {}), 50);

    // The kill switch reaches the provider on its next evaluation.
    await t.request('POST', '/api/v1/flags/enable_email/environments/prod/off', { reason: 'test' });
    const off = await client.getBooleanDetails('enable_email', true, {});
    assert.deepEqual([off.value, off.reason], [false, 'DISABLED']);

    // A wrong key: the provider reports an error and the caller's default is used.
    await OpenFeature.setProviderAndWait(
      'vigil-bad',
      new OFREPProvider({ baseUrl: base, headers: { Authorization: 'Bearer vfk_wrong' } }),
    );
    const bad = await OpenFeature.getClient('vigil-bad').getBooleanDetails('enable_email', true, {});
    assert.equal(bad.value, true);
    assert.equal(bad.reason, 'ERROR');
  } finally {
    await OpenFeature.close();
    await t.close();
  }
});

test('OFREP: bulk ETag/304, error bodies, 401/403/429 and the flag-set download', async () => {
  const t = await createTestApp('sqlite');
  try {
    assert.equal((await t.request('POST', '/api/v1/apply', planBody(FLAGS_PLAN))).statusCode, 200);
    const secret = await clientKey(t, 'prod');
    const post = (
      url: string,
      body: unknown,
      headers: Record<string, string> = {},
      token: string | null = secret,
    ) => t.request('POST', url, body, { token, headers });

    let r = await post('/ofrep/v1/evaluate/flags', { context: { targetingKey: 'u-1' } });
    assert.equal(r.statusCode, 200);
    const etag = String(r.headers.etag);
    assert.deepEqual(
      r.json().flags.map((f: any) => [f.key, f.value]),
      [
        ['enable_email', true],
        ['ui_checkout', false],
        ['ui_new_exporter', false],
        ['ui_query_guarded', false],
      ],
    );
    r = await post(
      '/ofrep/v1/evaluate/flags',
      { context: { targetingKey: 'u-1' } },
      { 'if-none-match': etag },
    );
    assert.equal(r.statusCode, 304);
    r = await post(
      '/ofrep/v1/evaluate/flags',
      { context: { targetingKey: 'u-2' } },
      { 'if-none-match': etag },
    );
    assert.equal(r.statusCode, 200, 'another context is another representation');
    await t.request('POST', '/api/v1/flags/enable_email/environments/prod/off', { reason: 'test' });
    r = await post(
      '/ofrep/v1/evaluate/flags',
      { context: { targetingKey: 'u-1' } },
      { 'if-none-match': etag },
    );
    assert.equal(r.statusCode, 200, 'a change invalidates the ETag');
    assert.notEqual(r.headers.etag, etag);

    r = await post('/ofrep/v1/evaluate/flags/nope', { context: {} });
    assert.equal(r.statusCode, 404);
    assert.deepEqual(r.json(), {
      key: 'nope',
      errorCode: 'FLAG_NOT_FOUND',
      errorDetails: 'flag "nope" not found',
    });
    r = await post('/ofrep/v1/evaluate/flags/enable_email', { context: 'yes' });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().errorCode, 'INVALID_CONTEXT');
    r = await post('/ofrep/v1/evaluate/flags/enable_email', '{"context":', {}, secret);
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().key, 'enable_email');
    r = await post('/ofrep/v1/evaluate/flags/enable_email', {}, {}, null);
    assert.equal(r.statusCode, 401);
    r = await post('/ofrep/v1/evaluate/flags/enable_email', {}, {}, t.adminToken);
    assert.equal(r.statusCode, 401, 'API tokens are not client keys');
    r = await t.request(
      'POST',
      '/ofrep/v1/evaluate/flags/enable_email',
      {},
      { token: null, headers: { 'x-api-key': secret } },
    );
    assert.equal(r.statusCode, 200, 'X-API-Key is accepted too');

    // Rate-limited key: the bucket holds one second of requests.
    const limited = await clientKey(t, 'prod', 2);
    assert.equal((await post('/ofrep/v1/evaluate/flags/enable_email', {}, {}, limited)).statusCode, 200);
    assert.equal((await post('/ofrep/v1/evaluate/flags/enable_email', {}, {}, limited)).statusCode, 200);
    r = await post('/ofrep/v1/evaluate/flags/enable_email', {}, {}, limited);
    assert.equal(r.statusCode, 429);
    assert.equal(r.headers['retry-after'], '1');
    await t.advance(1000);
    assert.equal((await post('/ofrep/v1/evaluate/flags/enable_email', {}, {}, limited)).statusCode, 200);

    // Flag-set download for the SDK: its own environment only, with ETag.
    r = await t.request('GET', '/api/v1/flag-sets/prod', undefined, { token: secret });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().env, 'prod');
    assert.equal(r.json().flags.find((f: any) => f.key === 'enable_email').environments.prod.enabled, false);
    assert.equal(r.json().etag, r.headers.etag);
    const setTag = String(r.headers.etag);
    r = await t.request('GET', '/api/v1/flag-sets/prod', undefined, {
      token: secret,
      headers: { 'if-none-match': setTag },
    });
    assert.equal(r.statusCode, 304);
    r = await t.request('GET', '/api/v1/flag-sets/staging', undefined, { token: secret });
    assert.equal(r.statusCode, 403);

    // Revoked keys stop working at once on this replica.
    const keys = (await t.request('GET', '/api/v1/flag-keys')).json().items;
    assert.ok(keys.every((k: any) => !('secret' in k) && k.prefix.startsWith('vfk_')));
    await t.request('DELETE', `/api/v1/flag-keys/${keys[0].id}`);
    r = await post('/ofrep/v1/evaluate/flags/enable_email', {});
    assert.equal(r.statusCode, 401);
  } finally {
    await t.close();
  }
});
