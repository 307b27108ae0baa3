import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activeOccurrence, occurrences, windowProblems } from './windows.ts';

const iso = (ms: number) => new Date(ms).toISOString();

test('windows: first Sunday of each month 02:00–03:00 UTC (CB-6)', () => {
  const w = { start: '2026-11-01T02:00', duration: '1h', rrule: 'FREQ=MONTHLY;BYDAY=1SU' };
  const got = occurrences(w, Date.parse('2026-11-25T00:00:00Z'), Date.parse('2027-03-01T00:00:00Z'));
  assert.deepEqual(
    got.map((o) => [iso(o.start), iso(o.end)]),
    [
      ['2026-12-06T02:00:00.000Z', '2026-12-06T03:00:00.000Z'],
      ['2027-01-03T02:00:00.000Z', '2027-01-03T03:00:00.000Z'],
      ['2027-02-07T02:00:00.000Z', '2027-02-07T03:00:00.000Z'],
    ],
  );
  assert.ok(activeOccurrence(w, Date.parse('2026-12-06T02:59:59Z')));
  assert.equal(activeOccurrence(w, Date.parse('2026-12-06T03:00:00Z')), null, 'end is exclusive');
  assert.equal(activeOccurrence(w, Date.parse('2026-12-13T02:30:00Z')), null);
});

test('windows: every second Sunday 02:00–04:00 UTC with 1 h notice (FF-8)', () => {
  const w = {
    start: '2026-11-29T02:00',
    end: '2026-11-29T04:00',
    rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=SU',
    notice: '1h',
  };
  const got = occurrences(w, Date.parse('2026-11-25T00:00:00Z'), Date.parse('2026-12-31T00:00:00Z'));
  assert.deepEqual(
    got.map((o) => iso(o.start)),
    ['2026-11-29T02:00:00.000Z', '2026-12-13T02:00:00.000Z', '2026-12-27T02:00:00.000Z'],
  );
  assert.equal(iso(got[0].announceAt), '2026-11-29T01:00:00.000Z');
  assert.equal(got[0].end - got[0].start, 2 * 3_600_000);
});

test('windows: local wall time is kept across a daylight-saving change', () => {
  // 04:00–05:00 Europe/Berlin every Sunday; DST starts 2027-03-28 (UTC+1 → UTC+2).
  const w = {
    start: '2027-03-07T04:00',
    duration: '1h',
    time_zone: 'Europe/Berlin',
    rrule: 'FREQ=WEEKLY;BYDAY=SU',
  };
  const got = occurrences(w, Date.parse('2027-03-20T00:00:00Z'), Date.parse('2027-04-05T00:00:00Z'));
  assert.deepEqual(
    got.map((o) => iso(o.start)),
    ['2027-03-21T03:00:00.000Z', '2027-03-28T02:00:00.000Z', '2027-04-04T02:00:00.000Z'],
  );
  // One-off windows in a zone.
  const once = { start: '2026-10-25T02:30', duration: '30m', time_zone: 'America/New_York' };
  assert.equal(iso(occurrences(once, 0, Date.parse('2030-01-01'))[0].start), '2026-10-25T06:30:00.000Z');
});

test('windows: problems are reported, not thrown', () => {
  assert.deepEqual(windowProblems({ start: '2026-11-01T02:00', duration: '1h' }), []);
  assert.match(windowProblems({ start: '2026-11-01T02:00' })[0], /needs end or duration/);
  assert.match(
    windowProblems({ start: '2026-11-01T02:00', duration: '1h', time_zone: 'Mars/Base' })[0],
    /not an IANA/,
  );
  assert.match(
    windowProblems({ start: '2026-11-01T02:00', duration: '1h', rrule: 'FREQ=SOMETIMES' }).join(),
    /does not parse/,
  );
  assert.match(
    windowProblems({ start: '2026-11-01T02:00', end: '2026-11-01T01:00' }).join(),
    /end after it starts/,
  );
});
