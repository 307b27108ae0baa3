import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatDiagnostics } from './diagnostics.ts';
import { loadPlan, loadPlanFromInputs, loadPlanFromString } from './loader.ts';
import type { PlanDiagnostic, PlanLoadResult } from './types.ts';

const BASE = `teams:
  - key: platform
    name: Platform
environments:
  - key: prod
    name: Production
    production: true
`;

function errors(r: PlanLoadResult): PlanDiagnostic[] {
  assert.equal(r.ok, false, 'expected the plan to be rejected');
  return r.ok ? [] : r.diagnostics.filter((d) => d.severity === 'error');
}

/** Each case: YAML, then exactly one expected error at line:column whose message contains `msg`. */
const CASES: Array<{ name: string; yaml: string; at: string; msg: RegExp; hint?: RegExp; path?: string }> = [
  { name: 'YAML syntax', yaml: 'teams: [a\nusers: []\n', at: '2:1', msg: /YAML syntax error/ },
  {
    name: 'tab indentation',
    yaml: 'teams:\n\t- key: a\n',
    at: '2:1',
    msg: /YAML syntax error/,
    hint: /spaces/,
  },
  {
    name: 'duplicate map key',
    yaml: `${BASE}org:\n  name: A\n  name: B\n`,
    at: '10:3',
    msg: /duplicate key "name"/,
  },
  {
    name: 'unknown section',
    yaml: `${BASE}servces: []\n`,
    at: '8:1',
    msg: /unknown section "servces" — did you mean "services"\?/,
  },
  {
    name: 'unknown key with did-you-mean',
    yaml: `${BASE}services:\n  - key: api\n    name: API\n    ownr: platform\n`,
    at: '11:5',
    msg: /unknown key "ownr" in service — did you mean "owner"\?/,
    path: 'services[0].ownr',
  },
  {
    name: 'missing required key',
    yaml: `${BASE}services:\n  - key: api\n    name: API\n`,
    at: '9:5',
    msg: /missing required key "owner" in service/,
    path: 'services[0]',
  },
  {
    name: 'wrong type',
    yaml: `${BASE}services:\n  - key: api\n    name: API\n    owner: platform\n    tier: high\n`,
    at: '12:11',
    msg: /wrong type for "tier": expected an integer, got the string "high"/,
  },
  {
    name: 'boolean written as yes',
    yaml: 'environments:\n  - key: prod\n    name: Prod\n    production: yes\n',
    at: '4:17',
    msg: /expected true or false/,
    hint: /true or false/,
  },
  {
    name: 'section of the wrong shape',
    yaml: 'teams:\n  platform:\n    name: Platform\n',
    at: '2:3',
    msg: /wrong type for "teams": expected a list, got a mapping/,
  },
  {
    name: 'list item of the wrong shape',
    yaml: 'services:\n  - api\n',
    at: '2:5',
    msg: /wrong type for "services\[0\]": expected a mapping, got the string "api"/,
  },
  {
    name: 'bad enum',
    yaml: `${BASE}users:\n  - email: ada@example.com\n    name: Ada\n    role: admn\n`,
    at: '11:11',
    msg: /invalid value "admn" for "role" — did you mean "admin"\?/,
  },
  {
    name: 'bad slug',
    yaml: 'teams:\n  - key: Payments Team\n    name: Payments\n',
    at: '2:10',
    msg: /invalid value "Payments Team" for "key": expected a slug/,
    hint: /use "payments-team"/,
  },
  {
    name: 'bad URL',
    yaml: 'org:\n  name: Acme\n  base_url: vigil.acme.test\n',
    at: '3:13',
    msg: /expected an absolute URL/,
  },
  {
    name: 'bad duration',
    yaml: 'severities:\n  levels:\n    - key: p1\n      label: P1\n      rank: 0\n      response_target: 5 minutes\n',
    at: '6:24',
    msg: /invalid value "5 minutes" for "response_target": expected a duration/,
  },
  {
    name: 'unsupported version',
    yaml: `version: 2\n${BASE}`,
    at: '1:10',
    msg: /unsupported plan version 2/,
  },
  {
    name: 'dangling owner',
    yaml: `${BASE}services:\n  - key: api\n    name: API\n    owner: platfrom\n`,
    at: '11:12',
    msg: /unknown team "platfrom" referenced by service "api" — did you mean "platform"\?/,
    path: 'services[0].owner',
  },
  {
    name: 'dangling user team in a flow list',
    yaml: `${BASE}users:\n  - email: ada@example.com\n    name: Ada\n    role: admin\n    teams: [platform, sre]\n`,
    at: '12:23',
    msg: /unknown team "sre" referenced by user "ada@example.com"/,
  },
  {
    name: 'dangling grant environment',
    yaml: `${BASE}users:\n  - email: ada@example.com\n    name: Ada\n    role: viewer\n    grants:\n      - role: operator\n        environments:\n          - staging\n`,
    at: '15:13',
    msg: /unknown environment "staging"/,
    path: 'users[0].grants[0].environments[0]',
  },
  {
    name: 'duplicate service key',
    yaml: `${BASE}services:\n  - key: api\n    name: API\n    owner: platform\n  - key: api\n    name: API 2\n    owner: platform\n`,
    at: '12:5',
    msg: /duplicate service "api": already declared at vigil.yaml:9:5/,
  },
  {
    name: 'bad time zone',
    yaml: 'users:\n  - email: ada@example.com\n    name: Ada\n    role: admin\n    time_zone: Europe/Berln\n',
    at: '5:16',
    msg: /unknown time zone "Europe\/Berln" — did you mean "Europe\/Berlin"\?/,
  },
  {
    name: 'unknown prune kind',
    yaml: `prune: [team, servce]\n${BASE}`,
    at: '1:15',
    msg: /unknown kind "servce" in prune — did you mean "service"\?/,
  },
  {
    name: 'plan file that is a list',
    yaml: '- teams\n',
    at: '1:1',
    msg: /a plan file must be a mapping of sections/,
  },
  {
    name: 'severities with neither preset nor levels',
    yaml: 'severities: {}\n',
    at: '1:13',
    msg: /needs a "preset" or a list of "levels"/,
  },
  {
    name: 'bad severity preset',
    yaml: 'severities:\n  preset: p0-p4\n',
    at: '2:11',
    msg: /invalid value "p0-p4" for "preset"/,
  },
  {
    name: 'links map with a bad URL',
    yaml: `${BASE}services:\n  - key: api\n    name: API\n    owner: platform\n    links:\n      repository: github.com/acme/api\n`,
    at: '13:19',
    msg: /invalid value "github.com\/acme\/api" for "repository": expected an absolute URL/,
  },
  {
    name: 'links list entry missing url',
    yaml: `${BASE}services:\n  - key: api\n    name: API\n    owner: platform\n    links:\n      - title: Repo\n`,
    at: '13:9',
    msg: /missing required key "url" in link/,
  },
];

