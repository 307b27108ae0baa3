/**
 * Status page subscribers end to end on both stores: the public form's double opt-in with a real
 * SMTP receiver, per-component choice, notifications on incident and maintenance events through
 * the notify outbox (e-mail) and the module's own outbox (signed Statuspage-shaped webhooks,
 * retried), dedup on replay, RFC 8058 one-click unsubscribe, and the operator API.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { readableMail } from '../../../test/support/mail.ts';
import { csvField, signStandardWebhook } from './subscribers.ts';

interface Mail {
  to: string[];
  text: string;
}
const mails: Mail[] = [];
let smtp: SMTPServer;
const hooks: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
let hookStatus = 200;
let hookServer: ReturnType<typeof createServer>;
let hookUrl = '';

before(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          text: readableMail(Buffer.concat(chunks)),
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  const port = (smtp.server.address() as AddressInfo).port;
  process.env.VIGIL_SMTP_URL = `smtp://127.0.0.1:${port}`;
  process.env.VIGIL_SMTP_FROM = 'Status <status@acme.test>';
  hookServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (hookStatus === 200)
        hooks.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(hookStatus).end();
    });
  });
  hookServer.keepAliveTimeout = 1000;
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
});
after(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
  hookServer.closeAllConnections();
  await new Promise<void>((r) => hookServer.close(() => r()));
  delete process.env.VIGIL_SMTP_URL;
  delete process.env.VIGIL_SMTP_FROM;
});

const form = (t: TestApp, url: string, body: string) =>
  t.request('POST', url, body, {
    token: null,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

/** Fans out pending events and sends what is due (subscriber engine, then notify). */
async function deliver(t: TestApp) {
  await t.app.runner.runOnce('statuspage-subscribers');
  await t.app.runner.runOnce('notify');
}

