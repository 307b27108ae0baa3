import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VigilError } from '../../kernel/errors.ts';
import {
  acknowledge,
  type EscalationAction,
  type EscalationState,
  resolve,
  startEscalation,
  stepEscalation,
} from './escalation.ts';
import type { EscalationPolicy } from './policy.ts';
import { makeResolver } from './targets.ts';
import type { Schedule } from './types.ts';

const M = 60_000;
const T0 = Date.parse('2026-03-10T10:00:00Z');

/** Daily 09:00 UTC rotation; on 2026-03-10 after 09:00 it is turn 68 → alice. */
const rotation = (key: string, people: string[]): Schedule => ({
  key,
  time_zone: 'UTC',
  layers: [{ key: 'l', participants: people, turn: '1d', handoff: '09:00', start: '2026-01-01' }],
});
const resolver = makeResolver({
  schedules: {
    'wt-oncall': rotation('wt-oncall', ['alice', 'bob']),
    'ff-primary': rotation('ff-primary', ['alice', 'bob']),
    'ff-secondary': rotation('ff-secondary', ['bob', 'alice']),
    empty: { key: 'empty', time_zone: 'UTC', layers: [] },
  },
  teams: { sre: ['alice', 'carol'] },
});

/** WT-3: on-call (< 5 min) → DevOps lead (< 15 min) → engineering manager (< 30 min); WT-1 severities. */
const wiretuner: EscalationPolicy = {
  key: 'wiretuner',
  levels: [
    { targets: ['schedule:wt-oncall'], delay: '5m' },
    { targets: [{ type: 'user', key: 'devops-lead' }], delay: '10m' },
    { targets: ['user:eng-manager'], delay: '15m' },
  ],
  severity_overrides: {
    P0: { also_notify: ['user:cto', 'user:vp-eng'] },
    P1: { also_notify: ['user:devops-lead'] },
    P3: { page: false, ticket: 'wt-tickets' },
  },
};

/** FF-6: primary (5 min), secondary (15 min), manager; FF-5 severities. */
const forge: EscalationPolicy = {
  key: 'forge',
  levels: [
    { targets: ['schedule:ff-primary'], delay: '5m' },
    { targets: ['schedule:ff-secondary'], delay: '10m' },
    { targets: ['user:ff-manager'], delay: '15m' },
  ],
  severity_overrides: {
    'SEV-1': { also_notify: ['user:cto'], channels: ['ff-incidents'] },
    'SEV-3': { page: false, channels: ['ff-incidents'] },
    'SEV-4': { page: false, ticket: 'ff-tickets' },
  },
};

const brief = (as: EscalationAction[]) =>
  as.map((a) => {
    if (a.kind === 'notify') return `notify ${a.user} L${a.level} @${(a.dueAt - T0) / M}m`;
    if (a.kind === 'unresolved') return `unresolved ${a.target.type}:${a.target.key} L${a.level}`;
    if (a.kind === 'channel') return `channel ${a.channel}`;
    if (a.kind === 'ticket') return `ticket ${a.webhook}`;
    return `exhausted after pass ${a.repeat}`;
  });

/** Steps at each offset (minutes after T0) and records what happened. */
function drive(policy: EscalationPolicy, severity: string, offsets: number[], start?: EscalationState) {
  let state = start ?? startEscalation(policy, { id: 'INC-1', severity }, T0);
  const log: Array<[number, string[], number | null]> = [];
  for (const m of offsets) {
    const r = stepEscalation(state, policy, T0 + m * M, resolver);
    state = r.state;
    log.push([m, brief(r.actions), r.nextDueAt === null ? null : (r.nextDueAt - T0) / M]);
  }
  return { state, log };
}

