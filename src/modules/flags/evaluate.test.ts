import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileFlag, compileFlagSet, evaluate, validateFlag } from './evaluate.ts';
import { type Flag, percentageSplit, type Segment } from './flag.ts';
import { bucketOf } from './split.ts';

const boolFlag = (over: Partial<Flag> = {}): Flag => ({
  key: 'ui_new_exporter',
  tags: ['team:frontend'],
  type: 'release',
  kind: 'boolean',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  environments: { prod: { enabled: true } },
  ...over,
});

const segments: Segment[] = [
  { key: 'beta-testers', conditions: [{ attribute: 'email', op: 'ends_with', value: '@beta.example.com' }] },
];

describe('evaluate', () => {
  it('serves the default variant with STATIC when there is no targeting', () => {
    const r = evaluate(boolFlag(), 'prod', { targetingKey: 'u1' });
    assert.deepEqual([r.value, r.variant, r.reason], [false, 'off', 'STATIC']);
  });

  it('DISABLED serves the off variant (the false variant of a boolean flag, even if default is on)', () => {
    const f = boolFlag({ defaultVariant: 'on', environments: { prod: { enabled: false } } });
    const r = evaluate(f, 'prod', {});
    assert.deepEqual([r.value, r.variant, r.reason], [false, 'off', 'DISABLED']);
    assert.equal(evaluate(f, 'staging', {}).reason, 'DISABLED', 'an unconfigured environment is off');
  });

  it('first matching rule wins, rules are all-of, segments are resolved', () => {
    const f = boolFlag({
      environments: {
        prod: {
          enabled: true,
          targeting: [
            {
              conditions: [
                { attribute: 'plan', op: 'in', values: ['pro', 'enterprise'] },
                { attribute: 'country', op: 'equals', value: 'DE' },
              ],
              variant: 'on',
            },
            { segments: ['beta-testers'], variant: 'on' },
            { conditions: [{ attribute: 'plan', op: 'exists' }], variant: 'off' },
          ],
        },
      },
    });
    const set = compileFlagSet([f], segments, 'prod');
    const ev = (ctx: Record<string, unknown>) => set.evaluate(f.key, ctx);
    assert.deepEqual(
      [ev({ plan: 'pro', country: 'DE' }).value, ev({ plan: 'pro', country: 'DE' }).reason],
      [true, 'TARGETING_MATCH'],
    );
    assert.equal(ev({ plan: 'pro', country: 'FR' }).variant, 'off');
    assert.equal(ev({ plan: 'pro', country: 'FR' }).reason, 'TARGETING_MATCH');
    assert.equal(ev({ email: 'x@beta.example.com' }).value, true);
    const none = ev({});
    assert.deepEqual([none.variant, none.reason], ['off', 'DEFAULT']);
  });

  it('returns shared frozen results (no allocation per evaluation)', () => {
    const set = compileFlagSet([boolFlag()], [], 'prod');
    const a = set.evaluate('ui_new_exporter', { targetingKey: 'a' });
    assert.equal(a, set.evaluate('ui_new_exporter', { targetingKey: 'b' }));
    assert.ok(Object.isFrozen(a));
  });

  it('reports FLAG_NOT_FOUND, TYPE_MISMATCH, PARSE_ERROR and INVALID_CONTEXT with the code default', () => {
    const set = compileFlagSet(
      [
        boolFlag(),
        boolFlag({ key: 'broken', defaultVariant: 'nope' }),
        boolFlag({ key: 'old', archived: true }),
      ],
      [],
      'prod',
    );
    const nf = set.evaluate('missing', {}, { defaultValue: true });
    assert.deepEqual([nf.reason, nf.errorCode, nf.value], ['ERROR', 'FLAG_NOT_FOUND', true]);
    assert.equal(set.evaluate('old', {}).errorCode, 'FLAG_NOT_FOUND');
    assert.equal(set.evaluate('old', {}, { expectedKind: 'string' }).errorCode, 'FLAG_NOT_FOUND');
    const tm = set.evaluate('ui_new_exporter', {}, { expectedKind: 'string', defaultValue: 'x' });
    assert.deepEqual([tm.errorCode, tm.value], ['TYPE_MISMATCH', 'x']);
    assert.equal(set.evaluate('broken', {}).errorCode, 'PARSE_ERROR');
    assert.deepEqual(Object.keys(set.problems()), ['broken']);
    const withBadSegment = compileFlagSet(
      [],
      [{ key: 's', conditions: [{ attribute: 'x', op: 'matches', value: '(' }] }],
      'prod',
    );
    assert.match(String(withBadSegment.problems()['segment:s']), /invalid regex/);
    assert.equal(set.evaluate('ui_new_exporter', null as any).errorCode, 'INVALID_CONTEXT');
  });

  it('a null defaultVariant falls back to the caller default', () => {
    const r = evaluate(boolFlag({ defaultVariant: null }), 'prod', {}, { defaultValue: true });
    assert.deepEqual([r.value, r.variant, r.reason], [true, undefined, 'STATIC']);
  });

  it('splits: SPLIT reason, missing targeting key → DEFAULT or TARGETING_KEY_MISSING', () => {
    const f = boolFlag({
      environments: { prod: { enabled: true, rollout: percentageSplit('on', 'off', 50) } },
    });
    const c = compileFlag(f, 'prod');
    assert.equal(c.evaluate({ targetingKey: 'user-1' }).reason, 'SPLIT');
    assert.equal(c.evaluate({}).reason, 'DEFAULT');
    assert.equal(c.evaluate({}, { requireTargetingKey: true }).errorCode, 'TARGETING_KEY_MISSING');
    let on = 0;
    for (let i = 0; i < 10000; i++) if (c.evaluate({ targetingKey: `user-${i}` }).value === true) on++;
    assert.ok(on > 4700 && on < 5300, `~50 % on, got ${on}`);
  });

  it('raising a rollout percentage only adds users (monotonic, stable)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        fc.constantFrom(undefined, 'email'),
        (key, p1, p2, bucketBy) => {
          const [lo, hi] = p1 <= p2 ? [p1, p2] : [p2, p1];
          const at = (p: number) =>
            compileFlag(
              boolFlag({
                environments: { prod: { enabled: true, rollout: percentageSplit('on', 'off', p, bucketBy) } },
              }),
              'prod',
            ).evaluate({ targetingKey: key, email: key }).value;
          if (at(lo) === true) assert.equal(at(hi), true);
          assert.equal(at(lo), at(lo));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('monotonic across weight scales too (12.5 % → 50 %)', () => {
    for (let i = 0; i < 2000; i++) {
      const ctx = { targetingKey: `u${i}` };
      const at = (p: number) =>
        compileFlag(
          boolFlag({ environments: { prod: { enabled: true, rollout: percentageSplit('on', 'off', p) } } }),
          'prod',
        ).evaluate(ctx).value;
      if (at(12.5) === true) assert.equal(at(50), true);
    }
  });

  it('bucketOf is exact for large totals', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 1, max: 2147483647 }),
        (h, t) => {
          assert.equal(BigInt(bucketOf(h, t)), (BigInt(h) * BigInt(t)) >> 32n);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('validates definitions', () => {
    const f = boolFlag({
      variants: { on: true, off: 'no' as any },
      environments: {
        prod: {
          enabled: true,
          targeting: [
            { conditions: [{ attribute: 'x', op: 'matches', value: '(a+)+$' }], variant: 'on' },
            { segments: ['ghost'], variant: 'maybe' },
            { split: { buckets: [{ variant: 'on', weight: 1.5 }] } },
          ],
        },
      },
    });
    const problems = validateFlag(f, segments).join('\n');
    assert.match(problems, /variant "off" is string/);
    assert.match(problems, /nests quantifiers/);
    assert.match(problems, /unknown segment "ghost"/);
    assert.match(problems, /"maybe" is not a variant/);
    assert.match(problems, /not a non-negative integer/);
  });
});
