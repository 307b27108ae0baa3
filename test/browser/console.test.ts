/**
 * Browser test of the web console: starts Vigil as a child process on 127.0.0.1 with a temporary
 * data dir and a first admin, drives Debian's Chromium through playwright-core, and checks every
 * page with axe-core (no serious or critical violations). Screenshots land in test-results/console/.
 * Without /usr/bin/chromium the test skips (and fails under CI=true, where .ci/run installs it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  ADMIN,
  type BrowserSession,
  browserSkip,
  checkA11y,
  eventually,
  openBrowser,
  requireBrowserInCi,
  screenshots,
  startVigil,
  type VigilProcess,
} from '../support/browser.ts';

requireBrowserInCi();
const shot = screenshots('console');

describe('web console in Chromium', { skip: browserSkip }, () => {
  let vigil: VigilProcess;
  let session: BrowserSession;
  let page: Page;
  let base: string;

  before(async () => {
    vigil = await startVigil();
    base = vigil.base;
    session = await openBrowser(base);
    page = session.page;
  });

  after(async () => {
    await session?.close();
    await vigil?.stop();
  });

  test('a wrong password is refused with the server’s message', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await checkA11y(page, 'sign-in');
    await shot(page, '01-sign-in');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /\S/);
    assert.equal(await page.getByRole('heading', { name: 'Overview' }).count(), 0);
  });

  test('signs in and shows the overview with real data', async () => {
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    // The quickstart plan declares the Platform team; it shows up with the managed badge.
    await page.getByRole('link', { name: 'Platform' }).first().waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Engines' }).waitFor();
    // Operations right now: the quick-start's on-call schedules name who is on call.
    await page.getByRole('heading', { name: 'Right now' }).waitFor();
    const oncall = page.getByRole('table', { name: 'On call now' });
    await oncall.getByRole('link', { name: 'Platform primary' }).waitFor();
    await checkA11y(page, 'overview');
    await shot(page, '02-overview');
  });

  test('the overview shows an incident opened elsewhere, live', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: 'Right now' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    const res = await vigil.apiFetch('POST', '/api/v1/incidents', {
      title: 'Checkout is slow',
      severity: 'p2',
      service: 'api',
    });
    const body = await res.text();
    assert.equal(res.status, 201, body);
    const inc = JSON.parse(body) as { human_id: string };
    const table = page.getByRole('table', { name: 'Open incidents' });
    await table.getByRole('link', { name: inc.human_id }).waitFor();
    await table.getByText('Checkout is slow').waitFor();
    await checkA11y(page, 'overview with an open incident');
    await vigil.apiFetch('POST', `/api/v1/incidents/${inc.human_id}/resolve`, { note: 'fine' });
  });

  test('creates a team (with validation from the form and the server)', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Teams' }).click();
    await page.getByRole('heading', { name: 'Teams' }).waitFor();
    await page.getByText('managed by vigil.yaml').first().waitFor();
    await checkA11y(page, 'teams');
    await shot(page, '03-teams');
    await page.getByRole('link', { name: 'New team' }).click();
    await page.getByLabel('Key').fill('Not A Slug');
    await page.getByLabel('Name (required)').fill('Site Reliability');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByText('Use lower-case letters').waitFor();
    assert.equal(await page.getByLabel('Key').getAttribute('aria-invalid'), 'true');
    assert.equal(
      await page.evaluate('document.activeElement.name'),
      'key',
      'focus moves to the field to fix',
    );
    await checkA11y(page, 'team form with errors');
    await shot(page, '04-team-form-errors');
    await page.getByLabel('Key').fill('platform');
    await page.getByRole('button', { name: 'Create team' }).click();
    // The key exists already: the server's problem detail is shown.
    await page
      .getByRole('alert')
      .filter({ hasText: /platform/ })
      .waitFor();
    await page.getByLabel('Key').fill('sre');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('heading', { name: 'Site Reliability' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Created team sre.' }).waitFor();
    await checkA11y(page, 'team detail');
    await shot(page, '05-team-detail');
  });

  test('a managed object is read-only and names its source', async () => {
    await page.goto('/teams/platform/edit');
    await page.getByText(/declared in the ops plan at .*vigil\.yaml:\d+/).waitFor();
    assert.equal(await page.getByLabel('Name (required)').isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Save changes' }).count(), 0);
    await shot(page, '06-managed-team');
  });

  test('services list, filter and detail', async () => {
    await page.goto('/services');
    await page.getByRole('heading', { name: 'Services' }).waitFor();
    await page.locator('table').waitFor();
    await checkA11y(page, 'services');
    await shot(page, '07-services');
    await page.getByRole('link', { name: 'New service' }).click();
    await page.getByLabel('Key').fill('edge-proxy');
    await page.getByLabel('Name (required)').fill('Edge proxy');
    await page.getByLabel('Owner team (required)').selectOption('sre');
    await page.getByLabel('Tier').selectOption('2');
    await page.getByLabel('Tags').fill('network, ingress');
    // Too long for the schema: the server's errors[] entry lands under the Description field.
    await page.getByLabel('Description').fill('x'.repeat(4001));
    await page.getByRole('button', { name: 'Create service' }).click();
    await page
      .locator('.field-invalid')
      .filter({ has: page.getByLabel('Description') })
      .waitFor();
    assert.equal(await page.getByLabel('Description').getAttribute('aria-invalid'), 'true');
    await shot(page, '07b-service-server-validation');
    await page.getByLabel('Description').fill('Terminates TLS for every public endpoint.');
    await page.getByRole('button', { name: 'Create service' }).click();
    await page.getByRole('heading', { name: 'Edge proxy' }).waitFor();
    await page.getByText('service.created').waitFor();
    await page.goto('/services');
    await page.getByLabel('Owner').fill('sre');
    await page.getByRole('link', { name: 'Edge proxy' }).waitFor();
    // The filter applies after a short debounce: wait for the list to settle on one row.
    await eventually(
      'one service after filtering',
      async () => (await page.locator('tbody tr').count()) === 1,
    );
  });

  test('live updates: a change made elsewhere shows without a reload', async () => {
    await page.goto('/teams');
    await page.getByRole('link', { name: 'Site Reliability' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    const token = vigil.adminToken();
    const res = await fetch(`${base}/api/v1/teams`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'data', name: 'Data Engineering' }),
    });
    assert.equal(res.status, 201);
    await page.getByRole('link', { name: 'Data Engineering' }).waitFor({ timeout: 10_000 });
  });

  test('issues an API token and shows the secret once; revokes one', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API tokens' }).click();
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    await page.getByLabel('Name (required)').fill('ci-deploy');
    await page.getByLabel('Role (required)').selectOption('operator');
    await page.getByRole('button', { name: 'Issue token' }).click();
    const secret = (await page.getByTestId('token-secret').textContent()) ?? '';
    assert.match(secret, /\S{20,}/);
    // The secret works against the API.
    const me = await fetch(`${base}/api/v1/services`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(me.status, 200);
    await checkA11y(page, 'tokens');
    await shot(page, '08-tokens');
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByTestId('token-secret').count(), 0);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Revoke ci-deploy' }).click();
    await page.getByText('revoked', { exact: true }).waitFor();
    const after = await fetch(`${base}/api/v1/services`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(after.status, 401);
  });

  test('the audit log shows the team creation and the token, filterable', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.getByText('token.issue').first().waitFor();
    await page.getByLabel('Object kind').fill('team');
    await page.getByLabel('Object key').fill('sre');
    await page.getByText('team/sre').first().waitFor();
    await eventually(
      'token entries filtered out',
      async () => (await page.getByText('token.issue').count()) === 0,
    );
    assert.ok((await page.getByText('team.create').count()) >= 1);
    await checkA11y(page, 'audit');
    await shot(page, '09-audit');
  });

  test('users and roles, settings', async () => {
    await page.goto('/users');
    await page.getByRole('link', { name: /Ada Lovelace/ }).waitFor();
    await checkA11y(page, 'users');
    await shot(page, '10-users');
    await page.getByRole('link', { name: /Ada Lovelace/ }).click();
    await page.getByRole('heading', { name: 'Role and grants' }).waitFor();
    await page.getByRole('button', { name: 'Create a password link' }).click();
    assert.match((await page.getByTestId('reset-link').textContent()) ?? '', /\/reset\/\S+/);
    await checkA11y(page, 'user detail');
    await shot(page, '11-user-detail');
    await page.goto('/settings');
    await page.getByRole('heading', { name: 'Severity ladder' }).waitFor();
    await page.getByText('Acme Cloud').or(page.getByLabel('Organisation name (required)')).first().waitFor();
    await checkA11y(page, 'settings');
    await shot(page, '12-settings');
  });

  test('dark mode passes the same checks', async () => {
    await page.goto('/');
    await page.getByRole('button', { name: /^Theme: auto/ }).click();
    assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark');
    await page.getByRole('heading', { name: 'Engines' }).waitFor();
    await checkA11y(page, 'overview (dark)');
    await shot(page, '13-overview-dark');
    await page.goto('/teams/sre');
    await page.getByRole('heading', { name: 'Site Reliability' }).waitFor();
    await checkA11y(page, 'team detail (dark)');
  });

  test('signs out; the session is gone after a reload', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByText('You are signed out.').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(page, '14-signed-out');
    assert.deepEqual(session.pageErrors, []);
  });
});
