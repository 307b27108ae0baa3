import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runRuleTests } from './unit-test.ts';

const root = join(import.meta.dirname, '../../../examples');
const files = readdirSync(root)
  .map((d) => join(root, d, '.tests', 'alerts.test.yaml'))
  .filter((f) => existsSync(f));

test('every guide with an alert table has rule unit tests', () => {
  for (const guide of ['watchpoint', 'civicforge', 'forgefactory', 'wiretuner'])
    assert.ok(
      files.some((f) => f.includes(`/${guide}/`)),
      `examples/${guide}/.tests/alerts.test.yaml is missing`,
    );
});

for (const f of files) {
  test(`rule unit tests pass: ${f.slice(root.length + 1)}`, async () => {
    const r = await runRuleTests(f);
    assert.ok(r.tests > 0);
    assert.deepEqual(r.failures, []);
  });
}
