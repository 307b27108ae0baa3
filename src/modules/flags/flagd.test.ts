import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlagdCore } from '@openfeature/flagd-core';
import fc from 'fast-check';
import { compileFlagSet } from './evaluate.ts';
import type { Flag } from './flag.ts';
import { exportFlagd } from './flagd-export.ts';
import { importFlagd } from './flagd-import.ts';

const DOC = {
  $schema: 'https://flagd.dev/schema/v0/flags.json',
  flags: {
    myBoolFlag: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    disabledFlag: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    headerColor: {
      state: 'ENABLED',
      variants: { red: '#FF0000', blue: '#0000FF', green: '#00FF00', yellow: '#FFFF00' },
      defaultVariant: 'red',
      targeting: {
        if: [
          { ends_with: [{ var: 'email' }, '@faas.com'] },
          {
            fractional: [
              ['red', 25],
              ['blue', 25],
              ['green', 25],
              ['yellow', 25],
            ],
          },
        ],
      },
    },
    emailSplit: {
      state: 'ENABLED',
      variants: { a: 'A', b: 'B', c: 'C' },
      defaultVariant: 'a',
      targeting: {
        fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'email' }] }, ['a', 10], ['b', 30], ['c', 60]],
      },
    },
    rawEmailSplit: {
      state: 'ENABLED',
      variants: { a: 1, b: 2 },
      defaultVariant: 'a',
      targeting: { fractional: [{ var: 'email' }, ['a', 1], ['b', 3]] },
    },
    rollout: {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        fractional: [
          ['on', 10],
          ['off', 90],
        ],
      },
    },
    versioned: {
      state: 'ENABLED',
      variants: { new: 'new', old: 'old', mid: 'mid' },
      defaultVariant: 'old',
      targeting: {
        if: [
          { sem_ver: [{ var: 'version' }, '>=', '2.0.0'] },
          'new',
          {
            and: [
              { sem_ver: [{ var: 'version' }, '^', '1.5.0'] },
              { '!': { in: [{ var: 'tier' }, ['free', 'trial']] } },
            ],
          },
          'mid',
          null,
        ],
      },
    },
    timeBoxed: {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        if: [
          {
            and: [
              { '>': [{ var: '$flagd.timestamp' }, 1767225600] },
              { '<=': [{ var: '$flagd.timestamp' }, 1798761600] },
            ],
          },
          'on',
        ],
      },
    },
    targeted: {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        if: [
          { or: [{ $ref: 'staff' }, { in: [{ var: 'targetingKey' }, ['user-1', 'user-7']] }] },
          'on',
          { '<=': [18, { var: 'age' }, 65] },
          { if: [{ '==': [{ var: 'tier' }, 'gold'] }, 'on', 'off'] },
          { '!=': [{ var: 'tier' }, 'free'] },
          { fractional: [{ var: 'targetingKey' }, ['on', 50], ['off', 50]] },
          'off',
        ],
      },
    },
  },
  $evaluators: {
    staff: { and: [{ ends_with: [{ var: 'email' }, '@corp.example'] }, { '!!': [{ var: 'email' }] }] },
  },
};

const context = fc.record({
  targetingKey: fc.oneof(fc.constantFrom('user-1', 'user-7'), fc.string({ minLength: 1, maxLength: 12 })),
  email: fc.oneof(
    fc.constantFrom('ann@faas.com', 'bob@corp.example', 'eve@example.org'),
    fc.emailAddress(),
    fc.string({ minLength: 1, maxLength: 8 }).map((s) => `${s}@faas.com`),
  ),
  version: fc.constantFrom('1.0.0', '1.5.2', '1.9.0', 'v2.0.0', '2.1.0-beta.1', '3.0.0', '0.9.9'),
  tier: fc.constantFrom('free', 'trial', 'gold', 'silver'),
  age: fc.integer({ min: 0, max: 100 }),
});

