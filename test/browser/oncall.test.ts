/**
 * Browser test of the on-call console pages: who is on call, a schedule's timeline with an
 * override created and deleted through the form, the escalation policy editor (local and server
 * validation, create/edit/delete, managed read-only), the signed-in user's contact methods with a
 * test notification followed to its result (a local receiver checks the Standard Webhooks
 * signature headers), and the delivery log with filters and retry. axe runs on every page in the
 * light and the dark theme, and at 400 px wide. Screenshots go to test-results/oncall/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { verifyWebhook } from '../../src/modules/notify/signing.ts';
import { type HttpReceiver, startHttpReceiver } from '../../src/modules/notify/test-receivers.ts';
import {
  ADMIN,
  type BrowserSession,
  browserSkip,
  checkA11y,
  horizontalOverflow,
  openBrowser,
  requireBrowserInCi,
  screenshots,
  signIn,
  startVigil,
  useDarkTheme,
  type VigilProcess,
} from '../support/browser.ts';

requireBrowserInCi();
const SECRET = `whsec_${Buffer.from('a secret shared with the receiver').toString('base64')}`;
const shot = screenshots('oncall');

describe('on-call console pages in Chromium', { skip: browserSkip }, () => {
  let vigil: VigilProcess;
  let session: BrowserSession;
  let page: Page;
  let rx: HttpReceiver;
  let gone: HttpReceiver;

  before(async () => {
    rx = await startHttpReceiver();
    gone = await startHttpReceiver();
    gone.respond = { status: 410 };
    vigil = await startVigil();
    session = await openBrowser(vigil.base);
    page = session.page;
    await signIn(page);
  });

  after(async () => {
    await session?.close();
    await vigil?.stop();
    await rx?.close();
    await gone?.close();
  });

  const json = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }> => {
    const r = await vigil.apiFetch(method, path, body);
    return { status: r.status, body: r.status === 204 ? null : await r.json() };
  };

  test('who is on call now, per schedule and per team', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'On call', exact: true })
      .click();
    await page.getByRole('heading', { name: 'On call now' }).waitFor();
    const schedules = page.getByRole('region', { name: 'Who is on call per schedule' });
    await schedules.getByRole('link', { name: 'Platform primary' }).waitFor();
    await schedules.getByRole('link', { name: 'Product business hours' }).waitFor();
    // The server's answer and the page agree on who is on call for the platform.
    const now = (await json('GET', '/api/v1/oncall/now?schedule=platform-primary')).body.items[0];
    const name = now.user === 'ada@acme.example' ? 'Ada Lovelace' : 'Linus Torvalds';
    const row = schedules.getByRole('row').filter({ hasText: 'Platform primary' });
    assert.match((await row.textContent()) ?? '', new RegExp(name));
    const teams = page.getByRole('region', { name: 'First responders per team' });
    await teams
      .getByRole('row')
      .filter({ hasText: 'Product Engineering' })
      .getByRole('link', { name: 'product', exact: true })
      .waitFor();
    await checkA11y(page, 'on call now');
    await shot(page, '01-now');
  });

  test('a schedule: timeline with gaps, override created and deleted through the form', async () => {
    await page.goto('/oncall/schedules/product-primary');
    await page.getByRole('heading', { name: 'Product business hours' }).waitFor();
    // Business hours only: nights and weekends are explicit gaps.
    await page.getByText(/gaps? in this range/).waitFor();
    await page.getByText('managed by vigil.yaml').first().waitFor();
    const feed = await page.getByRole('textbox', { name: 'This schedule (iCal)' }).inputValue();
    assert.match(feed, /\/api\/v1\/schedules\/product-primary\/calendar\.ics\?token=/);
    await checkA11y(page, 'schedule');
    await shot(page, '02-schedule');

    // Local validation: nobody chosen.
    await page.getByRole('button', { name: 'Create override' }).click();
    await page.getByText('Choose who covers').waitFor();
    assert.equal(await page.getByLabel('Who covers (required)').getAttribute('aria-invalid'), 'true');
    // End before start.
    await page.getByLabel('Who covers (required)').selectOption('ada@acme.example');
    await page.getByLabel('Start (required)').fill('2030-01-07T10:00');
    await page.getByLabel('End (required)').fill('2030-01-07T09:00');
    await page.getByRole('button', { name: 'Create override' }).click();
    await page.getByText('End must be after start.').waitFor();
    // A valid override inside the visible range.
    const start = new Date(Date.now() + 2 * 3_600_000);
    const end = new Date(Date.now() + 5 * 3_600_000);
    const local = (d: Date) =>
      `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}T${String(d.getHours()).padStart(2, '0')}:00`;
    await page.getByLabel('Start (required)').fill(local(start));
    await page.getByLabel('End (required)').fill(local(end));
    await page.getByLabel('Reason').fill('covering for Grace');
    await page.getByRole('button', { name: 'Create override' }).click();
    await page.getByText('Override created.').waitFor();
    const overrides = page.getByRole('region', { name: 'Overrides in and after this range' });
    await overrides.getByText('covering for Grace').waitFor();
    const stored = (await json('GET', '/api/v1/schedules/product-primary/overrides')).body.items;
    assert.equal(stored.length, 1);
    assert.equal(stored[0].user, 'ada@acme.example');
    assert.equal(stored[0].reason, 'covering for Grace');
    await shot(page, '03-schedule-override');

    // Delete (confirmed).
    page.once('dialog', (d) => void d.accept());
    await overrides.getByRole('button', { name: /^Delete override for Ada Lovelace/ }).click();
    await page.getByText('Override deleted.').waitFor();
    await overrides.getByText('covering for Grace').waitFor({ state: 'detached' });
    assert.equal((await json('GET', '/api/v1/schedules/product-primary/overrides')).body.items.length, 0);
  });

  test('an override made elsewhere shows up live', async () => {
    await page.goto('/oncall/schedules/platform-primary');
    await page.getByRole('heading', { name: 'Platform primary' }).waitFor();
    // The event stream must be connected before the change happens.
    await page.getByText('Live', { exact: true }).waitFor();
    await page.getByText(/No gaps in this range/).waitFor();
    const s = new Date(Date.now() + 3_600_000).toISOString();
    const e = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const r = await json('POST', '/api/v1/schedules/platform-primary/overrides', {
      user: null,
      start: s,
      end: e,
      reason: 'planned maintenance gap',
    });
    assert.equal(r.status, 201);
    await page.getByText('planned maintenance gap').waitFor();
    await page.getByText(/1 gap in this range/).waitFor();
  });

  test('escalation policies: list, managed read-only, create/edit/delete with validation', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Escalation policies' })
      .click();
    await page.getByRole('heading', { name: 'Escalation policies' }).waitFor();
    await page.getByRole('link', { name: 'Product paging' }).waitFor();
    await checkA11y(page, 'policies');
    await shot(page, '04-policies');

    await page.getByRole('link', { name: 'Product paging' }).click();
    await page.getByRole('heading', { name: 'Product paging' }).waitFor();
    await page.getByText('This policy is declared in the ops plan').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save policy' }).count(), 0);
    assert.equal(await page.getByLabel('Level 1: wait before the next level').isDisabled(), true);
    await checkA11y(page, 'managed policy');
    await shot(page, '05-policy-managed');

    await page.goto('/oncall/policies');
    await page.getByRole('link', { name: 'New escalation policy' }).click();
    await page.getByRole('heading', { name: 'New escalation policy' }).waitFor();
    await page.getByLabel('Key (required)').fill('Night Shift');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByText('Use lower-case letters').waitFor();
    await page.getByText('Add at least one target.').waitFor();
    await page.getByLabel('Key (required)').fill('night-shift');
    await page.getByLabel('Name').fill('Night shift');
    await page.getByLabel('Level 1 target: type').selectOption('schedule');
    await page.getByLabel('Level 1 target: who').selectOption('platform-primary');
    await page.getByRole('button', { name: 'Add level 1 target' }).click();
    await page.getByRole('button', { name: 'Add level', exact: true }).click();
    await page.getByLabel('Level 2 target: type').selectOption('user');
    await page.getByLabel('Level 2 target: who').selectOption('ada@acme.example');
    await page.getByRole('button', { name: 'Add level 2 target' }).click();
    await page.getByLabel('Level 2: wait before the next level').fill('soon');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByText('A duration such as 5m').waitFor();
    await page.getByLabel('Level 2: wait before the next level').fill('15m');
    await page.getByRole('button', { name: 'Add severity rule' }).click();
    await page.getByLabel('Severity', { exact: true }).selectOption('P3');
    await page.getByLabel('Page (run the ladder)').uncheck();
    assert.equal(await page.getByLabel('Urgency').count(), 0, 'no urgency without a page');
    // A second rule: P2 pages, through low-urgency contact methods only.
    await page.getByRole('button', { name: 'Add severity rule' }).click();
    await page.locator('#rule-1-severity').selectOption('P2');
    await page.locator('#rule-1-urgency').selectOption('low');
    await checkA11y(page, 'policy editor');
    await shot(page, '06-policy-new');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByText('Created escalation policy night-shift.').waitFor();
    await page.getByRole('heading', { name: 'Night shift' }).waitFor();
    let stored = (await json('GET', '/api/v1/escalation-policies/night-shift')).body;
    assert.deepEqual(stored.levels, [
      { targets: ['schedule:platform-primary'], delay: '5m' },
      { targets: ['user:ada@acme.example'], delay: '15m' },
    ]);
    assert.deepEqual(stored.severity_overrides, { P3: { page: false }, P2: { urgency: 'low' } });
    assert.equal(stored.managed, false);

    // A duplicate key is refused by the server (shown above the form).
    await page.goto('/oncall/policies/new');
    await page.getByLabel('Key (required)').fill('night-shift');
    await page.getByLabel('Level 1 target: who').selectOption('platform-primary');
    await page.getByRole('button', { name: 'Add level 1 target' }).click();
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByRole('alert').filter({ hasText: /exist/i }).waitFor();

    // Edit: the ladder repeats once; saved with If-Match.
    await page.goto('/oncall/policies/night-shift');
    await page.getByLabel('Repeat the ladder (times)').fill('1');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Saved escalation policy night-shift.').waitFor();
    stored = (await json('GET', '/api/v1/escalation-policies/night-shift')).body;
    assert.equal(stored.repeat, 1);
    assert.equal(stored.version, 2);

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete policy' }).click();
    await page.getByText('Deleted escalation policy night-shift.').waitFor();
    assert.equal((await json('GET', '/api/v1/escalation-policies/night-shift')).status, 404);
  });

  test('my contact methods: add with validation, test notification shows the delivery result', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My on-call' }).click();
    await page.getByRole('heading', { name: 'My on-call' }).waitFor();
    await page.getByText('No contact methods yet.').waitFor();
    await checkA11y(page, 'my on-call (empty)');

    await page.getByLabel('Type').selectOption('webhook');
    await page.getByLabel('Webhook URL (required)').fill('not a url');
    await page.getByRole('button', { name: 'Add contact method' }).click();
    await page.getByText('An http(s) URL.').waitFor();
    await page.getByLabel('Webhook URL (required)').fill(`${rx.url}/pager`);
    await page.getByLabel('Signing secret').fill('not-a-secret');
    await page.getByRole('button', { name: 'Add contact method' }).click();
    await page.getByText('A Standard Webhooks secret starts with whsec_').waitFor();
    await page.getByLabel('Signing secret').fill(SECRET);
    await page.getByLabel('Low urgency (FYI)').uncheck();
    await page.getByRole('button', { name: 'Add contact method' }).click();
    await page.getByText('Contact method added.').waitFor();
    const methods = page.getByRole('list', { name: 'My contact methods' });
    await methods.getByText(`${rx.url}/pager`).waitFor();
    const contact = (await json('GET', `/api/v1/contacts/${encodeURIComponent(ADMIN.email)}`)).body;
    assert.deepEqual(contact.methods, [
      { type: 'webhook', url: `${rx.url}/pager`, secret: SECRET, urgency: ['high'] },
    ]);

    // Verify it: a code goes through the method and is typed back (a wrong one is refused).
    const name = `Webhook (Standard Webhooks signed) ${rx.url}/pager`;
    await methods.getByText('not verified').waitFor();
    await methods.getByRole('button', { name: `Verify ${name}` }).click();
    await page.getByText('Verification code sent').waitFor();
    let code: string | undefined;
    for (let i = 0; i < 50 && !code; i++) {
      await page.waitForTimeout(100);
      const msg = rx.received.find((r) => r.path === '/pager' && r.body.includes('verification code'));
      code = msg ? /code is (\d{6})/.exec(JSON.parse(msg.body).data.summary)?.[1] : undefined;
    }
    assert.ok(code, 'the code arrived at the receiver');
    const codeBox = methods.getByLabel('Code sent to this method');
    await codeBox.fill(code === '000000' ? '111111' : '000000');
    await methods.getByRole('button', { name: 'Confirm' }).click();
    await methods.getByText('That code is not right').waitFor();
    assert.equal(await codeBox.getAttribute('aria-invalid'), 'true');
    await checkA11y(page, 'my on-call (verifying)');
    await codeBox.fill(code);
    await methods.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Contact method verified.').waitFor();
    await methods.getByText('verified', { exact: true }).waitFor();

    // A second method whose receiver answers 410 Gone.
    await page.getByLabel('Type').selectOption('webhook');
    await page.getByLabel('Webhook URL (required)').fill(`${gone.url}/gone`);
    await page.getByRole('button', { name: 'Add contact method' }).click();
    await methods.getByText(`${gone.url}/gone`).waitFor();

    await page.getByRole('button', { name: 'Send test notification' }).click();
    const result = page.locator('.oc-result');
    await result.getByText('Delivered').waitFor({ timeout: 15_000 });
    await result.getByText(/Failed: .*410/).waitFor({ timeout: 15_000 });
    const got = rx.received.find((r) => r.path === '/pager');
    assert.ok(got, 'the receiver got the test notification');
    assert.equal(JSON.parse(got.body).type, 'notification.test');
    assert.ok(
      verifyWebhook(SECRET, got.headers, got.body, Date.now()),
      'the Standard Webhooks signature verifies',
    );
    await checkA11y(page, 'my on-call');
    await shot(page, '07-me');

    // Remove the failing method (confirmed).
    page.once('dialog', (d) => void d.accept());
    await methods
      .getByRole('button', { name: `Remove Webhook (Standard Webhooks signed) ${gone.url}/gone` })
      .click();
    await page.getByText('Contact method removed.').waitFor();
    await methods.getByText(`${gone.url}/gone`).waitFor({ state: 'detached' });
  });

  test('the delivery log: filters in the URL, failed deliveries, retry, channel health', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('heading', { name: 'Notification deliveries' }).waitFor();
    const table = page.getByRole('region', { name: 'Deliveries, newest first' });
    await table.getByText('Test notification from Vigil').first().waitFor();
    await checkA11y(page, 'deliveries');
    await shot(page, '08-deliveries');
    await page.getByLabel('Status').selectOption('failed');
    await page.waitForURL(/status=failed/);
    const failed = (await json('GET', '/api/v1/deliveries?status=failed')).body.items;
    assert.equal(failed.length, 1);
    // Only the failed delivery is listed once the filtered page has loaded.
    for (let i = 0; i < 50 && (await table.getByRole('row').count()) !== 2; i++)
      await page.waitForTimeout(100);
    assert.equal(await table.getByRole('row').count(), 2, 'header + the one failed delivery');
    await table.getByText(failed[0].idempotency_key).waitFor();
    await table.getByText(/410/).first().waitFor();
    await table.getByRole('button', { name: `Retry delivery ${failed[0].id}` }).click();
    await page.getByText(/queued again/).waitFor();
    // The retry fails again (410) and the log follows (attempt 2 shows without a reload).
    let again = failed[0];
    for (let i = 0; i < 50 && !(again.attempts >= 2 && again.status === 'failed'); i++) {
      await page.waitForTimeout(200);
      again = (await json('GET', `/api/v1/deliveries/${failed[0].id}`)).body;
    }
    assert.equal(again.attempts, 2);
    await table.getByRole('cell', { name: '2', exact: true }).waitFor({ timeout: 20_000 });
    await page
      .getByRole('region', { name: 'Channel health' })
      .getByText(/failure/)
      .first()
      .waitFor();
    await page.reload();
    await page.getByLabel('Status').waitFor();
    assert.equal(await page.getByLabel('Status').inputValue(), 'failed');
  });

  test('a viewer reads everything and is offered no writes', async () => {
    const linus = { email: 'linus@acme.example', password: 'a viewer passphrase 12345' };
    assert.equal(
      (await json('PUT', `/api/v1/users/${linus.email}/password`, { password: linus.password })).status,
      204,
    );
    const context = await session.browser.newContext({
      baseURL: vigil.base,
      // As the harness does: lets the test inject axe-core (the console keeps its own CSP).
      bypassCSP: true,
      viewport: { width: 1280, height: 860 },
    });
    const viewer = await context.newPage();
    viewer.on('pageerror', (err) => session.pageErrors.push(String(err)));
    try {
      await signIn(viewer, linus);
      await viewer.goto('/oncall/schedules/platform-primary');
      await viewer.getByRole('heading', { name: 'Platform primary' }).waitFor();
      await viewer.getByText('Creating overrides needs the responder role.').waitFor();
      assert.equal(await viewer.getByRole('button', { name: 'Create override' }).count(), 0);
      await viewer.goto('/oncall/policies');
      await viewer.getByRole('link', { name: 'Platform paging' }).waitFor();
      assert.equal(await viewer.getByRole('link', { name: 'New escalation policy' }).count(), 0);
      await viewer.goto('/oncall/me');
      await viewer.getByText('Changing contact methods needs the responder role').waitFor();
      assert.equal(await viewer.getByRole('button', { name: 'Add contact method' }).count(), 0);
      await viewer.getByRole('button', { name: 'Send test notification' }).waitFor();
      await viewer.goto('/oncall/deliveries?status=failed');
      await viewer
        .getByRole('region', { name: 'Deliveries, newest first' })
        .getByText(/410/)
        .first()
        .waitFor();
      assert.equal(await viewer.getByRole('button', { name: /^Retry delivery/ }).count(), 0);
      await checkA11y(viewer, 'deliveries (viewer)');
    } finally {
      await context.close();
    }
  });

  test('dark theme and a narrow screen pass the same checks', async () => {
    await useDarkTheme(page);
    for (const [path, heading] of [
      ['/oncall', 'On call now'],
      ['/oncall/schedules/product-primary', 'Product business hours'],
      ['/oncall/policies', 'Escalation policies'],
      ['/oncall/policies/platform', 'Platform paging'],
      ['/oncall/me', 'My on-call'],
      ['/oncall/deliveries', 'Notification deliveries'],
    ]) {
      await page.goto(path);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark');
      await checkA11y(page, `${path} (dark)`);
    }
    await shot(page, '09-deliveries-dark');
    await page.setViewportSize({ width: 400, height: 800 });
    // The shell's header is wider than 400 px by itself (the overview scrolls sideways as much):
    // the on-call pages must not add to it; wide tables and the timeline scroll inside their box.
    const overflow = () => horizontalOverflow(page);
    await page.goto('/');
    await page.locator('h1').first().waitFor();
    const shell = await overflow();
    for (const path of [
      '/oncall',
      '/oncall/schedules/platform-primary',
      '/oncall/policies/platform',
      '/oncall/me',
      '/oncall/deliveries',
    ]) {
      await page.goto(path);
      await page.locator('h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      const o = await overflow();
      assert.ok(o <= shell + 1, `${path} scrolls sideways at 400 px (${o} px, the shell alone ${shell} px)`);
      await checkA11y(page, `${path} (400 px)`);
    }
    await shot(page, '10-schedule-narrow');
    assert.deepEqual(session.pageErrors, []);
  });
});
