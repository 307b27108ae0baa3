import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testBothDbs } from '../../../test/support/db.ts';
import { inTransaction } from '../../db/tx.ts';
import { VirtualClock } from '../../kernel/clock.ts';
import { orderByDependencies } from '../registry.ts';
import { type DomainEvent, Timeline } from './timeline.ts';

testBothDbs(
  'timeline: events per subject, live subscribers after commit only, durable consumers',
  async (h) => {
    const clock = new VirtualClock('2026-11-23T10:00:00Z');
    const tl = new Timeline(h.db, clock);
    const live: string[] = [];
    tl.subscribe((e) => live.push(e.type));
    const add = (type: string, key = 'inc-1') =>
      inTransaction(h.db, (tx) =>
        tl.append(tx, { type, subject: { kind: 'incident', key }, actor: 'test', data: { type } }),
      );
    await add('incident.opened');
    await add('note.added', 'inc-2');
    await assert.rejects(
      inTransaction(h.db, async (tx) => {
        await tl.append(tx, {
          type: 'incident.lost',
          subject: { kind: 'incident', key: 'inc-1' },
          actor: 't',
          data: {},
        });
        throw new Error('rollback');
      }),
    );
    await add('incident.acknowledged');
    assert.deepEqual(live, ['incident.opened', 'note.added', 'incident.acknowledged']);
    assert.deepEqual(
      (await tl.forSubject('incident', 'inc-1')).map((e) => e.type),
      ['incident.opened', 'incident.acknowledged'],
    );

    // A durable consumer sees each matching event once, across "restarts" (new Timeline objects).
    const seen: DomainEvent[] = [];
    const r1 = await tl.consume(
      'pager',
      { types: ['incident.opened', 'incident.acknowledged'], limit: 1 },
      async (_tx, es) => {
        seen.push(...es);
      },
    );
    assert.deepEqual(r1, { handled: 1, more: true });
    const again = new Timeline(h.db, clock);
    const r2 = await again.consume(
      'pager',
      { types: ['incident.opened', 'incident.acknowledged'] },
      async (_tx, es) => {
        seen.push(...es);
      },
    );
    assert.deepEqual(r2, { handled: 1, more: false });
    assert.deepEqual(
      seen.map((e) => e.type),
      ['incident.opened', 'incident.acknowledged'],
    );
    // Events of other types are passed over: the offset moves past them unread.
    await add('note.added', 'inc-2');
    assert.deepEqual(
      await again.consume('pager', { types: ['incident.opened'] }, async () => assert.fail('nothing wanted')),
      { handled: 0, more: false },
    );
    // A failing handler does not advance the offset.
    await add('incident.opened', 'inc-3');
    await assert.rejects(again.consume('pager', {}, async () => Promise.reject(new Error('down'))));
    const r3 = await again.consume('pager', {}, async (_tx, es) => void seen.push(...es));
    assert.equal(r3.handled, 1);
    assert.equal(seen.at(-1)!.subject.key, 'inc-3');
    // A new consumer can start at the end of history.
    await again.initConsumerAtEnd('late');
    assert.equal((await again.consume('late', {}, async () => {})).handled, 0);
  },
);

test('modules are ordered by their dependencies', () => {
  const mk = (name: string, dependsOn: string[] = []) => ({ name, dependsOn, create: () => ({}) });
  const order = orderByDependencies([
    mk('alerts', ['metrics', 'checks']),
    mk('checks'),
    mk('metrics'),
    mk('incidents', ['alerts']),
  ]);
  assert.deepEqual(
    order.map((m) => m.name),
    ['checks', 'metrics', 'alerts', 'incidents'],
  );
  assert.throws(
    () => orderByDependencies([mk('a', ['b']), mk('b', ['a'])]),
    /circular module dependency: a → b → a/,
  );
  assert.throws(() => orderByDependencies([mk('a', ['zz'])]), /unknown module zz/);
});
