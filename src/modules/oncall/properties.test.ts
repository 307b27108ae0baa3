import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { startEscalation, stepEscalation } from './escalation.ts';
import type { EscalationPolicy } from './policy.ts';
import { computeShifts, nextHandoffs, whoIsOnCall } from './schedule.ts';
import { makeResolver } from './targets.ts';
import type { Restriction, RotationLayer, Schedule, Weekday } from './types.ts';

const H = 3_600_000;
const BASE = Date.parse('2026-01-01T00:00:00Z');
const SPAN = 366 * 24 * H; // all of 2026, so both DST transitions of every zone are hit
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC'];
const DAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 30))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);

const restriction: fc.Arbitrary<Restriction> = fc.oneof(
  fc
    .tuple(hhmm, hhmm, fc.subarray(DAYS, { minLength: 1 }))
    .filter(([a, b]) => a !== b)
    .map(([start, end, days]) => ({ type: 'daily' as const, start, end, days })),
  fc
    .tuple(fc.constantFrom(...DAYS), hhmm, fc.constantFrom(...DAYS), hhmm)
    .filter(([d1, t1, d2, t2]) => d1 !== d2 || t1 !== t2)
    .map(([d1, t1, d2, t2]) => ({ type: 'weekly' as const, start: `${d1} ${t1}`, end: `${d2} ${t2}` })),
);

const layer = (i: number): fc.Arbitrary<RotationLayer> =>
  fc.record({
    key: fc.constant(`l${i}`),
    participants: fc.subarray(['a', 'b', 'c', 'd', 'e'], { minLength: 1 }),
    turn: fc.constantFrom('1d', '2d', '1w', '2w', '8h', '12h', '1d6h'),
    handoff: hhmm,
    time_zone: fc.constantFrom(...ZONES),
    start: fc.constantFrom(
      '2025-12-29',
      '2026-01-01',
      '2026-03-08',
      '2026-03-29',
      '2026-10-25',
      '2026-11-01',
    ),
    restrictions: fc.array(restriction, { maxLength: 2 }),
  });

const schedule: fc.Arbitrary<Schedule> = fc
  .tuple(
    fc.integer({ min: 0, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => layer(i)))),
    fc.array(
      fc.record({
        user: fc.constantFrom('x', 'y', null),
        start: fc.integer({ min: 0, max: SPAN }),
        len: fc.integer({ min: 1, max: 72 * H }),
      }),
      { maxLength: 3 },
    ),
    fc.constantFrom(...ZONES),
  )
  .map(([layers, ovs, zone]) => ({
    key: 's',
    time_zone: zone,
    layers: layers as RotationLayer[],
    overrides: ovs.map((o) => ({ user: o.user, start: BASE + o.start, end: BASE + o.start + o.len })),
  }));

const range = fc
  .tuple(fc.integer({ min: 0, max: SPAN }), fc.integer({ min: 1, max: 10 * 24 * H }))
  .map(([a, len]) => [BASE + a, BASE + a + len] as const);