const mailsTo = (addr: string) => mails.filter((m) => m.to.includes(addr));
const linkIn = (m: Mail, kind: 'confirm' | 'unsubscribe' | 'subscription') => {
  const re =
    kind === 'confirm'
      ? /(https?:\/\/[^\s"<>]+\/subscribe\/confirm\?token=[A-Za-z0-9_-]+)/
      : kind === 'unsubscribe'
        ? /(https?:\/\/[^\s"<>]+\/unsubscribe\?token=[A-Za-z0-9_-]+)/
        : /(https?:\/\/[^\s"<>]+\/subscription\?token=[A-Za-z0-9_-]+)/;
  const found = re.exec(m.text)?.[1];
  assert.ok(found, `no ${kind} link in:\n${m.text}`);
  return new URL(found);
};

testBothDbs(
  'status page subscribers: double opt-in, per-component notifications, webhooks, unsubscribe',
  async (h) => {
    mails.length = 0;
    hooks.length = 0;
    hookStatus = 200;
    const t = await createTestApp(h);
    try {
      let r = await t.request('POST', '/api/v1/status-pages', {
        key: 'public',
        name: 'Acme Cloud',
        default: true,
        components: [
          { key: 'api', name: 'Public API' },
          { key: 'web', name: 'Web app' },
        ],
      });
      assert.equal(r.statusCode, 201, r.body);

      // The public form works without JavaScript: a plain HTML form.
      r = await t.request('GET', '/status/public/subscribe', undefined, { token: null });
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /<form method="post" action="\/status\/public\/subscribe"/);
      assert.match(r.body, /name="components" value="api"/);
      assert.match(String(r.headers['content-security-policy']), /form-action 'self'/);
      r = await t.request('GET', '/status/nope/subscribe', undefined, { token: null });
      assert.equal(r.statusCode, 404);

      // Invalid address: the form comes back with the error tied to the field.
      r = await form(t, '/status/public/subscribe', 'email=not-an-address&components=api');
      assert.equal(r.statusCode, 400);
      assert.match(r.body, /aria-invalid="true" aria-describedby="email-error"/);
      assert.match(r.body, /value="not-an-address"/);
      assert.match(r.body, /value="api" checked/);

      // Subscribe → pending, a confirmation mail goes out through notify's e-mail transport.
      r = await form(t, '/status/public/subscribe', 'email=Ann%40Example.com&components=api');
      assert.equal(r.statusCode, 200, r.body);
      assert.match(r.body, /Check your inbox/);
      await deliver(t);
      assert.equal(mailsTo('ann@example.com').length, 1);
      const confirmMail = mailsTo('ann@example.com')[0];
      assert.match(confirmMail.text, /Confirm your subscription to Acme Cloud status updates/);
      const confirm = linkIn(confirmMail, 'confirm');
      const token = confirm.searchParams.get('token')!;

      // Asking again within 10 minutes sends nothing more (and answers the same).
      r = await form(t, '/status/public/subscribe', 'email=ann%40example.com');
      assert.equal(r.statusCode, 200);
      await deliver(t);
      assert.equal(mailsTo('ann@example.com').length, 1);

      // Nothing is sent to a pending subscriber; the confirm link shows a button (scanners must not confirm).
      r = await t.request('GET', `/status/public/subscribe/confirm?token=${token}`, undefined, {
        token: null,
      });
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /Confirm subscription<\/button>/);
      let list = (await t.request('GET', '/api/v1/status-pages/public/subscribers?q=ann')).json();
      assert.equal(list.items[0].state, 'pending');
      r = await form(t, '/status/public/subscribe/confirm', `token=${token}`);
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /You are subscribed/);
      r = await form(t, '/status/public/subscribe/confirm', 'token=forged');
      assert.equal(r.statusCode, 404);

      // Operators add a webhook (secret shown once) and e-mail subscribers.
      r = await t.request('POST', '/api/v1/status-pages/public/subscribers', {
        type: 'webhook',
        url: hookUrl,
        components: ['api'],
        description: 'Support bot',
      });
      assert.equal(r.statusCode, 201, r.body);
      const webhook = r.json();
      assert.match(webhook.secret, /^whsec_/);
      assert.equal(webhook.state, 'confirmed');
      r = await t.request('POST', '/api/v1/status-pages/public/subscribers', {
        type: 'email',
        email: 'bob@example.com',
        confirmed: true,
      });
      assert.equal(r.statusCode, 201, r.body);
      r = await t.request('POST', '/api/v1/status-pages/public/subscribers', {
        type: 'email',
        email: 'carol@example.com',
        components: ['web'],
      });
      assert.equal(r.statusCode, 201);
      const carol = r.json();
      r = await t.request('POST', '/api/v1/status-pages/public/subscribers', {
        type: 'email',
        email: 'BOB@example.com',
      });
      assert.equal(r.statusCode, 409);
      r = await t.request('POST', '/api/v1/status-pages/public/subscribers', {
        type: 'email',
        email: 'nope',
      });
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().errors[0].path, 'body.email');
      r = await t.request('POST', '/api/v1/status-pages/public/subscribers', {
        type: 'email',
        email: 'dan@example.com',
        components: ['db'],
      });
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().errors[0].path, 'body.components');
      await deliver(t);
      assert.equal(mailsTo('carol@example.com').length, 1, 'carol gets a confirmation mail');
      assert.equal(mailsTo('bob@example.com').length, 0, 'bob was added as confirmed');

      // Lists, filters, counts and CSV.
      list = (await t.request('GET', '/api/v1/status-pages/public/subscribers')).json();
      assert.equal(list.items.length, 4);
      assert.equal(list.items[0].address, 'carol@example.com', 'newest first');
      assert.equal(list.items[0].token, undefined, 'tokens never leave the server');
      list = (await t.request('GET', '/api/v1/status-pages/public/subscribers?component=web')).json();
      assert.deepEqual(list.items.map((s: any) => s.address).sort(), [
        'bob@example.com',
        'carol@example.com',
      ]);
      list = (await t.request('GET', '/api/v1/status-pages/public/subscribers?type=webhook')).json();
      assert.equal(list.items.length, 1);
      list = (await t.request('GET', '/api/v1/status-pages/public/subscribers?limit=3')).json();
      assert.equal(list.items.length, 3);
      const rest = (
        await t.request('GET', `/api/v1/status-pages/public/subscribers?limit=3&cursor=${list.next_cursor}`)
      ).json();
      assert.equal(rest.items.length, 1);
      assert.equal(rest.next_cursor, null);
      const counts = (await t.request('GET', '/api/v1/status-pages/public/subscribers/counts')).json();
      assert.deepEqual(counts, {
        total: 4,
        confirmed: 3,
        pending: 1,
        email: 3,
        webhook: 1,
        by_component: { api: 3, web: 1 },
        all_components: 1,
      });
      r = await t.request('GET', '/api/v1/status-pages/public/subscribers/export.csv');
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /^text\/csv/);
      const rows = r.body.trim().split('\r\n');
      assert.equal(rows[0], 'id,type,address,state,components,source,created_at,confirmed_at');
      assert.equal(rows.length, 5);
      assert.ok(rows.some((l) => l.includes('ann@example.com,confirmed,api,public')));
      const viewer = await t.token('viewer');
      r = await t.request('GET', '/api/v1/status-pages/public/subscribers', undefined, { token: viewer });
      assert.equal(r.statusCode, 403);
      r = await t.request('GET', '/api/v1/status-pages/public/subscribers/counts', undefined, {
        token: viewer,
      });
      assert.equal(r.statusCode, 200);

      // An incident on the API reaches ann (api), bob (everything) and the webhook, not carol (pending, web).
      r = await t.request('POST', '/api/v1/status-pages/public/incidents', {
        name: 'API errors',
        status: 'investigating',
        body: 'Elevated error rates on the API.',
        components: { api: 'partial_outage' },
      });
      assert.equal(r.statusCode, 201, r.body);
      const incident = r.json();
      await deliver(t);
      await deliver(t); // a second pass finds nothing new: no duplicates
      const annMail = mailsTo('ann@example.com');
      assert.equal(annMail.length, 2);
      assert.match(annMail[1].text, /\[Acme Cloud\] New incident: API errors \(Investigating\)/);
      assert.match(annMail[1].text, /Elevated error rates on the API/);
      assert.match(annMail[1].text, /Public API: Partial outage/);
      assert.match(annMail[1].text, /Unsubscribe: http/);
      assert.equal(mailsTo('bob@example.com').length, 1);
      assert.equal(mailsTo('carol@example.com').length, 1, 'only its confirmation');
      assert.equal(hooks.length, 1);
      const hook = hooks[0];
      const ts = String(hook.headers['webhook-timestamp']);
      const expected = createHmac('sha256', Buffer.from(webhook.secret.slice(6), 'base64'))
        .update(`${hook.headers['webhook-id']}.${ts}.${hook.body}`)
        .digest('base64');
      assert.equal(hook.headers['webhook-signature'], `v1,${expected}`);
      assert.deepEqual(
        signStandardWebhook(webhook.secret, String(hook.headers['webhook-id']), Number(ts) * 1000, hook.body),
        {
          'webhook-id': hook.headers['webhook-id'],
          'webhook-timestamp': ts,
          'webhook-signature': hook.headers['webhook-signature'],
        },
      );
      const doc = JSON.parse(hook.body);
      assert.equal(doc.meta.event, 'incident_updated');
      assert.match(doc.meta.unsubscribe, /\/status\/public\/unsubscribe\?token=/);
      assert.deepEqual(doc.page, {
        id: 'public',
        status_indicator: 'major',
        status_description: 'Partial System Outage',
      });
      assert.equal(doc.incident.id, incident.id);
      assert.equal(doc.incident.name, 'API errors');
      assert.equal(doc.incident.status, 'investigating');
      assert.equal(doc.incident.impact, 'major');
      assert.equal(doc.incident.incident_updates[0].body, 'Elevated error rates on the API.');
      assert.deepEqual(doc.incident.incident_updates[0].affected_components[0], {
        code: 'api',
        name: 'Public API',
        old_status: 'operational',
        new_status: 'partial_outage',
      });

      // A receiver that fails gets the delivery again later (backoff), then it is sent.
      hookStatus = 503;
      r = await t.request('POST', `/api/v1/status-incidents/${incident.id}/updates`, {
        status: 'resolved',
        body: 'Error rates are back to normal.',
      });
      assert.equal(r.statusCode, 200, r.body);
      await deliver(t);
      assert.match(mailsTo('ann@example.com')[2].text, /\[Acme Cloud\] Resolved: API errors/);
      let deliveries = (
        await t.request('GET', `/api/v1/status-pages/public/subscriber-deliveries?subscriber=${webhook.id}`)
      ).json().items;
      assert.equal(deliveries[0].status, 'pending');
      assert.equal(deliveries[0].attempts, 1);
      assert.equal(deliveries[0].last_error, 'HTTP 503');
      hookStatus = 200;
      await t.advance(29_000);
      await deliver(t);
      assert.equal(hooks.length, 1, 'not before the backoff');
      await t.advance(2_000);
      await deliver(t);
      assert.equal(hooks.length, 2);
      assert.equal(JSON.parse(hooks[1].body).incident.status, 'resolved');
      deliveries = (
        await t.request('GET', `/api/v1/status-pages/public/subscriber-deliveries?subscriber=${webhook.id}`)
      ).json().items;
      assert.equal(deliveries[0].status, 'sent');
      assert.equal(deliveries[0].attempts, 2);

      // An incident on the web app only: bob hears of it; ann (api) and the webhook (api) do not.
      r = await t.request('POST', '/api/v1/status-pages/public/incidents', {
        name: 'Slow pages',
        body: 'The web app is slow.',
        components: { web: 'degraded_performance' },
      });
      await deliver(t);
      assert.equal(mailsTo('bob@example.com').length, 3);
      assert.equal(mailsTo('ann@example.com').length, 3);
      assert.equal(hooks.length, 2);

      // The manage page changes components; ann now hears about the web app too.
      const manage = linkIn(mailsTo('ann@example.com')[2], 'subscription');
      r = await t.request('GET', `${manage.pathname}${manage.search}`, undefined, { token: null });
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /value="api" checked/);
      r = await form(t, '/status/public/subscription', `token=${token}&components=api&components=web`);
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /Saved\./);
      assert.match(r.body, /value="web" checked/);

      // Maintenance start and end reach subscribers of its components.
      const start = t.clock.now() + 60_000;
      r = await t.request('POST', '/api/v1/status-pages/public/maintenances', {
        name: 'Database upgrade',
        body: 'Brief read-only period.',
        scheduled_for: new Date(start).toISOString(),
        scheduled_until: new Date(start + 3_600_000).toISOString(),
        components: ['web'],
      });
      assert.equal(r.statusCode, 201, r.body);
      await deliver(t);
      assert.match(mailsTo('ann@example.com').at(-1)!.text, /Scheduled maintenance: Database upgrade/);
      await t.advance(61_000);
      await t.app.runner.runOnce('statuspage');
      await deliver(t);
      assert.match(mailsTo('ann@example.com').at(-1)!.text, /Maintenance in progress: Database upgrade/);
      await t.advance(3_600_000);
      await t.app.runner.runOnce('statuspage');
      await deliver(t);
      assert.match(mailsTo('bob@example.com').at(-1)!.text, /Maintenance completed: Database upgrade/);

      // RFC 8058 one-click unsubscribe: a POST to the List-Unsubscribe URL, no further questions.
      const unsub = linkIn(mailsTo('ann@example.com').at(-1)!, 'unsubscribe');
      // The notification mail carries the RFC 2369/8058 headers for mail clients' unsubscribe button.
      const raw = mailsTo('ann@example.com').at(-1)!.text;
      assert.match(raw, /^List-Unsubscribe:\s*<https?:\/\/[^>\s]+\/unsubscribe\?token=[A-Za-z0-9_-]+>/im);
      assert.match(raw, /^List-Unsubscribe-Post:\s*List-Unsubscribe=One-Click/im);
      r = await t.request('GET', `${unsub.pathname}${unsub.search}`, undefined, { token: null });
      assert.match(r.body, /Unsubscribe<\/button>/);
      r = await form(t, `${unsub.pathname}${unsub.search}`, 'List-Unsubscribe=One-Click');
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /You are unsubscribed/);
      list = (await t.request('GET', '/api/v1/status-pages/public/subscribers?q=ann')).json();
      assert.equal(list.items.length, 0);
      r = await form(t, `${unsub.pathname}${unsub.search}`, 'List-Unsubscribe=One-Click');
      assert.equal(r.statusCode, 200, 'repeating it is harmless');

      // One client may only try the public form a few times per 10 minutes (it makes Vigil send mail).
      let limited: Awaited<ReturnType<typeof form>> | undefined;
      for (let i = 0; i < 12 && !limited; i++) {
        const res = await form(t, '/status/public/subscribe', `email=flood${i}%40example.com`);
        if (res.statusCode === 429) limited = res;
      }
      assert.ok(limited, 'the form is rate limited');
      assert.match(limited.body, /Too many attempts/);
      assert.ok(Number(limited.headers['retry-after']) > 0);
      // Behind a proxy, the client is the address the proxy appended.
      r = await t.request('POST', '/status/public/subscribe', 'email=proxied%40example.com', {
        token: null,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.9' },
      });
      assert.equal(r.statusCode, 200, 'another client behind the proxy is not limited');
      await t.advance(10 * 60_000);
      r = await form(t, '/status/public/subscribe', 'email=later%40example.com');
      assert.equal(r.statusCode, 200, 'the window passes');

      // Operators remove subscribers; pending webhook deliveries are cancelled with them.
      r = await t.request('DELETE', `/api/v1/status-pages/public/subscribers/${carol.id}`);
      assert.equal(r.statusCode, 204);
      r = await t.request('DELETE', `/api/v1/status-pages/public/subscribers/${carol.id}`);
      assert.equal(r.statusCode, 404);
      const audit = (await t.request('GET', '/api/v1/audit?kind=status_page_subscriber')).json();
      assert.ok(
        audit.items.some((a: any) => a.action === 'status_page.subscriber_remove'),
        JSON.stringify(audit).slice(0, 300),
      );
    } finally {
      await t.close();
    }
  },
);

test('CSV fields are quoted and formula-safe', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('=cmd()'), "'=cmd()");
  assert.equal(csvField(null), '');
});
