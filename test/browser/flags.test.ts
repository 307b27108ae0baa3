/**
 * Browser test of the feature-flags console section (/flags, /flags/<key>, /flags/<key>/edit,
 * /flags/new, /flag-segments, /flags/flagd) against a real Vigil with the quick-start plan: the kill
 * switch with confirmation and incident link, a staged rollout driven from its page, creating a flag,
 * editing its targeting and previewing it, segments, flagd export/import, live updates, a viewer's
 * read-only view, axe in light and dark theme, and a narrow viewport.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
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
const shot = screenshots('flags');

describe('feature flags console in Chromium', { skip: browserSkip }, () => {
  let vigil: VigilProcess;
  let session: BrowserSession;
  let page: Page;
  const consoleErrors: string[] = [];
  const json = async (path: string): Promise<any> => (await vigil.apiFetch('GET', path)).json();

  before(async () => {
    vigil = await startVigil();
    session = await openBrowser(vigil.base);
    page = session.page;
    // Console errors other than the browser's own line for an HTTP error answer (the tests provoke
    // 409/412 on purpose) fail the suite.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        consoleErrors.push(m.text());
    });
    await signIn(page);
  });

  after(async () => {
    await session?.close();
    await vigil?.stop();
  });

  test('lists flags with filters; a kill switch in production asks for a reason and links the incident', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Feature flags' }).click();
    await page.getByRole('heading', { name: 'Feature flags' }).waitFor();
    await page.getByRole('link', { name: 'enable_signup' }).waitFor();
    await page.getByRole('link', { name: 'new_dashboard' }).waitFor();
    assert.ok((await page.getByText('managed by vigil.yaml').count()) >= 2);
    await checkA11y(page, 'flags list');
    await shot(page, '01-list');

    // Filters: type and search (kept in the address).
    await page.getByLabel('Type').selectOption('kill-switch');
    await page.getByRole('link', { name: 'new_dashboard' }).waitFor({ state: 'detached' });
    assert.match(page.url(), /type=kill-switch/);
    await page.getByLabel('Type').selectOption('');
    await page.getByLabel('Search').fill('dashboard');
    await page.getByRole('link', { name: 'enable_signup' }).waitFor({ state: 'detached' });
    await page.getByLabel('Search').fill('nothing-like-this');
    await page.getByText('No flags match these filters.').waitFor();
    await page.getByLabel('Search').fill('');

    // The kill switch in production: a dialog that needs a reason.
    const sw = page.getByRole('switch', { name: 'enable_signup in Production' });
    assert.equal(await sw.getAttribute('aria-checked'), 'true');
    await sw.click();
    const dialog = page.getByRole('dialog', { name: 'Turn enable_signup off in Production?' });
    await dialog.waitFor();
    await dialog.getByText('is a production environment').waitFor();
    await checkA11y(page, 'toggle dialog');
    await shot(page, '02-kill-switch-dialog');
    await dialog.getByRole('button', { name: 'Turn off' }).click();
    await dialog.getByText('Say why').waitFor();
    await dialog.getByLabel('Reason (required)').fill('signup spam wave');
    await dialog.getByLabel('Incident (optional)').fill('INC-2026-11-25-001');
    await dialog.getByRole('button', { name: 'Turn off' }).click();
    await page.getByText('enable_signup is off in Production.').waitFor();
    await page
      .getByRole('switch', { name: 'enable_signup in Production' })
      .and(page.locator('[aria-checked="false"]'))
      .waitFor();
    const flag = await json('/api/v1/flags/enable_signup');
    assert.equal(flag.environments.prod.enabled, false);
    assert.equal(flag.environments.prod.override.incident, 'INC-2026-11-25-001');
    assert.equal(flag.environments.prod.override.reason, 'signup spam wave');
    const inc = await json('/api/v1/events?subject_kind=incident&subject_key=INC-2026-11-25-001');
    assert.ok(
      inc.items.some((e: { type: string }) => e.type === 'flag.toggled'),
      'on the incident timeline',
    );

    // Outside production, a non-kill-switch flag switches at once (no dialog).
    await page.getByRole('switch', { name: 'new_dashboard in Staging' }).click();
    await page.getByText('new_dashboard is off in Staging.').waitFor();
    assert.equal((await json('/api/v1/flags/new_dashboard')).environments.staging.enabled, false);
  });

  test('a change made elsewhere shows up live', async () => {
    const r = await vigil.apiFetch('POST', '/api/v1/flags/enable_signup/environments/dev/off', {
      reason: 'from the CLI',
    });
    assert.equal(r.status, 200);
    await page
      .getByRole('switch', { name: 'enable_signup in Development' })
      .and(page.locator('[aria-checked="false"]'))
      .waitFor();
  });

  test('flag page: override reset, staged rollout start/pause/resume/rollback, preview, history', async () => {
    await page.getByRole('link', { name: 'enable_signup' }).click();
    await page.getByRole('heading', { name: 'enable_signup', level: 1 }).waitFor();
    const envTable = page.getByRole('region', { name: 'State per environment' });
    await envTable.getByText('“signup spam wave”').waitFor();
    await envTable.getByText('incident INC-2026-11-25-001').waitFor();
    // Managed: no editing, but operating is allowed.
    assert.equal(await page.getByRole('link', { name: 'Edit targeting' }).count(), 0);
    await page.getByRole('button', { name: 'Reset to declared' }).first().click();
    await page.getByText(/Override cleared: enable_signup follows its definition/).waitFor();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.getByText('Override cleared', { exact: true }).first().waitFor();
    await page.getByText('Switched').first().waitFor();
    await page.getByText('Before / after').first().click();
    await page.locator('.flags-diff').first().waitFor();
    await checkA11y(page, 'flag page (kill switch)');
    await shot(page, '03-flag-kill-switch');

    await page.goto('/flags/new_dashboard');
    await page.getByRole('heading', { name: 'Staged rollouts' }).waitFor();
    await page.getByRole('button', { name: 'Start rollout' }).click();
    await page.getByText('Rollout of new_dashboard in Production started.').waitFor();
    await page.locator('.flags-step.is-current').getByText('10 %').waitFor();
    let st = (await json('/api/v1/flags/new_dashboard')).environments.prod.rollout;
    assert.equal(st.status, 'running');
    assert.equal(st.percentage, 10);
    assert.ok(st.next_step_at);
    await checkA11y(page, 'flag page (rollout running)');
    await shot(page, '04-rollout-running');
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    assert.equal((await json('/api/v1/flags/new_dashboard')).environments.prod.rollout.status, 'paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    await page.getByRole('button', { name: 'Roll back' }).click();
    const dlg = page.getByRole('dialog', { name: 'Roll back new_dashboard in Production?' });
    await dlg.getByRole('button', { name: 'Roll back to 0 %' }).click();
    await page.getByRole('button', { name: 'Start again from step 1' }).waitFor();
    st = (await json('/api/v1/flags/new_dashboard')).environments.prod.rollout;
    assert.equal(st.status, 'rolled_back');
    assert.equal(st.percentage, 0);
    await page.getByText('Rollout rolled back').first().waitFor();

    // Evaluation preview for a context.
    await page.getByLabel('Evaluation context (JSON)').fill('{ "targetingKey": "u-42" ');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await page.getByText(/Not a JSON object/).waitFor();
    await page.getByLabel('Evaluation context (JSON)').fill('{ "targetingKey": "u-42" }');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    const results = page.getByRole('region', { name: 'Evaluation results' });
    await results.getByRole('rowheader', { name: 'Staging' }).waitFor();
    await results.getByText('DISABLED').first().waitFor();
    await shot(page, '05-preview');

    // Editing a managed flag is refused with the reason.
    await page.goto('/flags/new_dashboard/edit');
    await page.getByText('This flag is declared in the ops plan.').waitFor();
  });

  test('creates a flag (plan conventions, local and server validation), edits its targeting, previews the matching rule', async () => {
    await page.goto('/flags');
    await page.getByRole('link', { name: 'New flag' }).click();
    await page.getByRole('heading', { name: 'New flag' }).waitFor();
    await page.getByLabel('Key (required)').fill('bad key!');
    await page.getByRole('button', { name: 'Create flag' }).click();
    await page.getByText('Letters, digits and _ . : -').waitFor();
    assert.equal(await page.getByLabel('Key (required)').getAttribute('aria-invalid'), 'true');
    // The server refuses a key that exists.
    await page.getByLabel('Key (required)').fill('enable_signup');
    await page.getByLabel('Tags').fill('team:product');
    await page.getByRole('button', { name: 'Create flag' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /already exists/ })
      .waitFor();
    await checkA11y(page, 'new flag (errors)');
    await shot(page, '06-new-flag');
    // The quick-start plan declares conventions (WT-4); the form shows and applies them.
    assert.equal((await json('/api/v1/flag-conventions')).managed, true);
    await page.getByText('keys follow {prefix}_{feature}').waitFor();
    await page.getByLabel('Key (required)').fill('Checkout');
    await page.getByLabel('Tags').fill('type:release');
    await page.getByRole('combobox', { name: /^Production/ }).selectOption('on');
    await page.getByRole('button', { name: 'Create flag' }).click();
    await page.getByText('The key must follow {prefix}_{feature}').waitFor();
    await page.getByText('Add the required tag team:…').waitFor();
    await page.getByText('New flags must start off in prod.').waitFor();
    await checkA11y(page, 'new flag (conventions)');
    await page.getByLabel('Key (required)').fill('ui_checkout_v2');
    await page.getByLabel('Description').fill('The new checkout');
    await page.getByLabel('Owner team').selectOption('product');
    await page.getByLabel('Tags').fill('team:product, type:release');
    await page.getByRole('combobox', { name: /^Production/ }).selectOption('off');
    await page.getByRole('button', { name: 'Create flag' }).click();
    await page.getByRole('heading', { name: 'ui_checkout_v2', level: 1 }).waitFor();
    const created = await json('/api/v1/flag-definitions/ui_checkout_v2');
    assert.equal(created.managed, false);
    assert.deepEqual(created.environments.prod, { enabled: false });

    await page.getByRole('link', { name: 'Edit targeting' }).click();
    await page.getByRole('heading', { name: 'Edit ui_checkout_v2' }).waitFor();
    const prod = page.getByRole('region', { name: 'Production' });
    await prod.getByLabel(/Enabled \(declared state\)/).check();
    await prod.getByLabel('Default variant here').selectOption('off');
    await prod.getByRole('button', { name: 'Add rule' }).click();
    // Local validation: an empty attribute and value.
    await page.getByRole('button', { name: 'Save definition' }).click();
    await page.getByText('Name the context attribute').waitFor();
    await prod.getByLabel('Attribute').fill('email');
    await prod.getByLabel('Operator').selectOption('matches');
    await prod.getByLabel('Value', { exact: true }).fill('(a+)+$');
    await page.getByRole('button', { name: 'Save definition' }).click();
    await page.getByText('Nested quantifiers').waitFor();
    await prod.getByLabel('Operator').selectOption('ends_with');
    await prod.getByLabel('Values (comma-separated)').fill('@acme.example, @beta.acme.example');
    await prod.getByLabel('Serve').selectOption('on');
    await prod.getByLabel('Percentage split instead of the default variant').check();
    await prod.getByLabel('Weight').first().fill('25');
    await prod.getByLabel('Weight').nth(1).fill('75');
    await prod.getByText('on 25 %').waitFor();
    // A staged rollout whose steps go down is refused locally; a trigger from an alert.
    await prod.getByLabel(/Roll out in steps/).check();
    await prod.getByLabel('Step 2 percentage').fill('5');
    await page.getByRole('button', { name: 'Save definition' }).click();
    await prod.getByText('Steps only go up: 5 % is below the previous 10 %.').waitFor();
    await prod.getByLabel('Step 2 percentage').fill('50');
    await prod
      .getByLabel('Guards (one per line)')
      .fill('checkout_error_rate\nquery: sum(rate(checkout_failures_total[5m])) > 1');
    await page.getByRole('button', { name: 'Add trigger' }).click();
    await page.getByLabel('Trigger 1 alert rule').fill('checkout_down');
    await checkA11y(page, 'definition editor');
    await shot(page, '07-editor');
    await page.getByRole('button', { name: 'Save definition' }).click();
    await page.getByText('Saved ui_checkout_v2.').waitFor();
    await page.getByRole('heading', { name: 'ui_checkout_v2', level: 1 }).waitFor();
    const def = await json('/api/v1/flag-definitions/ui_checkout_v2');
    assert.deepEqual(def.environments.prod.targeting, [
      {
        conditions: [
          { attribute: 'email', op: 'ends_with', values: ['@acme.example', '@beta.acme.example'] },
        ],
        variant: 'on',
      },
    ]);
    assert.deepEqual(def.environments.prod.rollout.buckets, [
      { variant: 'on', weight: 25 },
      { variant: 'off', weight: 75 },
    ]);
    assert.deepEqual(def.environments.prod.staged_rollout, {
      steps: [{ percentage: 10, wait: '24h' }, { percentage: 50, wait: '3d' }, { percentage: 100 }],
      on_guard_failure: 'pause',
      guards: ['checkout_error_rate', { query: 'sum(rate(checkout_failures_total[5m])) > 1' }],
    });
    assert.deepEqual(def.triggers, [{ alert: 'checkout_down', set: 'off' }]);
    await page.getByRole('button', { name: 'Start rollout' }).waitFor();
    await page.getByText('checkout_error_rate').locator('..').getByText('healthy').waitFor();
    await page.getByText('checked each minute').waitFor();
    await page.getByText('Rule 1').first().waitFor();
    await page
      .getByLabel('Evaluation context (JSON)')
      .fill('{"targetingKey": "u-1", "email": "grace@acme.example"}');
    await page.getByRole('combobox', { name: /^Environment/ }).selectOption('prod');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    const row = page
      .getByRole('region', { name: 'Evaluation results' })
      .getByRole('row', { name: /Production/ });
    await row.getByText('TARGETING_MATCH').waitFor();
    await row.getByText('rule 1').waitFor();
    await page.getByText('Definition changed').first().waitFor();
    await checkA11y(page, 'flag page (api flag)');
    await shot(page, '08-flag-edited');

    // A concurrent change is refused, not lost.
    await page.getByRole('link', { name: 'Edit targeting' }).click();
    await page.getByRole('heading', { name: 'Edit ui_checkout_v2' }).waitFor();
    const spec = { ...def };
    for (const k of ['key', 'managed', 'source', 'version', 'created_at', 'updated_at']) delete spec[k];
    const put = await vigil.apiFetch('PUT', '/api/v1/flag-definitions/ui_checkout_v2', {
      ...spec,
      description: 'changed elsewhere',
    });
    assert.equal(put.status, 200);
    await page.getByLabel('Description').first().fill('mine');
    await page.getByRole('button', { name: 'Save definition' }).click();
    await page.getByText('Someone changed this flag since you opened it').waitFor();
    assert.equal((await json('/api/v1/flag-definitions/ui_checkout_v2')).description, 'changed elsewhere');
  });

  test('segments: create, used in a rule, delete with confirmation', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flag segments' }).click();
    await page.getByRole('heading', { name: 'Flag segments' }).waitFor();
    await page.getByText('No segments yet.').waitFor();
    await checkA11y(page, 'segments (empty)');
    await page.getByRole('link', { name: 'New segment' }).click();
    await page.getByLabel('Key (required)').fill('staff');
    await page.getByRole('button', { name: 'Create segment' }).click();
    await page.getByText('Name the context attribute').waitFor();
    await page.getByLabel('Attribute').fill('email');
    await page.getByRole('button', { name: 'Create segment' }).click();
    await page.getByText(/needs a value/).waitFor();
    await page.getByLabel('Values (comma-separated)').fill('@acme.example');
    await page.getByRole('button', { name: 'Create segment' }).click();
    await page.getByRole('link', { name: 'staff' }).waitFor();
    await page.getByText('email ends with "@acme.example"').waitFor();
    await checkA11y(page, 'segments');
    await shot(page, '09-segments');
    assert.equal((await json('/api/v1/flag-segments/staff')).conditions[0].op, 'ends_with');
    await page.getByRole('link', { name: 'staff' }).click();
    await page.getByText('Used by: no flag').waitFor();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: 'Delete segment staff?' })
      .getByRole('button', { name: 'Delete segment' })
      .click();
    await page.getByText('No segments yet.').waitFor();
    assert.equal((await vigil.apiFetch('GET', '/api/v1/flag-segments/staff')).status, 404);
  });

  test('flagd: exports an environment and imports a document (dry run first)', async () => {
    await page.goto('/flags');
    await page.getByRole('link', { name: 'Import or export flagd files' }).click();
    await page.getByRole('heading', { name: 'Import and export (flagd)' }).waitFor();
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.locator('pre.flags-json').getByText('"enable_signup"', { exact: false }).waitFor();
    const doc = {
      flags: {
        api_search_v2: {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          targeting: {
            fractional: [
              ['on', 10],
              ['off', 90],
            ],
          },
          metadata: { type: 'release', tags: 'team:product' },
        },
        enable_signup: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
      },
    };
    await page.getByLabel('…or paste the document').fill(JSON.stringify(doc));
    await page.getByRole('button', { name: 'Check (dry run)' }).click();
    await page.getByText('Dry run: nothing was written').waitFor();
    await page.getByText(/Skipped enable_signup: managed by the plan/).waitFor();
    assert.equal((await vigil.apiFetch('GET', '/api/v1/flag-definitions/api_search_v2')).status, 404);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('link', { name: 'api_search_v2' }).waitFor();
    await checkA11y(page, 'flagd');
    await shot(page, '10-flagd');
    const imported = await json('/api/v1/flag-definitions/api_search_v2');
    assert.deepEqual(imported.environments.prod.rollout.buckets, [
      { variant: 'on', weight: 10 },
      { variant: 'off', weight: 90 },
    ]);
  });

  test('a viewer reads; a scoped grant switches only its environment; no editing or creating', async () => {
    const email = 'viewer@acme.example';
    const password = 'a long viewer passphrase 1';
    // A viewer who is responder in staging only (a scoped grant).
    let r = await vigil.apiFetch('POST', '/api/v1/users', {
      key: email,
      name: 'Val Viewer',
      role: 'viewer',
      grants: [{ role: 'responder', environments: ['staging'] }],
    });
    assert.equal(r.status, 201, await r.text());
    r = await vigil.apiFetch('PUT', `/api/v1/users/${email}/password`, { password });
    assert.equal(r.status, 204);
    const ctx = await session.browser.newContext({ baseURL: vigil.base, bypassCSP: true });
    const vp = await ctx.newPage();
    const errors: string[] = [];
    vp.on('pageerror', (e) => errors.push(String(e)));
    await signIn(vp, { email, password });
    await vp.goto('/flags');
    await vp.getByRole('link', { name: 'enable_signup' }).waitFor();
    assert.equal(await vp.getByRole('link', { name: 'New flag' }).count(), 0);
    assert.equal(await vp.getByRole('switch', { name: 'enable_signup in Production' }).isDisabled(), true);
    // The grant covers staging: that switch works, the production one stays disabled.
    const staging = vp.getByRole('switch', { name: 'enable_signup in Staging' });
    assert.equal(await staging.isDisabled(), false);
    await staging.click();
    const dlg = vp.getByRole('dialog', { name: 'Turn enable_signup off in Staging?' });
    await dlg.getByLabel('Reason (required)').fill('staging test run');
    await dlg.getByRole('button', { name: 'Turn off' }).click();
    await vp.getByText('enable_signup is off in Staging.').waitFor();
    assert.equal(
      (await json('/api/v1/flags/enable_signup')).environments.staging.override.by,
      `user:${email}`,
    );
    await vp.goto('/flags/ui_checkout_v2');
    await vp.getByRole('heading', { name: 'Evaluation preview' }).waitFor();
    assert.equal(await vp.getByRole('link', { name: 'Edit targeting' }).count(), 0);
    await vp.goto('/flags/new_dashboard');
    await vp.getByText('Starting, pausing and rolling back need the operator role.').waitFor();
    await vp.goto('/flags/new');
    await vp.getByText('Creating flags needs the operator role.').waitFor();
    await checkA11y(vp, 'viewer');
    await ctx.close();
    assert.deepEqual(errors, []);
  });

  test('dark theme and a narrow screen pass the same checks', async () => {
    await useDarkTheme(page);
    for (const [path, heading] of [
      ['/flags', 'Feature flags'],
      ['/flags/enable_signup', 'enable_signup'],
      ['/flags/new_dashboard', 'new_dashboard'],
      ['/flags/ui_checkout_v2/edit', 'Edit ui_checkout_v2'],
      ['/flags/new', 'New flag'],
      ['/flag-segments', 'Flag segments'],
      ['/flags/flagd', 'Import and export (flagd)'],
    ]) {
      await page.goto(path);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page
        .getByText(/Loading/)
        .first()
        .waitFor({ state: 'detached' })
        .catch(() => {});
      await checkA11y(page, `${path} (dark)`);
    }
    await shot(page, '11-dark-new');
    await page.goto('/flags/enable_signup');
    await page.getByRole('switch', { name: 'enable_signup in Production' }).click();
    await page.getByRole('dialog').waitFor();
    await checkA11y(page, 'toggle dialog (dark)');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.setViewportSize({ width: 400, height: 800 });
    await page.goto('/flags');
    await page.getByRole('link', { name: 'enable_signup' }).waitFor();
    await checkA11y(page, 'flags list (400 px)');
    await shot(page, '12-narrow-list');
    assert.ok((await horizontalOverflow(page)) <= 1, 'the list scrolls inside its region at 400 px');
    await page.goto('/flags/new_dashboard');
    await page.getByRole('heading', { name: 'Staged rollouts' }).waitFor();
    assert.ok((await horizontalOverflow(page)) <= 1, 'the flag page fits 400 px');
    await shot(page, '12b-narrow-flag');
    await page.goto('/flags/ui_checkout_v2/edit');
    await page.getByRole('heading', { name: 'Edit ui_checkout_v2' }).waitFor();
    const overflow = await horizontalOverflow(page);
    assert.ok(Number(overflow) <= 1, `the editor fits 400 px (overflow ${overflow}px)`);
    await shot(page, '13-narrow-editor');
    assert.deepEqual(session.pageErrors, []);
    assert.deepEqual(consoleErrors, []);
  });
});
