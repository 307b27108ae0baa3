import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VigilError } from '../../kernel/errors.ts';
import { computeShifts, gaps, nextHandoffs, reminders, whoIsOnCall } from './schedule.ts';
import type { Schedule, Shift } from './types.ts';

const T = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');
const rows = (xs: Shift[]) =>
  xs.map((s) => [iso(s.start), iso(s.end), s.userKey, s.isOverride ? 'override' : s.layer]);
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as Array<'mon'>;

/** Business hours on weekdays plus a weekend layer on top; weeknights are gaps (UTC). */
const stacked: Schedule = {
  key: 'stacked',
  time_zone: 'UTC',
  layers: [
    {
      key: 'base',
      participants: ['a', 'b'],
      turn: '1w',
      handoff: '09:00',
      start: '2026-06-01',
      restrictions: [{ type: 'daily', start: '09:00', end: '18:00', days: WEEKDAYS }],
    },
    {
      key: 'weekend',
      participants: ['w1', 'w2'],
      turn: '1w',
      handoff: '18:00',
      start: '2026-06-05',
      restrictions: [{ type: 'weekly', start: 'fri 18:00', end: 'mon 09:00' }],
    },
  ],
};

/** Daily 09:00 Europe/Berlin rotation around spring-forward, with overrides. */
const berlin: Schedule = {
  key: 'berlin',
  time_zone: 'Europe/Berlin',
  layers: [{ key: 'l1', participants: ['a', 'b', 'c'], turn: '1d', handoff: '09:00', start: '2026-03-27' }],
  overrides: [
    { id: 'o1', user: 'z', start: '2026-03-28T10:00:00Z', end: '2026-03-28T11:00:00Z' },
    { id: 'o2', user: 'y', start: '2026-03-29T06:00:00Z', end: '2026-03-29T08:00:00Z' },
    { id: 'o3', user: null, start: '2026-03-29T07:30:00Z', end: '2026-03-29T07:45:00Z', reason: 'planned' },
  ],
};

