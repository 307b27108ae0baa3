/**
 * Route schemas compile on first use. These tests prove the deferred path still validates (400
 * with the field errors) and that every schema of every module compiles, so deferring never turns
 * an invalid schema into a 500 at run time.
 */
import assert from 'node:assert/strict';
import { createTestApp } from '../../test/support/app.ts';
import { testBothDbs } from '../../test/support/db.ts';
import { compilePending } from './lazy-validators.ts';

testBothDbs('route schemas compile on first use and all of them compile', async (h) => {
  const t = await createTestApp(h);
  try {
    await t.app.http.ready();
    const res = await t.request('POST', '/api/v1/teams', { key: 42, name: ['not', 'a', 'string'] });
    assert.equal(res.statusCode, 400);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    const problem = res.json();
    assert.ok(Array.isArray(problem.errors) && problem.errors.length > 0, res.body);
    // The same route, now compiled, accepts a valid body.
    const ok = await t.request('POST', '/api/v1/teams', { key: 'lazy', name: 'Lazy' });
    assert.equal(ok.statusCode, 201, ok.body);

    const compiled = compilePending();
    assert.ok(compiled > 100, `expected the modules' route schemas to be pending, got ${compiled}`);
    assert.equal(compilePending(), 0);
  } finally {
    await t.close();
  }
});
