import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestApp } from '../../../test/support/app.ts';
import { envSummary } from '../../cli/commands/flags.ts';
import { FLAGS_PLAN, planBody } from './test/fixture.ts';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../../bin/vigil.mjs', import.meta.url));

test('vigil flag: off with an incident in the message, list, bad input exits 2', async () => {
  const t = await createTestApp('sqlite');
  try {
    assert.equal((await t.request('POST', '/api/v1/apply', planBody(FLAGS_PLAN))).statusCode, 200);
    await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(t.app.http.server.address() as { port: number }).port}`;
    const vigil = (...args: string[]) =>
      run(process.execPath, [bin, '--url', url, '--token', t.adminToken, ...args]);

    const out = await vigil(
      'flag',
      'off',
      'enable_email',
      '--env',
      'prod',
      '-m',
      'incident INC-2026-11-23-004: bounces',
    );
    assert.match(out.stdout, /enable_email is off in prod; recorded on INC-2026-11-23-004/);
    const inc = await t.app.services.timeline.forSubject('incident', 'INC-2026-11-23-004');
    assert.equal(inc[0]?.data.flag, 'enable_email');

    // Each CLI start loads every module through tsx (seconds), so the rest runs concurrently.
    const [list, bad, missing] = await Promise.allSettled([
      vigil('flag', 'list', '--type', 'kill-switch'),
      vigil('flag', 'eval', 'ui_checkout', '--context', '{nope'),
      vigil('flag', 'rollout', 'start', 'no_such_flag', '--env', 'prod'),
    ]);
    assert.equal(list.status, 'fulfilled');
    assert.match(
      (list as PromiseFulfilledResult<{ stdout: string }>).value.stdout,
      /enable_email\s+kill-switch\s+platform\s+prod:off\* staging:on/,
    );
    assert.equal(bad.status === 'rejected' && bad.reason.code, 2, 'malformed --context is bad input');
    assert.equal(missing.status === 'rejected' && missing.reason.code, 2);
    assert.match((missing as PromiseRejectedResult).reason.stderr, /does not exist/);
  } finally {
    await t.close();
  }
});

test('envSummary: on, off, override marker, percentage and rollout', () => {
  assert.equal(envSummary({ enabled: true, percentage: 100, override: null, rollout: null }), 'on');
  assert.equal(
    envSummary({ enabled: false, percentage: 0, override: { enabled: false }, rollout: null }),
    'off*',
  );
  assert.equal(
    envSummary({
      enabled: true,
      percentage: 10,
      override: null,
      rollout: { status: 'running', percentage: 10 },
    }),
    '10% (rollout 10% running)',
  );
});