describe('loadPlanFromString diagnostics', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const errs = errors(loadPlanFromString(c.yaml));
      assert.equal(errs.length, 1, `expected one error, got:\n${formatDiagnostics(errs)}`);
      const [d] = errs;
      assert.equal(`${d.line}:${d.column}`, c.at, formatDiagnostics(errs));
      assert.match(d.message, c.msg);
      assert.equal(d.file, 'vigil.yaml');
      if (c.hint) assert.match(d.hint ?? '', c.hint);
      if (c.path) assert.equal(d.path, c.path);
      assert.equal(d.excerpt, c.yaml.split('\n')[d.line - 1]);
    });
  }

  it('reports every error at once, sorted by position', () => {
    const errs = errors(
      loadPlanFromString(
        'teams:\n  - key: A\n    name: x\n    nam: y\nusers:\n  - email: nope\n    name: N\n    role: r\n',
      ),
    );
    assert.deepEqual(
      errs.map((d) => `${d.line}:${d.column}`),
      ['2:10', '4:5', '6:12', '8:11'],
    );
  });

  it('lists allowed keys and a fix in expected/hint', () => {
    const [d] = errors(loadPlanFromString('teams:\n  - key: a\n    name: A\n    descripton: x\n'));
    assert.equal(d.expected, 'one of: key, name, description');
    assert.equal(d.hint, 'rename "descripton" to "description"');
  });

  it('does not cascade: a broken teams section does not make every owner dangling', () => {
    const errs = errors(
      loadPlanFromString(
        'teams:\n  - key: Platform\n    name: P\nservices:\n  - key: api\n    name: A\n    owner: platform\n',
      ),
    );
    assert.equal(errs.length, 1);
    assert.equal(errs[0].line, 2);
  });
});

