/**
 * Browser test of status page subscribers: the public subscribe form without JavaScript (double
 * opt-in round trip through a real SMTP receiver, one-click unsubscribe), and the console's
 * subscriber pages (counts, filters, adding a webhook with its secret shown once, server
 * validation under the field, a live update, a delivered signed webhook, CSV export, removal).
 * axe-core runs on every page in light and dark theme; screenshots go to
 * test-results/statuspage-subscribers/.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import {
  type BrowserSession,
  browserSkip,
  checkA11y,
  eventually,
  openBrowser,
  requireBrowserInCi,
  screenshots,
  signIn,
  startVigil,
  type VigilProcess,
} from '../support/browser.ts';
import { readableMail } from '../support/mail.ts';

requireBrowserInCi();
const shot = screenshots('statuspage-subscribers');

const mails: Array<{ to: string[]; text: string }> = [];
const hooks: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

const mailLog = () => `mails: ${JSON.stringify(mails.map((m) => [m.to, m.text.slice(0, 600)]))}`;
const waitFor = <T>(what: string, fn: () => T | undefined | Promise<T | undefined>) =>
  eventually(what, fn, { ms: 15_000, every: 200, detail: mailLog });

/** Both themes: axe in light, then in dark (the page's own prefers-color-scheme or the console toggle). */
async function a11yBothThemes(page: Page, name: string, console = false) {
  await checkA11y(page, `${name} (light)`);
  if (console) {
    await page.evaluate("localStorage.setItem('vigil.theme', 'dark')");
    await page.reload();
  } else await page.emulateMedia({ colorScheme: 'dark' });
  await page.locator('h1').first().waitFor();
  await checkA11y(page, `${name} (dark)`);
  await shot(page, `${name}-dark`);
  if (console) {
    await page.evaluate("localStorage.setItem('vigil.theme', 'light')");
    await page.reload();
  } else await page.emulateMedia({ colorScheme: 'light' });
  await page.locator('h1').first().waitFor();
}

