import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY, HOUR } from '../../kernel/clock.ts';
import { VigilError } from '../../kernel/errors.ts';
import { compileFlag } from './evaluate.ts';
import type { Flag } from './flag.ts';
import {
  advanceRollout,
  initialRollout,
  nextAction,
  pauseRollout,
  type RolloutPlan,
  resumeRollout,
  rollbackRollout,
  rolloutPercentage,
  startRollout,
  validateRolloutPlan,
  withRolloutPercentage,
} from './rollout.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0);
// WT-4: 10 % for 24 h → 50 % for 3 d → 100 %.
const plan: RolloutPlan = {
  steps: [{ percentage: 10, wait: 24 * HOUR }, { percentage: 50, wait: 3 * DAY }, { percentage: 100 }],
  onGuardFailure: 'pause',
};

describe('staged rollout', () => {
  it('walks 10 → 50 → 100 % on explicit timestamps', () => {
    let s = startRollout(initialRollout(), T0);
    assert.equal(rolloutPercentage(s, plan), 10);
    assert.deepEqual(nextAction(s, plan, T0 + 23 * HOUR, true), { kind: 'none', dueAt: T0 + 24 * HOUR });
    assert.deepEqual(nextAction(s, plan, T0 + 24 * HOUR, true), { kind: 'advance', dueAt: T0 + 24 * HOUR });
    s = advanceRollout(s, plan, T0 + 24 * HOUR);
    assert.equal(rolloutPercentage(s, plan), 50);
    assert.equal(nextAction(s, plan, T0 + 24 * HOUR + 3 * DAY - 1, true).kind, 'none');
    s = advanceRollout(s, plan, T0 + 4 * DAY);
    assert.equal(rolloutPercentage(s, plan), 100);
    assert.deepEqual(nextAction(s, plan, T0 + 4 * DAY, true), { kind: 'advance', dueAt: T0 + 4 * DAY });
    s = advanceRollout(s, plan, T0 + 4 * DAY);
    assert.equal(s.status, 'completed');
    assert.equal(rolloutPercentage(s, plan), 100);
    assert.equal(nextAction(s, plan, T0 + 9 * DAY, false).kind, 'none');
  });

  it('a failing guard pauses (per plan) and resume restarts the wait', () => {
    const s = startRollout(initialRollout(), T0);
    assert.equal(nextAction(s, plan, T0 + HOUR, false).kind, 'pause');
    const p = pauseRollout(s, T0 + HOUR, 'error rate > 0.5 %');
    assert.equal(p.pausedReason, 'error rate > 0.5 %');
    assert.equal(rolloutPercentage(p, plan), 10, 'pausing holds the percentage');
    assert.equal(nextAction(p, plan, T0 + 2 * DAY, true).kind, 'none', 'no automatic resume');
    const r = resumeRollout(p, T0 + 5 * HOUR);
    assert.deepEqual(nextAction(r, plan, T0 + 24 * HOUR, true), { kind: 'none', dueAt: T0 + 29 * HOUR });
  });

  it('a failing guard rolls back to 0 % when the plan says so', () => {
    const rb: RolloutPlan = { ...plan, onGuardFailure: 'rollback' };
    const s = advanceRollout(startRollout(initialRollout(), T0), rb, T0 + DAY);
    assert.equal(nextAction(s, rb, T0 + DAY + HOUR, false).kind, 'rollback');
    const r = rollbackRollout(s, T0 + DAY + HOUR, 'p95 > 2 s');
    assert.equal(r.status, 'rolled_back');
    assert.equal(rolloutPercentage(r, rb), 0);
  });

  it('rejects invalid transitions with a conflict', () => {
    const s = initialRollout();
    assert.throws(
      () => advanceRollout(s, plan, T0),
      (e: unknown) => e instanceof VigilError && e.status === 409,
    );
    assert.throws(() => resumeRollout(startRollout(s, T0), T0), /cannot resume a rollout that is running/);
    const done = rollbackRollout(s, T0, 'x');
    assert.throws(() => startRollout(done, T0), /rolled_back/);
  });

  it('validates plans', () => {
    assert.deepEqual(validateRolloutPlan(plan), []);
    const bad = validateRolloutPlan({
      steps: [{ percentage: 50 }, { percentage: 10 }, { percentage: 120 }],
      onGuardFailure: 'pause',
    });
    assert.deepEqual(bad, [
      'step 2: percentage 10 is below the previous 50',
      'step 3: percentage must be in (0, 100]',
    ]);
    assert.deepEqual(validateRolloutPlan({ steps: [], onGuardFailure: 'pause' }), [
      'a rollout needs at least one step',
    ]);
  });

  it('withRolloutPercentage serves the step percentage and keeps earlier users on', () => {
    const flag: Flag = {
      key: 'ui_new_exporter',
      tags: [],
      type: 'release',
      kind: 'boolean',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      environments: { prod: { enabled: false } },
    };
    const at = (p: number) => compileFlag(withRolloutPercentage(flag, 'prod', p), 'prod');
    const ten = at(10);
    const fifty = at(50);
    let on10 = 0;
    let on50 = 0;
    for (let i = 0; i < 5000; i++) {
      const ctx = { targetingKey: `user-${i}` };
      const a = ten.evaluate(ctx).value === true;
      const b = fifty.evaluate(ctx).value === true;
      if (a) assert.ok(b, 'everyone on at 10 % stays on at 50 %');
      on10 += a ? 1 : 0;
      on50 += b ? 1 : 0;
    }
    assert.ok(on10 > 400 && on10 < 600, `10 %: ${on10}`);
    assert.ok(on50 > 2300 && on50 < 2700, `50 %: ${on50}`);
    assert.ok(at(100).evaluate({ targetingKey: 'anyone' }).value === true);
    assert.throws(
      () => withRolloutPercentage({ ...flag, kind: 'string', variants: { a: 'a' } }, 'prod', 10),
      /true and false/,
    );
  });
});
