import assert from 'node:assert/strict';
import { test } from 'node:test';
import { counterScope, formatHumanId, localParts, nextBusinessDay, weekStart, zonedTime } from './time.ts';

const at = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString();

test('next_business_day: 09:00 local on the next Mon–Fri after the opening day', () => {
  // 2026-11-27 is a Friday.
  assert.equal(iso(nextBusinessDay(at('2026-11-27T14:00:00Z'), 'UTC')), '2026-11-30T09:00:00.000Z');
  assert.equal(iso(nextBusinessDay(at('2026-11-28T10:00:00Z'), 'UTC')), '2026-11-30T09:00:00.000Z');
  assert.equal(iso(nextBusinessDay(at('2026-11-24T03:00:00Z'), 'UTC')), '2026-11-25T09:00:00.000Z');
  // Berlin is UTC+1 in winter: Friday 23:30 UTC is already Saturday there → Monday 08:00 UTC.
  assert.equal(iso(nextBusinessDay(at('2026-11-27T23:30:00Z'), 'Europe/Berlin')), '2026-11-30T08:00:00.000Z');
  // New York across the DST end (2026-11-01): Friday Oct 30 → Monday Nov 2 09:00 EST = 14:00 UTC.
  assert.equal(
    iso(nextBusinessDay(at('2026-10-30T15:00:00Z'), 'America/New_York')),
    '2026-11-02T14:00:00.000Z',
  );
});

test('zonedTime and localParts agree', () => {
  const t = zonedTime('Asia/Kolkata', 2026, 11, 23, 9, 30);
  assert.equal(iso(t), '2026-11-23T04:00:00.000Z');
  const p = localParts(t, 'Asia/Kolkata');
  assert.deepEqual([p.year, p.month, p.day, p.hour, p.minute, p.weekday], [2026, 11, 23, 9, 30, 1]);
});

test('human ids: pattern tokens, padding and counter scope', () => {
  const p = localParts(at('2026-01-05T10:00:00Z'), 'UTC');
  assert.equal(formatHumanId('INC-{YYYY}-{MM}-{DD}-{NNN}', p, 7), 'INC-2026-01-05-007');
  assert.equal(formatHumanId('OPS-{YYYY}-{NNNNN}', p, 42), 'OPS-2026-00042');
  assert.equal(formatHumanId('INC-{N}', p, 1234), 'INC-1234');
  assert.equal(counterScope('INC-{YYYY}-{MM}-{DD}-{NNN}', p), 'INC-2026-01-05-');
  assert.equal(counterScope('OPS-{YYYY}-{NNNNN}', p), 'OPS-2026-');
  // The local day decides: 23:30 UTC on the 5th is the 6th in Tokyo.
  const tokyo = localParts(at('2026-01-05T23:30:00Z'), 'Asia/Tokyo');
  assert.equal(formatHumanId('INC-{YYYY}-{MM}-{DD}-{NNN}', tokyo, 1), 'INC-2026-01-06-001');
});

test('weekStart: the Monday of the local week', () => {
  assert.equal(weekStart(at('2026-11-29T12:00:00Z'), 'UTC'), '2026-11-23'); // Sunday
  assert.equal(weekStart(at('2026-11-30T00:30:00Z'), 'UTC'), '2026-11-30');
  assert.equal(weekStart(at('2026-11-29T23:30:00Z'), 'Europe/Berlin'), '2026-11-30');
});