describe('flagd import', () => {
  const imported = importFlagd(DOC, { env: 'prod' });

  it('translates the documented JsonLogic subset without problems', () => {
    assert.deepEqual(imported.problems, []);
    assert.equal(imported.flags.length, Object.keys(DOC.flags).length);
    assert.deepEqual(
      imported.segments.map((s) => s.key),
      ['staff'],
    );
    const rollout = imported.flags.find((f) => f.key === 'rollout')!;
    assert.deepEqual(rollout.environments.prod.rollout, {
      buckets: [
        { variant: 'on', weight: 10 },
        { variant: 'off', weight: 90 },
      ],
    });
    const raw = imported.flags.find((f) => f.key === 'rawEmailSplit')!;
    assert.deepEqual(raw.environments.prod.rollout?.salt, '');
  });

  it('evaluates exactly like @openfeature/flagd-core on random contexts', () => {
    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify(DOC));
    const set = compileFlagSet(imported.flags, imported.segments, 'prod');
    const resolvers: Record<string, (k: string, ctx: any) => any> = {
      boolean: (k, ctx) => core.resolveBooleanEvaluation(k, false, ctx),
      string: (k, ctx) => core.resolveStringEvaluation(k, '', ctx),
      number: (k, ctx) => core.resolveNumberEvaluation(k, 0, ctx),
    };
    fc.assert(
      fc.property(context, (ctx) => {
        for (const flag of imported.flags) {
          if (flag.key === 'disabledFlag') continue; // flagd returns the code default, Vigil the off variant
          const theirs = resolvers[flag.kind](flag.key, ctx);
          const ours = set.evaluate(flag.key, ctx, { now: Date.now() }); // flagd-core reads the wall clock
          assert.equal(ours.variant, theirs.variant, `${flag.key} ${JSON.stringify(ctx)}`);
          assert.equal(ours.value, theirs.value);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('maps $flagd.timestamp comparisons to exact date conditions on the evaluation time', () => {
    const N = 1767225600;
    const at = (op: string, now: number) => {
      const doc = {
        flags: {
          t: {
            state: 'ENABLED',
            variants: { on: true, off: false },
            defaultVariant: 'off',
            targeting: { if: [{ [op]: [{ var: '$flagd.timestamp' }, N] }, 'on'] },
          },
        },
      };
      const r = importFlagd(doc);
      assert.deepEqual(r.problems, []);
      return compileFlagSet(r.flags, r.segments, 'default').evaluate('t', {}, { now }).value;
    };
    const s = N * 1000; // ts === N during [s, s + 999]
    assert.deepEqual([at('>', s + 999), at('>', s + 1000)], [false, true]);
    assert.deepEqual([at('>=', s - 1), at('>=', s)], [false, true]);
    assert.deepEqual([at('<', s - 1), at('<', s)], [true, false]);
    assert.deepEqual([at('<=', s + 999), at('<=', s + 1000)], [true, false]);
  });

  it('reports unsupported constructs per flag and keeps the rest', () => {
    const r = importFlagd({
      flags: {
        ok: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
        mapped: {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          targeting: { if: [{ some: [{ var: 'roles' }, { '==': [{ var: '' }, 'admin'] }] }, 'on'] },
        },
        defaulted: {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          targeting: { if: [{ '==': [{ var: ['tier', 'free'] }, 'gold'] }, 'on'] },
        },
        timed: {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          targeting: { if: [{ '==': [{ var: '$flagd.flagKey' }, 'x'] }, 'on'] },
        },
        badVariant: {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          targeting: { if: [true, 'maybe'] },
        },
        mixed: { state: 'ENABLED', variants: { on: true, off: 'no' }, defaultVariant: 'off' },
      },
    });
    assert.deepEqual(
      r.flags.map((f) => f.key),
      ['ok'],
    );
    const byFlag = Object.fromEntries(r.problems.map((p) => [p.flag, p.message]));
    assert.match(byFlag.mapped, /operator "some" is not supported/);
    assert.match(byFlag.defaulted, /default value/);
    assert.match(byFlag.timed, /\$flagd\.flagKey/);
    assert.match(byFlag.badVariant, /"maybe" is not a variant/);
    assert.match(byFlag.mixed, /same type/);
    assert.match(importFlagd('{nope').problems[0].message, /invalid JSON/);
  });
});

describe('flagd export', () => {
  it('round-trips: import(export(import(doc))) equals import(doc)', () => {
    const first = importFlagd(DOC, { env: 'prod' });
    const { doc, problems } = exportFlagd(first.flags, first.segments, 'prod');
    assert.deepEqual(problems, []);
    const second = importFlagd(doc, { env: 'prod' });
    assert.deepEqual(second.problems, []);
    assert.deepEqual(
      second.flags.map(({ type: _t, ...f }) => f),
      first.flags.map(({ type: _t, ...f }) => f),
    );
    assert.deepEqual(second.segments, first.segments);
  });

  it('exported documents evaluate the same in flagd-core', () => {
    const flags: Flag[] = [
      {
        key: 'enable_nowcast',
        tags: ['team:platform'],
        type: 'kill-switch',
        kind: 'boolean',
        owner: 'sre',
        variants: { on: true, off: false },
        defaultVariant: 'on',
        environments: {
          prod: {
            enabled: true,
            targeting: [
              {
                conditions: [
                  { attribute: 'plan', op: 'not_in', values: ['free'] },
                  { attribute: 'age', op: 'num_gte', value: 21 },
                ],
                variant: 'on',
              },
              {
                conditions: [{ attribute: 'email', op: 'ends_with', values: ['@a.com', '@b.com'] }],
                split: {
                  bucketBy: 'email',
                  buckets: [
                    { variant: 'on', weight: 1 },
                    { variant: 'off', weight: 3 },
                  ],
                },
              },
            ],
            rollout: {
              buckets: [
                { variant: 'on', weight: 30 },
                { variant: 'off', weight: 70 },
              ],
            },
          },
        },
      },
    ];
    const { doc, problems } = exportFlagd(flags, [], 'prod');
    assert.deepEqual(problems, []);
    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify(doc));
    const set = compileFlagSet(flags, [], 'prod');
    fc.assert(
      fc.property(
        fc.record({
          targetingKey: fc.string({ minLength: 1 }),
          plan: fc.constantFrom('free', 'pro'),
          age: fc.integer({ min: 0, max: 99 }),
          email: fc.constantFrom('x@a.com', 'y@b.com', 'z@c.com', 'w@a.com'),
        }),
        (ctx) => {
          assert.equal(
            set.evaluate('enable_nowcast', ctx).value,
            core.resolveBooleanEvaluation('enable_nowcast', false, ctx).value,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports what flagd cannot express and leaves the flag out', () => {
    const flag: Flag = {
      key: 'x',
      tags: [],
      type: 'release',
      kind: 'boolean',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      environments: {
        prod: {
          enabled: true,
          targeting: [{ conditions: [{ attribute: 'ua', op: 'matches', value: 'bot' }], variant: 'on' }],
        },
      },
    };
    const { doc, problems } = exportFlagd([flag], [], 'prod');
    assert.deepEqual(doc.flags, {});
    assert.match(problems[0].message, /matches has no flagd equivalent/);
  });
});
