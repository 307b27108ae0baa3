import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VigilError } from '../../kernel/errors.ts';
import { compileLayer, layerShifts, turnIndexAt, turnStart } from './rotation.ts';
import type { RotationLayer } from './types.ts';

const T = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const H = 3_600_000;

const daily = (zone: string, start: string, participants = ['a', 'b', 'c']): RotationLayer => ({
  key: 'l',
  participants,
  turn: '1d',
  handoff: '09:00',
  time_zone: zone,
  start,
});

describe('rotation turns across the 2026 DST transitions', () => {
  // [zone, layer start, first turn shown, hand-off instants in UTC, turn lengths in hours]
  const table: Array<[string, string, string[], number[]]> = [
    [
      'Europe/Berlin',
      '2026-03-27',
      ['2026-03-27T08:00:00Z', '2026-03-28T08:00:00Z', '2026-03-29T07:00:00Z', '2026-03-30T07:00:00Z'],
      [24, 23, 24],
    ],
    [
      'Europe/Berlin',
      '2026-10-23',
      ['2026-10-23T07:00:00Z', '2026-10-24T07:00:00Z', '2026-10-25T08:00:00Z', '2026-10-26T08:00:00Z'],
      [24, 25, 24],
    ],
    [
      'America/New_York',
      '2026-03-06',
      ['2026-03-06T14:00:00Z', '2026-03-07T14:00:00Z', '2026-03-08T13:00:00Z', '2026-03-09T13:00:00Z'],
      [24, 23, 24],
    ],
    [
      'America/New_York',
      '2026-10-30',
      ['2026-10-30T13:00:00Z', '2026-10-31T13:00:00Z', '2026-11-01T14:00:00Z', '2026-11-02T14:00:00Z'],
      [24, 25, 24],
    ],
    [
      'Asia/Kolkata',
      '2026-03-27',
      ['2026-03-27T03:30:00Z', '2026-03-28T03:30:00Z', '2026-03-29T03:30:00Z', '2026-03-30T03:30:00Z'],
      [24, 24, 24],
    ],
    [
      'UTC',
      '2026-10-23',
      ['2026-10-23T09:00:00Z', '2026-10-24T09:00:00Z', '2026-10-25T09:00:00Z', '2026-10-26T09:00:00Z'],
      [24, 24, 24],
    ],
  ];

  for (const [zone, start, handoffs, lengths] of table) {
    it(`daily 09:00 hand-off in ${zone} from ${start} stays at 09:00 local`, () => {
      const shifts = layerShifts(daily(zone, start), T(handoffs[0]), T(handoffs[3]));
      assert.deepEqual(
        shifts.map((s) => [iso(s.start), iso(s.end), s.userKey, s.turn]),
        [
          [handoffs[0], handoffs[1], 'a', 0],
          [handoffs[1], handoffs[2], 'b', 1],
          [handoffs[2], handoffs[3], 'c', 2],
        ],
      );
      assert.deepEqual(
        shifts.map((s) => (s.end - s.start) / H),
        lengths,
      );
    });
  }

  it('weekly Monday 09:00 Berlin turn spanning spring-forward lasts 167 h, the autumn one 169 h', () => {
    const l = compileLayer({ ...daily('Europe/Berlin', '2026-03-23', ['a', 'b']), turn: '1w' }, 'UTC');
    assert.equal(iso(turnStart(l, 0)), '2026-03-23T08:00:00Z');
    assert.equal(iso(turnStart(l, 1)), '2026-03-30T07:00:00Z');
    assert.equal((turnStart(l, 1) - turnStart(l, 0)) / H, 167);
    const k = turnIndexAt(l, T('2026-10-21T12:00:00Z')); // week of Mon 19 Oct
    assert.equal(iso(turnStart(l, k)), '2026-10-19T07:00:00Z');
    assert.equal(iso(turnStart(l, k + 1)), '2026-10-26T08:00:00Z');
    assert.equal((turnStart(l, k + 1) - turnStart(l, k)) / H, 169);
  });

  it('an elapsed 12h turn is elapsed time: the local hand-off drifts by the DST hour', () => {
    const layer: RotationLayer = {
      ...daily('Europe/Berlin', '2026-03-28', ['a', 'b']),
      turn: '12h',
      handoff: '08:00',
    };
    const shifts = layerShifts(layer, T('2026-03-28T07:00:00Z'), T('2026-03-30T07:00:00Z'));
    assert.deepEqual(
      shifts.map((s) => [iso(s.start), s.userKey]),
      [
        ['2026-03-28T07:00:00Z', 'a'], // 08:00 CET
        ['2026-03-28T19:00:00Z', 'b'],
        ['2026-03-29T07:00:00Z', 'a'], // 09:00 CEST: 12 h of elapsed time each
        ['2026-03-29T19:00:00Z', 'b'],
      ],
    );
    assert.ok(shifts.every((s) => s.end - s.start === 12 * H));
  });

  it('a hand-off inside the spring-forward gap moves forward an hour on that day only', () => {
    const layer: RotationLayer = { ...daily('Europe/Berlin', '2026-03-28', ['a', 'b']), handoff: '02:30' };
    const shifts = layerShifts(layer, T('2026-03-28T01:30:00Z'), T('2026-03-31T00:00:00Z'));
    assert.deepEqual(
      shifts.map((s) => iso(s.start)),
      ['2026-03-28T01:30:00Z', '2026-03-29T01:30:00Z', '2026-03-30T00:30:00Z'],
    );
  });

  it('is empty before the first hand-off and after `end`', () => {
    const layer: RotationLayer = { ...daily('UTC', '2026-05-10'), end: '2026-05-12T12:00:00Z' };
    const shifts = layerShifts(layer, T('2026-05-01T00:00:00Z'), T('2026-05-20T00:00:00Z'));
    assert.deepEqual(
      shifts.map((s) => [iso(s.start), iso(s.end), s.userKey]),
      [
        ['2026-05-10T09:00:00Z', '2026-05-11T09:00:00Z', 'a'],
        ['2026-05-11T09:00:00Z', '2026-05-12T09:00:00Z', 'b'],
        ['2026-05-12T09:00:00Z', '2026-05-12T12:00:00Z', 'c'],
      ],
    );
  });

  it('clips to the requested range and keeps the turn number far from the start', () => {
    const shifts = layerShifts(
      daily('UTC', '2026-01-01'),
      T('2026-06-15T12:00:00Z'),
      T('2026-06-15T13:00:00Z'),
    );
    // 2026-06-15 is day 165 after 2026-01-01; 12:00 is after the 09:00 hand-off → turn 165 → 165 % 3 = 0 → a.
    assert.deepEqual(shifts, [
      {
        start: T('2026-06-15T12:00:00Z'),
        end: T('2026-06-15T13:00:00Z'),
        userKey: 'a',
        layer: 'l',
        turn: 165,
      },
    ]);
  });

  it('rejects malformed layers', () => {
    const ok = daily('UTC', '2026-01-01');
    const bad: Array<Partial<RotationLayer>> = [
      { time_zone: 'Mars/Olympus' },
      { participants: [] },
      { turn: 'fortnightly' },
      { handoff: '9am' },
      { handoff: '24:00' },
      { start: '2026-02-30' },
      { restrictions: [{ type: 'daily', start: '09:00', end: '09:00' }] },
      { restrictions: [{ type: 'weekly', start: 'fri 18:00', end: 'someday 09:00' }] },
    ];
    for (const b of bad)
      assert.throws(() => compileLayer({ ...ok, ...b }, 'UTC'), VigilError, JSON.stringify(b));
  });
});

