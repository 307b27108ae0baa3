/**
 * Browser test of the checks section: the list with filters, creating an HTTP check through the
 * form (local and server validation), run now, pause/resume, a heartbeat with its ping URL and
 * pings, a plan-managed check read-only, deletion with confirmation; axe in light and dark theme
 * on every page, and a narrow (400 px) viewport. Screenshots go to test-results/checks/.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  type BrowserSession,
  browserSkip,
  checkA11y,
  eventually,
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
const shot = screenshots('checks');

describe('checks console in Chromium', { skip: browserSkip }, () => {
  let vigil: VigilProcess;
  let session: BrowserSession;
  let page: Page;
  let target: Server;
  let targetUrl = '';
  const nav = () => page.getByRole('navigation', { name: 'Main' });

  before(async () => {
    // A local endpoint for the probe to hit.
    target = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello from the target');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    const addr = target.address();
    targetUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
    vigil = await startVigil();
    session = await openBrowser(vigil.base);
    page = session.page;
    await signIn(page);
  });

  after(async () => {
    await session?.close();
    await vigil?.stop();
    await new Promise((r) => target?.close(r));
  });

  test('the list shows the plan’s probe and heartbeat with state and filters', async () => {
    await nav().getByRole('link', { name: 'Checks' }).click();
    await page.getByRole('heading', { name: 'Checks', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Vigil readiness' }).waitFor();
    await page.getByRole('link', { name: 'Nightly backup' }).waitFor();
    // The heartbeat has never been pinged.
    const hbRow = page.getByRole('row', { name: /Nightly backup/ });
    await hbRow.getByText('new', { exact: true }).waitFor();
    await page.getByLabel('Type').selectOption('heartbeat');
    await page.getByRole('link', { name: 'Vigil readiness' }).waitFor({ state: 'detached' });
    assert.match(page.url(), /type=heartbeat/);
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await page.getByRole('link', { name: 'Vigil readiness' }).waitFor();
    await checkA11y(page, 'checks list');
    await shot(page, '01-list');
  });

  test('creates an HTTP check: local validation, server conflict, then run now', async () => {
    await page.getByRole('link', { name: 'New check' }).click();
    await page.getByRole('heading', { name: 'New check' }).waitFor();
    await checkA11y(page, 'new check form');
    await page.getByLabel('Key (required)').fill('Web Home');
    await page.getByLabel('URL (required)').fill('not a url');
    await page.getByLabel('Interval').fill('5s');
    await page.getByRole('button', { name: 'Create check' }).click();
    await page.getByText('Use lower-case letters').waitFor();
    await page.getByText('This is not a valid URL.').waitFor();
    await page.getByText('The interval must be at least 10s.').waitFor();
    assert.equal(await page.getByLabel('URL (required)').getAttribute('aria-invalid'), 'true');
    await shot(page, '02-form-errors');
    // Switching the type changes the fields.
    await page.getByLabel('Type (required)').selectOption('tcp');
    await page.getByLabel('Port (required)').waitFor();
    assert.equal(await page.getByLabel('URL (required)').count(), 0);
    await page.getByLabel('Type (required)').selectOption('http');
    // A key that exists already is refused by the server.
    await page.getByLabel('Key (required)').fill('vigil-ready');
    await page.getByLabel('URL (required)').fill(targetUrl);
    await page.getByLabel('Interval').fill('10s');
    await page.getByLabel('Timeout').fill('2s');
    await page.getByRole('button', { name: 'Create check' }).click();
    await page
      .getByRole('alert')
      .getByText(/already exists/)
      .waitFor();
    await page.getByLabel('Key (required)').fill('web-home');
    await page.getByLabel('Name', { exact: true }).fill('Web home');
    await page.getByLabel('Body contains').fill('hello');
    await page.getByLabel('Labels').fill('tier=1');
    await page.getByRole('button', { name: 'Create check' }).click();
    await page.getByRole('heading', { name: 'Web home', level: 1 }).waitFor();
    const saved = (await (await vigil.apiFetch('GET', '/api/v1/checks/web-home')).json()) as any;
    assert.equal(saved.url, targetUrl);
    assert.equal(saved.body_contains, 'hello');
    assert.deepEqual(saved.labels, { tier: '1' });
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByTestId('run-result').getByText('up', { exact: true }).waitFor();
    // The result shows in the table and the state follows.
    await page
      .getByRole('table', { name: 'Recent results' })
      .getByText('up', { exact: true })
      .first()
      .waitFor();
    await page
      .getByRole('region', { name: 'Current state' })
      .getByText('up', { exact: true })
      .first()
      .waitFor();
    const st = (await (await vigil.apiFetch('GET', '/api/v1/checks/web-home/status')).json()) as any;
    assert.equal(st.state, 'up');
    assert.equal(st.recent_results[0].status, 'up');
    await checkA11y(page, 'check detail');
    await shot(page, '03-detail');
  });

  test('pause and resume; the list filters by state and label', async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    assert.equal(
      ((await (await vigil.apiFetch('GET', '/api/v1/checks/web-home/status')).json()) as any).state,
      'paused',
    );
    await page.goto('/checks?state=paused');
    await page.getByRole('link', { name: 'Web home' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Vigil readiness' }).count(), 0);
    await page.goto('/checks?label=tier%3D1');
    await page.getByRole('link', { name: 'Web home' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Nightly backup' }).count(), 0);
    await page.getByRole('link', { name: 'Web home' }).click();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    assert.notEqual(
      ((await (await vigil.apiFetch('GET', '/api/v1/checks/web-home/status')).json()) as any).state,
      'paused',
    );
  });

  test('the list and the detail page follow live events', async () => {
    await page.goto('/checks');
    await page.getByRole('link', { name: 'Web home' }).waitFor();
    const created = await vigil.apiFetch('POST', '/api/v1/checks', {
      key: 'live-one',
      name: 'Live one',
      type: 'tcp',
      host: '127.0.0.1',
      port: 9,
    });
    assert.equal(created.status, 201);
    await page.getByRole('link', { name: 'Live one' }).waitFor();
    await vigil.apiFetch('POST', '/api/v1/checks/live-one/pause');
    await page
      .getByRole('row', { name: /Live one/ })
      .getByText('paused', { exact: true })
      .waitFor();
    await page.getByRole('link', { name: 'Live one' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await vigil.apiFetch('POST', '/api/v1/checks/live-one/resume');
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    assert.equal((await vigil.apiFetch('DELETE', '/api/v1/checks/live-one')).status, 204);
    await page.goto('/checks/web-home');
    await page.getByRole('heading', { name: 'Web home', level: 1 }).waitFor();
  });

  test('edits the check (If-Match) and keeps what the form does not show', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit check web-home' }).waitFor();
    assert.equal(await page.getByLabel('Key (required)').isDisabled(), true);
    await page.getByLabel('Timeout').fill('20s');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('The timeout must not exceed the interval.').waitFor();
    await page.getByLabel('Timeout').fill('3s');
    await page.getByLabel('Expected status codes').fill('200, 2xx');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Web home', level: 1 }).waitFor();
    const saved = (await (await vigil.apiFetch('GET', '/api/v1/checks/web-home')).json()) as any;
    assert.equal(saved.timeout, '3s');
    assert.deepEqual(saved.expect_status, [200, '2xx']);
    assert.equal(saved.version, 2);
  });

  test('a heartbeat: create, ping URL, a ping with a body shows up', async () => {
    await page.goto('/checks/heartbeats/new');
    await page.getByRole('heading', { name: 'New heartbeat' }).waitFor();
    await page.getByLabel('Key (required)').fill('etl');
    // A cron expression only the server can judge: its message lands under the field.
    await page.getByLabel('Schedule kind (required)').selectOption('cron');
    await page.getByLabel('Cron expression').fill('61 * * * *');
    await page.getByRole('button', { name: 'Create heartbeat' }).click();
    await page.getByText(/is not a valid cron expression/).waitFor();
    assert.equal(await page.getByLabel('Cron expression').getAttribute('aria-invalid'), 'true');
    assert.equal((await vigil.apiFetch('GET', '/api/v1/heartbeats/etl')).status, 404);
    await page.getByLabel('Schedule kind (required)').selectOption('period');
    await page.getByLabel('Period').fill('30s');
    await page.getByRole('button', { name: 'Create heartbeat' }).click();
    await page.getByText('The period must be at least 1m.').waitFor();
    await page.getByLabel('Period').fill('1h');
    await page.getByLabel('Grace').fill('10m');
    await page.getByRole('button', { name: 'Create heartbeat' }).click();
    await page.getByRole('heading', { name: 'etl', level: 1 }).waitFor();
    const url = (await page.locator('[data-copy]').first().textContent()) ?? '';
    assert.match(url, /\/ping\/[0-9a-f-]{36}$/);
    const ping = await fetch(url, { method: 'POST', body: 'rows=42' });
    assert.equal(ping.status, 200);
    await page.reload();
    await page.getByRole('table', { name: 'Recent pings' }).getByText('rows=42').first().waitFor();
    await page.getByRole('region', { name: 'Current state' }).getByText('up', { exact: true }).waitFor();
    await checkA11y(page, 'heartbeat detail');
    await shot(page, '04-heartbeat');
  });

  test('a plan-managed check is read-only', async () => {
    await page.goto('/checks/vigil-ready');
    await page.getByRole('heading', { name: 'Vigil readiness', level: 1 }).waitFor();
    await page.getByText('managed by vigil.yaml').first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Delete' }).count(), 0);
    await page.getByRole('link', { name: 'View form' }).click();
    await page.getByText('declared in the ops plan').waitFor();
    assert.equal(await page.getByLabel('URL (required)').isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Save changes' }).count(), 0);
    await checkA11y(page, 'managed check form');
  });

  test('dark theme and a narrow screen pass the same checks', async () => {
    await useDarkTheme(page);
    for (const [path, heading, name] of [
      ['/checks', 'Checks', 'list'],
      ['/checks/web-home', 'Web home', 'detail'],
      ['/checks/heartbeats/etl', 'etl', 'heartbeat'],
      ['/checks/new', 'New check', 'form'],
    ] as const) {
      await page.goto(path);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark');
      await checkA11y(page, `${name} (dark)`);
      await shot(page, `05-${name}-dark`);
    }
    await page.setViewportSize({ width: 400, height: 800 });
    for (const path of ['/checks', '/checks/web-home', '/checks/heartbeats/etl', '/checks/new']) {
      await page.goto(path);
      await page.locator('h1').waitFor();
      // The latency chart takes its width from the page once it has laid out: let it settle.
      let overflow = Number.POSITIVE_INFINITY;
      await eventually(
        `${path} to fit a 400 px screen`,
        async () => {
          overflow = await horizontalOverflow(page);
          return overflow <= 1 || undefined;
        },
        { ms: 3_000 },
      ).catch(() => undefined);
      assert.ok(overflow <= 1, `${path} overflows a 400 px screen by ${overflow} px`);
    }
    await shot(page, '06-narrow');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  test('a viewer reads but sees no write actions and no ping URL', async () => {
    const viewer = { email: 'vera@example.com', password: 'viewer passphrase 12345' };
    assert.equal(
      (await vigil.apiFetch('POST', '/api/v1/users', { key: viewer.email, name: 'Vera', role: 'viewer' }))
        .status,
      201,
    );
    assert.equal(
      (await vigil.apiFetch('PUT', `/api/v1/users/${viewer.email}/password`, { password: viewer.password }))
        .status,
      204,
    );
    const context = await session.browser.newContext({ baseURL: vigil.base, bypassCSP: true });
    const vp = await context.newPage();
    const errors: string[] = [];
    vp.on('pageerror', (e) => errors.push(String(e)));
    try {
      await signIn(vp, viewer);
      await vp.goto('/checks');
      await vp.getByRole('link', { name: 'Web home' }).waitFor();
      assert.equal(await vp.getByRole('link', { name: 'New check' }).count(), 0);
      await vp.getByRole('link', { name: 'Web home' }).click();
      await vp.getByRole('heading', { name: 'Web home', level: 1 }).waitFor();
      for (const name of ['Run now', 'Pause', 'Delete'])
        assert.equal(await vp.getByRole('button', { name }).count(), 0, `${name} is hidden`);
      await vp.getByRole('link', { name: 'View form' }).waitFor();
      await vp.goto('/checks/heartbeats/etl');
      await vp.getByText('The ping URL is a secret').waitFor();
      assert.equal(await vp.locator('[data-copy]').count(), 0);
      await checkA11y(vp, 'heartbeat (viewer)');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('deletes a check after confirmation', async () => {
    await page.goto('/checks/web-home');
    await page.getByRole('heading', { name: 'Web home', level: 1 }).waitFor();
    page.once('dialog', (d) => void d.dismiss());
    await page.getByRole('button', { name: 'Delete' }).click();
    assert.equal((await vigil.apiFetch('GET', '/api/v1/checks/web-home')).status, 200);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Checks', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Vigil readiness' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Web home' }).count(), 0);
    assert.equal((await vigil.apiFetch('GET', '/api/v1/checks/web-home')).status, 404);
    assert.deepEqual(session.pageErrors, []);
  });
});
