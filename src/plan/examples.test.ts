import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatDiagnostics } from './diagnostics.ts';
import { diffPlan } from './diff.ts';
import { loadPlan } from './loader.ts';
import { renderPlan } from './render.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const BROKEN = join(EXAMPLES, 'broken');

describe('examples/broken', () => {
  const expected = JSON.parse(readFileSync(join(BROKEN, 'expected.json'), 'utf8')) as Record<
    string,
    Array<{ line: number; column: number; message: string }>
  >;
  delete expected.$comment;

  it('has an expectation for every broken file', () => {
    const files = readdirSync(BROKEN)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    assert.deepEqual(files, Object.keys(expected).sort());
  });

  for (const [file, want] of Object.entries(expected)) {
    it(`${file} yields exactly the expected diagnostics`, async () => {
      const r = await loadPlan(join(BROKEN, file));
      assert.equal(r.ok, false);
      if (r.ok) return;
      const text = formatDiagnostics(r.diagnostics);
      assert.equal(r.diagnostics.length, want.length, text);
      r.diagnostics.forEach((d, i) => {
        assert.equal(d.file, join(BROKEN, file));
        assert.equal(`${d.line}:${d.column}`, `${want[i].line}:${want[i].column}`, text);
        assert.ok(d.message.includes(want[i].message), `${d.message} should contain ${want[i].message}`);
        assert.equal(d.severity, 'error');
      });
      // The compiler-style output names the file and position and shows a caret.
      assert.ok(text.startsWith(`${join(BROKEN, file)}:${want[0].line}:${want[0].column}: error: `), text);
      assert.match(text, /\n\s+\|\s+\^/);
    });
  }
});

describe('examples/quickstart', () => {
  it('is a valid plan with the advertised contents', async () => {
    // The foundation file; the modules' files are checked in test/e2e/examples.test.ts.
    const r = await loadPlan(join(EXAMPLES, 'quickstart', 'vigil.yaml'));
    assert.ok(r.ok, r.ok ? '' : formatDiagnostics(r.diagnostics));
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.plan.files, ['vigil.yaml']);
    const count = (kind: string) => r.plan.objects.filter((o) => o.kind === kind).length;
    assert.deepEqual(
      ['org', 'severity', 'team', 'user', 'service', 'environment'].map(count),
      [1, 4, 2, 3, 4, 3],
    );
    const plan = renderPlan(diffPlan([], r.plan.objects, { prune: r.plan.prune }));
    assert.match(plan, /Plan: 17 to create, 0 to change, 0 to delete, 0 to adopt\.$/);
  });
});
