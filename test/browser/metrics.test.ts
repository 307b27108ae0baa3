/**
 * Browser test of the metrics pages: the PromQL explorer (completion, table, errors with their
 * position, graph, URL state, history), scrape targets (live job changes, health filter) and the
 * TSDB status, each checked with axe in light and dark theme and at a phone width.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  type BrowserSession,
  browserSkip,
  checkA11y,
  freePort,
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
const shot = screenshots('metrics');

describe('metrics pages in Chromium', { skip: browserSkip }, () => {
  let vigil: VigilProcess;
  let session: BrowserSession;
  let page: Page;
  let exporter: Server;
  let exporterAddr: string;

  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
  const editor = () => page.getByLabel('PromQL expression');

  before(async () => {
    exporter = createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
        .end(
          '# TYPE app_jobs_waiting gauge\napp_jobs_waiting{queue="emails"} 3\napp_jobs_waiting{queue="sms"} 1\n',
        );
    });
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
    exporterAddr = `127.0.0.1:${(exporter.address() as AddressInfo).port}`;
    vigil = await startVigil();
    // A script's push gives the explorer a known series.
    const ok = await fetch(`${vigil.base}/metrics/job/batch/instance/worker-1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${vigil.adminToken()}`, 'content-type': 'text/plain' },
      body: '# HELP demo_queue_depth Jobs waiting per queue.\n# TYPE demo_queue_depth gauge\ndemo_queue_depth{queue="emails"} 42\ndemo_queue_depth{queue="sms"} 7\n',
    });
    assert.equal(ok.status, 200, await ok.text());
    const closed = await freePort();
    const job = await vigil.apiFetch('POST', '/api/v1/scrape-jobs', {
      key: 'app',
      targets: [exporterAddr, `127.0.0.1:${closed}`],
      interval: '2s',
      timeout: '1s',
      labels: { env: 'test' },
    });
    assert.equal(job.status, 201, await job.text());
    session = await openBrowser(vigil.base);
    page = session.page;
    await signIn(page);
  });

  after(async () => {
    await session?.close();
    await vigil?.stop();
    exporter?.close();
  });

  test('explorer: completion builds a query, Ctrl+Enter runs it, the table shows the value', async () => {
    await nav('Explore metrics');
    await page.getByRole('heading', { name: 'Explore metrics' }).waitFor();
    await page.getByText('No query yet.').waitFor();
    await checkA11y(page, 'explore (empty)');
    await editor().click();
    await page.keyboard.type('demo_q');
    await page.getByRole('option', { name: /demo_queue_depth/ }).waitFor();
    // The metric's HELP and TYPE from the push come along.
    await page.getByRole('option', { name: /demo_queue_depth.*Jobs waiting per queue.*gauge/ }).waitFor();
    await checkA11y(page, 'explore (suggestions)');
    await shot(page, '01-explore-suggestions');
    await page.keyboard.press('Enter');
    await page.keyboard.type('{');
    await page.getByRole('option', { name: /^instance/ }).waitFor();
    await page.keyboard.type('qu');
    await page.getByRole('option', { name: /^queue/ }).waitFor();
    assert.equal(await page.getByRole('option').count(), 1);
    await page.keyboard.press('Enter'); // inserts queue=" and offers the values
    await page.getByRole('option', { name: /^sms/ }).waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.keyboard.type('}');
    assert.equal(await editor().inputValue(), 'demo_queue_depth{queue="sms"}');
    await page.keyboard.press('Control+Enter');
    const table = page.getByRole('table', { name: 'Query result' });
    await table.getByRole('cell', { name: '7', exact: true }).waitFor();
    assert.match(
      (await table.textContent()) ?? '',
      /demo_queue_depth\{instance="worker-1", job="batch", queue="sms"\}/,
    );
    assert.match(page.url(), /[?&]q=demo_queue_depth%7Bqueue%3D%22sms%22%7D/);
    await page.getByText(/vector · 1 result/).waitFor();
    await checkA11y(page, 'explore (table)');
    await shot(page, '02-explore-table');
  });

  test('explorer: a parse error is shown with its position and leads back to the editor', async () => {
    await editor().fill('sum(rate(demo_queue_depth[5m])');
    await editor().press('Control+Enter');
    const alert = page.getByRole('alert').filter({ hasText: 'The query is not valid' });
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /line 1, column \d+/);
    assert.match((await alert.textContent()) ?? '', /parse error/);
    assert.equal(await editor().getAttribute('aria-invalid'), 'true');
    await checkA11y(page, 'explore (error)');
    await shot(page, '03-explore-error');
    await alert.getByRole('button', { name: 'Go to the error in the editor' }).click();
    assert.equal(await page.evaluate('document.activeElement.id'), 'promql');
    // An evaluation error (wrong argument type) is shown too.
    await editor().fill('rate(demo_queue_depth)');
    await editor().press('Control+Enter');
    await page
      .getByRole('alert')
      .filter({ hasText: /range vector/ })
      .waitFor();
  });

  test('explorer: graph mode draws the range with a legend; the URL reproduces the view', async () => {
    await editor().fill('demo_queue_depth');
    await editor().press('Control+Enter');
    await page.getByRole('table', { name: 'Query result' }).waitFor();
    await page.getByLabel('Graph').check();
    await page.getByLabel('Range').selectOption('5m');
    const legend = page.getByRole('list', { name: /Series/ });
    await legend.getByRole('button', { name: /queue="emails"/ }).waitFor();
    assert.equal(await legend.getByRole('button').count(), 2);
    await page.locator('.chart-canvas canvas').waitFor();
    assert.match(page.url(), /tab=graph/);
    assert.match(page.url(), /range=5m/);
    const sms = legend.getByRole('button', { name: /queue="sms"/ });
    await sms.click();
    assert.equal(await sms.getAttribute('aria-pressed'), 'false');
    await page.getByLabel('Stacked').check();
    await page.waitForURL(/stacked=1/);
    await page.locator('.chart-canvas canvas').waitFor();
    await sms.click();
    assert.equal(await sms.getAttribute('aria-pressed'), 'true');
    await page.getByLabel('Stacked').uncheck();
    await page.waitForURL((u) => !u.search.includes('stacked'));
    await page.getByLabel('Step').fill('bogus');
    await page.getByLabel('Step').blur();
    await page.getByText('Use seconds or a duration').waitFor();
    await page.getByLabel('Step').fill('10s');
    await page.getByLabel('Step').blur();
    await page.getByText(/step 10s/).waitFor();
    await checkA11y(page, 'explore (graph)');
    await shot(page, '04-explore-graph');
    // A shared link opens the same view.
    const url = page.url();
    await page.goto(url);
    await page.locator('.chart-canvas canvas').waitFor();
    assert.equal(await editor().inputValue(), 'demo_queue_depth');
    assert.equal(await page.getByLabel('Range').inputValue(), '5m');
    assert.equal(await page.getByLabel('Step').inputValue(), '10s');
  });

  test('explorer: history keeps past queries in the browser and runs them again', async () => {
    const history = page.getByRole('region', { name: 'Recent queries' });
    await history.getByRole('button', { name: 'demo_queue_depth{queue="sms"}' }).click();
    assert.equal(await editor().inputValue(), 'demo_queue_depth{queue="sms"}');
    await page
      .getByRole('list', { name: /Series/ })
      .getByRole('button')
      .first()
      .waitFor();
    assert.equal(
      await page
        .getByRole('list', { name: /Series/ })
        .getByRole('button')
        .count(),
      1,
    );
    const stored = JSON.parse(
      (await page.evaluate("localStorage.getItem('vigil.metrics.history')")) as string,
    ) as string[];
    assert.equal(stored[0], 'demo_queue_depth{queue="sms"}');
    assert.ok(stored.includes('sum(rate(demo_queue_depth[5m])'));
  });

  test('targets: jobs with health, errors, filters and live job changes', async () => {
    await nav('Scrape targets');
    await page.getByRole('heading', { name: 'Scrape targets' }).waitFor();
    const card = page.getByRole('region', { name: /^app/ });
    await card.getByText('1/2 up').waitFor({ timeout: 20_000 });
    await card.getByRole('cell', { name: `http://${exporterAddr}/metrics` }).waitFor();
    await card
      .getByText(/ECONNREFUSED|fetch failed/)
      .first()
      .waitFor();
    await card.getByText('env="test"').first().waitFor();
    await checkA11y(page, 'targets');
    await shot(page, '05-targets');
    await page.getByLabel('Health').selectOption('down');
    assert.equal(await card.getByRole('row').count(), 2, 'header + the down target');
    await page.getByLabel('Health').selectOption('');
    await page.getByLabel('Search endpoint, labels or error').fill(exporterAddr);
    assert.equal(await card.getByRole('row').count(), 2, 'header + the matching target');
    await page.getByLabel('Search endpoint, labels or error').fill('');
    // A job created elsewhere appears without a reload.
    const r = await vigil.apiFetch('POST', '/api/v1/scrape-jobs', { key: 'late', targets: [exporterAddr] });
    assert.equal(r.status, 201);
    await page.getByRole('heading', { name: /^late/ }).waitFor();
  });

  test('TSDB status: head figures and cardinality lists that lead to the explorer', async () => {
    await nav('TSDB status');
    await page.getByRole('heading', { name: 'TSDB status' }).waitFor();
    await page.getByRole('heading', { name: 'Head (in memory)' }).waitFor();
    await page.getByText('15d').waitFor();
    const byMetric = page.getByRole('region', { name: 'Series by metric name' });
    await byMetric.getByRole('link', { name: 'demo_queue_depth' }).waitFor();
    await checkA11y(page, 'tsdb status');
    await shot(page, '06-tsdb-status');
    await byMetric.getByRole('link', { name: 'demo_queue_depth' }).click();
    await page.getByRole('heading', { name: 'Explore metrics' }).waitFor();
    assert.equal(await editor().inputValue(), 'demo_queue_depth');
    await page.getByRole('table', { name: 'Query result' }).waitFor();
  });

  test('scrape jobs: create with validation, see its targets, edit, delete', async () => {
    await page.goto('/targets');
    await page.getByRole('link', { name: 'New scrape job' }).click();
    await page.getByRole('heading', { name: 'New scrape job' }).waitFor();
    await page.getByLabel(/^Job name/).fill('Bad Name');
    await page.getByLabel(/^Targets/).fill('http://not-a-target');
    await page.getByRole('button', { name: 'Create scrape job' }).click();
    await page.getByText('Use lower-case letters').waitFor();
    await page.getByText('Give host:port targets').waitFor();
    assert.equal(await page.getByLabel(/^Targets/).getAttribute('aria-invalid'), 'true');
    await checkA11y(page, 'scrape job form with errors');
    await shot(page, '07-scrape-job-form');
    // The server refuses a job name that exists.
    await page.getByLabel(/^Job name/).fill('app');
    await page.getByLabel(/^Targets/).fill(exporterAddr);
    await page.getByRole('button', { name: 'Create scrape job' }).click();
    await page.getByRole('alert').filter({ hasText: /app/ }).waitFor();
    await page.getByLabel(/^Job name/).fill('web');
    await page.getByLabel('Interval').fill('3s');
    await page.getByRole('button', { name: 'Create scrape job' }).click();
    await page.getByRole('heading', { name: 'web', exact: true }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Created scrape job web.' }).waitFor();
    const targets = page.getByRole('region', { name: 'Targets', exact: true });
    // The detail page loads before the engine's next step: reload until the target shows up.
    for (let i = 0; i < 20 && !(await targets.getByText('up', { exact: true }).count()); i++) {
      await page.waitForTimeout(1000);
      await page.reload();
      await page.getByRole('heading', { name: 'web', exact: true }).waitFor();
    }
    await targets.getByText('up', { exact: true }).waitFor();
    await checkA11y(page, 'scrape job detail');
    await shot(page, '08-scrape-job-detail');
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Interval').fill('5s');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved scrape job web.' }).waitFor();
    const saved = (await (await vigil.apiFetch('GET', '/api/v1/scrape-jobs/web')).json()) as {
      interval: string;
    };
    assert.equal(saved.interval, '5s');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Scrape jobs' }).waitFor();
    assert.equal((await vigil.apiFetch('GET', '/api/v1/scrape-jobs/web')).status, 404);
    await page.getByRole('link', { name: 'app', exact: true }).waitFor();
    await checkA11y(page, 'scrape jobs');
  });

  test('a responder reads targets and jobs but is not offered changes', async () => {
    const link = await vigil.apiFetch('POST', '/api/v1/users/grace@acme.example/password-reset');
    const linkBody = await link.text();
    assert.equal(link.status, 201, linkBody);
    const token = String((JSON.parse(linkBody) as { url: string }).url.split('/').pop());
    const grace = { email: 'grace@acme.example', password: 'a responder passphrase 42' };
    const set = await fetch(`${vigil.base}/api/v1/auth/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, password: grace.password }),
    });
    assert.equal(set.status, 200, await set.text());
    const context = await session.browser.newContext({
      baseURL: vigil.base,
      viewport: { width: 1280, height: 860 },
    });
    const other = await context.newPage();
    const errors: string[] = [];
    other.on('pageerror', (e) => errors.push(String(e)));
    try {
      await signIn(other, grace);
      await other.goto('/targets');
      await other.getByRole('region', { name: /^app/ }).waitFor();
      assert.equal(await other.getByRole('link', { name: 'New scrape job' }).count(), 0);
      await other.goto('/scrape-jobs/app');
      await other.getByRole('link', { name: 'View form' }).waitFor();
      assert.equal(await other.getByRole('button', { name: 'Delete' }).count(), 0);
      await other.goto('/explore?q=up');
      await other.getByRole('table', { name: 'Query result' }).waitFor();
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('dark theme and a phone-width screen', async () => {
    await useDarkTheme(page);
    for (const [path, heading] of [
      ['/explore?q=demo_queue_depth&tab=graph&range=15m', 'Explore metrics'],
      ['/explore?q=sum(', 'Explore metrics'],
      ['/targets', 'Scrape targets'],
      ['/tsdb-status', 'TSDB status'],
      ['/scrape-jobs', 'Scrape jobs'],
      ['/scrape-jobs/app', 'app'],
    ] as const) {
      await page.goto(path);
      await page.getByRole('heading', { name: heading }).waitFor();
      if (path.includes('tab=graph')) await page.locator('.chart-canvas canvas').waitFor();
      if (path.includes('sum(')) await page.getByRole('alert').waitFor();
      if (path === '/targets') await page.getByRole('region', { name: /^app/ }).waitFor();
      await checkA11y(page, `${path} (dark)`);
    }
    await shot(page, '09-scrape-job-dark');
    await page.setViewportSize({ width: 400, height: 800 });
    for (const path of [
      '/explore?q=demo_queue_depth&tab=graph',
      '/targets',
      '/tsdb-status',
      '/scrape-jobs/app',
    ]) {
      await page.goto(path);
      await page.locator('h1').waitFor();
      await page.waitForTimeout(300);
      const overflow = await horizontalOverflow(page);
      assert.ok(overflow <= 1, `${path} overflows a 400 px screen by ${overflow} px`);
    }
    await page.goto('/explore?q=demo_queue_depth&tab=graph');
    await page.locator('.chart-canvas canvas').waitFor();
    await shot(page, '10-explore-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
    assert.deepEqual(session.pageErrors, []);
  });
});
