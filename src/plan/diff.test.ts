import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffFields, diffPlan, normaliseSpec } from './diff.ts';
import { renderPlan } from './render.ts';
import type { CurrentObject, PlanObject } from './types.ts';

const want = (kind: string, key: string, spec: Record<string, unknown>, line = 1): PlanObject => ({
  kind,
  key,
  spec,
  source: { file: 'vigil.yaml', line, column: 5 },
});
const have = (kind: string, key: string, spec: Record<string, unknown>, managed = true): CurrentObject => ({
  kind,
  key,
  spec,
  managed,
  ...(managed ? { source: 'vigil.yaml' } : {}),
});
const brief = (changes: ReturnType<typeof diffPlan>) => changes.map((c) => `${c.action} ${c.kind}/${c.key}`);

describe('diffPlan', () => {
  it('creates what is missing, in dependency order', () => {
    const changes = diffPlan(
      [],
      [
        want('service', 'api', { owner: 'platform' }),
        want('team', 'platform', { name: 'Platform' }),
        want('user', 'ada@x.test', { role: 'admin' }),
        want('org', 'default', { name: 'Acme' }),
        want('team', 'data', { name: 'Data' }),
      ],
      { prune: false },
    );
    assert.deepEqual(brief(changes), [
      'create org/default',
      'create team/data',
      'create team/platform',
      'create user/ada@x.test',
      'create service/api',
    ]);
    assert.equal(changes[0].source, 'vigil.yaml:1');
  });

  it('updates changed managed objects with field paths, and noops the rest', () => {
    const changes = diffPlan(
      [have('team', 'platform', { name: 'Plat', description: null }), have('team', 'data', { name: 'Data' })],
      [
        want('team', 'platform', { name: 'Platform', description: 'Runs things' }),
        want('team', 'data', { name: 'Data' }),
      ],
      { prune: false },
    );
    assert.deepEqual(brief(changes), ['noop team/data', 'update team/platform']);
    assert.deepEqual(changes[1].fields, [
      { path: 'description', before: undefined, after: 'Runs things' },
      { path: 'name', before: 'Plat', after: 'Platform' },
    ]);
  });

  it('treats key order, null and absent fields as equal', () => {
    const changes = diffPlan(
      [have('service', 'api', { tier: null, name: 'API', links: [{ url: 'u', title: 't' }] })],
      [want('service', 'api', { links: [{ title: 't', url: 'u' }], name: 'API' })],
      { prune: false },
    );
    assert.deepEqual(brief(changes), ['noop service/api']);
  });

  it('deletes managed objects that left the plan, in reverse dependency order', () => {
    const changes = diffPlan(
      [
        have('team', 'old', { name: 'Old' }),
        have('service', 'legacy', { owner: 'old' }),
        have('environment', 'qa', {}),
      ],
      [want('team', 'new', { name: 'New' }), want('service', 'api', { owner: 'new' })],
      { prune: false },
    );
    assert.deepEqual(brief(changes), [
      'create team/new',
      'create service/api',
      'delete service/legacy',
      'delete environment/qa',
      'delete team/old',
    ]);
    assert.equal(changes[2].source, 'vigil.yaml');
  });

  it('keeps unmanaged objects unless prune says so', () => {
    const current = [have('team', 'adhoc', { name: 'Ad hoc' }, false), have('service', 'manual', {}, false)];
    assert.deepEqual(brief(diffPlan(current, [], { prune: false })), []);
    assert.deepEqual(brief(diffPlan(current, [], { prune: true })), [
      'delete service/manual',
      'delete team/adhoc',
    ]);
    assert.deepEqual(brief(diffPlan(current, [], { prune: ['team'] })), ['delete team/adhoc']);
  });

  it('adopts unmanaged objects the plan now declares, with field changes', () => {
    const changes = diffPlan(
      [have('team', 'platform', { name: 'Plat' }, false), have('team', 'data', { name: 'Data' }, false)],
      [want('team', 'platform', { name: 'Platform' }), want('team', 'data', { name: 'Data' })],
      { prune: true },
    );
    assert.deepEqual(brief(changes), ['adopt team/data', 'adopt team/platform']);
    assert.deepEqual(changes[0].fields, []);
    assert.deepEqual(changes[1].fields, [{ path: 'name', before: 'Plat', after: 'Platform' }]);
  });

  it('is deterministic whatever the input order, and puts unknown kinds last', () => {
    const desired = [
      want('check', 'b', {}),
      want('service', 'z', {}),
      want('widget', 'a', {}),
      want('check', 'a', {}),
      want('severity', 'p1', {}),
    ];
    const order = ['org', 'severity', 'team', 'environment', 'user', 'service', 'check'];
    const a = diffPlan([], desired, { prune: false, kindOrder: order });
    const b = diffPlan([], [...desired].reverse(), { prune: false, kindOrder: order });
    assert.deepEqual(a, b);
    assert.deepEqual(brief(a), [
      'create severity/p1',
      'create service/z',
      'create check/a',
      'create check/b',
      'create widget/a',
    ]);
  });

  it('diffs nested mappings by path and lists as a whole', () => {
    assert.deepEqual(diffFields({ a: { b: 1, c: [1, 2] } }, { a: { b: 2, c: [1, 2, 3] } }), [
      { path: 'a.b', before: 1, after: 2 },
      { path: 'a.c', before: [1, 2], after: [1, 2, 3] },
    ]);
    assert.deepEqual(normaliseSpec({ b: null, a: [{ y: undefined, x: 1 }] }), { a: [{ x: 1 }] });
  });
});

