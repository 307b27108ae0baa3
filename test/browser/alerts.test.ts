/**
 * Browser test of the alerting pages: alerts from a real Alertmanager-style webhook, the alert
 * list (filters, grouping, live arrival), an alert's detail (runbook, silence from the alert),
 * silences (create with validation, expire with confirmation), rules, the maintenance calendar
 * (create, validation, managed read-only, delete) and integrations (reveal and rotate the key).
 * Every page passes axe in light and dark theme; a narrow viewport does not scroll sideways.
 */
import assert from 'node:assert/strict';
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
const shot = screenshots('alerts');

function amAlert(fp: string, labels: Record<string, string>, annotations: Record<string, string>) {
  return {
    status: 'firing',
    labels,
    annotations,
    startsAt: new Date(Date.now() - 120_000).toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.local/graph',
    fingerprint: fp,
  };
}

describe('alerting pages in Chromium', { skip: browserSkip }, () => {
  let vigil: VigilProcess;
  let session: BrowserSession;
  let page: Page;
  let secret: string;
  let highFp: string;

  const json = async (method: string, path: string, body?: unknown) => {
    const r = await vigil.apiFetch(method, path, body);
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };
  const sendAlerts = async (alerts: unknown[]) => {
    const r = await fetch(`${vigil.base}/api/v1/alerting/ingest/alertmanager/${secret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: '4', status: 'firing', receiver: 'vigil', alerts }),
    });
    assert.equal(r.status, 200, await r.text());
  };

  before(async () => {
    vigil = await startVigil();
    // `vigil start` listens first and applies the plan right after: wait for the integration.
    let key = await json('GET', '/api/v1/alerting/integrations/prometheus/secret');
    for (let i = 0; i < 100 && key.status === 404; i++) {
      await new Promise((r) => setTimeout(r, 100));
      key = await json('GET', '/api/v1/alerting/integrations/prometheus/secret');
    }
    assert.equal(key.status, 200, JSON.stringify(key.body));
    secret = key.body.secret;
    // A PromQL rule that always fires, evaluated every 5 s, for the detail page's query chart.
    const g = await json('POST', '/api/v1/rule-groups', {
      key: 'browser',
      interval: '5s',
      rules: [
        {
          alert: 'AlwaysOn',
          expr: 'vector(1) > 0',
          labels: { severity: 'p3' },
          annotations: { summary: 'A rule that always fires' },
          runbook: 'https://runbooks.example/always-on',
        },
      ],
    });
    assert.equal(g.status, 201, JSON.stringify(g.body));
    // A silence made before the alert arrives: QueueBacklog is routed as silenced.
    const s = await json('POST', '/api/v1/silences', {
      matchers: ['alertname=QueueBacklog'],
      duration: '2h',
      comment: 'worker migration',
    });
    assert.equal(s.status, 201);
    await sendAlerts([
      amAlert(
        'f000000000000001',
        { alertname: 'HighErrorRate', service: 'api', severity: 'p1', instance: 'api-1' },
        { summary: '5xx above 1% on api-1', runbook_url: 'https://runbooks.example/api-errors' },
      ),
      amAlert(
        'f000000000000002',
        { alertname: 'QueueBacklog', service: 'worker', severity: 'p3' },
        { summary: 'Jobs wait longer than 10 minutes' },
      ),
    ]);
    const list = (await json('GET', '/api/v1/alerting/alerts')).body.alerts;
    highFp = list.find(
      (a: { labels: Record<string, string> }) => a.labels.alertname === 'HighErrorRate',
    ).fingerprint;
    session = await openBrowser(vigil.base);
    page = session.page;
    await signIn(page);
  });

  after(async () => {
    await session?.close();
    await vigil?.stop();
  });

  test('alerts list: firing and silenced tabs, label filter, live arrival', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Alerts', exact: true })
      .click();
    await page.getByRole('heading', { name: 'Alerts', exact: true }).waitFor();
    await page.getByRole('link', { name: 'HighErrorRate', exact: true }).waitFor();
    // The silenced alert is not in "Firing" but under "Silenced", once routed.
    assert.equal(await page.getByRole('link', { name: 'QueueBacklog', exact: true }).count(), 0);
    await page.getByText(/Group .*alertname=HighErrorRate/).waitFor();
    await checkA11y(page, 'alerts list');
    await shot(page, '01-alerts');
    await page
      .getByRole('navigation', { name: 'Alert conditions' })
      .getByRole('link', { name: /Silenced/ })
      .click();
    await page.getByRole('link', { name: 'QueueBacklog', exact: true }).waitFor();
    await page
      .getByRole('navigation', { name: 'Alert conditions' })
      .getByRole('link', { name: /All/ })
      .click();
    await page.getByRole('link', { name: 'QueueBacklog', exact: true }).waitFor();
    await page.getByRole('link', { name: 'HighErrorRate', exact: true }).waitFor();

    // A label filter narrows the list; a bad one is explained under the field.
    await page.getByLabel('Label matchers').fill('service=~"("');
    await page.getByLabel('Label matchers').press('Enter');
    await page.getByText('the regular expression does not parse').waitFor();
    assert.equal(await page.getByLabel('Label matchers').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Label matchers').fill('service=worker');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/filter=service%3Dworker/);
    await page.getByRole('link', { name: 'HighErrorRate', exact: true }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'QueueBacklog', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();

    // A new alert appears without a reload (the router's event reaches the open page).
    await page
      .getByRole('navigation', { name: 'Alert conditions' })
      .getByRole('link', { name: /Firing/ })
      .click();
    await sendAlerts([
      amAlert(
        'f000000000000003',
        { alertname: 'ReplicationLag', service: 'postgres', severity: 'p2' },
        { summary: 'Replica 30 s behind' },
      ),
    ]);
    await page.getByRole('link', { name: 'ReplicationLag', exact: true }).waitFor({ timeout: 15_000 });
  });

  test('alert detail: runbook first, labels, history; silence from the alert', async () => {
    await page.getByRole('link', { name: 'HighErrorRate', exact: true }).click();
    await page.getByRole('heading', { name: 'HighErrorRate', level: 1 }).waitFor();
    const runbook = page.getByRole('link', { name: /runbooks\.example\/api-errors \(opens in a new tab\)/ });
    assert.equal(await runbook.getAttribute('href'), 'https://runbooks.example/api-errors');
    await page.getByText('instance').first().waitFor();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.getByRole('cell', { name: 'routed' }).first().waitFor();
    await checkA11y(page, 'alert detail');
    await shot(page, '02-alert-detail');

    await page.getByRole('link', { name: 'Silence…' }).click();
    await page.getByRole('heading', { name: 'New silence' }).waitFor();
    const matchers = await page.getByLabel('Matchers (required)').inputValue();
    assert.match(matchers, /^alertname=HighErrorRate$/m);
    assert.match(matchers, /^instance=api-1$/m);
    // The preview names the alert it would silence.
    await page
      .getByRole('region', { name: 'Affected alerts' })
      .getByRole('link', { name: 'HighErrorRate', exact: true })
      .waitFor();
    await page.getByRole('button', { name: 'Create silence' }).click();
    await page.getByText('Say why').waitFor();
    assert.equal(await page.getByLabel('Comment (required)').getAttribute('aria-invalid'), 'true');
    await checkA11y(page, 'silence form with errors');
    await shot(page, '03-silence-form');
    await page.getByLabel('Comment (required)').fill('deploying the fix');
    await page.getByRole('button', { name: '1h', exact: true }).click();
    await page.getByRole('button', { name: 'Create silence' }).click();
    await page.getByRole('heading', { name: 'Silences' }).waitFor();
    await page.getByRole('cell', { name: 'deploying the fix' }).waitFor();
    const active = (await json('GET', '/api/v1/silences?state=active')).body.silences;
    const mine = active.find((s: { comment: string }) => s.comment === 'deploying the fix');
    assert.ok(mine, 'the silence exists on the server');
    assert.ok(mine.matchers.includes('alertname=HighErrorRate'));
    const len = Date.parse(mine.ends_at) - Date.parse(mine.starts_at);
    assert.equal(len, 3_600_000);
  });

  test('a rule alert shows its rule, the query chart and the rule transitions', async () => {
    let fp: string | undefined;
    for (let i = 0; i < 150 && !fp; i++) {
      const list = (await json('GET', '/api/v1/alerting/alerts?label=alertname%3DAlwaysOn')).body.alerts;
      fp = list[0]?.fingerprint;
      if (!fp) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(fp, 'the rule fired');
    await page.goto(`/alerts/${fp}`);
    await page.getByRole('heading', { name: 'AlwaysOn', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Rule AlwaysOn' }).waitFor();
    await page.getByText('vector(1) > 0').first().waitFor();
    await page.getByText('with the threshold > 0').waitFor();
    await page.locator('figure[aria-label="Chart of AlwaysOn"] canvas').waitFor();
    await page
      .getByRole('cell', { name: /fired \(rule\)|pending → firing/ })
      .first()
      .waitFor();
    await page.getByRole('button', { name: '12h' }).click();
    await page.locator('figure[aria-label="Chart of AlwaysOn"] canvas').waitFor();
    await checkA11y(page, 'rule alert detail');
    await shot(page, '02b-rule-alert');
  });

  test('silences: list by state, expire with confirmation', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Silences' }).click();
    await page.getByRole('cell', { name: 'deploying the fix' }).waitFor();
    await checkA11y(page, 'silences');
    await shot(page, '04-silences');
    const row = page.getByRole('row').filter({ hasText: 'deploying the fix' });
    await row.getByRole('button', { name: 'Expire' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await checkA11y(page, 'expire dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await json('GET', '/api/v1/silences?state=active')).body.silences.length, 2);
    await row.getByRole('button', { name: 'Expire' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Expire silence' }).click();
    await page.getByRole('status').filter({ hasText: 'Silence expired.' }).waitFor();
    await page.getByRole('cell', { name: 'deploying the fix' }).waitFor({ state: 'detached' });
    const expired = (await json('GET', '/api/v1/silences?state=expired')).body.silences;
    assert.equal(expired.length, 1);
    await page.getByRole('link', { name: /Expired/ }).click();
    await page.getByRole('cell', { name: 'deploying the fix' }).waitFor();
  });

  test('rules: groups with state, health and filters', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alert rules' }).click();
    await page.getByRole('heading', { name: 'Alert rules' }).waitFor();
    await page.getByRole('heading', { name: 'Group quickstart' }).waitFor();
    await page.getByText('VigilNotReady').waitFor();
    await page.getByText('managed by vigil.yaml').first().waitFor();
    await checkA11y(page, 'rules');
    await shot(page, '05-rules');
    await page.getByLabel('Name or query').fill('backup');
    await page.getByText('NightlyBackupMissed').waitFor();
    assert.equal(await page.getByText('VigilNotReady').count(), 0);
    await page.getByLabel('Name or query').fill('');
  });

  test('maintenance: calendar, managed window read-only, create with validation, delete', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Maintenance' }).click();
    await page.getByRole('heading', { name: 'Maintenance', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Monthly PostgreSQL patching' }).first().waitFor();
    await page.getByText('every month on the 1st Sunday').waitFor();
    await checkA11y(page, 'maintenance calendar');
    await shot(page, '06-maintenance');
    await page.getByRole('button', { name: 'Week', exact: true }).click();
    await page.waitForURL(/view=week/);
    await page.getByRole('button', { name: 'Month', exact: true }).click();

    // The plan's window is read-only.
    await page.goto('/alerts/maintenance/postgres-patching');
    await page.getByRole('heading', { name: 'Monthly PostgreSQL patching' }).waitFor();
    await page.getByRole('heading', { name: 'Next occurrences' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Edit' }).count(), 0);
    await checkA11y(page, 'maintenance window');
    await page.goto('/alerts/maintenance/postgres-patching/edit');
    await page.getByText(/declared in the ops plan at .*alerts\.yaml:\d+/).waitFor();
    assert.equal(await page.getByLabel('Title (required)').isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Save changes' }).count(), 0);

    // Create one: local validation, then the server's (an unknown time zone), then success.
    await page.goto('/alerts/maintenance/new');
    await page.getByRole('heading', { name: 'New maintenance window' }).waitFor();
    await page.getByLabel('Key (required)').fill('edge-upgrade');
    await page.getByRole('button', { name: 'Create window' }).click();
    await page.getByText('Title is required.').waitFor();
    await page.getByText('Pick the start date and time.').waitFor();
    await checkA11y(page, 'window form with errors');
    const start = new Date(Date.now() + 3 * 86_400_000);
    const local = `${start.getFullYear()}-${String(start.getMonth() + 1).padStart(2, '0')}-${String(start.getDate()).padStart(2, '0')}T02:00`;
    await page.getByLabel('Title (required)').fill('Edge proxy upgrade');
    await page.getByLabel('Start (local time of the zone) (required)').fill(local);
    await page.getByLabel('Time zone').fill('Mars/Olympus');
    await page.getByLabel('Public API', { exact: true }).check();
    await page.getByLabel('Repeats').selectOption('weekly');
    await page.getByRole('button', { name: 'Create window' }).click();
    await page.getByText(/time_zone "Mars\/Olympus" is not an IANA time zone/).waitFor();
    assert.equal(await page.getByLabel('Time zone').getAttribute('aria-invalid'), 'true');
    await shot(page, '07-window-form');
    await page.getByLabel('Time zone').fill('Europe/Berlin');
    await page.getByRole('button', { name: 'Create window' }).click();
    await page.getByRole('heading', { name: 'Edge proxy upgrade' }).waitFor();
    await page
      .getByText(/every week on/)
      .first()
      .waitFor();
    const w = (await json('GET', '/api/v1/maintenance-windows/edge-upgrade')).body;
    assert.equal(w.time_zone, 'Europe/Berlin');
    assert.deepEqual(w.services, ['api']);
    assert.match(w.rrule, /^FREQ=WEEKLY;BYDAY=(MO|TU|WE|TH|FR|SA|SU)$/);
    assert.equal(w.managed, false);
    await checkA11y(page, 'new window detail');
    await shot(page, '08-window-detail');
    // Edit it (the form sends If-Match with the version it loaded).
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit Edge proxy upgrade' }).waitFor();
    assert.equal(await page.getByLabel('Repeats').inputValue(), 'weekly');
    await page.getByLabel('Title (required)').fill('Edge proxy upgrade (v2)');
    await page.getByLabel('Duration (required)').fill('90m');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Edge proxy upgrade (v2)' }).waitFor();
    const edited = (await json('GET', '/api/v1/maintenance-windows/edge-upgrade')).body;
    assert.equal(edited.duration, '90m');
    assert.equal(edited.version, w.version + 1);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete window' }).click();
    await page.getByRole('heading', { name: 'Maintenance', level: 1 }).waitFor();
    assert.equal((await json('GET', '/api/v1/maintenance-windows/edge-upgrade')).status, 404);
  });

  test('integrations: URL with the key, sender configuration, rotation', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Alert integrations' })
      .click();
    await page.getByRole('heading', { name: 'Alert integrations' }).waitFor();
    const card = page.getByRole('region', { name: /Prometheus Alertmanager/ }).first();
    await card.waitFor();
    await checkA11y(page, 'integrations');
    await card.getByRole('button', { name: 'Reveal key' }).click();
    await card.getByText(`/api/v1/alerting/ingest/alertmanager/${secret}`).first().waitFor();
    await card.getByText('How to configure the sender').click();
    await card.getByText('send_resolved: true').waitFor();
    await shot(page, '09-integrations');
    await card.getByRole('button', { name: 'Rotate key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate key' }).click();
    await page.getByRole('status').filter({ hasText: 'Rotated the key of prometheus' }).waitFor();
    const fresh = (await json('GET', '/api/v1/alerting/integrations/prometheus/secret')).body.secret;
    assert.notEqual(fresh, secret);
    await card.getByText(`/api/v1/alerting/ingest/alertmanager/${fresh}`).first().waitFor();
    const old = await fetch(`${vigil.base}/api/v1/alerting/ingest/alertmanager/${secret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: '4', alerts: [] }),
    });
    assert.equal(old.status, 401, 'the old key stops working');
    secret = fresh;
  });

  test('a viewer reads the pages but is offered no writes', async () => {
    const viewer = { email: 'linus@acme.example', password: 'a viewer passphrase 123' };
    const r = await vigil.apiFetch('PUT', `/api/v1/users/${viewer.email}/password`, {
      password: viewer.password,
    });
    assert.equal(r.status, 204, await r.text());
    const other = await openBrowser(vigil.base);
    try {
      const p = other.page;
      await signIn(p, viewer);
      await p.goto('/alerts?status=all');
      await p.getByRole('link', { name: 'HighErrorRate', exact: true }).waitFor();
      assert.equal(await p.getByRole('link', { name: /^Silence / }).count(), 0);
      assert.equal(await p.getByRole('link', { name: 'New silence' }).count(), 0);
      await p.goto('/alerts/silences');
      await p.getByRole('heading', { name: 'Silences' }).waitFor();
      await p.getByRole('cell', { name: 'worker migration' }).waitFor();
      assert.equal(await p.getByRole('button', { name: 'Expire' }).count(), 0);
      await p.goto('/alerts/silences/new');
      await p.getByText('Creating silences needs the responder role.').waitFor();
      await p.goto('/alerts/maintenance');
      await p.getByRole('link', { name: 'Monthly PostgreSQL patching' }).first().waitFor();
      assert.equal(await p.getByRole('link', { name: 'New window' }).count(), 0);
      await p.goto('/alerts/integrations');
      await p
        .getByRole('region', { name: /Prometheus Alertmanager/ })
        .first()
        .waitFor();
      await p.getByText('operators can reveal it').first().waitFor();
      assert.equal(await p.getByRole('button', { name: 'Reveal key' }).count(), 0);
      assert.equal(await p.getByRole('button', { name: 'Rotate key' }).count(), 0);
      await checkA11y(p, 'integrations as a viewer');
      assert.deepEqual(other.pageErrors, []);
    } finally {
      await other.close();
    }
  });

  test('dark theme passes axe on every page; a narrow screen does not scroll sideways', async () => {
    await useDarkTheme(page);
    const pages: Array<[string, string]> = [
      ['/alerts?status=all', 'Alerts'],
      [`/alerts/${highFp}`, 'HighErrorRate'],
      ['/alerts/silences?state=expired', 'Silences'],
      ['/alerts/silences/new?matcher=service%3Dapi', 'New silence'],
      ['/alerts/rules', 'Alert rules'],
      ['/alerts/maintenance', 'Maintenance'],
      ['/alerts/maintenance/postgres-patching', 'Monthly PostgreSQL patching'],
      ['/alerts/integrations', 'Alert integrations'],
    ];
    for (const [path, heading] of pages) {
      await page.goto(path);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      await checkA11y(page, `${path} (dark)`);
    }
    await shot(page, '10-dark-integrations');
    await page.setViewportSize({ width: 400, height: 800 });
    for (const path of [
      '/alerts?status=all',
      `/alerts/${highFp}`,
      '/alerts/maintenance',
      '/alerts/silences',
    ]) {
      await page.goto(path);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      const [width, wide] = (await page.evaluate(`(() => {
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
          const r = el.getBoundingClientRect();
          if (r.right > 401 && !el.parentElement?.closest('.table-wrap, .mc-wrap')) out.push(el.tagName + '.' + el.className);
        }
        return [document.documentElement.scrollWidth, out.slice(0, 8)];
      })()`)) as [number, string[]];
      assert.ok(width <= 400, `${path} is ${width}px wide at a 400px viewport: ${wide.join(', ')}`);
    }
    await shot(page, '11-narrow-silences');
    await page.setViewportSize({ width: 1280, height: 860 });
    assert.deepEqual(session.pageErrors, []);
  });
});