describe('loadPlanFromString success', () => {
  it('accepts an empty plan and defaults version and prune', () => {
    const r = loadPlanFromString('');
    assert.ok(r.ok);
    assert.equal(r.plan.version, 1);
    assert.equal(r.plan.prune, false);
    assert.deepEqual(r.plan.objects, []);
  });

  it('treats an empty list section as no objects', () => {
    const r = loadPlanFromString('teams:\nservices: []\n');
    assert.ok(r.ok);
  });

  it('records source positions and paths of objects', () => {
    const r = loadPlanFromString(
      `${BASE}services:\n  - key: api\n    name: API\n    owner: platform\n`,
      'ops.yaml',
    );
    assert.ok(r.ok);
    const svc = r.plan.objects.find((o) => o.kind === 'service')!;
    assert.deepEqual(svc.source, { file: 'ops.yaml', line: 9, column: 5, path: 'services[0]' });
    assert.deepEqual(svc.spec, { name: 'API', owner: 'platform' });
    assert.deepEqual(r.plan.files, ['ops.yaml']);
  });

  it('accepts prune as a list of kinds', () => {
    const r = loadPlanFromString(`prune: [service, team]\n${BASE}`);
    assert.ok(r.ok);
    assert.deepEqual(r.plan.prune, ['service', 'team']);
  });

  it('supports anchors and merge keys', () => {
    const r = loadPlanFromString(
      `${BASE}services:\n  - &svc\n    key: api\n    name: API\n    owner: platform\n  - <<: *svc\n    key: web\n`,
    );
    assert.ok(r.ok, r.ok ? '' : formatDiagnostics(r.diagnostics));
    assert.deepEqual(
      r.plan.objects.filter((o) => o.kind === 'service').map((o) => [o.key, o.spec.owner]),
      [
        ['api', 'platform'],
        ['web', 'platform'],
      ],
    );
  });

  it('keeps YAML warnings (unknown tags) as warnings', () => {
    const r = loadPlanFromString('teams:\n  - key: a\n    name: !custom A\n');
    assert.ok(r.ok);
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0].severity, 'warning');
  });
});

