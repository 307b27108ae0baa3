/** Key styles of catalog kinds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY_PATTERNS } from './kinds.ts';

test('flag keys: teams’ own naming, but not the console paths /flags/new and /flags/flagd', () => {
  for (const ok of [
    'enable_email',
    'ui_new_exporter',
    'new_checkout',
    'newer',
    'flagd_import',
    'CF.maint:mode',
  ])
    assert.ok(KEY_PATTERNS.flag.test(ok), ok);
  for (const bad of ['new', 'flagd', '_leading', '', 'with space', 'x'.repeat(129)])
    assert.ok(!KEY_PATTERNS.flag.test(bad), bad);
});
