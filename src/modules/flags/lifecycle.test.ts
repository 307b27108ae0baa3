import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY } from '../../kernel/clock.ts';
import type { Flag } from './flag.ts';
import { flagPercentages, lifespanDays, staleness } from './lifecycle.ts';

const T0 = Date.UTC(2026, 0, 1);
const flag = (over: Partial<Flag> = {}): Flag => ({
  key: 'ui_new_exporter',
  tags: [],
  type: 'release',
  kind: 'boolean',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  environments: { staging: { enabled: true }, prod: { enabled: true } },
  ...over,
});

describe('flag lifecycle', () => {
  it('derives per-environment on-percentages', () => {
    const f = flag({
      environments: {
        dev: { enabled: true, defaultVariant: 'on' },
        staging: { enabled: false },
        prod: {
          enabled: true,
          rollout: {
            buckets: [
              { variant: 'on', weight: 1 },
              { variant: 'off', weight: 3 },
            ],
          },
        },
        beta: {
          enabled: true,
          targeting: [{ conditions: [{ attribute: 'x', op: 'exists' }], variant: 'on' }],
        },
      },
    });
    assert.deepEqual(flagPercentages(f), { dev: 100, staging: 0, prod: 25, beta: null });
  });

  it('is stale after 14 days at 100 % everywhere, not before', () => {
    const history = [
      { at: T0, percentages: { staging: 100, prod: 10 } },
      { at: T0 + 2 * DAY, percentages: { staging: 100, prod: 50 } },
      { at: T0 + 5 * DAY, percentages: { staging: 100, prod: 100 } },
    ];
    assert.equal(staleness(flag(), history, T0 + 18 * DAY).stale, false);
    const s = staleness(flag(), history, T0 + 19 * DAY);
    assert.equal(s.stale, true);
    assert.match(s.reason, /100 % in every environment for 14 d/);
    assert.equal(staleness(flag(), history, T0 + 10 * DAY, { fullDays: 5 }).stale, true);
  });

  it('0 % everywhere counts too; mixed states do not', () => {
    const zero = [{ at: T0, percentages: { staging: 0, prod: 0 } }];
    assert.match(staleness(flag(), zero, T0 + 14 * DAY).reason, /at 0 %/);
    const mixed = [{ at: T0, percentages: { staging: 100, prod: 0 } }];
    assert.deepEqual(staleness(flag(), mixed, T0 + 20 * DAY), {
      stale: false,
      reason: 'still varies between users or environments',
    });
  });

  it('flags beyond their type lifetime (Unleash: release 40 d, operational 7 d)', () => {
    const h = [{ at: T0, percentages: { staging: 100, prod: null } }];
    assert.equal(staleness(flag(), h, T0 + 40 * DAY).stale, false);
    assert.match(
      staleness(flag(), h, T0 + 41 * DAY).reason,
      /release flag is 41 d old, beyond its expected lifetime of 40 d/,
    );
    assert.equal(staleness(flag({ type: 'operational' }), h, T0 + 8 * DAY).stale, true);
  });

  it('kill switches and permission flags are never stale', () => {
    const h = [{ at: T0, percentages: { staging: 100, prod: 100 } }];
    assert.deepEqual(staleness(flag({ type: 'kill-switch' }), h, T0 + 400 * DAY), {
      stale: false,
      reason: 'kill-switch flags are permanent',
    });
    assert.equal(staleness(flag({ type: 'permission' }), h, T0 + 400 * DAY).stale, false);
  });

  it('lifespanDays', () => {
    assert.equal(lifespanDays(T0, T0 + 45.25 * DAY, T0 + 100 * DAY), 45.3);
    assert.equal(lifespanDays(T0, null, T0 + 3 * DAY), 3);
  });
});
