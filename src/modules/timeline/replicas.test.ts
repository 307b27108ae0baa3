/**
 * Several replicas on one PostgreSQL database: subscribers of one process hear events committed
 * by another (LISTEN/NOTIFY, then a read of what is new), once each, and never their own twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { createTestDb, pgUnavailableReason } from '../../../test/support/db.ts';
import { inTransaction } from '../../db/tx.ts';
import type { DomainEvent } from './timeline.ts';

const append = (t: TestApp, key: string) =>
  inTransaction(t.app.db, (tx) =>
    t.app.services.timeline.append(tx, {
      type: 'test.ping',
      subject: { kind: 'test', key },
      actor: 'test',
      data: {},
    }),
  );

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(ok(), what);
}

test('timeline [postgres]: subscribers hear events committed by other replicas, once each', async (t) => {
  const reason = await pgUnavailableReason();
  if (reason) {
    if (process.env.CI === 'true') throw new Error(`${reason} (required under CI=true)`);
    t.skip(reason);
    return;
  }
  const h = await createTestDb('postgres');
  const apps: TestApp[] = [];
  try {
    const [a, b, cli] = [await createTestApp(h), await createTestApp(h), await createTestApp(h)];
    apps.push(a, b, cli);
    await a.app.services.timeline.listenAcrossReplicas('replica-a');
    await b.app.services.timeline.listenAcrossReplicas('replica-b');
    const heard = { a: [] as DomainEvent[], b: [] as DomainEvent[] };
    a.app.services.timeline.subscribe((e) => e.type === 'test.ping' && heard.a.push(e));
    b.app.services.timeline.subscribe((e) => e.type === 'test.ping' && heard.b.push(e));
    const keys = (es: DomainEvent[]) => es.map((e) => e.subject.key).sort();

    await append(a, 'from-a');
    await until('b hears a', () => heard.b.length === 1);
    assert.deepEqual(keys(heard.a), ['from-a'], 'a heard its own at commit');
    await append(b, 'from-b');
    await until('a hears b', () => heard.a.length === 2);
    // A process that does not listen (a CLI command) still notifies.
    await append(cli, 'from-cli');
    await until('both hear the CLI', () => heard.a.length === 3 && heard.b.length === 3);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(keys(heard.a), ['from-a', 'from-b', 'from-cli'], 'no event twice on a');
    assert.deepEqual(keys(heard.b), ['from-a', 'from-b', 'from-cli'], 'no event twice on b');
    assert.equal(heard.b.find((e) => e.subject.key === 'from-a')?.actor, 'test', 'whole events, read back');

    // After stopping, nothing more arrives.
    await b.app.services.timeline.stopListeningAcrossReplicas();
    await append(a, 'late');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(heard.b.length, 3);
  } finally {
    for (const x of apps) {
      await x.app.services.timeline.stopListeningAcrossReplicas();
      await x.close();
    }
    await h.destroy();
  }
});