describe('restrictions hide time but never shift whose turn it is', () => {
  const weekdays = {
    type: 'daily' as const,
    start: '09:00',
    end: '18:00',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const,
  };

  it('weekly rotation with weekday 09:00–18:00 restriction (Europe/Berlin)', () => {
    const layer: RotationLayer = {
      key: 'biz',
      participants: ['a', 'b'],
      turn: '1w',
      handoff: '09:00',
      time_zone: 'Europe/Berlin',
      start: '2026-03-23',
      restrictions: [{ ...weekdays, days: [...weekdays.days] }],
    };
    const shifts = layerShifts(layer, T('2026-03-27T00:00:00Z'), T('2026-04-01T00:00:00Z'));
    assert.deepEqual(
      shifts.map((s) => [iso(s.start), iso(s.end), s.userKey, s.turn]),
      [
        ['2026-03-27T08:00:00Z', '2026-03-27T17:00:00Z', 'a', 0], // Fri, CET
        ['2026-03-30T07:00:00Z', '2026-03-30T16:00:00Z', 'b', 1], // Mon, CEST; weekend hidden
        ['2026-03-31T07:00:00Z', '2026-03-31T16:00:00Z', 'b', 1],
      ],
    );
  });

  it('daily rotation with weekday restriction keeps counting through the weekend', () => {
    // Mon a, Tue b, Wed c, Thu a, Fri b, (Sat c, Sun a hidden), Mon b — not c.
    const layer: RotationLayer = {
      key: 'd',
      participants: ['a', 'b', 'c'],
      turn: '1d',
      handoff: '09:00',
      time_zone: 'UTC',
      start: '2026-03-02',
      restrictions: [{ ...weekdays, days: [...weekdays.days] }],
    };
    const shifts = layerShifts(layer, T('2026-03-02T00:00:00Z'), T('2026-03-10T00:00:00Z'));
    assert.deepEqual(
      shifts.map((s) => [s.start, s.userKey]),
      [
        [T('2026-03-02T09:00:00Z'), 'a'],
        [T('2026-03-03T09:00:00Z'), 'b'],
        [T('2026-03-04T09:00:00Z'), 'c'],
        [T('2026-03-05T09:00:00Z'), 'a'],
        [T('2026-03-06T09:00:00Z'), 'b'],
        [T('2026-03-09T09:00:00Z'), 'b'],
      ],
    );
    assert.deepEqual(
      shifts.map((s) => s.turn),
      [0, 1, 2, 3, 4, 7],
    );
  });

  it('overnight and weekly windows, built per local day across DST', () => {
    const night: RotationLayer = {
      key: 'n',
      participants: ['n'],
      turn: '1w',
      time_zone: 'Europe/Berlin',
      start: '2026-03-02',
      restrictions: [{ type: 'daily', start: '22:00', end: '06:00' }],
    };
    const s = layerShifts(night, T('2026-03-28T12:00:00Z'), T('2026-03-29T12:00:00Z'));
    // 22:00 CET (21:00Z) → 06:00 CEST (04:00Z): a 7-hour night.
    assert.deepEqual(
      s.map((x) => [iso(x.start), iso(x.end)]),
      [['2026-03-28T21:00:00Z', '2026-03-29T04:00:00Z']],
    );

    // The same 22:00–06:00 night on every 2026 transition: 7 h in spring, 9 h in autumn.
    const nights: Array<[string, string, string, string]> = [
      ['Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-24T20:00:00Z', '2026-10-25T05:00:00Z'],
      ['America/New_York', '2026-03-07T12:00:00Z', '2026-03-08T03:00:00Z', '2026-03-08T10:00:00Z'],
      ['America/New_York', '2026-10-31T12:00:00Z', '2026-11-01T02:00:00Z', '2026-11-01T11:00:00Z'],
      ['Asia/Kolkata', '2026-03-28T12:00:00Z', '2026-03-28T16:30:00Z', '2026-03-29T00:30:00Z'],
    ];
    for (const [zone, from, start, end] of nights) {
      const got = layerShifts({ ...night, time_zone: zone }, T(from), T(from) + 24 * H);
      assert.deepEqual(
        got.map((x) => [iso(x.start), iso(x.end)]),
        [[start, end]],
        zone,
      );
    }

    const weekend: RotationLayer = {
      key: 'w',
      participants: ['w'],
      turn: '1w',
      time_zone: 'America/New_York',
      start: '2026-01-05',
      restrictions: [{ type: 'weekly', start: 'fri 18:00', end: 'mon 09:00' }],
    };
    const w = layerShifts(weekend, T('2026-03-02T00:00:00Z'), T('2026-03-12T00:00:00Z'));
    // Fri 6 Mar 18:00 EST = 23:00Z → Mon 9 Mar 09:00 EDT = 13:00Z (one hour shorter). The
    // weekly turn hands off at Mon 00:00 local, which splits each window into two turns.
    assert.deepEqual(
      w.map((x) => [iso(x.start), iso(x.end), x.turn]),
      [
        ['2026-03-02T00:00:00Z', '2026-03-02T05:00:00Z', 7], // tail of the window from Fri 27 Feb
        ['2026-03-02T05:00:00Z', '2026-03-02T14:00:00Z', 8],
        ['2026-03-06T23:00:00Z', '2026-03-09T04:00:00Z', 8],
        ['2026-03-09T04:00:00Z', '2026-03-09T13:00:00Z', 9],
      ],
    );
  });
});
