import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VigilError } from '../../kernel/errors.ts';
import {
  addDays,
  daysBetween,
  localParts,
  localToMs,
  parseClock,
  parseInstant,
  parseTurn,
  weekdayOf,
} from './time.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('oncall time helpers', () => {
  it('parses turn lengths: d/w are calendar units, everything else elapsed', () => {
    const cases: Array<[string, unknown]> = [
      ['1d', { kind: 'calendar', days: 1 }],
      ['1w', { kind: 'calendar', days: 7 }],
      ['2w', { kind: 'calendar', days: 14 }],
      ['12h', { kind: 'elapsed', ms: 12 * 3_600_000 }],
      ['1d12h', { kind: 'elapsed', ms: 36 * 3_600_000 }],
      ['90m', { kind: 'elapsed', ms: 90 * 60_000 }],
    ];
    for (const [input, want] of cases) assert.deepEqual(parseTurn(input), want, input);
    for (const bad of ['0d', '0w', '', 'weekly', '30s', '5x'])
      assert.throws(() => parseTurn(bad), VigilError, bad);
  });

  it('parses clock times and rejects nonsense', () => {
    assert.equal(parseClock('00:00'), 0);
    assert.equal(parseClock('09:30'), 570);
    assert.equal(parseClock('24:00'), 1440);
    for (const bad of ['9:00', '24:01', '25:00', '12:60', 'noon'])
      assert.throws(() => parseClock(bad), VigilError, bad);
  });

  it('requires an offset on instant strings', () => {
    assert.equal(parseInstant('2026-03-29T01:00:00Z'), Date.UTC(2026, 2, 29, 1));
    assert.equal(parseInstant('2026-03-29T03:00:00+02:00'), Date.UTC(2026, 2, 29, 1));
    assert.equal(parseInstant(1234), 1234);
    assert.throws(() => parseInstant('2026-03-29T03:00:00'), VigilError);
    assert.throws(() => parseInstant('yesterday Z'), VigilError);
  });

  it('does calendar arithmetic across month and year ends', () => {
    assert.deepEqual(addDays({ year: 2026, month: 12, day: 30 }, 3), { year: 2027, month: 1, day: 2 });
    assert.deepEqual(addDays({ year: 2026, month: 3, day: 1 }, -1), { year: 2026, month: 2, day: 28 });
    assert.equal(daysBetween({ year: 2026, month: 3, day: 1 }, { year: 2026, month: 4, day: 1 }), 31);
    assert.equal(weekdayOf({ year: 2026, month: 3, day: 29 }), 7); // a Sunday
  });

  it('maps local wall-clock times to instants across DST (gap moves forward, ambiguity takes the later)', () => {
    const cases: Array<[string, [number, number, number], number, string]> = [
      ['Europe/Berlin', [2026, 3, 28], 9 * 60, '2026-03-28T08:00:00.000Z'],
      ['Europe/Berlin', [2026, 3, 29], 9 * 60, '2026-03-29T07:00:00.000Z'],
      ['Europe/Berlin', [2026, 3, 29], 2 * 60 + 30, '2026-03-29T01:30:00.000Z'], // 02:30 does not exist → 03:30 CEST
      ['Europe/Berlin', [2026, 10, 25], 2 * 60 + 30, '2026-10-25T01:30:00.000Z'], // ambiguous → 02:30 CET
      ['America/New_York', [2026, 3, 8], 2 * 60 + 30, '2026-03-08T07:30:00.000Z'], // → 03:30 EDT
      ['America/New_York', [2026, 11, 1], 90, '2026-11-01T06:30:00.000Z'], // ambiguous → 01:30 EST
      ['Asia/Kolkata', [2026, 3, 29], 9 * 60, '2026-03-29T03:30:00.000Z'],
      ['UTC', [2026, 3, 29], 24 * 60, '2026-03-30T00:00:00.000Z'],
    ];
    for (const [zone, [year, month, day], min, want] of cases) {
      assert.equal(
        iso(localToMs(zone, { year, month, day }, min)),
        want,
        `${zone} ${year}-${month}-${day} ${min}`,
      );
    }
  });

  it('reads local parts of an instant', () => {
    const p = localParts('America/New_York', Date.UTC(2026, 10, 1, 14, 15));
    assert.deepEqual(p, { year: 2026, month: 11, day: 1, weekday: 7, minute: 9 * 60 + 15 });
  });
});
