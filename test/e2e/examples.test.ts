/** Every example plan validates and applies cleanly to a fresh Vigil (the server re-checks each object). */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadModules } from '../../src/modules/registry.ts';
import { formatDiagnostics, loadPlan } from '../../src/plan/index.ts';
import { createTestApp } from '../support/app.ts';

const dirs = readdirSync('examples', { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'broken')
  .map((d) => d.name)
  .sort();

for (const dir of dirs) {
  test(`examples/${dir} validates and applies, and re-applying changes nothing`, async () => {
    await loadModules();
    const res = await loadPlan(join('examples', dir));
    assert.ok(res.ok, res.ok ? '' : formatDiagnostics(res.diagnostics));
    const t = await createTestApp('sqlite');
    try {
      const body = { objects: res.plan.objects, prune: res.plan.prune, files: res.plan.files };
      const r = await t.request('POST', '/api/v1/apply', body);
      assert.equal(r.statusCode, 200, r.body);
      const again = (await t.request('POST', '/api/v1/plan', body)).json();
      assert.equal(again.summary.create + again.summary.update + again.summary.delete, 0, again.text);
    } finally {
      await t.close();
    }
  });
}
