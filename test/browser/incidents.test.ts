/**
 * Browser test of the incidents console: declare → acknowledge → note → roles → resolve → write,
 * review and publish the postmortem (with a concurrent edit), asserting the timeline and the
 * server state at each step; the list's filters, the reports page, a viewer's read-only view, the
 * dark theme and a 400 px wide screen. axe-core runs on every page in light and dark theme.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
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
const shot = screenshots('incidents');
const VIEWER = { email: 'linus@acme.example', password: 'viewer password for the browser test' };

describe('incidents console in Chromium', { skip: browserSkip }, () => {
  let vigil: VigilProcess;
  let session: BrowserSession;
  let page: Page;
  let inc: { id: string; human_id: string };

  const api = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const r = await vigil.apiFetch(method, path, body, headers);
    const text = await r.text();
    return { status: r.status, etag: r.headers.get('etag'), json: text ? JSON.parse(text) : undefined };
  };
  const timeline = () => page.getByRole('list', { name: /^Timeline of INC-/ });

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

  test('the empty list says what to do; declaring checks the form locally and opens the incident', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
    await page.getByRole('heading', { name: 'Incidents', exact: true }).waitFor();
    await page.getByText('No incidents yet.').waitFor();
    await checkA11y(page, 'incident list (empty)');
    await page.getByRole('link', { name: 'Declare incident' }).click();
    await page.getByRole('heading', { name: 'Declare incident' }).waitFor();
    await page.getByRole('button', { name: 'Declare incident' }).click();
    await page.getByText('Title is required.').waitFor();
    assert.equal(await page.getByLabel('Title (required)').getAttribute('aria-invalid'), 'true');
    await checkA11y(page, 'declare form with errors');
    await shot(page, '01-declare-errors');
    await page.getByLabel('Title (required)').fill('Checkout API returns 502');
    await page.getByLabel('Severity (required)').selectOption('p1');
    await page.getByLabel('Service (required)').selectOption('api');
    await page.getByLabel('Summary').fill('Roughly **30 %** of checkout calls fail since 14:02.');
    await page.getByLabel('Runbook URL').fill('https://runbooks.acme.example/checkout');
    await page.getByRole('button', { name: 'Declare incident' }).click();
    await page
      .getByRole('heading', { name: /^INC-\d{4}-\d{2}-\d{2}-001: Checkout API returns 502$/ })
      .waitFor();
    const list = await api('GET', '/api/v1/incidents');
    assert.equal(list.json.items.length, 1);
    inc = list.json.items[0];
    assert.equal(list.json.items[0].status, 'triggered');
    assert.equal(list.json.items[0].severity, 'p1');
    // Runbook at the top, the response target counting down, the opening on the timeline.
    await page
      .getByRole('region', { name: 'Runbooks and links' })
      .getByRole('link', { name: 'Runbook' })
      .waitFor();
    await page.getByText(/Acknowledge within \d+m/).waitFor();
    await timeline().getByText('Opened as').waitFor();
    await timeline().getByText('Paging requested for api').waitFor();
    assert.equal(
      (await page.locator('.inc-md strong', { hasText: '30 %' }).count()) >= 1,
      true,
      'summary as Markdown',
    );
    await checkA11y(page, 'incident (triggered)');
    await shot(page, '02-incident-triggered');
  });

  test('acknowledge, note with preview, roles and a state change land on the timeline and the server', async () => {
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByText('Response target met').waitFor();
    await timeline().getByText(`Acknowledged by ${ADMIN.email}`).waitFor();
    let cur = await api('GET', `/api/v1/incidents/${inc.id}`);
    assert.equal(cur.json.status, 'acknowledged');
    assert.equal(await page.getByRole('button', { name: 'Acknowledge' }).count(), 0, 'no second acknowledge');

    const note = page.getByRole('textbox', { name: 'Note', exact: true });
    await note.fill('**Root cause**: a bad config push.\n\n- rolled back at 14:20\n- error rate falling');
    await page.getByRole('tab', { name: 'Preview' }).click();
    await page.getByRole('tabpanel').locator('strong', { hasText: 'Root cause' }).waitFor();
    await checkA11y(page, 'note preview');
    await page.getByRole('tab', { name: 'Write' }).click();
    await page.getByRole('button', { name: 'Add note' }).click();
    await timeline()
      .locator('li[data-type="incident.note_added"] strong', { hasText: 'Root cause' })
      .waitFor();
    await timeline().getByText('rolled back at 14:20').waitFor();

    await page.getByLabel('Incident commander').fill(ADMIN.email);
    await page.getByLabel('Communications lead').fill('grace@acme.example');
    await page.getByRole('button', { name: 'Save roles' }).click();
    await timeline().getByText(`Incident commander: ${ADMIN.email}`).waitFor();
    await timeline().getByText('Communications lead: grace@acme.example').waitFor();

    await page.getByLabel('Move to').selectOption('identified');
    await page.getByLabel('Note (optional)').fill('Config diff found');
    await page.getByRole('button', { name: 'Change state' }).click();
    await timeline().locator('li[data-type="incident.status_changed"]', { hasText: 'Identified' }).waitFor();
    await page.getByLabel('Alert key').fill('api-5xx-rate');
    await page.getByLabel('Alert title (optional)').fill('API 5xx rate above 5 %');
    await page.getByRole('button', { name: 'Link alert' }).click();
    await timeline().getByText('Alert firing: api-5xx-rate').waitFor();
    await page.getByRole('table', { name: 'Linked alerts' }).getByText('API 5xx rate above 5 %').waitFor();
    cur = await api('GET', `/api/v1/incidents/${inc.id}`);
    assert.deepEqual(
      cur.json.alerts.map((a: { key: string; status: string }) => [a.key, a.status]),
      [['api-5xx-rate', 'firing']],
    );
    assert.equal(cur.json.status, 'identified');
    assert.equal(cur.json.commander, ADMIN.email);
    assert.equal(cur.json.communications_lead, 'grace@acme.example');
    await checkA11y(page, 'incident (identified)');
    await shot(page, '03-incident-identified');
  });

  test('a change made elsewhere arrives live; a stale If-Match is refused', async () => {
    // Another writer bumps the version; the page's next write carries the old ETag.
    const before = await api('GET', `/api/v1/incidents/${inc.id}`);
    const r = await api(
      'POST',
      `/api/v1/incidents/${inc.id}/severity`,
      { severity: 'p2' },
      { 'if-match': before.etag! },
    );
    assert.equal(r.status, 200);
    const r2 = await api(
      'POST',
      `/api/v1/incidents/${inc.id}/severity`,
      { severity: 'p1' },
      { 'if-match': before.etag! },
    );
    assert.equal(r2.status, 412, 'the API refuses the stale version');
    await timeline()
      .getByText(/Severity p1 → p2/)
      .waitFor();
    // The live stream refreshed the page: the header and the severity select follow the server.
    await page.locator('.page-header').getByText('P2', { exact: true }).waitFor();
    await page.getByLabel('Severity level').selectOption('p1');
    await page.getByRole('button', { name: 'Change severity' }).click();
    await timeline()
      .getByText(/Severity p2 → p1/)
      .waitFor();
    assert.equal((await api('GET', `/api/v1/incidents/${inc.id}`)).json.severity, 'p1');
  });

  test('resolve with a note makes the postmortem due', async () => {
    await page.getByRole('button', { name: 'Resolve…' }).click();
    await page
      .getByLabel('Resolution note (optional, Markdown)')
      .fill('Rolled back; error rate back to baseline.');
    await page.getByRole('button', { name: 'Resolve incident' }).click();
    await timeline().getByText(`Resolved by ${ADMIN.email}`).waitFor();
    await timeline().getByText('Rolled back; error rate back to baseline.').waitFor();
    await timeline().getByText('Postmortem due by').waitFor();
    await page.getByText('Postmortem: draft').waitFor();
    const cur = await api('GET', `/api/v1/incidents/${inc.id}`);
    assert.equal(cur.json.status, 'resolved');
    assert.equal(await page.getByRole('region', { name: 'Manage' }).getByLabel('Move to').count(), 0);
    await checkA11y(page, 'incident (resolved)');
    await shot(page, '04-incident-resolved');
  });

  test('postmortem: template sections, save, a concurrent edit, action items, review and publish', async () => {
    await page.getByRole('link', { name: 'Edit postmortem' }).click();
    await page.getByRole('heading', { name: `Postmortem: ${inc.human_id}` }).waitFor();
    await page.getByText('This draft was generated from the timeline').waitFor();
    for (const s of [
      'Summary',
      'Impact',
      'Timeline',
      'Contributing factors',
      'What went well',
      'What went badly',
    ])
      await page.getByRole('textbox', { name: s, exact: true }).waitFor();
    await checkA11y(page, 'postmortem editor');
    await page
      .getByRole('textbox', { name: 'Contributing factors', exact: true })
      .fill('- Config pushes skip canary');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/Saved · version 2/).waitFor();
    let pm = await api('GET', `/api/v1/incidents/${inc.id}/postmortem`);
    assert.equal(pm.json.generated, false);
    assert.match(pm.json.body, /## Contributing factors\n\n- Config pushes skip canary/);
    assert.match(pm.json.body, /## Impact\n\n- Severity: p1/, 'the other sections are kept');

    // Someone else saves while this page holds unsaved edits: saving shows the conflict.
    await page
      .getByRole('textbox', { name: 'What went well', exact: true })
      .fill('- Rollback took 4 minutes');
    const put = await api(
      'PUT',
      `/api/v1/incidents/${inc.id}/postmortem`,
      { body: `${pm.json.body}\n<!-- edited elsewhere -->\n` },
      { 'if-match': pm.etag! },
    );
    assert.equal(put.status, 200);
    await page.getByText('Someone else changed this postmortem').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/Someone saved this postmortem while you were editing/).waitFor();
    await checkA11y(page, 'postmortem conflict');
    await shot(page, '05-postmortem-conflict');
    await page.getByRole('button', { name: 'Overwrite with mine' }).click();
    await page.getByText(/Saved · version 4/).waitFor();
    pm = await api('GET', `/api/v1/incidents/${inc.id}/postmortem`);
    assert.match(pm.json.body, /- Rollback took 4 minutes/);
    assert.doesNotMatch(pm.json.body, /edited elsewhere/);

    await page.getByRole('button', { name: 'Add action item' }).click();
    await page.getByText('An action item needs a title.').waitFor();
    await page.getByLabel('New action item (required)').fill('Canary every config push');
    await page.getByLabel('Owner').fill('grace@acme.example');
    await page.getByLabel('Due date').fill('2030-01-31');
    await page.getByRole('button', { name: 'Add action item' }).click();
    await page.getByRole('cell', { name: 'Canary every config push' }).waitFor();
    await page.getByLabel('Status of “Canary every config push”').selectOption('in_progress');
    await page.getByText('Updated “Canary every config push”.').waitFor();
    const items = await api('GET', `/api/v1/action-items?incident=${inc.human_id}`);
    assert.equal(items.json.items.length, 1);
    assert.equal(items.json.items[0].owner, 'grace@acme.example');
    assert.equal(items.json.items[0].status, 'in_progress');

    await page.getByRole('button', { name: 'Submit for review' }).click();
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Postmortem is now published.').waitFor();
    await page.getByRole('article', { name: 'Postmortem' }).getByText('Config pushes skip canary').waitFor();
    assert.equal(
      await page.getByRole('button', { name: 'Save', exact: true }).count(),
      0,
      'published is read-only',
    );
    pm = await api('GET', `/api/v1/incidents/${inc.id}/postmortem`);
    assert.equal(pm.json.status, 'published');
    await checkA11y(page, 'postmortem published');
    await shot(page, '06-postmortem-published');

    await page
      .getByRole('navigation', { name: 'Breadcrumb' })
      .getByRole('link', { name: inc.human_id })
      .click();
    await timeline().getByText('Postmortem in review → published').waitFor();
    await timeline()
      .getByText(/Action item added: Canary every config push/)
      .waitFor();
    await page.getByText('Postmortem: published').waitFor();
    const md = await (await vigil.apiFetch('GET', `/api/v1/incidents/${inc.id}/timeline.md`)).text();
    assert.match(md, /Note:\n\n {2}\*\*Root cause\*\*/);
    assert.equal(
      await page.getByRole('link', { name: 'Export as Markdown' }).getAttribute('href'),
      `/api/v1/incidents/${inc.id}/timeline.md`,
    );
  });

  test('the list puts open incidents first and filters by search, state and severity', async () => {
    const second = await api('POST', '/api/v1/incidents', {
      title: 'Search is slow',
      severity: 'p3',
      service: 'web',
    });
    assert.equal(second.status, 201);
    await page.goto('/incidents');
    await page.getByRole('link', { name: second.json.human_id }).waitFor();
    const ids = () => page.locator('tbody tr .inc-id').allTextContents();
    /** Waits until the table shows exactly `expected` (a stale page may linger for a moment). */
    const expectIds = async (expected: string[]) => {
      for (let i = 0; i < 100 && JSON.stringify(await ids()) !== JSON.stringify(expected); i++)
        await page.waitForTimeout(50);
      assert.deepEqual(await ids(), expected);
    };
    await expectIds([second.json.human_id, inc.human_id]);
    await page.getByLabel('Search').fill('checkout');
    await page.waitForURL(/q=checkout/);
    await expectIds([inc.human_id]);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expectIds([second.json.human_id, inc.human_id]);
    await page.getByLabel('State').selectOption('open');
    await page.waitForURL(/state=open/);
    await expectIds([second.json.human_id]);
    await page.getByLabel('State').selectOption('');
    await page.getByLabel('Severity').selectOption('p1');
    await page.waitForURL(/severity=p1/);
    await expectIds([inc.human_id]);
    await checkA11y(page, 'incident list (filtered)');
    await shot(page, '07-list');
    // A new incident from elsewhere shows up live.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    const third = await api('POST', '/api/v1/incidents', {
      title: 'Queue backlog',
      severity: 'p2',
      service: 'worker',
    });
    await page.getByRole('link', { name: third.json.human_id }).waitFor();
  });

  test('reports: MTTA/MTTR by severity, breaches, postmortems and CSV', async () => {
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Incident reports' }).waitFor();
    const table = page.getByRole('table', { name: 'MTTA and MTTR by severity' });
    await table.getByText('All incidents').waitFor();
    await table.getByRole('row', { name: /P1.*1 \(1 resolved\)/ }).waitFor();
    await page.getByRole('table', { name: 'Incidents per week (weeks start on Monday)' }).waitFor();
    const rep = await api(
      'GET',
      `/api/v1/reports/incidents?from=${new Date(Date.now() - 86_400_000).toISOString()}`,
    );
    assert.equal(rep.json.totals.incidents, 3);
    assert.equal(rep.json.totals.resolved, 1);
    await checkA11y(page, 'reports');
    await shot(page, '08-reports');
    await page.getByLabel('Group by').selectOption('service');
    await page
      .getByRole('table', { name: 'MTTA and MTTR by service' })
      .getByRole('cell', { name: 'worker' })
      .waitFor();
    const csv = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    assert.match(csv ?? '', /format=csv/);
    assert.match(csv ?? '', /group_by=service/);
  });

  test('dark theme and a 400 px screen pass the same checks', async () => {
    await useDarkTheme(page);
    for (const [path, heading, name] of [
      ['/incidents', 'Incidents', 'list'],
      [`/incidents/${inc.human_id}`, `${inc.human_id}: Checkout API returns 502`, 'incident'],
      [`/incidents/${inc.human_id}/postmortem`, `Postmortem: ${inc.human_id}`, 'postmortem'],
      ['/incidents/reports', 'Incident reports', 'reports'],
      ['/incidents/new', 'Declare incident', 'declare'],
    ] as const) {
      await page.goto(path);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark');
      await checkA11y(page, `${name} (dark)`);
      await shot(page, `09-dark-${name}`);
    }
    await page.setViewportSize({ width: 400, height: 860 });
    for (const path of [
      '/incidents',
      `/incidents/${inc.human_id}`,
      `/incidents/${inc.human_id}/postmortem`,
    ]) {
      await page.goto(path);
      await page.locator('h1').waitFor();
      // Tables scroll inside their own region; the page itself must not scroll sideways.
      const overflow = await horizontalOverflow(page);
      assert.ok(Number(overflow) <= 1, `${path} overflows by ${overflow}px at 400px`);
    }
    await checkA11y(page, 'incident at 400px (dark)');
    await shot(page, '10-narrow-incident');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  test('without live updates, a stale page gets 412 from If-Match, reloads and says so', async () => {
    const fresh = await api('POST', '/api/v1/incidents', {
      title: 'Stale page check',
      severity: 'p2',
      service: 'api',
    });
    const ctx = await session.browser.newContext({ baseURL: vigil.base, bypassCSP: true });
    // No event stream: the page cannot hear about the change below.
    await ctx.route('**/api/v1/events/stream', (r) => r.abort());
    const p = await ctx.newPage();
    p.on('pageerror', (err) => session.pageErrors.push(String(err)));
    try {
      await signIn(p);
      await p.goto(`/incidents/${fresh.json.human_id}`);
      await p.getByRole('button', { name: 'Acknowledge' }).waitFor();
      const sev = await api('POST', `/api/v1/incidents/${fresh.json.id}/severity`, { severity: 'p3' });
      assert.equal(sev.status, 200);
      await p.getByRole('button', { name: 'Acknowledge' }).click();
      await p.getByText(/changed while you were looking at it/).waitFor();
      assert.equal(
        (await api('GET', `/api/v1/incidents/${fresh.json.id}`)).json.status,
        'triggered',
        'not applied',
      );
      await p.locator('.page-header').getByText('P3', { exact: true }).waitFor();
      await p.getByRole('button', { name: 'Acknowledge' }).click();
      await p.getByText('Response target met').waitFor();
      assert.equal((await api('GET', `/api/v1/incidents/${fresh.json.id}`)).json.status, 'acknowledged');
    } finally {
      await ctx.close();
    }
  });

  test('a viewer reads everything and gets no write controls', async () => {
    const r = await api('PUT', `/api/v1/users/${VIEWER.email}/password`, { password: VIEWER.password });
    assert.equal(r.status, 204);
    const ctx = await session.browser.newContext({ baseURL: vigil.base, bypassCSP: true });
    const viewer = await ctx.newPage();
    viewer.on('pageerror', (err) => session.pageErrors.push(String(err)));
    try {
      await signIn(viewer, VIEWER);
      await viewer.goto('/incidents');
      await viewer.getByRole('link', { name: inc.human_id }).waitFor();
      assert.equal(await viewer.getByRole('link', { name: 'Declare incident' }).count(), 0);
      await viewer.goto(`/incidents/${inc.human_id}`);
      await viewer.getByRole('heading', { name: `${inc.human_id}: Checkout API returns 502` }).waitFor();
      await viewer.getByRole('list', { name: `Timeline of ${inc.human_id}` }).waitFor();
      assert.equal(await viewer.getByRole('region', { name: 'Manage' }).count(), 0);
      assert.equal(await viewer.getByRole('textbox', { name: 'Note', exact: true }).count(), 0);
      assert.equal(await viewer.getByRole('button', { name: 'Correct this note' }).count(), 0);
      await viewer.getByRole('link', { name: 'Read postmortem' }).click();
      await viewer.getByRole('article', { name: 'Postmortem' }).waitFor();
      assert.equal(await viewer.getByRole('button', { name: 'Add action item' }).count(), 0);
      await checkA11y(viewer, 'postmortem (viewer)');
      await viewer.goto('/incidents/new');
      await viewer.getByText('Declaring an incident needs the responder role.').waitFor();
    } finally {
      await ctx.close();
    }
    assert.deepEqual(session.pageErrors, []);
  });
});
