/**
 * Runs Prometheus' PromQL conformance scripts (../shared/testdata/promql, Prometheus v3.5.5) through
 * the engine. Every case must pass unless it is native-histogram or listed in SKIPS with a reason.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runScript, type SkipEntry } from './promqltest.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
/** The reference scripts; PROMQL_TESTDATA_DIR overrides the location (e.g. another checkout). */
const dataDir =
  process.env.PROMQL_TESTDATA_DIR ?? path.resolve(repoRoot, '..', 'shared', 'testdata', 'promql');

/** Files in scope (float samples); the others need native histograms or experimental features. */
export const IN_SCOPE = [
  'aggregators.test',
  'at_modifier.test',
  'collision.test',
  'functions.test',
  'histograms.test',
  'limit.test',
  'literals.test',
  'operators.test',
  'range_queries.test',
  'selectors.test',
  'staleness.test',
  'subquery.test',
  'trig_functions.test',
];

/** Reviewed list of cases we knowingly do not pass yet (file + line of the eval command). */
export const SKIPS: SkipEntry[] = [];

if (!existsSync(dataDir)) {
  test('promql conformance scripts', (t) => {
    const msg = `PromQL reference data missing at ${dataDir}`;
    if (process.env.CI === 'true') assert.fail(`${msg} (required under CI)`);
    t.skip(msg);
  });
} else {
  for (const file of IN_SCOPE) {
    test(`promql conformance: ${file}`, () => {
      const results = runScript(file, readFileSync(path.join(dataDir, file), 'utf8'), SKIPS);
      const count = (s: string) => results.filter((r) => r.status === s).length;
      const reasons = new Map<string, number>();
      for (const r of results)
        if (r.status === 'skip') reasons.set(r.detail!, (reasons.get(r.detail!) ?? 0) + 1);
      const why = [...reasons].map(([reason, n]) => `${n} ${reason}`).join(', ');
      console.log(
        `promql ${file}: ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped${why ? ` (${why})` : ''}`,
      );
      // Skip-list entries are printed one by one so every deliberate skip stays visible.
      for (const r of results) {
        if (r.status === 'skip' && r.detail !== 'native histogram')
          console.log(`  skipped ${r.file}:${r.line} ${r.query}: ${r.detail}`);
      }
      const failures = results.filter((r) => r.status === 'fail');
      assert.equal(
        failures.length,
        0,
        failures.map((f) => `${f.file}:${f.line} ${f.query}\n    ${f.detail}`).join('\n'),
      );
    });
  }
}