describe('computeShifts', () => {
  it('stacks layers by priority and shows weeknights as gaps', () => {
    assert.deepEqual(rows(computeShifts(stacked, T('2026-06-08T00:00:00Z'), T('2026-06-15T12:00:00Z'))), [
      ['2026-06-08T00:00Z', '2026-06-08T09:00Z', 'w1', 'weekend'],
      ['2026-06-08T09:00Z', '2026-06-08T18:00Z', 'b', 'base'],
      ['2026-06-08T18:00Z', '2026-06-09T09:00Z', null, null],
      ['2026-06-09T09:00Z', '2026-06-09T18:00Z', 'b', 'base'],
      ['2026-06-09T18:00Z', '2026-06-10T09:00Z', null, null],
      ['2026-06-10T09:00Z', '2026-06-10T18:00Z', 'b', 'base'],
      ['2026-06-10T18:00Z', '2026-06-11T09:00Z', null, null],
      ['2026-06-11T09:00Z', '2026-06-11T18:00Z', 'b', 'base'],
      ['2026-06-11T18:00Z', '2026-06-12T09:00Z', null, null],
      ['2026-06-12T09:00Z', '2026-06-12T18:00Z', 'b', 'base'],
      ['2026-06-12T18:00Z', '2026-06-15T09:00Z', 'w2', 'weekend'],
      ['2026-06-15T09:00Z', '2026-06-15T12:00Z', 'a', 'base'],
    ]);
  });

  it('a higher layer wins only where it has someone', () => {
    const lunch: Schedule = {
      ...stacked,
      layers: [
        stacked.layers[0],
        {
          key: 'lunch',
          participants: ['x'],
          turn: '1d',
          start: '2026-06-01',
          restrictions: [{ type: 'daily', start: '12:00', end: '13:00' }],
        },
      ],
    };
    assert.deepEqual(rows(computeShifts(lunch, T('2026-06-08T10:00:00Z'), T('2026-06-08T20:00:00Z'))), [
      ['2026-06-08T10:00Z', '2026-06-08T12:00Z', 'b', 'base'],
      ['2026-06-08T12:00Z', '2026-06-08T13:00Z', 'x', 'lunch'],
      ['2026-06-08T13:00Z', '2026-06-08T18:00Z', 'b', 'base'],
      ['2026-06-08T18:00Z', '2026-06-08T20:00Z', null, null],
    ]);
  });

  it('overrides cut shifts in the middle, span a DST hand-off, and a later override (even nobody) wins', () => {
    const shifts = computeShifts(berlin, T('2026-03-28T08:00:00Z'), T('2026-03-30T07:00:00Z'));
    assert.deepEqual(rows(shifts), [
      ['2026-03-28T08:00Z', '2026-03-28T10:00Z', 'b', 'l1'],
      ['2026-03-28T10:00Z', '2026-03-28T11:00Z', 'z', 'override'],
      ['2026-03-28T11:00Z', '2026-03-29T06:00Z', 'b', 'l1'],
      ['2026-03-29T06:00Z', '2026-03-29T07:30Z', 'y', 'override'],
      ['2026-03-29T07:30Z', '2026-03-29T07:45Z', null, 'override'],
      ['2026-03-29T07:45Z', '2026-03-29T08:00Z', 'y', 'override'],
      ['2026-03-29T08:00Z', '2026-03-30T07:00Z', 'c', 'l1'], // c's turn started at 07:00Z (09:00 CEST)
    ]);
    assert.equal(shifts[0].id, 'l1#1@1774684800000');
    assert.equal(shifts[2].id, `l1#1@${T('2026-03-28T11:00:00Z')}`);
    assert.equal(shifts[4].id, `override:o3@${T('2026-03-29T07:30:00Z')}`);
  });

  it('merges adjacent turns of the same person in the same layer, not across layers', () => {
    const solo: Schedule = {
      key: 's',
      time_zone: 'Asia/Kolkata',
      layers: [
        { key: 'one', participants: ['a'], turn: '1d', handoff: '09:00', start: '2026-03-01' },
        {
          key: 'two',
          participants: ['a'],
          turn: '1d',
          start: '2026-03-01',
          restrictions: [{ type: 'daily', start: '12:00', end: '13:00', days: ['wed'] }],
        },
      ],
    };
    // Wed 4 Mar 12:00 IST = 06:30Z.
    assert.deepEqual(rows(computeShifts(solo, T('2026-03-02T00:00:00Z'), T('2026-03-06T00:00:00Z'))), [
      ['2026-03-02T00:00Z', '2026-03-04T06:30Z', 'a', 'one'],
      ['2026-03-04T06:30Z', '2026-03-04T07:30Z', 'a', 'two'],
      ['2026-03-04T07:30Z', '2026-03-06T00:00Z', 'a', 'one'],
    ]);
  });

  it('is one gap for a schedule without layers, and before the first hand-off', () => {
    const empty: Schedule = { key: 'e', time_zone: 'UTC', layers: [] };
    assert.deepEqual(rows(computeShifts(empty, T('2026-01-01T00:00:00Z'), T('2026-01-02T00:00:00Z'))), [
      ['2026-01-01T00:00Z', '2026-01-02T00:00Z', null, null],
    ]);
    assert.deepEqual(rows(computeShifts(berlin, T('2026-03-27T00:00:00Z'), T('2026-03-27T09:00:00Z'))), [
      ['2026-03-27T00:00Z', '2026-03-27T08:00Z', null, null],
      ['2026-03-27T08:00Z', '2026-03-27T09:00Z', 'a', 'l1'],
    ]);
  });

  it('gives a shift the same id whatever window it is cut from', () => {
    const wide = computeShifts(berlin, T('2026-03-28T00:00:00Z'), T('2026-03-30T00:00:00Z'));
    const narrow = computeShifts(berlin, T('2026-03-28T15:00:00Z'), T('2026-03-28T16:00:00Z'));
    const same = wide.find((s) => s.start <= T('2026-03-28T15:00:00Z') && s.end > T('2026-03-28T15:00:00Z'))!;
    assert.equal(narrow.length, 1);
    assert.equal(narrow[0].id, same.id);
    assert.equal(narrow[0].start, T('2026-03-28T15:00:00Z'));
  });

  it('rejects malformed schedules and empty ranges', () => {
    const from = T('2026-01-01T00:00:00Z');
    const bad: Schedule[] = [
      { ...berlin, time_zone: 'Europe/Atlantis' },
      { ...berlin, layers: [berlin.layers[0], berlin.layers[0]] },
      { ...berlin, overrides: [{ user: 'x', start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' }] },
      { ...berlin, overrides: [{ user: 'x', start: '2026-01-01 00:00', end: '2026-01-02T00:00:00Z' }] },
    ];
    for (const s of bad) assert.throws(() => computeShifts(s, from, from + 1000), VigilError);
    assert.throws(() => computeShifts(berlin, from, from), VigilError);
  });
});

describe('whoIsOnCall, gaps, hand-offs and reminders', () => {
  it('names the person and the whole (unclipped) shift', () => {
    const z = whoIsOnCall(berlin, T('2026-03-28T10:30:00Z'));
    assert.equal(z.user, 'z');
    assert.deepEqual(
      [iso(z.shift.start), iso(z.shift.end), z.shift.isOverride],
      ['2026-03-28T10:00Z', '2026-03-28T11:00Z', true],
    );
    const b = whoIsOnCall(berlin, T('2026-03-28T12:00:00Z'));
    assert.deepEqual(
      [b.user, iso(b.shift.start), iso(b.shift.end)],
      ['b', '2026-03-28T11:00Z', '2026-03-29T06:00Z'],
    );
    assert.equal(whoIsOnCall(berlin, T('2026-03-29T07:40:00Z')).user, null);
    const night = whoIsOnCall(stacked, T('2026-06-10T03:00:00Z'));
    assert.deepEqual(
      [night.user, iso(night.shift.start), iso(night.shift.end)],
      [null, '2026-06-09T18:00Z', '2026-06-10T09:00Z'],
    );
    // Before a layer starts the gap reaches back at most 14 days, and forward to the first hand-off.
    const early = whoIsOnCall(berlin, T('2026-03-20T00:00:00Z'));
    assert.deepEqual(
      [iso(early.shift.start), iso(early.shift.end)],
      ['2026-03-06T00:00Z', '2026-03-27T08:00Z'],
    );
    assert.equal(whoIsOnCall(stacked, T('2026-06-13T03:00:00Z')).user, 'w2');
  });

  it('lists gaps', () => {
    assert.deepEqual(rows(gaps(berlin, T('2026-03-28T00:00:00Z'), T('2026-03-30T00:00:00Z'))), [
      ['2026-03-29T07:30Z', '2026-03-29T07:45Z', null, 'override'],
    ]);
    assert.equal(gaps(stacked, T('2026-06-08T00:00:00Z'), T('2026-06-15T00:00:00Z')).length, 4);
  });

  it('finds the next hand-offs (changes of person only)', () => {
    const hs = nextHandoffs(berlin, T('2026-03-28T08:30:00Z'), 6);
    assert.deepEqual(
      hs.map((h) => [iso(h.at), h.from, h.to]),
      [
        ['2026-03-28T10:00Z', 'b', 'z'],
        ['2026-03-28T11:00Z', 'z', 'b'],
        ['2026-03-29T06:00Z', 'b', 'y'],
        ['2026-03-29T07:30Z', 'y', null],
        ['2026-03-29T07:45Z', null, 'y'],
        ['2026-03-29T08:00Z', 'y', 'c'],
      ],
    );
    // The incoming shift is whole, not cut at a scan window.
    assert.deepEqual(
      [iso(hs[5].shift.start), iso(hs[5].shift.end)],
      ['2026-03-29T08:00Z', '2026-03-30T07:00Z'],
    );
    // Strictly after: asking from a hand-off instant skips that hand-off.
    assert.equal(nextHandoffs(berlin, T('2026-03-28T10:00:00Z'), 1)[0].at, T('2026-03-28T11:00:00Z'));
  });

  it('keeps finding hand-offs beyond one scan window (weekly rotation)', () => {
    const weekly: Schedule = {
      key: 'w',
      time_zone: 'America/New_York',
      layers: [{ key: 'l', participants: ['a', 'b'], turn: '1w', handoff: '10:00', start: '2026-10-05' }],
    };
    const hs = nextHandoffs(weekly, T('2026-10-06T00:00:00Z'), 6);
    assert.deepEqual(
      hs.map((h) => iso(h.at)),
      [
        '2026-10-12T14:00Z',
        '2026-10-19T14:00Z',
        '2026-10-26T14:00Z',
        '2026-11-02T15:00Z', // 10:00 EST after the 1 Nov fall-back
        '2026-11-09T15:00Z',
        '2026-11-16T15:00Z',
      ],
    );
    assert.deepEqual(
      hs.map((h) => h.to),
      ['b', 'a', 'b', 'a', 'b', 'a'],
    );
  });

  it('plans pre-shift reminders lead-time before each hand-off to a person', () => {
    const rs = reminders(berlin, T('2026-03-28T00:00:00Z'), T('2026-03-29T07:20:00Z'), 30 * 60_000);
    assert.deepEqual(
      rs.map((r) => [iso(r.at), r.userKey, iso(r.shift.start)]),
      [
        ['2026-03-28T07:30Z', 'b', '2026-03-28T08:00Z'],
        ['2026-03-28T09:30Z', 'z', '2026-03-28T10:00Z'],
        ['2026-03-28T10:30Z', 'b', '2026-03-28T11:00Z'],
        ['2026-03-29T05:30Z', 'y', '2026-03-29T06:00Z'],
        ['2026-03-29T07:15Z', 'y', '2026-03-29T07:45Z'],
      ],
    );
    // Half-open: a reminder due exactly at `to` belongs to the next window.
    assert.equal(
      reminders(berlin, T('2026-03-28T07:00:00Z'), T('2026-03-28T07:30:00Z'), 30 * 60_000).length,
      0,
    );
    assert.equal(
      reminders(berlin, T('2026-03-28T07:30:00Z'), T('2026-03-28T07:31:00Z'), 30 * 60_000).length,
      1,
    );
  });
});
