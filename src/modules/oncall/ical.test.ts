import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scheduleToICal, shiftUid, userICal } from './ical.ts';
import { computeShifts } from './schedule.ts';
import type { Schedule } from './types.ts';

const T = (s: string) => Date.parse(s);

const sched: Schedule = {
  key: 'ff-primary',
  name: 'Forge Factory primary',
  time_zone: 'Europe/Berlin',
  layers: [
    {
      key: 'week',
      participants: ['alice', 'bob'],
      turn: '1d',
      handoff: '09:00',
      start: '2026-03-27',
      restrictions: [{ type: 'daily', start: '08:00', end: '20:00' }],
    },
  ],
  overrides: [{ id: 'swap', user: 'carol', start: '2026-03-28T12:00:00Z', end: '2026-03-28T14:00:00Z' }],
};

/** Unfolds RFC 5545 line folding and returns the VEVENT blocks as maps. */
function events(ics: string): Array<Record<string, string>> {
  const lines = ics.replace(/\r\n[ \t]/g, '').split(/\r\n/);
  const out: Array<Record<string, string>> = [];
  let cur: Record<string, string> | null = null;
  for (const l of lines) {
    if (l === 'BEGIN:VEVENT') cur = {};
    else if (l === 'END:VEVENT') {
      out.push(cur!);
      cur = null;
    } else if (cur) {
      const i = l.indexOf(':');
      cur[l.slice(0, i)] = l.slice(i + 1);
    }
  }
  return out;
}

describe('iCalendar feeds', () => {
  const from = T('2026-03-28T00:00:00Z');
  const to = T('2026-03-30T00:00:00Z');
  const opts = { generatedAt: T('2026-03-01T00:00:00Z'), userNames: { carol: 'Carol C.' } };

  it('writes one UTC event per staffed shift, skipping gaps, with a deterministic DTSTAMP', () => {
    const ics = scheduleToICal(sched, computeShifts(sched, from, to), opts);
    assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
    assert.match(ics, /X-WR-CALNAME:Forge Factory primary/);
    const evs = events(ics);
    assert.deepEqual(
      evs.map((e) => [e.DTSTART, e.DTEND, e.SUMMARY]),
      [
        // 28 Mar (CET): 08:00–20:00 local = 07:00–19:00Z; alice's turn runs until 09:00 local.
        ['20260328T070000Z', '20260328T080000Z', 'On call: alice (Forge Factory primary)'],
        ['20260328T080000Z', '20260328T120000Z', 'On call: bob (Forge Factory primary)'],
        ['20260328T120000Z', '20260328T140000Z', 'On call: Carol C. (Forge Factory primary)'],
        ['20260328T140000Z', '20260328T190000Z', 'On call: bob (Forge Factory primary)'],
        // 29 Mar (CEST): 08:00–20:00 local = 06:00–18:00Z; hand-off at 09:00 CEST = 07:00Z.
        ['20260329T060000Z', '20260329T070000Z', 'On call: bob (Forge Factory primary)'],
        ['20260329T070000Z', '20260329T180000Z', 'On call: alice (Forge Factory primary)'],
      ],
    );
    assert.ok(evs.every((e) => e.DTSTAMP === '20260301T000000Z'));
    assert.equal(new Set(evs.map((e) => e.UID)).size, evs.length, 'UIDs are unique');
  });

  it('keeps UIDs stable when the feed is regenerated over another window', () => {
    const a = events(scheduleToICal(sched, computeShifts(sched, from, to), opts));
    const b = events(
      scheduleToICal(sched, computeShifts(sched, T('2026-03-29T00:00:00Z'), T('2026-04-02T00:00:00Z')), opts),
    );
    const lastA = a[a.length - 1];
    const sameInB = b.find((e) => e.DTSTART === lastA.DTSTART)!;
    assert.equal(sameInB.UID, lastA.UID);
    assert.match(lastA.UID, /^[0-9a-f]{32}@vigil$/);
    // A window starting in the middle of bob's 06:00–07:00Z piece cuts it, but the UID stays.
    const c = events(scheduleToICal(sched, computeShifts(sched, T('2026-03-29T06:30:00Z'), to), opts));
    const bobA = a.find((e) => e.DTSTART === '20260329T060000Z')!;
    assert.deepEqual([c[0].DTSTART, c[0].UID], ['20260329T063000Z', bobA.UID]);
  });

  it('per-user feeds contain only that person', () => {
    const shifts = computeShifts(sched, from, to);
    const evs = events(userICal(sched, shifts, 'bob', opts));
    assert.equal(evs.length, 3);
    assert.ok(evs.every((e) => e.SUMMARY.startsWith('On call: bob')));
    assert.match(userICal(sched, shifts, 'carol', opts), /X-WR-CALNAME:Forge Factory primary — Carol C\./);
    assert.equal(events(userICal(sched, shifts, 'nobody', opts)).length, 0);
  });

  it('derives UIDs from schedule, shift identity and person', () => {
    const s = computeShifts(sched, from, to)[1];
    assert.equal(shiftUid(sched, s), shiftUid(sched, { ...s }));
    assert.notEqual(shiftUid(sched, s), shiftUid({ ...sched, key: 'other' }, s));
    assert.notEqual(shiftUid(sched, s), shiftUid(sched, { ...s, userKey: 'mallory' }));
    assert.match(shiftUid(sched, s, 'example.org'), /@example\.org$/);
  });
});
