import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { DAY } from '../../kernel/clock.ts';
import { loadPlanFromString } from '../../plan/index.ts';
import { verifyLines } from './jsonl.ts';
import type { AuditApi } from './module.ts';
import './settings.ts';

function planBody(yaml: string) {
  const res = loadPlanFromString(yaml, 'vigil.yaml');
  if (!res.ok) throw new Error(JSON.stringify(res.diagnostics, null, 2));
  return { objects: res.plan.objects, prune: res.plan.prune, files: res.plan.files };
}

test('the audit plan section validates hot durations (years allowed, at least 30d)', () => {
  const ok = loadPlanFromString('version: 1\naudit:\n  retention: { hot: 7y, archive: monthly }\n');
  assert.equal(ok.ok, true, ok.ok ? '' : JSON.stringify(ok.diagnostics));
  const short = loadPlanFromString('version: 1\naudit:\n  retention: { hot: 1d }\n');
  assert.equal(short.ok, false);
  assert.match(JSON.stringify(short.diagnostics), /at least 30d/);
  const bad = loadPlanFromString('version: 1\naudit:\n  retention: { hot: forever }\n');
  assert.equal(bad.ok, false);
});

testBothDbs('audit export streams JSON Lines in a time range, verifiable on its own', async (h) => {
  const t = await createTestApp(h);
  try {
    await t.request('POST', '/api/v1/teams', { key: 'a', name: 'A' });
    await t.advance(DAY);
    await t.request('POST', '/api/v1/teams', { key: 'b', name: 'B' });
    await t.request('PUT', '/api/v1/teams/b', { name: 'B2' });
    await t.advance(DAY);
    await t.request('POST', '/api/v1/teams', { key: 'c', name: 'C' });
    const r = await t.request(
      'GET',
      '/api/v1/audit/export?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z',
    );
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /application\/x-ndjson/);
    const lines = r.body.trim().split('\n');
    const events = lines.map((l) => JSON.parse(l));
    assert.deepEqual(
      events.map((e) => [e.action, e.object.key]),
      [
        ['team.create', 'b'],
        ['team.update', 'b'],
      ],
    );
    assert.equal(events.length, 2);
    assert.equal(events[1].prev_hash, events[0].hash);
    assert.equal(verifyLines(lines).ok, true);
    // Tampering with an exported line is detected.
    const forged = lines.map((l, i) => (i === 1 ? l.replace('B2', 'B3') : l));
    assert.deepEqual(
      { ok: verifyLines(forged).ok, reason: verifyLines(forged).reason },
      { ok: false, reason: 'content does not match its hash' },
    );
    const viewer = await t.token('viewer');
    assert.equal(
      (await t.request('GET', '/api/v1/audit/export', undefined, { token: viewer })).statusCode,
      403,
    );
    const bad = await t.request(
      'GET',
      '/api/v1/audit/export?from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z',
    );
    assert.equal(bad.statusCode, 400);
  } finally {
    await t.close();
  }
});

testBothDbs('retention archives whole months past the hot period; verify still holds', async (h) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-audit-archive-'));
  const t = await createTestApp(h);
  try {
    const retention = t.app.modules.get<AuditApi>('audit').retention;
    const r = await t.request(
      'POST',
      '/api/v1/apply',
      planBody(
        `version: 1\naudit:\n  retention:\n    hot: 60d\n    archive: monthly\n    archive_dir: ${dir}\n`,
      ),
    );
    assert.equal(r.statusCode, 200, r.body);
    // Events in November (now: 2026-11-23), December and January.
    await t.request('POST', '/api/v1/teams', { key: 'nov', name: 'Nov' });
    await t.clock.set('2026-12-10T00:00:00Z');
    await t.request('POST', '/api/v1/teams', { key: 'dec', name: 'Dec' });
    await t.clock.set('2027-01-05T00:00:00Z');
    await t.request('POST', '/api/v1/teams', { key: 'jan', name: 'Jan' });
    const before = (await t.request('GET', '/api/v1/audit/verify')).json();
    assert.equal(before.ok, true);

    // 2027-01-29: November ended 59 days ago — still hot.
    assert.deepEqual(await retention.step(Date.parse('2027-01-29T00:00:00Z')), {
      archived: null,
      more: false,
    });
    // 2027-03-05: November and December are past 60 days; one month per step.
    await t.clock.set('2027-03-05T00:00:00Z');
    assert.deepEqual(await retention.step(t.clock.now()), { archived: '2026-11', more: true });
    assert.deepEqual(await retention.step(t.clock.now()), { archived: '2026-12', more: false });

    const nov = readFileSync(join(dir, 'audit-2026-11.jsonl'), 'utf8').trim().split('\n');
    const header = JSON.parse(nov[0]);
    assert.equal(header.archive, 'vigil-audit');
    assert.equal(header.prev_hash, '0'.repeat(64));
    assert.ok(nov.slice(1).some((l) => JSON.parse(l).object.key === 'nov'));
    const left = (await t.request('GET', '/api/v1/audit?limit=500')).json().items;
    assert.ok(
      !left.some((e: { object: { key: string } }) => e.object.key === 'nov' || e.object.key === 'dec'),
    );
    assert.ok(left.some((e: { object: { key: string } }) => e.object.key === 'jan'));
    assert.ok(left.some((e: { action: string }) => e.action === 'audit.archived'));

    const v = (await t.request('GET', '/api/v1/audit/verify')).json();
    assert.equal(v.ok, true, JSON.stringify(v));
    assert.ok(v.archivedThroughSeq > 0);
    let arch = (await t.request('GET', '/api/v1/audit/archives?verify=true')).json().items;
    assert.deepEqual(
      arch.map((a: { period: string; verified: { ok: boolean } }) => [a.period, a.verified.ok]),
      [
        ['2026-11', true],
        ['2026-12', true],
      ],
    );
    // A modified archive file is caught.
    const decFile = join(dir, 'audit-2026-12.jsonl');
    writeFileSync(decFile, readFileSync(decFile, 'utf8').replace('"Dec"', '"Xmas"'));
    arch = (await t.request('GET', '/api/v1/audit/archives?verify=true')).json().items;
    assert.equal(arch[1].verified.ok, false);
    assert.match(arch[1].verified.reason, /digest/);

    // The engine does the same on its own schedule (virtual clock, runner).
    await t.clock.set('2027-04-02T00:00:00Z');
    await t.app.runner.runOnce('audit-retention');
    assert.equal((await retention.list()).at(-1)?.period, '2027-01');
    assert.equal((await t.request('GET', '/api/v1/audit/verify')).json().ok, true);
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
