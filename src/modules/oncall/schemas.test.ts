import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import { type EscalationAction, startEscalation, stepEscalation } from './escalation.ts';
import type { EscalationPolicy } from './policy.ts';
import { compilePolicy, policyReferences } from './policy.ts';
import { compileSchedule, gaps, scheduleUsers, whoIsOnCall } from './schedule.ts';
import { EscalationPoliciesSectionSchema, SchedulesSectionSchema } from './schemas.ts';
import { makeResolver } from './targets.ts';
import type { Schedule } from './types.ts';

const M = 60_000;
const doc = readFileSync(new URL('../../../docs/oncall.md', import.meta.url), 'utf8');

/** Every ```yaml block of docs/oncall.md that declares plan sections, merged. */
function planFromDocs(): { schedules: Schedule[]; policies: EscalationPolicy[] } {
  const schedules: Schedule[] = [];
  const policies: EscalationPolicy[] = [];
  for (const m of doc.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    const y = parse(m[1]) as Record<string, unknown>;
    if (y && 'schedules' in y) schedules.push(...(y.schedules as Schedule[]));
    if (y && 'escalation_policies' in y) policies.push(...(y.escalation_policies as EscalationPolicy[]));
  }
  return { schedules, policies };
}

const plan = planFromDocs();
const resolver = makeResolver({ schedules: Object.fromEntries(plan.schedules.map((s) => [s.key, s])) });
const policy = (key: string) => plan.policies.find((p) => p.key === key)!;
const schedule = (key: string) => plan.schedules.find((s) => s.key === key)!;

function run(p: EscalationPolicy, severity: string, t0: number, offsets: number[]) {
  let st = startEscalation(p, { id: 'INC', severity }, t0);
  const out: string[] = [];
  const show = (a: EscalationAction) =>
    a.kind === 'notify' ? `${(a.dueAt - t0) / M}m L${a.level} ${a.user}` : `${(a.dueAt - t0) / M}m ${a.kind}`;
  for (const o of offsets) {
    const r = stepEscalation(st, p, t0 + o * M, resolver);
    st = r.state;
    out.push(...r.actions.map(show));
  }
  return out;
}

