import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { clientKey, FLAGS_PLAN, planBody } from '../../../src/modules/flags/test/fixture.ts';
import { createTestApp } from '../../../test/support/app.ts';
import { FlagSetError, VigilFlagsClient, VigilProvider } from './index.ts';

test('flags SDK: downloads the set, evaluates locally like OFREP, refreshes by ETag, works as a provider', async () => {
  const t = await createTestApp('sqlite');
  try {
    assert.equal((await t.request('POST', '/api/v1/apply', planBody(FLAGS_PLAN))).statusCode, 200);
    const secret = await clientKey(t, 'prod');
    await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    const baseUrl = `http://127.0.0.1:${(t.app.http.server.address() as { port: number }).port}`;
    let requests = 0;
    const counting: typeof fetch = (input, init) => {
      requests++;
      return fetch(input, init);
    };

    const client = new VigilFlagsClient({
      baseUrl,
      clientKey: secret,
      env: 'prod',
      pollIntervalMs: 0,
      fetch: counting,
    });
    assert.equal(client.evaluate('enable_email').reason, 'ERROR', 'nothing before the first download');
    await client.start();
    assert.equal(client.ready, true);
    // Same answers as the server's OFREP endpoint, without a request per evaluation.
    for (const [flag, ctx] of [
      ['enable_email', {}],
      ['ui_checkout', { email: 'ann@acme.test' }],
      ['ui_checkout', { email: 'bob@other.test' }],
      ['nope', {}],
    ] as const) {
      const wire = (
        await t.request('POST', `/ofrep/v1/evaluate/flags/${flag}`, { context: ctx }, { token: secret })
      ).json();
      const local = client.evaluate(flag, { ...ctx });
      assert.equal(local.value ?? null, wire.value ?? null, flag);
      assert.equal(
        local.reason === 'ERROR' ? local.errorCode : local.reason,
        wire.reason ?? wire.errorCode,
        flag,
      );
    }
    assert.equal(requests, 1);
    assert.equal(await client.refresh(), false, 'unchanged set: 304');
    await t.request('POST', '/api/v1/flags/enable_email/environments/prod/off', { reason: 'incident' });
    assert.equal(await client.refresh(), true);
    assert.equal(client.evaluate('enable_email').value, false);

    // As an OpenFeature provider.
    const provider = new VigilProvider({ baseUrl, clientKey: secret, env: 'prod', pollIntervalMs: 0 });
    let changes = 0;
    provider.events.addHandler(ProviderEvents.ConfigurationChanged, () => {
      changes++;
    });
    await OpenFeature.setProviderAndWait('vigil-sdk', provider);
    const of = OpenFeature.getClient('vigil-sdk');
    assert.equal(await of.getBooleanValue('enable_email', true), false);
    const d = await of.getBooleanDetails('ui_checkout', false, { email: 'ann@acme.test' });
    assert.deepEqual([d.value, d.reason, d.variant], [true, 'TARGETING_MATCH', 'on']);
    const wrongType = await of.getStringDetails('enable_email', 'dflt');
    assert.deepEqual([wrongType.value, wrongType.errorCode], ['dflt', 'TYPE_MISMATCH']);
    await t.request('DELETE', '/api/v1/flags/enable_email/environments/prod/override');
    const before = changes;
    assert.equal(await provider.client.refresh(), true);
    assert.equal(changes, before + 1, 'PROVIDER_CONFIGURATION_CHANGED on a new set');
    assert.equal(await of.getBooleanValue('enable_email', false), true);

    // A key for another environment is refused.
    const wrong = new VigilFlagsClient({ baseUrl, clientKey: secret, env: 'staging', pollIntervalMs: 0 });
    await assert.rejects(wrong.start(), (e: unknown) => e instanceof FlagSetError && e.status === 403);
  } finally {
    await OpenFeature.close();
    await t.close();
  }
});