describe('escalation ladders', () => {
  it('WT-3: on-call at 0, DevOps lead at 5 min, engineering manager at 15 min, then exhausted at 30', () => {
    const { state, log } = drive(wiretuner, 'P2', [0, 4.99, 5, 14, 15, 30, 90]);
    assert.deepEqual(log, [
      [0, ['notify alice L1 @0m'], 5],
      [4.99, [], 5],
      [5, ['notify devops-lead L2 @5m'], 15],
      [14, [], 15],
      [15, ['notify eng-manager L3 @15m'], 30],
      [30, ['exhausted after pass 0'], null],
      [90, [], null],
    ]);
    assert.equal(state.status, 'exhausted');
  });

  it('FF-6: primary, secondary, manager; acknowledged at level 2 stops level 3', () => {
    const first = drive(forge, 'SEV-2', [0, 5]);
    assert.deepEqual(first.log, [
      [0, ['notify alice L1 @0m'], 5],
      [5, ['notify bob L2 @5m'], 15],
    ]);
    const acked = acknowledge(first.state, 'bob', T0 + 7 * M);
    assert.equal(acked.status, 'acknowledged');
    assert.equal(acked.nextDueAt, null);
    const after = drive(forge, 'SEV-2', [15, 60], acked);
    assert.deepEqual(after.log, [
      [15, [], null],
      [60, [], null],
    ]);
    assert.equal(after.state.acknowledgedBy, 'bob');
    assert.equal(after.state.acknowledgedAt, T0 + 7 * M);
  });

  it('repeats the whole ladder `repeat` times with distinct idempotency keys', () => {
    const policy = { ...wiretuner, repeat: 1 };
    let state = startEscalation(policy, { id: 'INC-9', severity: 'P2' }, T0);
    const keys: string[] = [];
    const times: number[] = [];
    for (const m of [0, 5, 15, 30, 35, 45, 60, 61]) {
      const r = stepEscalation(state, policy, T0 + m * M, resolver);
      state = r.state;
      for (const a of r.actions) {
        keys.push(a.idempotencyKey);
        times.push((a.dueAt - T0) / M);
      }
    }
    assert.deepEqual(keys, [
      'INC-9:1:0:alice',
      'INC-9:2:0:devops-lead',
      'INC-9:3:0:eng-manager',
      'INC-9:1:1:alice',
      'INC-9:2:1:devops-lead',
      'INC-9:3:1:eng-manager',
      'INC-9:exhausted:1',
    ]);
    assert.deepEqual(times, [0, 5, 15, 30, 35, 45, 60]);
  });

  it('a level that reaches nobody (schedule gap) is reported and skipped at once', () => {
    const policy: EscalationPolicy = {
      key: 'gap',
      levels: [
        { targets: ['schedule:empty'], delay: '5m' },
        { targets: ['team:sre', 'schedule:wt-oncall'], delay: '5m' },
      ],
    };
    const { log } = drive(policy, 'any', [0]);
    // alice is in team sre and on call: notified once at that level.
    assert.deepEqual(log, [
      [0, ['unresolved schedule:empty L1', 'notify alice L2 @0m', 'notify carol L2 @0m'], 5],
    ]);
  });

  it('resolves schedule targets when the level fires (the new on-call after a hand-off)', () => {
    const policy: EscalationPolicy = {
      key: 'p',
      levels: [{ targets: ['schedule:wt-oncall'], delay: '1d' }],
      repeat: 1,
    };
    const { log } = drive(policy, 'x', [0, 24 * 60]);
    assert.deepEqual(log[1][1], ['notify bob L1 @1440m']);
  });
});

describe('per-severity behaviour', () => {
  const table: Array<[EscalationPolicy, string, string[], string]> = [
    // FF-5
    [forge, 'SEV-1', ['channel ff-incidents', 'notify cto L0 @0m', 'notify alice L1 @0m'], 'escalating'],
    [forge, 'SEV-2', ['notify alice L1 @0m'], 'escalating'],
    [forge, 'SEV-3', ['channel ff-incidents'], 'notified'],
    [forge, 'SEV-4', ['ticket ff-tickets'], 'notified'],
    // WT-1
    [wiretuner, 'P0', ['notify cto L0 @0m', 'notify vp-eng L0 @0m', 'notify alice L1 @0m'], 'escalating'],
    [wiretuner, 'P1', ['notify devops-lead L0 @0m', 'notify alice L1 @0m'], 'escalating'],
    [wiretuner, 'P2', ['notify alice L1 @0m'], 'escalating'],
    [wiretuner, 'P3', ['ticket wt-tickets'], 'notified'],
  ];
  for (const [policy, sev, want, status] of table) {
    it(`${policy.key} ${sev}: ${want.join(', ')}`, () => {
      const { state, log } = drive(policy, sev, [0, 1]);
      assert.deepEqual(log[0][1], want);
      assert.deepEqual(log[1][1], []);
      assert.equal(state.status, status);
      if (status === 'notified') assert.equal(state.nextDueAt, null);
    });
  }

  it('exec notification happens once, not again on a repeat pass', () => {
    const policy = { ...wiretuner, repeat: 1 };
    const { log } = drive(policy, 'P0', [0, 5, 15, 30]);
    assert.deepEqual(log[3][1], ['notify alice L1 @30m']);
  });

  it('uses stable idempotency keys for channel, ticket and exec notifications', () => {
    const s1 = stepEscalation(
      startEscalation(forge, { id: 'INC-7', severity: 'SEV-1' }, T0),
      forge,
      T0,
      resolver,
    );
    assert.deepEqual(
      s1.actions.map((a) => a.idempotencyKey),
      ['INC-7:channel:ff-incidents', 'INC-7:0:0:cto', 'INC-7:1:0:alice'],
    );
    const s4 = stepEscalation(
      startEscalation(forge, { id: 'INC-8', severity: 'SEV-4' }, T0),
      forge,
      T0,
      resolver,
    );
    assert.deepEqual(
      s4.actions.map((a) => a.idempotencyKey),
      ['INC-8:ticket:ff-tickets'],
    );
  });
});

