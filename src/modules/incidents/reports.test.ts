import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MINUTE } from '../../kernel/clock.ts';
import { computeReport, reportCsv } from './reports.ts';
import type { Incident } from './types.ts';

const T0 = Date.parse('2026-11-23T09:00:00Z');
let n = 0;
function inc(p: Partial<Incident>): Incident {
  return {
    id: `i${n++}`,
    humanId: `INC-${n}`,
    title: 't',
    summary: null,
    severity: 'sev2',
    service: 'api',
    status: 'resolved',
    version: 1,
    dedupKey: null,
    source: null,
    commander: null,
    commsLead: null,
    responders: [],
    services: ['api'],
    links: [],
    openedAt: T0,
    openedBy: 'x',
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    responseTargetMs: 15 * MINUTE,
    responseDueAt: T0 + 15 * MINUTE,
    breachedAt: null,
    reopenCount: 0,
    mergedInto: null,
    updatedAt: T0,
    ...p,
  };
}

test('report: MTTA, MTTR, compliance, noise and weeks per group', () => {
  const a = inc({ acknowledgedAt: T0 + 4 * MINUTE, resolvedAt: T0 + 40 * MINUTE, resolvedBy: 'ann' });
  const b = inc({ acknowledgedAt: T0 + 20 * MINUTE, resolvedAt: T0 + 80 * MINUTE, resolvedBy: 'bob' });
  const c = inc({
    severity: 'sev1',
    service: 'worker',
    openedAt: T0 + 7 * 24 * 60 * MINUTE,
    responseDueAt: T0 + 7 * 24 * 60 * MINUTE + 5 * MINUTE,
    acknowledgedAt: T0 + 7 * 24 * 60 * MINUTE + MINUTE,
    resolvedAt: T0 + 7 * 24 * 60 * MINUTE + 3 * MINUTE,
    resolvedBy: 'system:auto-resolve',
  });
  // Open, unacknowledged and past due: counts against compliance.
  const d = inc({
    status: 'triggered',
    severity: 'sev1',
    openedAt: T0 + MINUTE,
    responseDueAt: T0 + 6 * MINUTE,
  });
  const outside = inc({ openedAt: T0 - 1 });
  const rep = computeReport(
    {
      incidents: [a, b, c, d, outside],
      alertCounts: new Map([
        [a.id, 3],
        [c.id, 1],
      ]),
      teamOf: new Map([
        ['api', 'platform'],
        ['worker', 'workers'],
      ]),
      from: T0,
      to: T0 + 14 * 24 * 60 * MINUTE,
      groupBy: 'severity',
      timeZone: 'UTC',
    },
    T0 + 30 * 24 * 60 * MINUTE,
  );
  assert.equal(rep.totals.incidents, 4);
  const sev2 = rep.groups.find((g) => g.group === 'sev2')!;
  assert.equal(sev2.mtta_ms, 12 * MINUTE);
  assert.equal(sev2.mttr_ms, 60 * MINUTE);
  assert.equal(sev2.mttr_p50_ms, 60 * MINUTE);
  assert.equal(sev2.response_target_met, 1);
  assert.equal(sev2.response_target_total, 2);
  assert.equal(sev2.alerts_per_incident, 1.5);
  const sev1 = rep.groups.find((g) => g.group === 'sev1')!;
  assert.equal(sev1.incidents, 2);
  assert.equal(sev1.resolved, 1);
  assert.equal(sev1.response_target_compliance, 0.5);
  assert.equal(sev1.auto_resolved_within_5m, 1);
  assert.deepEqual(rep.per_week, [
    { week: '2026-11-23', incidents: 3 },
    { week: '2026-11-30', incidents: 1 },
  ]);

  const byTeam = computeReport(
    {
      incidents: [a, b, c],
      alertCounts: new Map(),
      teamOf: new Map([['api', 'platform']]),
      from: T0,
      to: T0 + 30 * 24 * 60 * MINUTE,
      groupBy: 'team',
      timeZone: 'UTC',
    },
    T0,
  );
  assert.deepEqual(
    byTeam.groups.map((g) => [g.group, g.incidents]),
    [
      ['(none)', 1],
      ['platform', 2],
    ],
  );
  const csv = reportCsv(rep).trim().split('\n');
  assert.equal(csv[0].split(',')[0], 'severity');
  assert.ok(csv[0].includes('mttr_ms'));
  assert.equal(csv.length, 1 + rep.groups.length + 1);
  assert.match(csv.at(-1)!, /^\(all\),4,/);
});