describe('schedule properties (random layers, zones, restrictions, overrides over 2026)', () => {
  it('shifts are contiguous, cover [from, to) exactly, and adjacent shifts differ', () => {
    fc.assert(
      fc.property(schedule, range, (s, [from, to]) => {
        const shifts = computeShifts(s, from, to);
        assert.ok(shifts.length > 0);
        assert.equal(shifts[0].start, from);
        assert.equal(shifts[shifts.length - 1].end, to);
        for (let i = 0; i < shifts.length; i++) {
          assert.ok(shifts[i].end > shifts[i].start, 'non-empty');
          if (i > 0) {
            assert.equal(shifts[i].start, shifts[i - 1].end, 'contiguous');
            const [p, q] = [shifts[i - 1], shifts[i]];
            assert.ok(
              p.userKey !== q.userKey || p.layer !== q.layer || p.isOverride !== q.isOverride,
              'merged',
            );
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('whoIsOnCall agrees with computeShifts at random instants', () => {
    fc.assert(
      fc.property(schedule, range, fc.double({ min: 0, max: 1, noNaN: true }), (s, [from, to], f) => {
        const at = Math.min(to - 1, from + Math.floor(f * (to - from)));
        const shift = computeShifts(s, from, to).find((x) => x.start <= at && at < x.end)!;
        const who = whoIsOnCall(s, at);
        assert.equal(who.user, shift.userKey);
        assert.ok(who.shift.start <= at && at < who.shift.end);
        // Both see the same true start unless the shift is a gap (no true start) or a run of one
        // person's consecutive turns reaching back before the window (anchored at the first turn seen).
        if (who.shift.start === shift.start && shift.start > from) assert.equal(who.shift.id, shift.id);
      }),
      { numRuns: 150 },
    );
  });

  it('splitting the range changes nothing but the cut', () => {
    fc.assert(
      fc.property(schedule, range, fc.double({ min: 0, max: 1, noNaN: true }), (s, [from, to], f) => {
        const mid = from + Math.max(1, Math.floor(f * (to - from)));
        fc.pre(mid < to);
        const whole = computeShifts(s, from, to);
        const parts = [...computeShifts(s, from, mid), ...computeShifts(s, mid, to)];
        const at = (xs: typeof whole, t: number) => xs.find((x) => x.start <= t && t < x.end)!;
        for (const t of [from, mid - 1, mid, to - 1, ...whole.map((x) => x.start)]) {
          assert.equal(at(parts, t).userKey, at(whole, t).userKey);
          // Same caveat as above: compare ids where both saw the shift's true start.
          const [w, q] = [at(whole, t), at(parts, t)];
          if (w.start === q.start && w.start > from && w.userKey !== null) assert.equal(q.id, w.id);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('hand-offs are exactly the changes of person', () => {
    fc.assert(
      fc.property(schedule, fc.integer({ min: 0, max: SPAN }), (s, a) => {
        const hs = nextHandoffs(s, BASE + a, 4);
        let prev = whoIsOnCall(s, BASE + a).user;
        let last = BASE + a;
        for (const h of hs) {
          assert.ok(h.at > last);
          assert.equal(h.from, prev);
          assert.notEqual(h.to, h.from);
          assert.equal(whoIsOnCall(s, h.at).user, h.to);
          assert.equal(whoIsOnCall(s, h.at - 1).user, h.from);
          prev = h.to;
          last = h.at;
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('escalation properties', () => {
  const resolver = makeResolver({ teams: { t: ['u1', 'u2'] } });
  const policy: fc.Arbitrary<EscalationPolicy> = fc.record({
    key: fc.constant('p'),
    levels: fc.array(
      fc.record({
        targets: fc.subarray(['user:a', 'user:b', 'team:t'], { minLength: 1 }),
        delay: fc.integer({ min: 0, max: 30 * 60_000 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    repeat: fc.integer({ min: 0, max: 3 }),
  });

  it('stepping at any sequence of instants fires the same actions as stepping once at the end', () => {
    fc.assert(
      fc.property(
        policy,
        fc.array(fc.integer({ min: 0, max: 4 * 3_600_000 }), { maxLength: 8 }),
        (p, offsets) => {
          const t0 = BASE;
          const end = t0 + 4 * 3_600_000;
          let st = startEscalation(p, { id: 'I', severity: 'x' }, t0);
          const many: string[] = [];
          for (const o of [...offsets].sort((x, y) => x - y)) {
            const r = stepEscalation(JSON.parse(JSON.stringify(st)), p, t0 + o, resolver);
            st = r.state;
            many.push(...r.actions.map((a) => `${a.idempotencyKey}@${a.dueAt}`));
          }
          many.push(
            ...stepEscalation(st, p, end, resolver).actions.map((a) => `${a.idempotencyKey}@${a.dueAt}`),
          );
          const once = stepEscalation(startEscalation(p, { id: 'I', severity: 'x' }, t0), p, end, resolver);
          assert.deepEqual(
            many,
            once.actions.map((a) => `${a.idempotencyKey}@${a.dueAt}`),
          );
          assert.equal(new Set(many).size, many.length, 'no key fires twice');
        },
      ),
      { numRuns: 200 },
    );
  });
});
