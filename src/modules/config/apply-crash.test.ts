import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createTestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';

testBothDbs('apply: kill -9 in the middle of an apply leaves the previous state intact', async (h) => {
  const t = await createTestApp(h);
  try {
    await t.request('POST', '/api/v1/teams', { key: 'ops', name: 'Ops' });
    await t.request('POST', '/api/v1/services', { key: 'kept', name: 'Kept', owner: 'ops' });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/apply-and-hang.ts', JSON.stringify(h.options)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        if (String(d).includes('mid')) resolve();
        if (String(d).includes('finished'))
          reject(new Error('child finished the apply before it could be killed'));
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
    });
    const exited = new Promise((r) => child.on('exit', (_code, signal) => r(signal)));
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    const services = (await t.request('GET', '/api/v1/services?limit=500'))
      .json()
      .items.map((s: any) => s.key);
    assert.deepEqual(services, ['kept']);
    assert.equal((await t.request('GET', '/api/v1/teams/big')).statusCode, 404);
    assert.equal((await t.request('GET', '/api/v1/audit/verify')).json().ok, true);
    // The store is healthy afterwards: writes succeed.
    assert.equal((await t.request('POST', '/api/v1/teams', { key: 'after', name: 'After' })).statusCode, 201);
  } finally {
    await t.close();
  }
});
