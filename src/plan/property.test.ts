import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { formatDiagnostics } from './diagnostics.ts';
import { loadPlanFromString } from './loader.ts';
import type { PlanLoadResult } from './types.ts';

/** Every diagnostic points inside the text (1-based line within the file, column within the line + 1). */
function assertWellFormed(text: string, r: PlanLoadResult): void {
  const lines = text.split('\n');
  const diags = r.ok ? r.warnings : r.diagnostics;
  if (!r.ok)
    assert.ok(
      r.diagnostics.some((d) => d.severity === 'error'),
      'a failed load has an error',
    );
  for (const d of diags) {
    assert.ok(
      Number.isInteger(d.line) && d.line >= 1 && d.line <= lines.length,
      `line ${d.line} in ${lines.length}`,
    );
    const lineText = lines[d.line - 1].replace(/\r$/, '');
    assert.ok(
      d.column >= 1 && d.column <= lineText.length + 1,
      `column ${d.column} of ${JSON.stringify(lineText)}`,
    );
    assert.equal(typeof d.message, 'string');
    assert.ok(d.message.length > 0);
  }
  assert.equal(typeof formatDiagnostics(diags), 'string');
}

// Fragments that make the random text look like a plan, so the parser and validator go deep.
const fragment = fc.constantFrom(
  'teams:',
  'services:',
  'users:',
  'org:',
  'severities:',
  'environments:',
  'prune:',
  'version:',
  '- ',
  '  ',
  'key: ',
  'name: ',
  'owner: ',
  'email: ',
  'role: ',
  'links:',
  'preset: p0-p3',
  'api',
  'platform',
  '\n',
  '\n  ',
  '\n    ',
  '[',
  ']',
  '{',
  '}',
  ',',
  ': ',
  '"',
  "'",
  '#',
  '&a ',
  '*a',
  '<<: ',
  '!tag ',
  '---\n',
  '\t',
  '|\n',
  '? ',
  '1',
  'true',
  'null',
  'ü',
  '\r\n',
);

describe('loader properties', () => {
  it('never throws on YAML-ish text and positions every diagnostic inside the file', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fragment, fc.string({ maxLength: 6 })), { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        assertWellFormed(text, loadPlanFromString(text));
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on arbitrary JSON values written as YAML', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = stringify(value);
        assertWellFormed(text, loadPlanFromString(text));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on plan-shaped values with random leaves', () => {
    const leaf = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
    const item = fc.dictionary(
      fc.constantFrom(
        'key',
        'name',
        'owner',
        'email',
        'role',
        'teams',
        'tier',
        'links',
        'ownr',
        'grants',
        'time_zone',
      ),
      fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), leaf)),
    );
    const plan = fc.dictionary(
      fc.constantFrom(
        'teams',
        'services',
        'users',
        'environments',
        'org',
        'severities',
        'prune',
        'version',
        'servces',
      ),
      fc.oneof(fc.array(item, { maxLength: 4 }), item, leaf),
    );
    fc.assert(
      fc.property(plan, (value) => {
        const text = stringify(value);
        assertWellFormed(text, loadPlanFromString(text));
      }),
      { numRuns: 300 },
    );
  });
});