describe('plan schemas and the docs examples', () => {
  it('the docs declare the WT, FF and follow-the-sun examples, and they pass the schemas and compile', () => {
    assert.deepEqual(
      plan.schedules.map((s) => s.key),
      ['wt-oncall', 'ff-primary', 'ff-secondary', 'follow-the-sun'],
    );
    assert.deepEqual(
      plan.policies.map((p) => p.key),
      ['wiretuner', 'forge-factory'],
    );
    assert.ok(
      Value.Check(SchedulesSectionSchema, plan.schedules),
      JSON.stringify([...Value.Errors(SchedulesSectionSchema, plan.schedules)]),
    );
    assert.ok(
      Value.Check(EscalationPoliciesSectionSchema, plan.policies),
      JSON.stringify([...Value.Errors(EscalationPoliciesSectionSchema, plan.policies)]),
    );
    for (const s of plan.schedules) compileSchedule(s);
    for (const p of plan.policies) compilePolicy(p);
  });

  it('WT-1/WT-3 from the docs: P0 pages execs at once, then on-call (an override), lead at 5, manager at 15, repeat at 30', () => {
    // Tue 31 Mar 2026 10:00 CEST is alice's week, but chen's override covers 08:00–12:00.
    const t0 = Date.parse('2026-03-31T10:00:00+02:00');
    assert.deepEqual(run(policy('wiretuner'), 'P0', t0, [0, 5, 15, 30]), [
      '0m L0 cto',
      '0m L0 ceo',
      '0m L1 chen',
      '5m L2 devops-lead',
      '15m L3 eng-manager',
      '30m L1 chen',
    ]);
    assert.deepEqual(run(policy('wiretuner'), 'P3', t0, [0, 60]), ['0m ticket']);
    assert.equal(whoIsOnCall(schedule('wt-oncall'), Date.parse('2026-03-31T12:00:00+02:00')).user, 'alice');
  });

  it('FF-5/FF-6 from the docs: SEV-1 on a Saturday pages the weekend primary + CTO, secondary at 5, manager at 15', () => {
    const t0 = Date.parse('2026-03-07T12:00:00-05:00');
    assert.deepEqual(run(policy('forge-factory'), 'SEV-1', t0, [0, 5, 15, 30]), [
      '0m channel',
      '0m L0 cto',
      '0m L1 gus',
      '5m L2 dana',
      '15m L3 ff-manager',
      '30m exhausted',
    ]);
    assert.deepEqual(run(policy('forge-factory'), 'SEV-2', t0, [0]), ['0m L1 gus']);
    assert.deepEqual(run(policy('forge-factory'), 'SEV-3', t0, [0, 60]), ['0m channel']);
    assert.deepEqual(run(policy('forge-factory'), 'SEV-4', t0, [0, 60]), ['0m ticket']);
  });

  it('follow-the-sun from the docs: India, then a gap, then the Americas', () => {
    const s = schedule('follow-the-sun');
    assert.equal(whoIsOnCall(s, Date.parse('2026-03-02T05:00:00Z')).user, 'ishaan');
    assert.equal(whoIsOnCall(s, Date.parse('2026-03-02T13:00:00Z')).user, null);
    assert.equal(whoIsOnCall(s, Date.parse('2026-03-02T15:00:00Z')).user, 'olivia');
    const g = gaps(s, Date.parse('2026-03-02T00:00:00Z'), Date.parse('2026-03-03T00:00:00Z'));
    assert.deepEqual(
      g.map((x) => [new Date(x.start).toISOString(), new Date(x.end).toISOString()]),
      [
        ['2026-03-02T00:00:00.000Z', '2026-03-02T03:30:00.000Z'],
        ['2026-03-02T12:30:00.000Z', '2026-03-02T14:00:00.000Z'],
        ['2026-03-02T23:00:00.000Z', '2026-03-03T00:00:00.000Z'],
      ],
    );
  });

  it('lists what policies and schedules refer to, for plan cross-checks', () => {
    assert.deepEqual(policyReferences(policy('forge-factory')), {
      users: ['cto', 'ff-manager'],
      schedules: ['ff-primary', 'ff-secondary'],
      teams: [],
      channels: ['ff-incidents'],
      tickets: ['ff-tickets'],
    });
    assert.deepEqual(policyReferences(policy('wiretuner')).users, [
      'ceo',
      'cto',
      'devops-lead',
      'eng-manager',
    ]);
    assert.deepEqual(scheduleUsers(schedule('wt-oncall')), ['alice', 'bob', 'chen']);
    assert.deepEqual(scheduleUsers(schedule('ff-primary')), ['dana', 'eli', 'fay', 'gus', 'hana']);
  });

  it('the schemas reject malformed sections', () => {
    const good = schedule('wt-oncall');
    const badSchedules: unknown[] = [
      [{ ...good, colour: 'red' }],
      [{ ...good, key: 'Not A Slug' }],
      [{ ...good, layers: [{ ...good.layers[0], participants: [] }] }],
      [{ ...good, layers: [{ ...good.layers[0], handoff: '9:00' }] }],
      [
        {
          ...good,
          layers: [
            {
              ...good.layers[0],
              restrictions: [{ type: 'daily', start: '09:00', end: '18:00', days: ['monday'] }],
            },
          ],
        },
      ],
      [
        {
          ...good,
          layers: [
            {
              ...good.layers[0],
              restrictions: [{ type: 'weekly', start: 'friday 18:00', end: 'mon 09:00' }],
            },
          ],
        },
      ],
    ];
    for (const b of badSchedules)
      assert.equal(Value.Check(SchedulesSectionSchema, b), false, JSON.stringify(b));
    const p = policy('wiretuner');
    const badPolicies: unknown[] = [
      [{ ...p, levels: [{ targets: ['pager:x'], delay: '5m' }] }],
      [{ ...p, levels: [{ targets: [], delay: '5m' }] }],
      [{ ...p, levels: [{ targets: ['user:x'], delay: 'soon' }] }],
      [{ ...p, repeat: -1 }],
      [{ ...p, severity_overrides: { P0: { page: 'yes' } } }],
    ];
    for (const b of badPolicies)
      assert.equal(Value.Check(EscalationPoliciesSectionSchema, b), false, JSON.stringify(b));
  });
});