describe('multi-file plans', () => {
  const TEAMS = { file: 'teams.yaml', text: 'teams:\n  - key: platform\n    name: Platform\n' };

  it('concatenates list sections and resolves references across files', () => {
    const r = loadPlanFromInputs([
      TEAMS,
      { file: 'services.yaml', text: 'services:\n  - key: api\n    name: API\n    owner: platform\n' },
      { file: 'more-teams.yaml', text: 'teams:\n  - key: sre\n    name: SRE\n' },
    ]);
    assert.ok(r.ok, r.ok ? '' : formatDiagnostics(r.diagnostics));
    assert.deepEqual(
      r.plan.objects.map((o) => `${o.kind}:${o.key}@${o.source.file}`),
      ['team:platform@teams.yaml', 'service:api@services.yaml', 'team:sre@more-teams.yaml'],
    );
  });

  it('rejects a singleton section in two files at the second occurrence', () => {
    const errs = errors(
      loadPlanFromInputs([
        { file: 'a.yaml', text: 'org:\n  name: A\n' },
        { file: 'b.yaml', text: '# org again\norg:\n  name: B\n' },
      ]),
    );
    assert.equal(errs.length, 1);
    assert.equal(errs[0].file, 'b.yaml');
    assert.equal(`${errs[0].line}:${errs[0].column}`, '2:1');
    assert.match(errs[0].message, /section "org" is already defined at a.yaml:1:1/);
  });

  it('reports a duplicate key in another file with the first location', () => {
    const errs = errors(
      loadPlanFromInputs([TEAMS, { file: 'z.yaml', text: 'teams:\n  - key: platform\n    name: P2\n' }]),
    );
    assert.equal(errs.length, 1);
    assert.equal(errs[0].file, 'z.yaml');
    assert.match(errs[0].message, /duplicate team "platform": already declared at teams.yaml:2:5/);
  });

  it('skips reference checks when another file does not parse', () => {
    const errs = errors(
      loadPlanFromInputs([
        { file: 'a.yaml', text: 'teams: [\n' },
        { file: 'b.yaml', text: 'services:\n  - key: api\n    name: API\n    owner: platform\n' },
      ]),
    );
    assert.deepEqual(
      errs.map((d) => d.file),
      ['a.yaml'],
    );
  });
});

describe('loadPlan from disk', () => {
  it('reads a directory recursively, sorted, with Markdown documents', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-plan-'));
    try {
      await mkdir(join(dir, 'runbooks'));
      await mkdir(join(dir, '.git'));
      await writeFile(join(dir, 'vigil.yaml'), 'version: 1\norg:\n  name: Acme\n');
      await writeFile(join(dir, 'b-teams.yml'), 'teams:\n  - key: platform\n    name: Platform\n');
      await writeFile(join(dir, 'runbooks', 'restart.md'), '# Restart\n');
      await writeFile(
        join(dir, 'runbooks', 'services.yaml'),
        'services:\n  - key: api\n    name: API\n    owner: platfrm\n',
      );
      await writeFile(join(dir, '.git', 'x.yaml'), 'nonsense: [');
      await writeFile(join(dir, 'notes.txt'), 'ignored');
      const r = await loadPlan(dir);
      const [d] = errors(r);
      assert.equal(d.file, join(dir, 'runbooks/services.yaml'));
      assert.equal(`${d.line}:${d.column}`, '4:12');
      await writeFile(
        join(dir, 'runbooks', 'services.yaml'),
        'services:\n  - key: api\n    name: API\n    owner: platform\n',
      );
      const ok = await loadPlan(dir);
      assert.ok(ok.ok);
      assert.deepEqual(ok.plan.files, ['b-teams.yml', 'runbooks/services.yaml', 'vigil.yaml']);
      assert.deepEqual(ok.plan.documents, { 'runbooks/restart.md': '# Restart\n' });
      assert.equal(ok.plan.objects.find((o) => o.kind === 'service')?.source.file, 'runbooks/services.yaml');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('returns a diagnostic (not an exception) for a missing path or an empty directory', async () => {
    const [d] = errors(await loadPlan('/nonexistent/vigil.yaml'));
    assert.match(d.message, /cannot read plan: no such file or directory/);
    const dir = await mkdtemp(join(tmpdir(), 'vigil-plan-'));
    try {
      const [e] = errors(await loadPlan(dir));
      assert.match(e.message, /no \*\.yaml or \*\.yml files/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names a single file plan by its path in diagnostics and by its base name in sources', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-plan-'));
    try {
      const file = join(dir, 'ops.yaml');
      await writeFile(file, 'teams:\n  - key: a\n    name: A\n');
      const r = await loadPlan(file);
      assert.ok(r.ok);
      assert.equal(r.plan.objects[0].source.file, 'ops.yaml');
      await writeFile(file, 'teams:\n  - key: A\n    name: A\n');
      assert.equal(errors(await loadPlan(file))[0].file, file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