describe('status page subscribers in Chromium', { skip: browserSkip }, () => {
  let vigil: VigilProcess;
  let session: BrowserSession;
  let page: Page;
  let noJs: BrowserContext;
  let smtp: SMTPServer;
  let receiver: Server;
  let hookUrl: string;

  before(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, s, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({
            to: s.envelope.rcptTo.map((r) => r.address),
            text: readableMail(Buffer.concat(chunks)),
          });
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        hooks.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/statuspage`;
    vigil = await startVigil({
      env: {
        VIGIL_SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
        VIGIL_SMTP_FROM: 'Acme status <status@acme.test>',
      },
    });
    session = await openBrowser(vigil.base);
    page = session.page;
    noJs = await session.browser.newContext({
      baseURL: vigil.base,
      javaScriptEnabled: false,
      bypassCSP: true,
      viewport: { width: 1280, height: 860 },
    });
  });

  after(async () => {
    await noJs?.close();
    await session?.close();
    await vigil?.stop();
    await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
    receiver?.closeAllConnections();
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  });

  test('the public form subscribes with double opt-in, without JavaScript', async () => {
    const p = await noJs.newPage();
    // axe needs script: run it from a page with JavaScript on the same URLs.
    await p.goto('/status/public/subscribe');
    await p.getByRole('heading', { name: 'Get status updates' }).waitFor();
    await page.goto('/status/public/subscribe');
    await a11yBothThemes(page, 'subscribe-form');
    await shot(page, 'subscribe-form');

    // A wrong address comes back with the error under the field.
    await p.getByLabel('E-mail address').fill('ann at example');
    await p.getByRole('button', { name: 'Subscribe' }).click();
    await p.getByText('enter an e-mail address such as you@example.com').waitFor();
    assert.equal(await p.getByLabel('E-mail address').getAttribute('aria-invalid'), 'true');

    await p.getByLabel('E-mail address').fill('ann@example.com');
    await p.getByLabel('Public API').check();
    await p.getByRole('button', { name: 'Subscribe' }).click();
    await p.getByRole('heading', { name: 'Check your inbox' }).waitFor();

    const mail = await waitFor('the confirmation mail', () =>
      mails.find((m) => m.to.includes('ann@example.com')),
    );
    assert.match(mail.text, /Confirm your subscription to Acme Cloud status updates/);
    const confirm = /(https?:\/\/\S+\/subscribe\/confirm\?token=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(confirm, mail.text);
    const { pathname, search } = new URL(confirm);
    await p.goto(`${pathname}${search}`);
    await p.getByRole('button', { name: 'Confirm subscription' }).click();
    await p.getByText('You are subscribed.').waitFor();
    assert.ok(await p.getByLabel('Public API').isChecked());
    await page.goto(p.url());
    await a11yBothThemes(page, 'manage');
    await shot(page, 'manage');

    // Responsive down to 400 px: nothing scrolls sideways.
    await page.setViewportSize({ width: 400, height: 800 });
    await page.goto('/status/public/subscribe');
    assert.ok(((await page.evaluate('document.documentElement.scrollWidth')) as number) <= 400);
    await shot(page, 'subscribe-narrow');
    await page.setViewportSize({ width: 1280, height: 860 });
    await p.close();

    const list: any = await (
      await vigil.apiFetch('GET', '/api/v1/status-pages/public/subscribers?q=ann')
    ).json();
    assert.equal(list.items[0].state, 'confirmed');
    assert.deepEqual(list.items[0].components, ['api']);
  });

  test('the console lists, filters, adds, exports and removes subscribers', async () => {
    await signIn(page);
    await page.getByRole('link', { name: 'Status subscribers' }).click();
    await page.getByRole('heading', { name: 'Status subscribers' }).waitFor();
    const row = page.getByRole('row', { name: /Acme Cloud/ });
    await row.getByRole('cell', { name: '1' }).first().waitFor();
    await a11yBothThemes(page, 'overview', true);
    await shot(page, 'overview');

    await page.getByRole('link', { name: 'Acme Cloud' }).click();
    await page.getByRole('heading', { name: 'Subscribers · Acme Cloud' }).waitFor();
    const table = page.getByRole('region', { name: 'Subscribers of Acme Cloud' });
    await table.getByText('ann@example.com').waitFor();

    // Local validation, then a webhook whose secret is shown once.
    await page.getByRole('radio', { name: 'Webhook' }).check();
    await page.getByLabel(/Webhook URL/).fill('ftp://nope');
    await page.getByRole('button', { name: 'Add subscriber' }).click();
    await page.getByText('Enter an http:// or https:// URL.').waitFor();
    await page.getByLabel(/Webhook URL/).fill(hookUrl);
    await page.getByLabel('Description').fill('Support bot');
    await page.getByRole('group', { name: 'Components' }).getByLabel('Public API').check();
    await page.getByRole('button', { name: 'Add subscriber' }).click();
    const secret = await page.getByTestId('webhook-secret').textContent();
    assert.match(secret ?? '', /^whsec_/);
    await table.getByText(hookUrl).waitFor();

    // The server's validation lands under the field: the address is already subscribed.
    await page.getByRole('radio', { name: 'E-mail' }).check();
    await page.getByLabel(/E-mail address/).fill('ann@example.com');
    await page.getByRole('button', { name: 'Add subscriber' }).click();
    await page.getByText('already subscribed').waitFor();
    assert.equal(await page.getByLabel(/E-mail address/).getAttribute('aria-invalid'), 'true');
    await shot(page, 'page-with-errors');

    // Live: a subscriber added elsewhere appears without a reload.
    const added = await vigil.apiFetch('POST', '/api/v1/status-pages/public/subscribers', {
      type: 'email',
      email: 'bob@example.com',
      components: ['web'],
      confirmed: true,
    });
    assert.equal(added.status, 201);
    await table.getByText('bob@example.com').waitFor();

    // Filters: search and component.
    await page.getByLabel('Search').fill('bob');
    await table.getByText('ann@example.com').waitFor({ state: 'detached' });
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Component', { exact: true }).selectOption({ label: 'Public API' });
    await table.getByText('bob@example.com').waitFor({ state: 'detached' });
    await table.getByText('ann@example.com').waitFor();

    // CSV export with the same filters, through the session.
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    assert.match(href ?? '', /export\.csv\?component=api/);
    const csv = await page.request.get(href!);
    assert.equal(csv.status(), 200);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.equal(lines[0], 'id,type,address,state,components,source,created_at,confirmed_at');
    assert.equal(lines.length, 3, 'ann and the webhook follow the API');
    await page.getByLabel('Component', { exact: true }).selectOption({ label: 'Any' });

    // An incident on the API reaches the webhook, signed; the delivery shows up as sent.
    const inc = await vigil.apiFetch('POST', '/api/v1/status-pages/public/incidents', {
      name: 'API errors',
      body: 'Elevated error rates.',
      components: { api: 'partial_outage' },
    });
    assert.equal(inc.status, 201);
    const hook = await waitFor('the webhook delivery', () => hooks[0]);
    assert.match(String(hook.headers['webhook-signature']), /^v1,/);
    assert.equal(JSON.parse(hook.body).incident.name, 'API errors');
    await waitFor('the incident mail to ann', () =>
      mails.find((m) => m.to.includes('ann@example.com') && /New incident: API errors/.test(m.text)),
    );
    assert.equal(
      mails.some((m) => m.to.includes('bob@example.com')),
      false,
      'bob follows the web app only',
    );
    await page.reload();
    const deliveries = page.getByRole('region', { name: 'Recent webhook deliveries' });
    await deliveries.getByText('sent').waitFor();
    await a11yBothThemes(page, 'page', true);
    await shot(page, 'page');

    // Change what the webhook hears about.
    await page.getByRole('button', { name: `Edit components of ${hookUrl}` }).click();
    const editor = page.getByRole('region', { name: `Components for ${hookUrl}` });
    await editor.getByLabel('Web app').check();
    await checkA11y(page, 'edit components');
    await editor.getByRole('button', { name: 'Save components' }).click();
    await table
      .getByRole('row', { name: new RegExp(hookUrl) })
      .getByText('Public API, Web app')
      .waitFor();

    // Remove, confirmed.
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Remove bob@example.com' }).click();
    await table.getByText('bob@example.com').waitFor({ state: 'detached' });
    const rest: any = await (await vigil.apiFetch('GET', '/api/v1/status-pages/public/subscribers')).json();
    assert.deepEqual(rest.items.map((s: { address: string }) => s.address).sort(), [
      'ann@example.com',
      hookUrl,
    ]);

    // Narrow screens: the page stays usable.
    await page.setViewportSize({ width: 400, height: 900 });
    await page.getByRole('heading', { name: 'Subscribers · Acme Cloud' }).waitFor();
    await shot(page, 'page-narrow');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  test('one-click unsubscribe from the mail (RFC 8058) forgets the address', async () => {
    const mail = mails.find((m) => m.to.includes('ann@example.com') && /New incident/.test(m.text))!;
    const link = /(https?:\/\/\S+\/unsubscribe\?token=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(link, mail.text);
    const { pathname, search } = new URL(link);
    const res = await fetch(`${vigil.base}${pathname}${search}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    assert.equal(res.status, 200);
    const list: any = await (
      await vigil.apiFetch('GET', '/api/v1/status-pages/public/subscribers?q=ann')
    ).json();
    assert.equal(list.items.length, 0);
    await page.goto(`${pathname}${search}`);
    await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    await a11yBothThemes(page, 'unsubscribed');
    assert.deepEqual(session.pageErrors, []);
  });
});
