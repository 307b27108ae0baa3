/**
 * Browser test of the status pages: the console section (list, overrides, the incident composer
 * with its live preview, updates, maintenance, the components/appearance/templates editors, a
 * managed page read-only) and the public page itself (no JavaScript, axe-clean in light and dark,
 * responsive at 400 px, uptime bars labelled). Screenshots land in test-results/statuspage/.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  type BrowserSession,
  browserSkip,
  checkA11y,
  openBrowser,
  requireBrowserInCi,
  screenshots,
  signIn,
  startVigil,
  useDarkTheme,
  type VigilProcess,
} from '../support/browser.ts';

requireBrowserInCi();

/** GET with a chosen Host header (fetch does not let a caller set it). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host, accept: 'text/html' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const shot = screenshots('statuspage');

describe('status pages in Chromium', { skip: browserSkip }, () => {
  let vigil: VigilProcess;
  let session: BrowserSession;
  let page: Page;
  const json = async (path: string) => {
    const r = await vigil.apiFetch('GET', path);
    assert.equal(r.status, 200, `${path}: ${r.status}`);
    return (await r.json()) as any;
  };

  before(async () => {
    vigil = await startVigil();
    session = await openBrowser(vigil.base);
    page = session.page;
    page.on('dialog', (d) => void d.accept());
    await signIn(page);
  });

  after(async () => {
    await session?.close();
    await vigil?.stop();
  });

  test('lists pages and sets and clears a component override', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Status pages' }).click();
    await page.getByRole('heading', { name: 'Status pages' }).waitFor();
    await page.getByRole('link', { name: 'Acme Cloud' }).waitFor();
    await page.getByText('All Systems Operational').first().waitFor();
    await checkA11y(page, 'status pages');
    await shot(page, '01-list');

    await page.getByRole('link', { name: 'Acme Cloud' }).click();
    await page.getByRole('heading', { name: 'Components', exact: true }).waitFor();
    await page.getByText('managed by vigil.yaml').first().waitFor();
    await page.getByLabel('Override for Web app').selectOption('partial_outage');
    await page.getByRole('button', { name: 'Set override for Web app' }).click();
    await page.getByRole('status').filter({ hasText: 'Web app set to Partial outage.' }).waitFor();
    const web = async () =>
      (await json('/api/v2/components.json')).components.find((c: any) => c.id === 'web').status;
    assert.equal(await web(), 'partial_outage');
    // The page's status line follows live.
    await page.locator('.sp-overall').filter({ hasText: 'Partial System Outage' }).waitFor();
    await checkA11y(page, 'page status');
    await shot(page, '02-status');
    await page.getByRole('button', { name: 'Clear override for Web app' }).click();
    await page.getByRole('status').filter({ hasText: 'override cleared' }).waitFor();
    assert.equal(await web(), 'operational');
  });

  test('composes an incident with a live preview, updates and resolves it', async () => {
    await page.getByRole('link', { name: 'Report an incident' }).click();
    await page.getByRole('heading', { name: 'Acme Cloud: new incident' }).waitFor();
    // Local validation first.
    await page.getByRole('button', { name: 'Publish incident' }).click();
    await page.getByText('Title is required.').waitFor();
    assert.equal(await page.getByLabel('Title (required)').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Title (required)').fill('API errors for {{components}}');
    await page.getByLabel('Message (required)').fill('We are investigating elevated error rates.');
    await page.getByLabel('Public API').selectOption('major_outage');
    const preview = page.frameLocator('iframe[title="Preview of the public status page"]');
    await preview.getByRole('heading', { name: /API errors for Public API/ }).waitFor();
    await preview.getByText('Major System Outage').waitFor();
    await checkA11y(page, 'incident composer');
    await shot(page, '03-composer');
    await page.getByRole('button', { name: 'Publish incident' }).click();
    await page.getByRole('heading', { name: 'Acme Cloud: API errors for Public API' }).waitFor();
    let open = await json('/api/v2/incidents/unresolved.json');
    assert.equal(open.incidents.length, 1);
    assert.equal(open.incidents[0].name, 'API errors for Public API');
    assert.equal(open.incidents[0].impact, 'critical');
    assert.equal(open.incidents[0].components[0].id, 'api');

    await page.getByLabel('Status', { exact: true }).selectOption('identified');
    await page.getByLabel('Message (required)').fill('A bad deploy; rolling back.');
    await page.getByRole('button', { name: 'Publish update' }).click();
    await page.getByRole('status').filter({ hasText: 'Update published.' }).waitFor();
    await page.locator('.sp-timeline').getByText('A bad deploy; rolling back.').waitFor();
    open = await json('/api/v2/incidents/unresolved.json');
    assert.equal(open.incidents[0].status, 'identified');
    await checkA11y(page, 'incident detail');
    await shot(page, '04-incident');

    await page.getByLabel('Status', { exact: true }).selectOption('resolved');
    await page.getByLabel('Message (required)').fill('Error rates are back to normal.');
    await page.getByRole('button', { name: 'Publish update' }).click();
    await page.getByText('open a new one for anything further').waitFor();
    open = await json('/api/v2/incidents/unresolved.json');
    assert.deepEqual(open.incidents, []);
    const comps = (await json('/api/v2/components.json')).components;
    assert.equal(comps.find((c: any) => c.id === 'api').status, 'operational');

    await page
      .getByRole('navigation', { name: 'Status page sections' })
      .getByRole('link', { name: 'Incidents' })
      .click();
    await page.getByRole('link', { name: 'API errors for Public API' }).waitFor();
    await page.getByLabel('Show').selectOption('open');
    await page.getByText('No open incidents.').waitFor();
    await checkA11y(page, 'incident list');
  });

  test('a managed page’s components are read-only', async () => {
    await page.goto('/status-pages/public/components');
    await page.getByText(/declared in vigil\.yaml/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save components' }).count(), 0);
    assert.equal(await page.getByLabel('Name (required)').first().isDisabled(), true);
    await shot(page, '05-managed-components');
  });

  test('creates a page, edits components, appearance and templates', async () => {
    await page.goto('/status-pages/new');
    await page.getByLabel('Key').fill('Docs Site');
    await page.getByLabel('Name (required)').fill('Acme Docs');
    await page.getByRole('button', { name: 'Create status page' }).click();
    await page.getByText('Use lower-case letters').waitFor();
    await page.getByLabel('Key').fill('docs');
    await page.getByRole('button', { name: 'Create status page' }).click();
    await page.getByRole('heading', { name: 'Acme Docs: components' }).waitFor();
    await page.getByText('No components yet.').waitFor();

    await page.getByRole('button', { name: 'Add component' }).click();
    await page.getByLabel('Key (required)').fill('search');
    await page.getByLabel('Name (required)').fill('Search');
    await page.getByLabel('Group').fill('Docs');
    await page.getByLabel('Description').fill('Full-text search of the docs');
    await page.getByLabel('Add to services').selectOption('api');
    await page.getByRole('button', { name: 'Add to services' }).click();
    await page.getByRole('button', { name: 'Add component' }).click();
    await page.getByLabel('Key (required)').nth(1).fill('search');
    await page.getByLabel('Name (required)').nth(1).fill('Reader');
    await page.getByRole('button', { name: 'Save components' }).click();
    await page.getByText('Another component already uses "search".').waitFor();
    await page.getByLabel('Key (required)').nth(1).fill('reader');
    await page.getByRole('button', { name: 'Move up Reader' }).click();
    await page.getByRole('button', { name: 'Save components' }).click();
    await page.getByRole('status').filter({ hasText: 'Components saved.' }).waitFor();
    let spec = await json('/api/v1/status-pages/docs');
    assert.deepEqual(
      spec.components.map((c: any) => c.key),
      ['reader', 'search'],
    );
    assert.deepEqual(spec.components[1], {
      key: 'search',
      name: 'Search',
      group: 'Docs',
      description: 'Full-text search of the docs',
      services: ['api'],
    });
    assert.equal(await page.getByText('Unsaved changes').count(), 0);
    assert.equal(await page.getByText('Someone else changed this page').count(), 0);
    await checkA11y(page, 'components editor');
    await shot(page, '06-components');
    // A change made elsewhere while editing is reported, not overwritten.
    await page.getByLabel('Name (required)').first().fill('Reader app');
    const put = await vigil.apiFetch(
      'PUT',
      '/api/v1/status-pages/docs',
      {
        ...spec,
        key: undefined,
        managed: undefined,
        source: undefined,
        version: undefined,
        created_at: undefined,
        updated_at: undefined,
        components: [{ ...spec.components[0], description: 'Changed elsewhere' }, spec.components[1]],
      },
      { 'if-match': `"${spec.version}"` },
    );
    assert.equal(put.status, 200, await put.text());
    await page.getByText('Someone else changed this page while you were editing.').waitFor();
    await page.getByRole('button', { name: 'Discard my changes and reload' }).click();
    assert.equal(await page.getByLabel('Name (required)').first().inputValue(), 'Reader');
    assert.equal(await page.getByLabel('Description').first().inputValue(), 'Changed elsewhere');

    await page
      .getByRole('navigation', { name: 'Status page sections' })
      .getByRole('link', { name: 'Appearance' })
      .click();
    await page.getByLabel('Brand colour', { exact: true }).fill('purple');
    await page.getByRole('button', { name: 'Save appearance' }).click();
    await page.getByText('Use a hex colour like #4f46e5.').waitFor();
    await page.getByLabel('Brand colour', { exact: true }).fill('#7c3aed');
    await page.getByLabel('Theme').selectOption('dark');
    await page.getByLabel('Time zone').selectOption('Europe/Berlin');
    await page.getByLabel('Footer links').fill('Docs | https://docs.example.com');
    await page.getByLabel('Custom domains').fill('status.docs.example.com');
    await page.getByRole('button', { name: 'Save appearance' }).click();
    await page.getByRole('status').filter({ hasText: 'Appearance saved.' }).waitFor();
    spec = await json('/api/v1/status-pages/docs');
    assert.equal(spec.brand_color, '#7c3aed');
    assert.equal(spec.theme, 'dark');
    assert.deepEqual(spec.domains, ['status.docs.example.com']);
    assert.deepEqual(spec.links, [{ title: 'Docs', url: 'https://docs.example.com' }]);
    await checkA11y(page, 'appearance');
    await shot(page, '07-appearance');
    // The custom domain serves the page at its root.
    const viaHost = await getWithHost(`${vigil.base}/`, 'status.docs.example.com');
    assert.equal(viaHost.status, 200);
    assert.match(viaHost.body, /<h1><a href="\/status\/docs">Acme Docs<\/a> status<\/h1>/);

    await page
      .getByRole('navigation', { name: 'Status page sections' })
      .getByRole('link', { name: 'Templates' })
      .click();
    await page.getByRole('button', { name: 'New template' }).click();
    await page.getByLabel('Template key').fill('search-down');
    await page.getByLabel('Template name (required)').fill('Search outage');
    await page.getByLabel('Incident title').fill('{{components}} unavailable');
    await page
      .getByLabel('Message (required)')
      .fill('{{components}} on {{page}} is not answering. We are on it.');
    await page.getByRole('button', { name: 'Add template' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved template Search outage.' }).waitFor();
    await checkA11y(page, 'templates');
    await page.getByRole('link', { name: 'Use template Search outage' }).click();
    await page.getByLabel('Search', { exact: true }).selectOption('partial_outage');
    const preview = page.frameLocator('iframe[title="Preview of the public status page"]');
    await preview.getByText('Search on Acme Docs is not answering', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Publish incident' }).click();
    await page.getByRole('heading', { name: 'Acme Docs: Search unavailable' }).waitFor();
    const unresolved = await json('/status/docs/api/v2/incidents/unresolved.json');
    assert.equal(
      unresolved.incidents[0].incident_updates[0].body,
      'Search on Acme Docs is not answering. We are on it.',
    );
  });

  test('schedules maintenance', async () => {
    await page.goto('/status-pages/docs/maintenance');
    await page.getByText('No maintenance scheduled on this page.').waitFor();
    await page.getByRole('button', { name: 'Schedule maintenance' }).click();
    await page.getByText('Pick at least one component.').waitFor();
    await page.getByLabel('Title (required)').fill('Search index rebuild');
    await page.getByLabel('Message (required)').fill('Search may return partial results.');
    await page.getByLabel('Search', { exact: true }).check();
    await page.getByRole('button', { name: 'Schedule maintenance' }).click();
    await page.getByRole('status').filter({ hasText: 'Scheduled “Search index rebuild”.' }).waitFor();
    await page.getByRole('link', { name: 'Search index rebuild' }).waitFor();
    const upcoming = await json('/status/docs/api/v2/scheduled-maintenances/upcoming.json');
    assert.equal(upcoming.scheduled_maintenances[0].name, 'Search index rebuild');
    await checkA11y(page, 'maintenance');
    await shot(page, '08-maintenance');
  });

  test('the public page: no JavaScript, labelled uptime bars, light and dark, 400 px wide', async () => {
    const html = await (await fetch(`${vigil.base}/status/public`)).text();
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /style="/, 'no inline styles (strict CSP)');
    const pub = await session.context.newPage();
    try {
      await pub.goto('/status/public');
      await pub.getByRole('heading', { name: 'Acme Cloud status' }).waitFor();
      await pub.getByRole('status').filter({ hasText: 'All Systems Operational' }).waitFor();
      const bars = pub.getByRole('list', { name: 'Public API: uptime over the last 90 days' });
      await bars.waitFor();
      assert.equal(await bars.getByRole('listitem').count(), 90);
      assert.match(
        (await bars.getByRole('listitem').last().getAttribute('aria-label')) ?? '',
        /^\d{4}-\d{2}-\d{2}: /,
      );
      // Past incidents, and the day's bar names them (hover/focus tooltip and accessible label).
      await pub.getByRole('heading', { name: /API errors for Public API/ }).waitFor();
      assert.match(
        (await bars.getByRole('listitem').last().getAttribute('aria-label')) ?? '',
        /incidents: API errors for Public API/,
      );
      await checkA11y(pub, 'public page (light)');
      await shot(pub, '09-public-light');
      await pub.emulateMedia({ colorScheme: 'dark' });
      await checkA11y(pub, 'public page (dark)');
      await shot(pub, '10-public-dark');
      await pub.setViewportSize({ width: 400, height: 800 });
      assert.equal(await pub.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), true);
      await checkA11y(pub, 'public page (400 px)');
      await shot(pub, '11-public-narrow');
      await pub.goto('/status/public/history');
      await pub.getByRole('heading', { name: /^Incident history — / }).waitFor();
      await pub.getByRole('heading', { name: /API errors for Public API/ }).waitFor();
      await checkA11y(pub, 'history (dark)');
      await pub.goto('/status/docs');
      await pub.getByRole('heading', { name: 'Current incidents' }).waitFor();
      await pub.getByRole('heading', { name: 'Scheduled maintenance' }).waitFor();
      await checkA11y(pub, 'forced dark page');
      await shot(pub, '12-public-docs');
    } finally {
      await pub.close();
    }
  });

  test('a viewer reads everything and is offered no changes', async () => {
    const viewer = { email: 'status-viewer@example.com', password: 'a viewer passphrase 1234' };
    let r = await vigil.apiFetch('POST', '/api/v1/users', {
      key: viewer.email,
      name: 'Status Viewer',
      role: 'viewer',
    });
    assert.equal(r.status, 201, await r.text());
    r = await vigil.apiFetch('PUT', `/api/v1/users/${viewer.email}/password`, { password: viewer.password });
    assert.equal(r.status, 204, await r.text());
    const context = await session.browser.newContext({ baseURL: vigil.base, bypassCSP: true });
    const v = await context.newPage();
    const errors: string[] = [];
    v.on('pageerror', (e) => errors.push(String(e)));
    try {
      await signIn(v, viewer);
      await v.goto('/status-pages');
      await v.getByRole('link', { name: 'Acme Docs' }).waitFor();
      assert.equal(await v.getByRole('link', { name: 'New status page' }).count(), 0);
      await v.goto('/status-pages/docs');
      await v.getByRole('heading', { name: 'Components', exact: true }).waitFor();
      await v.locator('tbody tr').first().waitFor();
      assert.equal(await v.getByRole('link', { name: 'Report an incident' }).count(), 0);
      assert.equal(await v.getByRole('combobox').count(), 0, 'no override controls');
      await v.goto('/status-pages/docs/components');
      await v.getByText('changing them needs the operator role').waitFor();
      assert.equal(await v.getByRole('button', { name: 'Save components' }).count(), 0);
      assert.equal(await v.getByLabel('Name (required)').first().isDisabled(), true);
      await v.goto('/status-pages/docs/incidents/new');
      await v.getByText('Publishing incidents needs the responder role.').waitFor();
      await checkA11y(v, 'viewer: new incident refused');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('dark console theme passes the same checks', async () => {
    await useDarkTheme(page);
    for (const path of [
      '/status-pages',
      '/status-pages/public',
      '/status-pages/docs/components',
      '/status-pages/docs/incidents/new',
      '/status-pages/docs/maintenance',
    ]) {
      await page.goto(path);
      await page.locator('.page-header h1').waitFor();
      await page.locator('.sp-tabs, table').first().waitFor();
      if (path.endsWith('/new'))
        await page
          .frameLocator('iframe[title="Preview of the public status page"]')
          .getByText('Acme Docs')
          .first()
          .waitFor();
      await checkA11y(page, `${path} (dark)`);
    }
    await shot(page, '13-dark-composer');
    await page.setViewportSize({ width: 400, height: 860 });
    await page.goto('/status-pages/docs/components');
    await page.getByRole('button', { name: 'Add component' }).waitFor();
    await checkA11y(page, 'components at 400 px');
    await shot(page, '14-narrow-components');
    assert.deepEqual(session.pageErrors, []);
  });
});
