import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { didYouMean, formatDiagnostics, sortDiagnostics } from './diagnostics.ts';
import type { PlanDiagnostic } from './types.ts';

const diag = (over: Partial<PlanDiagnostic>): PlanDiagnostic => ({
  file: 'vigil.yaml',
  line: 1,
  column: 1,
  message: 'm',
  severity: 'error',
  path: '',
  ...over,
});

describe('didYouMean', () => {
  it('suggests close matches only', () => {
    assert.equal(didYouMean('ownr', ['key', 'name', 'owner']), 'owner');
    assert.equal(didYouMean('Servces', ['teams', 'services']), 'services');
    assert.equal(didYouMean('foo', ['key', 'name', 'owner']), undefined);
    assert.equal(didYouMean('x', []), undefined);
  });
});

describe('formatDiagnostics', () => {
  it('prints compiler-style lines with the source excerpt and a caret', () => {
    const out = formatDiagnostics([
      diag({
        line: 12,
        column: 5,
        message: 'unknown key "ownr" in service — did you mean "owner"?',
        excerpt: '    ownr: platform',
        expected: 'one of: key, name, owner',
        hint: 'rename "ownr" to "owner"',
      }),
      diag({ line: 3, column: 2, severity: 'warning', message: 'w' }),
    ]);
    assert.equal(
      out,
      [
        'vigil.yaml:12:5: error: unknown key "ownr" in service — did you mean "owner"?',
        '  12 |     ownr: platform',
        '     |     ^',
        '  expected: one of: key, name, owner',
        '  hint: rename "ownr" to "owner"',
        'vigil.yaml:3:2: warning: w',
        '',
        '1 error, 1 warning',
      ].join('\n'),
    );
  });

  it('lines the caret up under tab-indented text and colours only on request', () => {
    const d = diag({ column: 3, excerpt: '\t\tx' });
    assert.match(formatDiagnostics([d]), /\| {3}x\n {5}\| {3}\^/);
    assert.doesNotMatch(formatDiagnostics([d]), /\x1b/);
    assert.match(formatDiagnostics([d], { color: true }), /\x1b\[31merror/);
    assert.equal(formatDiagnostics([]), '');
  });

  it('sorts by file, line and column', () => {
    const sorted = sortDiagnostics([
      diag({ file: 'b.yaml' }),
      diag({ line: 3 }),
      diag({ line: 2, column: 9 }),
      diag({ line: 2, column: 1 }),
    ]);
    assert.deepEqual(
      sorted.map((d) => `${d.file}:${d.line}:${d.column}`),
      ['b.yaml:1:1', 'vigil.yaml:2:1', 'vigil.yaml:2:9', 'vigil.yaml:3:1'],
    );
  });
});
