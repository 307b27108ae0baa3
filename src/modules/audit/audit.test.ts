import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testBothDbs } from '../../../test/support/db.ts';
import { inTransaction } from '../../db/tx.ts';
import { VirtualClock } from '../../kernel/clock.ts';
import { AuditLog, redact } from './audit.ts';

test('redact hides secret-looking fields at any depth', () => {
  assert.deepEqual(
    redact({ name: 'x', password: 'p', nested: [{ api_key: 'k', ok: 1 }], webhook_secret: 's' }),
    {
      name: 'x',
      password: '[redacted]',
      nested: [{ api_key: '[redacted]', ok: 1 }],
      webhook_secret: '[redacted]',
    },
  );
});

testBothDbs('audit: hash chain verifies, and tampering is found at the first broken link', async (h) => {
  const clock = new VirtualClock('2026-11-23T10:00:00Z');
  const audit = new AuditLog(h.db, clock);
  for (let i = 0; i < 5; i++) {
    await inTransaction(h.db, (tx) =>
      audit.append(tx, {
        actor: 'user:ann@acme.test',
        action: 'service.update',
        object: { kind: 'service', key: `s${i}` },
        before: { n: i },
        after: { n: i + 1, token: 'secret' },
      }),
    );
    await clock.advance(1000);
  }
  assert.deepEqual(await audit.verify(), { ok: true, count: 5 });
  const listed = await audit.list({ kind: 'service', key: 's3' });
  assert.equal(listed.length, 1);
  assert.deepEqual(listed[0].after, { n: 4, token: '[redacted]' });
  assert.equal((await audit.list({ from: Date.parse('2026-11-23T10:00:02Z') })).length, 3);

  // Someone edits history in the database: verify names the event.
  const third = (await audit.list({ key: 's2' }))[0];
  await h.db.kysely
    .updateTable('audit_events')
    .set({ after: '{"n":99}' })
    .where('seq', '=', third.seq)
    .execute();
  const res = await audit.verify();
  assert.equal(res.ok, false);
  assert.equal(!res.ok && res.brokenAt, third.seq);
  assert.equal(res.count, 2);
  // Deleting an event breaks the link of the next one.
  await h.db.kysely
    .updateTable('audit_events')
    .set({ after: third.after === null ? null : JSON.stringify(third.after) })
    .where('seq', '=', third.seq)
    .execute();
  assert.equal((await audit.verify()).ok, true);
  await h.db.kysely.deleteFrom('audit_events').where('seq', '=', third.seq).execute();
  const res2 = await audit.verify();
  assert.equal(!res2.ok && res2.reason, 'previous-hash mismatch');
});