describe('durability, acknowledgement and resolution', () => {
  it('serialise mid-escalation, deserialise, continue: same outcome as without the restart', () => {
    const straight = drive(wiretuner, 'P2', [0, 5, 15, 30]);
    const half = drive(wiretuner, 'P2', [0, 5]);
    const revived: EscalationState = JSON.parse(JSON.stringify(half.state));
    assert.equal(revived.nextDueAt, T0 + 15 * M);
    const rest = drive(wiretuner, 'P2', [15, 30], revived);
    assert.deepEqual([...half.log, ...rest.log], straight.log);
    assert.deepEqual(rest.state, straight.state);
  });

  it('a restart after missed levels catches up in order, each action keeping its due time', () => {
    const half = drive(wiretuner, 'P2', [0]);
    const late = drive(wiretuner, 'P2', [20], JSON.parse(JSON.stringify(half.state)));
    assert.deepEqual(late.log, [[20, ['notify devops-lead L2 @5m', 'notify eng-manager L3 @15m'], 30]]);
  });

  it('replaying a step from the same stored state yields the same keys; the next state yields none', () => {
    const s = startEscalation(wiretuner, { id: 'INC-3', severity: 'P2' }, T0);
    const a = stepEscalation(s, wiretuner, T0, resolver);
    const b = stepEscalation(s, wiretuner, T0, resolver);
    assert.deepEqual(
      a.actions.map((x) => x.idempotencyKey),
      b.actions.map((x) => x.idempotencyKey),
    );
    assert.deepEqual(stepEscalation(a.state, wiretuner, T0, resolver).actions, []);
    assert.equal(s.status, 'pending', 'step never mutates its input');
  });

  it('ack timeout re-triggers from level 1 in a new cycle (configurable, default off)', () => {
    const policy = { ...wiretuner, ack_timeout: '30m' };
    const first = drive(policy, 'P2', [0]);
    const acked = acknowledge(first.state, 'alice', T0 + 2 * M);
    assert.equal(acked.nextDueAt, T0 + 32 * M);
    const again = drive(policy, 'P2', [31, 32, 37], acked);
    assert.deepEqual(again.log, [
      [31, [], 32],
      [32, ['notify alice L1 @32m'], 37],
      [37, ['notify devops-lead L2 @37m'], 47],
    ]);
    const r = stepEscalation(again.state, policy, T0 + 32 * M, resolver);
    assert.deepEqual(r.actions, []);
    assert.match(JSON.stringify(again.state.history), /re-triggered/);
    // Without ack_timeout an acknowledgement is final.
    assert.equal(acknowledge(drive(wiretuner, 'P2', [0]).state, 'alice', T0).nextDueAt, null);
  });

  it('resolve stops everything, also a pending ack timeout; acknowledge after resolve is a no-op', () => {
    const policy = { ...wiretuner, ack_timeout: '30m' };
    const acked = acknowledge(drive(policy, 'P2', [0]).state, 'alice', T0 + M);
    const done = resolve(acked, T0 + 10 * M, 'alice');
    assert.equal(done.status, 'resolved');
    assert.equal(done.nextDueAt, null);
    assert.equal(done.resolvedAt, T0 + 10 * M);
    assert.deepEqual(drive(policy, 'P2', [60], done).log, [[60, [], null]]);
    assert.equal(acknowledge(done, 'bob', T0 + 11 * M), done);
    assert.equal(resolve(done, T0 + 12 * M), done);
  });

  it('an exhausted escalation can still be acknowledged', () => {
    const ex = drive(wiretuner, 'P2', [0, 5, 15, 30]).state;
    assert.equal(acknowledge(ex, 'eng-manager', T0 + 40 * M).status, 'acknowledged');
  });

  it('rejects malformed policies and a state of another policy', () => {
    const bad: EscalationPolicy[] = [
      { key: 'x', levels: [{ targets: [], delay: '5m' }] },
      { key: 'x', levels: [{ targets: ['user:a'], delay: 'soon' }] },
      { key: 'x', levels: [{ targets: ['pager:a'], delay: '5m' }] },
      { key: 'x', levels: [{ targets: ['user:a'], delay: '5m' }], repeat: -1 },
      { key: 'x', levels: [{ targets: ['user:a'], delay: '5m' }], ack_timeout: 0 },
      { key: 'x', levels: [], severity_overrides: { P0: { page: true } } },
    ];
    for (const p of bad)
      assert.throws(() => startEscalation(p, { id: 'i', severity: 'P0' }, T0), VigilError, JSON.stringify(p));
    const s = startEscalation(wiretuner, { id: 'i', severity: 'P2' }, T0);
    assert.throws(() => stepEscalation(s, forge, T0, resolver), VigilError);
  });
});
