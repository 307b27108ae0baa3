import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { inTransaction } from '../../db/tx.ts';
import { Notifier } from './engine.ts';
import type { NotifyApi } from './module.ts';
import { newWebhookSecret, verifyWebhook } from './signing.ts';
import { NotifyStore, nk } from './store.ts';
import { startHttpReceiver, startSmtpReceiver } from './test-receivers.ts';
import type { ChannelType, EnqueueInput, SendResult, Transport } from './types.ts';

let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
before(async () => {
  smtp = await startSmtpReceiver();
  process.env.VIGIL_SMTP_URL = smtp.url;
  process.env.VIGIL_SMTP_FROM = 'Vigil <vigil@acme.test>';
});
after(async () => {
  await smtp.close();
  delete process.env.VIGIL_SMTP_URL;
});

const enqueue = (t: TestApp, input: EnqueueInput) =>
  inTransaction(t.app.db, (tx) => t.app.modules.get<NotifyApi>('notify').enqueue(tx, input));

/** Runs only the notifier, jumping from one due time to the next, for `ms` of virtual time. */
async function drive(t: TestApp, ms: number) {
  const until = t.clock.now() + ms;
  while (t.clock.now() < until) {
    const r = await t.app.runner.runOnce('notify');
    if (r?.more) continue;
    const next = r?.nextDueAt ?? until;
    await t.clock.set(Math.min(until, Math.max(next, t.clock.now() + 1000)));
  }
  await t.app.runner.runOnce('notify');
}

const msg = {
  kind: 'page' as const,
  title: 'Checkout errors',
  severity: 'P1',
  service: 'payments',
  summary: '5xx > 2%',
};

testBothDbs('notify: outbox is idempotent, webhooks are signed, outcomes land on the timeline', async (h) => {
  const t = await createTestApp(h);
  const rx = await startHttpReceiver();
  try {
    const secret = newWebhookSecret();
    const channel = { type: 'webhook' as const, config: { url: `${rx.url}/hook`, secret } };
    const a = await enqueue(t, {
      idempotencyKey: 'inc-1:1:0:ann',
      channel,
      message: msg,
      incidentId: 'inc-1',
    });
    const b = await enqueue(t, {
      idempotencyKey: 'inc-1:1:0:ann',
      channel,
      message: msg,
      incidentId: 'inc-1',
    });
    assert.equal(a.created, true);
    assert.equal(b.created, false, 'second enqueue with the same key is a no-op');
    await t.app.runner.runOnce('notify');
    await t.app.runner.runOnce('notify');
    assert.equal(rx.received.length, 1);
    const r = rx.received[0];
    assert.equal(r.headers['webhook-id'], a.id);
    assert.ok(
      verifyWebhook(secret, r.headers, r.body, t.clock.now()),
      'Standard Webhooks signature verifies',
    );
    assert.ok(!verifyWebhook(newWebhookSecret(), r.headers, r.body, t.clock.now()), 'a wrong secret fails');
    const body = JSON.parse(r.body);
    assert.equal(body.data.incident_id, 'inc-1');
    assert.match(body.data.links.acknowledge, /\/ack\//);
    const events = await t.app.services.timeline.forSubject('incident', 'inc-1');
    assert.deepEqual(
      events.map((e) => e.type),
      ['notification.sent'],
    );
    assert.equal((events[0].data as any).channel.type, 'webhook');
    const list = (await t.request('GET', '/api/v1/deliveries?status=sent')).json();
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0].channel.config, undefined, 'channel config (secrets) is never shown');
  } finally {
    await rx.close();
    await t.close();
  }
});

testBothDbs(
  'notify: a receiver failing for 10 minutes gets every notification exactly once after recovery',
  async (h) => {
    const t = await createTestApp(h);
    const rx = await startHttpReceiver();
    try {
      rx.respond = { status: 500 };
      const channel = { type: 'webhook' as const, key: 'flaky', config: { url: rx.url } };
      for (let i = 0; i < 5; i++)
        await enqueue(t, {
          idempotencyKey: `k${i}`,
          channel,
          message: { ...msg, title: `n${i}` },
          incidentId: 'inc-2',
        });
      await drive(t, 10 * 60_000);
      assert.equal(rx.received.length, 0);
      const failing = (await t.app.services.timeline.recent({ types: ['channel.failing'] })).filter(
        (e) => e.subject.key === 'flaky',
      );
      assert.equal(failing.length, 1, 'channel.failing raised once');
      rx.respond = null;
      await drive(t, 10 * 60_000);
      assert.deepEqual(rx.received.map((r) => JSON.parse(r.body).data.title).sort(), [
        'n0',
        'n1',
        'n2',
        'n3',
        'n4',
      ]);
      await drive(t, 30 * 60_000);
      assert.equal(rx.received.length, 5, 'nothing is sent twice');
      const types = (await t.app.services.timeline.forSubject('incident', 'inc-2')).map((e) => e.type);
      assert.equal(types.filter((x) => x === 'notification.sent').length, 5);
      assert.ok(
        types.filter((x) => x === 'notification.failed').length >= 10,
        'each failed attempt is recorded',
      );
      assert.equal((await t.app.services.timeline.recent({ types: ['channel.recovered'] })).length, 1);
    } finally {
      await rx.close();
      await t.close();
    }
  },
);

