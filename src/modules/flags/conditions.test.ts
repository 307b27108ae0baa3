import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileCondition, MAX_REGEX_INPUT, toRegExp, validateCondition } from './conditions.ts';
import type { Condition } from './flag.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const cases: Array<[Condition, Record<string, unknown>, boolean]> = [
  [{ attribute: 'plan', op: 'equals', value: 'pro' }, { plan: 'pro' }, true],
  [{ attribute: 'plan', op: 'equals', value: 'pro' }, { plan: 'PRO' }, false],
  [{ attribute: 'plan', op: 'equals', value: 'pro', caseInsensitive: true }, { plan: 'PRO' }, true],
  [{ attribute: 'n', op: 'equals', value: 1 }, { n: '1' }, true],
  [{ attribute: 'plan', op: 'not_equals', value: 'pro' }, {}, true],
  [{ attribute: 'plan', op: 'in', values: ['a', 'b'] }, { plan: 'b' }, true],
  [{ attribute: 'plan', op: 'in', values: [] }, { plan: 'b' }, false],
  [{ attribute: 'plan', op: 'not_in', values: [] }, { plan: 'b' }, true],
  [{ attribute: 'plan', op: 'not_in', values: ['a'] }, {}, true],
  [{ attribute: 'plan', op: 'in', values: ['a'], negate: true }, { plan: 'a' }, false],
  [{ attribute: 'email', op: 'ends_with', values: ['@x.io', '@y.io'] }, { email: 'a@y.io' }, true],
  [{ attribute: 'email', op: 'starts_with', value: 'adm' }, { email: 'user@x' }, false],
  [{ attribute: 'email', op: 'contains', value: 'X', caseInsensitive: true }, { email: 'a@x.io' }, true],
  [{ attribute: 'user.plan', op: 'equals', value: 'pro' }, { user: { plan: 'pro' } }, true],
  [{ attribute: 'user.plan', op: 'equals', value: 'pro' }, { 'user.plan': 'pro' }, true],
  [{ attribute: 'ua', op: 'matches', value: '^Mozilla/\\d' }, { ua: 'Mozilla/5.0' }, true],
  [{ attribute: 'ua', op: 'matches', value: '^[[:alpha:]]+$' }, { ua: 'abc1' }, false],
  [{ attribute: 'ua', op: 'matches', value: '^(?i)abc$' }, { ua: 'ABC' }, true],
  [{ attribute: 'ua', op: 'matches', value: 'a' }, { ua: 'a'.repeat(MAX_REGEX_INPUT + 1) }, false],
  [{ attribute: 'v', op: 'semver_gte', value: '2.0.0' }, { v: '2.0.0' }, true],
  [{ attribute: 'v', op: 'semver_lt', value: '2.0.0' }, { v: '2.0.0-rc.1' }, true],
  [{ attribute: 'v', op: 'semver_gt', value: '1.2' }, { v: 'v1.10.0' }, true],
  [{ attribute: 'v', op: 'semver_caret', value: '1.2.0' }, { v: '1.9.9' }, true],
  [{ attribute: 'v', op: 'semver_tilde', value: '1.2.0' }, { v: '1.3.0' }, false],
  [{ attribute: 'v', op: 'semver_eq', value: '1.0.0' }, { v: 'banana' }, false],
  [{ attribute: 'age', op: 'num_gte', value: 18 }, { age: '18' }, true],
  [{ attribute: 'age', op: 'num_lt', value: 18 }, { age: '' }, false],
  [{ attribute: 'age', op: 'num_lt', value: 18 }, {}, false],
  [{ attribute: '', op: 'date_after', value: '2026-01-01T00:00:00Z' }, {}, true],
  [
    { attribute: 'currentTime', op: 'date_before', value: '2026-01-01T00:00:00Z' },
    { currentTime: '2025-12-31T23:00:00Z' },
    true,
  ],
  [{ attribute: 'signup', op: 'date_before', value: '2026-01-01' }, {}, false],
  [{ attribute: 'x', op: 'exists' }, { x: 0 }, true],
  [{ attribute: 'x', op: 'exists' }, { x: null }, false],
];

describe('conditions', () => {
  for (const [cond, ctx, expected] of cases) {
    it(`${cond.attribute || 'currentTime'} ${cond.negate ? 'not ' : ''}${cond.op} ${JSON.stringify(cond.values ?? cond.value)} on ${JSON.stringify(ctx).slice(0, 60)} → ${expected}`, () => {
      assert.deepEqual(validateCondition(cond), []);
      assert.equal(compileCondition(cond)(ctx, NOW), expected);
    });
  }

  it('rejects unsafe or invalid patterns and values', () => {
    assert.match(String(toRegExp('(a+)+$')), /nests quantifiers/);
    assert.match(String(toRegExp('(\\w*)*x')), /nests quantifiers/);
    assert.match(String(toRegExp('^(a)\\1$')), /backreference/);
    assert.match(String(toRegExp('x'.repeat(600))), /longer than/);
    assert.match(String(toRegExp('[')), /invalid regex/);
    assert.match(
      validateCondition({ attribute: 'v', op: 'semver_eq', value: 'one' }).join(),
      /invalid semantic version/,
    );
    assert.match(validateCondition({ attribute: 'n', op: 'num_gt', value: 'x' }).join(), /numeric/);
    assert.match(validateCondition({ attribute: 'd', op: 'date_after', value: 'soon' }).join(), /ISO 8601/);
    assert.match(validateCondition({ attribute: 'p', op: 'equals' }).join(), /needs a value/);
  });
});
