import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getKind, KEY_PATTERNS } from '../modules/catalog/kinds.ts';
import { AjvModule } from './ajv.ts';
import { formatDiagnostics } from './diagnostics.ts';
import { loadPlan, loadPlanFromString } from './loader.ts';
import { SEVERITY_PRESETS } from './sections/index.ts';
import type { PlanObject } from './types.ts';

// The applier re-validates every object against the catalog's kind schemas; anything the plan
// loader accepts must pass there too, or the user gets an error without a file:line:column.
const ajv = AjvModule.create();

function assertCatalogAccepts(objects: PlanObject[]) {
  for (const o of objects) {
    const kind = getKind(o.kind);
    assert.ok(kind, `catalog knows kind ${o.kind}`);
    const validate = ajv.compile(kind.spec);
    assert.ok(validate(o.spec), `${o.kind} "${o.key}": ${ajv.errorsText(validate.errors)}`);
    assert.match(o.key, KEY_PATTERNS[kind.keyStyle], `${o.kind} key "${o.key}"`);
  }
}

describe('plan objects fit the catalog kinds', () => {
  it('quickstart objects', async () => {
    const r = await loadPlan(
      join(fileURLToPath(new URL('../../examples/quickstart/vigil.yaml', import.meta.url))),
    );
    assert.ok(r.ok, r.ok ? '' : formatDiagnostics(r.diagnostics));
    assertCatalogAccepts(r.plan.objects);
  });

  it('every severity preset', () => {
    for (const preset of Object.keys(SEVERITY_PRESETS)) {
      const r = loadPlanFromString(`severities: { preset: ${preset} }`);
      assert.ok(r.ok);
      assertCatalogAccepts(r.plan.objects);
    }
  });

  it('values at the loader’s limits', () => {
    const long = (n: number) => 'x'.repeat(n);
    const r = loadPlanFromString(`org: { name: ${long(200)}, base_url: "https://example.com/${long(1970)}" }
teams: [{ key: ${'a'.repeat(64)}, name: T, description: ${long(2000)} }]
environments: [{ key: prod, name: P, production: true, branch: ${long(200)}, order: -1 }]
users:
  - email: A@B.C
    name: N
    role: viewer
    time_zone: UTC
    teams: [${'a'.repeat(64)}]
    grants: [{ role: admin, team: ${'a'.repeat(64)}, environments: [prod] }]
services:
  - key: s
    name: S
    owner: ${'a'.repeat(64)}
    tier: 4
    tags: [${long(64)}]
    description: ${long(4000)}
    links: { ${long(100)}: "https://example.com" }
severities:
  levels: [{ key: ${'b'.repeat(32)}, label: ${long(100)}, rank: 99, response_target: 1h30m, description: ${long(2000)} }]
`);
    assert.ok(r.ok, r.ok ? '' : formatDiagnostics(r.diagnostics));
    assertCatalogAccepts(r.plan.objects);
  });

  it('rejects just past the limits in the loader, with a position', () => {
    const r = loadPlanFromString(`teams: [{ key: t, name: ${'x'.repeat(201)} }]\n`);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(`${r.diagnostics[0].line}:${r.diagnostics[0].column}`, '1:25');
  });
});
