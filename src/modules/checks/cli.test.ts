/** The `vigil checks` verbs against an in-process Vigil (real HTTP on 127.0.0.1). */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createTestApp } from '../../../test/support/app.ts';
import { runCommand } from '../../../test/support/cli.ts';
import { CliError } from '../../cli/client.ts';
import { register } from '../../cli/commands/checks.ts';
import type { GlobalOpts } from '../../cli/main.ts';

const run = (g: GlobalOpts, args: string[]) => runCommand(register, g, args);

test('vigil checks list / run / pause / resume', async () => {
  const t = await createTestApp('sqlite');
  const target = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  try {
    await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(t.app.http.server.address() as AddressInfo).port}`;
    const g: GlobalOpts = { url, token: t.adminToken, output: 'table' };
    const tport = (target.address() as AddressInfo).port;
    await t.request('POST', '/api/v1/checks', {
      key: 'web',
      type: 'http',
      url: `http://127.0.0.1:${tport}/`,
    });
    await t.request('POST', '/api/v1/heartbeats', { key: 'job', period: '1h' });

    let r = await run(g, ['checks', 'run', 'web']);
    assert.equal(r.error, null, r.error?.message);
    assert.match(r.out, /\bup\b/);
    r = await run(g, ['checks', 'list']);
    assert.match(r.out, /web\s+http\s+-\s+up/);
    assert.match(r.out, /job\s+heartbeat\s+-\s+new/);
    r = await run(g, ['checks', 'pause', 'job']);
    assert.equal(r.error, null, r.error?.message);
    assert.match(r.out, /job\s+heartbeat\s+paused/);
    r = await run({ ...g, output: 'json' }, ['checks', 'list', '--state', 'paused']);
    assert.deepEqual(
      JSON.parse(r.out).items.map((i: any) => i.key),
      ['job'],
    );
    r = await run(g, ['checks', 'resume', 'job']);
    assert.match(r.out, /job\s+heartbeat\s+new/);
    r = await run(g, ['checks', 'list', '--state', 'sideways']);
    assert.ok(r.error instanceof CliError && r.error.exitCode === 2);
    r = await run(g, ['checks', 'run', 'missing']);
    assert.ok(r.error instanceof CliError && r.error.exitCode === 2);
  } finally {
    target.close();
    await t.close();
  }
});
