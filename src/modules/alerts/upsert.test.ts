/** Batched ingestion: one read and multi-row upserts, with alerts of a batch seeing earlier ones. */
import assert from 'node:assert/strict';
import { testBothDbs } from '../../../test/support/db.ts';
import { inTransaction } from '../../db/tx.ts';
import type { IncomingAlert } from './ingest.ts';
import { adb, type UpsertItem, upsertAlerts } from './store.ts';
import { alertsApp } from './testing.ts';

const T = Date.UTC(2026, 10, 23, 9);

function item(fp: string, over: Partial<IncomingAlert> = {}): UpsertItem {
  return {
    fingerprint: fp,
    source: 'alertmanager',
    integration: 'prom',
    alert: {
      externalKey: fp,
      state: 'firing',
      labels: { alertname: 'DiskFull', disk: fp },
      annotations: { summary: 'disk full' },
      startsAt: T,
      endsAt: null,
      generatorUrl: null,
      value: null,
      ...over,
    },
  };
}

testBothDbs('alerts: a batch of incoming alerts is deduplicated in order and written at once', async (h) => {
  const t = await alertsApp(h);
  try {
    const run = (items: UpsertItem[], now: number) =>
      inTransaction(t.app.db, (tx) => upsertAlerts(adb(tx), items, now));
    // Inside one batch: a repeat is a duplicate, a later resolve changes the new alert.
    let out = await run(
      [item('a1'), item('a1'), item('b1'), item('a1', { state: 'resolved', endsAt: T + 60_000 })],
      T + 1000,
    );
    assert.deepEqual(out, ['created', 'duplicate', 'created', 'changed']);
    const row = async (fp: string) =>
      adb({ db: t.app.db.kysely } as never)
        .selectFrom('alerts_alerts')
        .selectAll()
        .where('fingerprint', '=', fp)
        .executeTakeFirstOrThrow();
    let a = await row('a1');
    assert.equal(a.state, 'resolved');
    assert.equal(a.status, 'resolved');
    assert.equal(Number(a.received), 2);
    assert.equal(Number(a.ends_at), T + 60_000);
    assert.equal(Number(a.first_seen_at), T + 1000);

    // Routing's columns survive a later upsert of the same alert.
    await t.app.db.kysely
      .updateTable('alerts_alerts' as never)
      .set({ status: 'silenced', routes: '["root"]', pending: 0 } as never)
      .where('fingerprint' as never, '=', 'b1' as never)
      .execute();
    out = await run([item('b1'), item('b1', { annotations: { summary: 'disk full, 99%' } })], T + 2000);
    assert.deepEqual(out, ['duplicate', 'changed']);
    const b = await row('b1');
    assert.equal(b.status, 'silenced');
    assert.equal(b.routes, '["root"]');
    assert.equal(Number(b.pending), 1, 'a change goes back to the router');
    assert.equal(JSON.parse(b.annotations).summary, 'disk full, 99%');
    assert.equal(Number(b.first_seen_at), T + 1000);

    // A resolved alert that fires again starts anew and is active.
    out = await run([item('a1', { startsAt: T + 5000 })], T + 5000);
    assert.deepEqual(out, ['changed']);
    a = await row('a1');
    assert.equal(a.state, 'firing');
    assert.equal(a.status, 'active');
    assert.equal(Number(a.starts_at), T + 5000);
    assert.equal(a.ends_at, null);

    // More alerts than one statement holds.
    const many = Array.from({ length: 620 }, (_, i) => item(`m${i}`));
    out = await run(many, T + 6000);
    assert.equal(out.filter((o) => o === 'created').length, 620);
    out = await run(many, T + 7000);
    assert.equal(out.filter((o) => o === 'duplicate').length, 620);
  } finally {
    await t.close();
  }
});