testBothDbs('notify: permanent failures stop at once, 429 honours Retry-After', async (h) => {
  const t = await createTestApp(h);
  const gone = await startHttpReceiver();
  const busy = await startHttpReceiver();
  try {
    gone.respond = { status: 410 };
    busy.respond = { status: 429, headers: { 'retry-after': '120' } };
    await enqueue(t, {
      idempotencyKey: 'g',
      channel: { type: 'slack', config: { url: gone.url } },
      message: msg,
      incidentId: 'i3',
    });
    await enqueue(t, {
      idempotencyKey: 'b',
      channel: { type: 'webhook', config: { url: busy.url } },
      message: msg,
    });
    await t.app.runner.runOnce('notify');
    const failed = (await t.request('GET', '/api/v1/deliveries?status=failed')).json().items;
    assert.equal(failed.length, 1);
    assert.equal(failed[0].idempotency_key, 'g');
    assert.match(failed[0].last_detail, /HTTP 410/);
    const ev = (await t.app.services.timeline.forSubject('incident', 'i3'))[0];
    assert.equal(ev.type, 'notification.failed');
    assert.equal((ev.data as any).final, true);
    const pending = (await t.request('GET', '/api/v1/deliveries?status=pending')).json().items;
    assert.equal(pending[0].next_attempt_at, new Date(t.clock.now() + 120_000).toISOString());
    // Manual retry puts a failed delivery back in the queue.
    gone.respond = null;
    assert.equal((await t.request('POST', `/api/v1/deliveries/${failed[0].id}/retry`)).statusCode, 200);
    await t.app.runner.runOnce('notify');
    assert.equal(gone.received.length, 1);
    const slack = JSON.parse(gone.received[0].body);
    assert.equal(slack.blocks[0].type, 'header');
    assert.ok(
      slack.blocks.some((b: any) => b.type === 'actions'),
      'Slack message has buttons',
    );
  } finally {
    await gone.close();
    await busy.close();
    await t.close();
  }
});

testBothDbs('notify: e-mail over SMTP with incident threading headers', async (h) => {
  const t = await createTestApp(h);
  try {
    const before = smtp.mails.length;
    const channel = { type: 'email' as const, config: { to: 'ann@acme.test' } };
    await enqueue(t, {
      idempotencyKey: `m1-${h.dialect}`,
      channel,
      message: msg,
      incidentId: `inc-m-${h.dialect}`,
    });
    await t.app.runner.runOnce('notify');
    const mail = smtp.mails.slice(before);
    assert.equal(mail.length, 1);
    assert.deepEqual(mail[0].to, ['ann@acme.test']);
    assert.match(mail[0].raw, /Subject: \[P1\] payments: Checkout errors/);
    assert.match(mail[0].raw, new RegExp(`In-Reply-To: <incident-inc-m-${h.dialect}@acme\\.test>`));
    assert.match(mail[0].raw, /References: <incident-/);
    assert.match(mail[0].raw, /text\/html/);
  } finally {
    await t.close();
  }
});

testBothDbs('notify: one-click links are signed, single-use and expire', async (h) => {
  const t = await createTestApp(h);
  try {
    const api = t.app.modules.get<NotifyApi>('notify');
    const link = await api.actionLink('inc-9', 'acknowledge', 'ann@acme.test', 60_000);
    const path = new URL(link).pathname;
    const page = await t.request('GET', path, undefined, { token: null });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<form method="post">/);
    const tampered = `${path.slice(0, -3)}xyz`;
    assert.equal((await t.request('GET', tampered, undefined, { token: null })).statusCode, 404);
    if (!t.app.modules.find('incidents')) {
      const r = await t.request('POST', path, undefined, { token: null });
      assert.equal(r.statusCode, 503);
      assert.equal(r.json().type, 'urn:vigil:problem:incidents-unavailable');
    }
    await t.advance(61_000);
    assert.equal((await t.request('GET', path, undefined, { token: null })).statusCode, 410);
  } finally {
    await t.close();
  }
});

