import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { formatDiagnostics } from './diagnostics.ts';
import { loadPlanFromString } from './loader.ts';
import { SectionRegistry } from './registry.ts';
import { Obj, Slug } from './schema-helpers.ts';
import { registerFoundationSections, SEVERITY_PRESETS } from './sections/index.ts';
import type { PlanLoadResult, PlanObject } from './types.ts';

function objects(r: PlanLoadResult, kind?: string): PlanObject[] {
  assert.ok(r.ok, r.ok ? '' : formatDiagnostics(r.diagnostics));
  return r.plan.objects.filter((o) => !kind || o.kind === kind);
}

const ladder = (r: PlanLoadResult) =>
  objects(r, 'severity').map((o) => `${o.key}:${o.spec.label}:${o.spec.rank}:${o.spec.response_target}`);

describe('severities', () => {
  it('ships the four presets with the guides’ response targets', () => {
    assert.deepEqual(Object.keys(SEVERITY_PRESETS), ['p0-p3', 'p1-p4', 'sev1-4', 'severity1-3']);
    assert.deepEqual(ladder(loadPlanFromString('severities:\n  preset: p0-p3\n')), [
      'p0:P0:0:5m',
      'p1:P1:1:15m',
      'p2:P2:2:1h',
      'p3:P3:3:24h',
    ]);
    assert.deepEqual(ladder(loadPlanFromString('severities: { preset: p1-p4 }')), [
      'p1:P1:0:15m',
      'p2:P2:1:1h',
      'p3:P3:2:4h',
      'p4:P4:3:next_business_day',
    ]);
    assert.deepEqual(ladder(loadPlanFromString('severities: { preset: sev1-4 }')), [
      'sev1:SEV-1:0:5m',
      'sev2:SEV-2:1:15m',
      'sev3:SEV-3:2:1h',
      'sev4:SEV-4:3:next_business_day',
    ]);
    assert.deepEqual(ladder(loadPlanFromString('severities: { preset: severity1-3 }')), [
      'severity1:Severity 1:0:5m',
      'severity2:Severity 2:1:15m',
      'severity3:Severity 3:2:24h',
    ]);
  });

  it('computes response_target_ms (null for next_business_day)', () => {
    const sev = objects(loadPlanFromString('severities: { preset: p1-p4 }'), 'severity');
    assert.deepEqual(
      sev.map((o) => o.spec.response_target_ms ?? null),
      [15 * 60_000, 3_600_000, 4 * 3_600_000, null],
    );
  });

  it('lets levels override and extend a preset', () => {
    const r = loadPlanFromString(
      'severities:\n  preset: p0-p3\n  levels:\n    - key: p3\n      response_target: 48h\n    - key: p4\n      label: P4\n      rank: 4\n      response_target: next_business_day\n',
    );
    assert.deepEqual(ladder(r), [
      'p0:P0:0:5m',
      'p1:P1:1:15m',
      'p2:P2:2:1h',
      'p3:P3:3:48h',
      'p4:P4:4:next_business_day',
    ]);
    const p3 = objects(r, 'severity').find((o) => o.key === 'p3')!;
    assert.equal(p3.source.line, 4);
  });

  it('requires label, rank and response_target for a level the preset does not have', () => {
    const r = loadPlanFromString('severities:\n  preset: p0-p3\n  levels: [{ key: p9, label: P9 }]\n');
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.diagnostics.length, 1);
      assert.equal(`${r.diagnostics[0].line}:${r.diagnostics[0].column}`, '3:12');
      assert.match(
        r.diagnostics[0].message,
        /missing required keys "rank", "response_target" in severity level "p9"/,
      );
      assert.match(r.diagnostics[0].hint ?? '', /not a level of preset p0-p3/);
    }
  });

  it('accepts explicit levels without a preset and rejects duplicate ranks', () => {
    const ok = loadPlanFromString(
      'severities:\n  levels:\n    - { key: high, label: High, rank: 0, response_target: 10m }\n    - { key: low, label: Low, rank: 1, response_target: 1d }\n',
    );
    assert.deepEqual(ladder(ok), ['high:High:0:10m', 'low:Low:1:1d']);
    const bad = loadPlanFromString(
      'severities:\n  levels:\n    - { key: high, label: High, rank: 0, response_target: 10m }\n    - { key: low, label: Low, rank: 0, response_target: 1d }\n',
    );
    assert.equal(bad.ok, false);
    if (!bad.ok) {
      assert.equal(bad.diagnostics.length, 1);
      assert.match(bad.diagnostics[0].message, /rank 0 is used by both "high" and "low"/);
      assert.equal(bad.diagnostics[0].line, 4);
    }
  });
});