describe('renderPlan', () => {
  const changes = diffPlan(
    [
      have('team', 'platform', { name: 'Plat' }),
      have('environment', 'qa', { name: 'QA' }),
      have('service', 'web', { name: 'Web', owner: 'platform' }, false),
      have('org', 'default', { name: 'Acme' }),
    ],
    [
      want('org', 'default', { name: 'Acme' }),
      want('team', 'platform', { name: 'Platform' }, 3),
      want('service', 'api', { name: 'API', owner: 'platform', tags: ['core'] }, 7),
      want('service', 'web', { name: 'Web', owner: 'platform', tier: 2 }, 12),
    ],
    { prune: false },
  );

  it('renders creates, changes, adopts and deletes like terraform plan', () => {
    assert.equal(
      renderPlan(changes),
      [
        'Vigil will perform the following actions:',
        '',
        '  ~ team "platform"  # vigil.yaml:3',
        '      ~ name: "Plat" → "Platform"',
        '  + service "api"  # vigil.yaml:7',
        '      name: "API"',
        '      owner: "platform"',
        '      tags: ["core"]',
        '  > service "web" will be adopted (managed by the plan from now on)  # vigil.yaml:12',
        '      + tier: 2',
        '  - environment "qa"  # vigil.yaml',
        '',
        'Plan: 1 to create, 1 to change, 1 to delete, 1 to adopt.',
      ].join('\n'),
    );
  });

  it('colours only when asked', () => {
    assert.doesNotMatch(renderPlan(changes), /\x1b\[/);
    assert.match(renderPlan(changes, { color: true }), /\x1b\[32m\+ service "api"/);
  });

  it('says "No changes." when everything matches', () => {
    const same = diffPlan([have('team', 'a', { name: 'A' })], [want('team', 'a', { name: 'A' })], {
      prune: false,
    });
    assert.equal(renderPlan(same), 'No changes. The running Vigil matches the plan (1 object).');
    assert.match(renderPlan([]), /^No changes\./);
  });

  it('shows removed fields with a minus', () => {
    const c = diffPlan(
      [have('team', 'a', { name: 'A', description: 'x' })],
      [want('team', 'a', { name: 'A' })],
      {
        prune: false,
      },
    );
    assert.match(renderPlan(c), /\n {6}- description: "x"\n/);
  });
});