testBothDbs(
  'notify: a batch records each outcome in order; an outcome whose claim was taken over is left to the new holder',
  async (h) => {
    const t = await createTestApp(h);
    try {
      const store = new NotifyStore(t.app.db, t.clock);
      const answers: Record<string, SendResult> = {
        ok: { status: 'ok', detail: 'HTTP 200' },
        down: { status: 'retryable', detail: 'HTTP 503' },
        gone: { status: 'permanent', detail: 'HTTP 410' },
      };
      const transports = Object.assign(
        new Map<ChannelType, Transport>([
          [
            'webhook',
            {
              type: 'webhook',
              async send(n) {
                if (n.message.title === 'stolen')
                  // Another replica took the claim over while this send was in flight.
                  await nk(t.app.db)
                    .updateTable('notify_deliveries')
                    .set({ claimed_by: 'other-replica' })
                    .where('id', '=', n.id)
                    .execute();
                return answers[n.message.title.split('-')[0]] ?? answers.ok;
              },
            },
          ],
        ]),
        { close() {} },
      );
      const notifier = new Notifier({
        db: t.app.db,
        store,
        timeline: t.app.services.timeline,
        transports,
        holder: 'this-replica',
        clock: t.clock,
        links: () => ({}),
        random: () => 0.5,
      });
      const titles = ['ok-1', 'down-1', 'down-2', 'stolen', 'down-3', 'gone-1', 'ok-2'];
      // Due a little later, so that enqueueing does not wake the app's own sender.
      const due = t.clock.now() + 1000;
      for (const [i, title] of titles.entries())
        await enqueue(t, {
          idempotencyKey: `batch-${i}`,
          channel: { type: 'webhook', key: title === 'ok-2' ? 'other' : 'shared', config: { url: 'x' } },
          message: { ...msg, title },
          incidentId: 'inc-b',
          notBefore: due + i,
        });
      await t.clock.set(due + titles.length);
      await notifier.step(t.clock.now());
      const byTitle = new Map((await store.list({ incidentId: 'inc-b' })).map((d) => [d.message.title, d]));
      assert.equal(byTitle.get('ok-1')!.status, 'sent');
      assert.equal(byTitle.get('ok-2')!.status, 'sent');
      assert.equal(byTitle.get('gone-1')!.status, 'failed');
      for (const k of ['down-1', 'down-2', 'down-3']) {
        const d = byTitle.get(k)!;
        assert.equal(d.status, 'pending');
        assert.equal(d.attempts, 1);
        assert.ok(d.nextAttemptAt > t.clock.now(), 'retry later');
      }
      const stolen = byTitle.get('stolen')!;
      assert.equal(stolen.attempts, 0, 'not recorded: the new holder records it');
      const events = await t.app.services.timeline.forSubject('incident', 'inc-b');
      assert.equal(events.length, 6, 'one entry per recorded outcome');
      assert.ok(!events.some((e) => (e.data as any).delivery_id === stolen.id));
      // The shared channel failed 4 times after one success (order of answers): failing once.
      const channels = await nk(t.app.db).selectFrom('notify_channels').selectAll().execute();
      const shared = channels.find((c) => c.channel_key === 'shared')!;
      assert.equal(Number(shared.failing), 1);
      assert.equal(Number(channels.find((c) => c.channel_key === 'other')!.consecutive_failures), 0);
      const failing = await t.app.services.timeline.forSubject('channel', 'shared');
      assert.deepEqual(
        failing.map((e) => e.type),
        ['channel.failing'],
      );
    } finally {
      await t.close();
    }
  },
);

testBothDbs(
  'notify: enqueueMany writes in order; existing and repeated keys are not written again',
  async (h) => {
    const t = await createTestApp(h);
    try {
      const api = t.app.modules.get<NotifyApi>('notify');
      const channel = { type: 'webhook' as const, key: 'many', config: { url: 'http://127.0.0.1:9/' } };
      const later = t.clock.now() + 60_000; // not due: nothing is sent meanwhile
      const input = (key: string, title: string) => ({
        idempotencyKey: key,
        channel,
        message: { ...msg, title },
        incidentId: 'inc-many',
        notBefore: later,
      });
      await enqueue(t, input('k0', 'first'));
      const res = await inTransaction(t.app.db, (tx) =>
        api.enqueueMany(tx, [input('k1', 'a'), input('k0', 'again'), input('k2', 'b'), input('k1', 'dup')]),
      );
      assert.deepEqual(
        res.map((r) => r.created),
        [true, false, true, false],
      );
      const rows = await api.deliveries({ incidentId: 'inc-many' });
      assert.deepEqual(rows.map((d) => d.message.title).sort(), ['a', 'b', 'first']);
      assert.deepEqual(
        rows.map((d) => d.id).sort(),
        [res[0].id, res[2].id, ...rows.filter((d) => d.message.title === 'first').map((d) => d.id)].sort(),
      );
    } finally {
      await t.close();
    }
  },
);