describe('foundation sections', () => {
  it('normalises org, users and services', () => {
    const r = loadPlanFromString(`org:
  name: Acme
  base_url: https://vigil.acme.test/
teams:
  - key: platform
    name: Platform
environments:
  - key: prod
    name: Production
users:
  - email: Ada.Lovelace@Acme.TEST
    name: Ada
    role: admin
    time_zone: Europe/London
    teams: [platform]
    grants:
      - role: operator
        team: platform
        environments: [prod]
services:
  - key: api
    name: API
    owner: platform
    tier: 1
    tags: [public, core]
    links:
      repository: https://git.acme.test/api
      dashboard: https://grafana.acme.test/d/api
  - key: web
    name: Web
    owner: platform
    links:
      - title: Runbook
        url: https://wiki.acme.test/web
`);
    const all = objects(r);
    const get = (kind: string, key: string) => all.find((o) => o.kind === kind && o.key === key)?.spec;
    assert.deepEqual(get('org', 'default'), { name: 'Acme', base_url: 'https://vigil.acme.test' });
    assert.deepEqual(get('environment', 'prod'), { name: 'Production', production: false });
    assert.deepEqual(get('user', 'ada.lovelace@acme.test'), {
      email: 'ada.lovelace@acme.test',
      name: 'Ada',
      time_zone: 'Europe/London',
      role: 'admin',
      teams: ['platform'],
      grants: [{ role: 'operator', team: 'platform', environments: ['prod'] }],
    });
    assert.deepEqual(get('service', 'api'), {
      name: 'API',
      owner: 'platform',
      tier: 1,
      tags: ['public', 'core'],
      links: [
        { title: 'repository', url: 'https://git.acme.test/api' },
        { title: 'dashboard', url: 'https://grafana.acme.test/d/api' },
      ],
    });
    assert.deepEqual(get('service', 'web')?.links, [{ title: 'Runbook', url: 'https://wiki.acme.test/web' }]);
  });

  it('rejects tiers outside 1..4 and duplicate tags', () => {
    const r = loadPlanFromString(
      'teams: [{ key: t, name: T }]\nservices:\n  - { key: a, name: A, owner: t, tier: 5, tags: [x, x] }\n',
    );
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.deepEqual(
        r.diagnostics.map((d) => d.path),
        ['services[0].tier', 'services[0].tags'],
      );
    }
  });
});

describe('section registry', () => {
  const registry = new SectionRegistry();
  registerFoundationSections(registry);
  registry.register({
    key: 'checks',
    kinds: ['check'],
    singleton: false,
    schema: Type.Array(Obj('check', { key: Slug(), service: Slug(), url: Type.String() })),
    toObjects: (value: Array<{ key: string; service: string; url: string }>, ctx) =>
      value.map((c, i) => ctx.object('check', c.key, { service: c.service, url: c.url }, [i])),
    references: (o) => [{ kind: 'service', key: String(o.spec.service), path: 'service' }],
  });

  it('adds kinds after the foundation kinds', () => {
    assert.deepEqual(registry.kindOrder(), [
      'org',
      'severity',
      'team',
      'environment',
      'user',
      'service',
      'check',
    ]);
  });

  it('validates and cross-references a registered section', () => {
    const text =
      'teams: [{ key: t, name: T }]\nservices: [{ key: api, name: API, owner: t }]\nchecks:\n  - key: health\n    service: apii\n    url: https://x.test\n';
    const r = loadPlanFromString(text, 'vigil.yaml', { registry });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.diagnostics.length, 1);
      assert.match(
        r.diagnostics[0].message,
        /unknown service "apii" referenced by check "health" — did you mean "api"\?/,
      );
      assert.equal(`${r.diagnostics[0].line}:${r.diagnostics[0].column}`, '5:14');
    }
    const fixed = loadPlanFromString(text.replace('apii', 'api'), 'vigil.yaml', { registry });
    assert.equal(objects(fixed, 'check').length, 1);
    // The default registry does not know the section.
    assert.equal(loadPlanFromString(text.replace('apii', 'api')).ok, false);
  });

  it('refuses to register a key twice or a reserved key', () => {
    assert.throws(() => registry.register({ ...registry.get('teams')! }), /already registered/);
    assert.throws(() => registry.register({ ...registry.get('teams')!, key: 'prune' }), /reserved/);
  });

  it('emits a combined JSON Schema without TypeBox symbols', () => {
    const schema = registry.planSchema() as any;
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(Object.keys(schema.properties), [
      'version',
      'prune',
      'org',
      'severities',
      'teams',
      'environments',
      'users',
      'services',
      'checks',
    ]);
    assert.equal(
      schema.properties.services.items.properties.owner.pattern,
      '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$',
    );
    assert.equal(Object.getOwnPropertySymbols(schema.properties.teams).length, 0);
  });
});
