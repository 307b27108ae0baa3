import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyResult, type MachineState } from './state-machine.ts';

const start: MachineState = { state: 'unknown', consecutiveFailures: 0, consecutiveSuccesses: 0 };
const ok = { status: 'up' as const, error: null };
const bad = { status: 'down' as const, error: 'connect: ECONNREFUSED' };
const slow = { status: 'degraded' as const, error: 'slow' };

function run(seq: Array<typeof ok | typeof bad | typeof slow>, downAfter = 3, upAfter = 2) {
  let s = start;
  const changes: string[] = [];
  for (const r of seq) {
    const t = applyResult(s, r, downAfter, upAfter);
    s = t.next;
    if (t.change) changes.push(`${t.change.from}->${t.change.to}`);
  }
  return { s, changes };
}

test('first success makes a new check up; failures below the threshold change nothing', () => {
  const { s, changes } = run([ok, bad, bad, ok]);
  assert.deepEqual(changes, ['unknown->up']);
  assert.equal(s.state, 'up');
  assert.equal(s.consecutiveFailures, 0);
});

test('down after N consecutive failures, up again only after M consecutive successes', () => {
  const { s, changes } = run([ok, bad, bad, bad, ok, bad, ok, ok]);
  assert.deepEqual(changes, ['unknown->up', 'up->down', 'down->up']);
  assert.equal(s.state, 'up');
});

test('degraded and up alternate immediately; degraded counts as success for recovery', () => {
  const { changes } = run([ok, slow, ok, bad, bad, bad, slow, slow]);
  assert.deepEqual(changes, ['unknown->up', 'up->degraded', 'degraded->up', 'up->down', 'down->degraded']);
});

test('reason names the failure count and the error', () => {
  let s = start;
  s = applyResult(s, bad, 2).next;
  const t = applyResult(s, bad, 2);
  assert.equal(t.change?.to, 'down');
  assert.match(t.change!.reason, /2 consecutive failure\(s\): connect: ECONNREFUSED/);
});

test('not_running recovers on the next result', () => {
  const nr: MachineState = { state: 'not_running', consecutiveFailures: 0, consecutiveSuccesses: 0 };
  assert.equal(applyResult(nr, ok, 2, 1).change?.to, 'up');
  assert.equal(applyResult(nr, bad, 2, 1).next.state, 'unknown');
});
