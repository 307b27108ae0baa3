/**
 * Status page features on both stores: private pages, custom domains (Host header), message
 * templates and the draft preview, per-month history pages, the alerting module's maintenance
 * windows on the page (with automatic under_maintenance), the paginated incident list and the
 * public page's stylesheet/CSP.
 */
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { createTestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { loadModules } from '../registry.ts';
import type { StatusPageApi } from './module.ts';

const pub = { token: null };

testBothDbs('status pages: privacy, domains, templates, preview, history, alerting windows', async (h) => {
  // No engine timers: the test moves through months, and steps the status page engine itself.
  const t = await createTestApp(h);
  const svc = t.app.modules.find<StatusPageApi>('statuspage')!.service;
  const step = () => svc.step(t.clock.now());
  try {
    await loadModules();
    let r = await t.request('POST', '/api/v1/teams', { key: 'web', name: 'Web' });
    assert.equal(r.statusCode, 201, r.body);
    r = await t.request('POST', '/api/v1/services', { key: 'shop', name: 'Shop', owner: 'web' });
    assert.equal(r.statusCode, 201, r.body);
    r = await t.request('POST', '/api/v1/status-pages', {
      key: 'shop',
      name: 'Shop',
      default: true,
      domains: ['status.shop.example'],
      templates: [
        {
          key: 'down',
          name: 'Outage',
          title: '{{components}} down',
          body: '{{components}} on {{page}} fails.',
        },
      ],
      components: [
        { key: 'checkout', name: 'Checkout', services: ['shop'] },
        { key: 'search', name: 'Search', group: 'Browse' },
      ],
    });
    assert.equal(r.statusCode, 201, r.body);
    r = await t.request('POST', '/api/v1/status-pages', {
      key: 'internal',
      name: 'Internal',
      private: true,
      theme: 'dark',
      components: [{ key: 'vpn', name: 'VPN' }],
    });
    assert.equal(r.statusCode, 201, r.body);
    // Invalid spec fields are refused with their path.
    r = await t.request('PUT', '/api/v1/status-pages/internal', {
      name: 'Internal',
      domains: ['Not A Host'],
      components: [],
    });
    assert.equal(r.statusCode, 400);
    assert.ok(
      r.json().errors.some((e: any) => e.path.startsWith('body.domains')),
      r.body,
    );

    // The public HTML: a stylesheet instead of inline styles, under a strict CSP.
    r = await t.request('GET', '/status/shop', undefined, pub);
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-security-policy']), /default-src 'none'; style-src 'self'/);
    assert.match(r.body, /<link rel="stylesheet" href="\/status\/shop\/style\.css\?v=\w+">/);
    assert.match(r.body, /<section class="group" aria-label="Browse">/);
    // Pollers get 304 for a rendering they already have; a change makes a new one.
    const etag = String(r.headers.etag);
    assert.match(etag, /^W\/"/);
    r = await t.request('GET', '/status/shop/api/v2/summary.json', undefined, {
      token: null,
      headers: { 'if-none-match': etag },
    });
    assert.equal(r.statusCode, 304);
    await t.request('PUT', '/api/v1/status-pages/shop/components/search', { status: 'partial_outage' });
    r = await t.request('GET', '/status/shop/api/v2/summary.json', undefined, {
      token: null,
      headers: { 'if-none-match': etag },
    });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().status.indicator, 'major');
    await t.request('PUT', '/api/v1/status-pages/shop/components/search', { status: 'auto' });
    // Encoded once per rendering: gzip for clients that take it.
    r = await t.request('GET', '/status/shop', undefined, {
      token: null,
      headers: { 'accept-encoding': 'gzip, br' },
    });
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.match(gunzipSync(r.rawPayload).toString(), /<h1><a href="\/status\/shop">Shop<\/a> status<\/h1>/);
    r = await t.request('GET', '/status/shop/style.css', undefined, pub);
    assert.equal(r.headers['content-type'], 'text/css; charset=utf-8');
    assert.match(r.body, /prefers-color-scheme:dark/);
    assert.match(
      (await t.request('GET', '/status/internal/style.css', undefined, pub)).body,
      /color-scheme:dark/,
    );

    // Private: no sign-in → 401 (a small HTML page for browsers, a problem for API clients).
    r = await t.request('GET', '/status/internal', undefined, {
      token: null,
      headers: { accept: 'text/html' },
    });
    assert.equal(r.statusCode, 401);
    assert.match(r.body, /This status page is private/);
    assert.equal(r.headers['cache-control'], 'private, no-store');
    r = await t.request('GET', '/status/internal/api/v2/summary.json', undefined, pub);
    assert.equal(r.statusCode, 401);
    assert.match(r.json().detail, /private/);
    assert.equal((await t.request('GET', '/status/internal/history.atom', undefined, pub)).statusCode, 401);
    const viewer = await t.token('viewer');
    r = await t.request('GET', '/status/internal/api/v2/summary.json', undefined, { token: viewer });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().page.name, 'Internal');
    assert.equal(r.headers['access-control-allow-origin'], undefined, 'no open CORS on a private page');
    // A private page takes no self-service sign-ups (nothing to post to, no footer link).
    r = await t.request('GET', '/status/internal/subscribe', undefined, pub);
    assert.equal(r.statusCode, 404);
    assert.match(r.body, /Subscriptions are managed by the operators/);
    r = await t.request('POST', '/status/internal/subscribe', 'email=a%40b.example', {
      token: null,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(r.statusCode, 404);
    r = await t.request('GET', '/status/internal', undefined, {
      token: viewer,
      headers: { accept: 'text/html' },
    });
    assert.doesNotMatch(r.body, /\/subscribe"/);
    r = await t.request('GET', '/status/shop', undefined, { token: null, headers: { accept: 'text/html' } });
    assert.match(r.body, /<a href="\/status\/shop\/subscribe">Subscribe to updates<\/a>/);

    // Custom domain: the Host header picks the page, at the root too.
    const host = { token: null, headers: { host: 'status.shop.example', accept: 'text/html' } };
    r = await t.request('GET', '/', undefined, host);
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /<h1><a href="\/status\/shop">Shop<\/a> status<\/h1>/);
    r = await t.request('GET', '/status.json', undefined, host);
    assert.equal(r.statusCode, 404, 'only the page paths are taken over');
    r = await t.request('GET', '/api/v2/status.json', undefined, {
      token: null,
      headers: { host: 'STATUS.shop.example:8443' },
    });
    assert.equal(r.json().page.id, 'shop');
    assert.equal((await t.request('GET', '/history.rss', undefined, host)).statusCode, 200);

    // Templates fill in {{page}} and {{components}}; the preview renders a draft and stores nothing.
    r = await t.request('POST', '/api/v1/status-pages/shop/preview', {
      name: '{{components}} down',
      status: 'identified',
      body: '{{components}} on {{page}} fails.',
      components: { checkout: 'major_outage', search: 'degraded_performance' },
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().name, 'Checkout and Search down');
    assert.match(r.json().html, /Major System Outage/);
    assert.match(r.json().html, /Checkout and Search on Shop fails\./);
    r = await t.request('POST', '/api/v1/status-pages/shop/preview', {
      body: 'x',
      components: { nope: 'major_outage' },
    });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().errors[0].path, 'body.components');
    assert.deepEqual((await t.request('GET', '/api/v1/status-pages/shop/incidents')).json().items, []);
    const responder = await t.token('responder');
    assert.equal(
      (await t.request('POST', '/api/v1/status-pages/shop/preview', { body: 'x' }, { token: viewer }))
        .statusCode,
      403,
    );
    r = await t.request(
      'POST',
      '/api/v1/status-pages/shop/incidents',
      {
        name: '{{components}} down',
        body: '{{components}} on {{page}} fails.',
        components: { checkout: 'partial_outage' },
      },
      { token: responder },
    );
    assert.equal(r.statusCode, 201, r.body);
    const first = r.json();
    assert.equal(first.name, 'Checkout down');
    assert.equal(first.updates[0].body, 'Checkout on Shop fails.');
    // Preview of an update to it.
    r = await t.request('POST', '/api/v1/status-pages/shop/preview', {
      id: first.id,
      status: 'resolved',
      body: 'Fixed.',
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(r.json().html, /All Systems Operational/);
    assert.match(r.json().html, /Checkout on Shop fails\./, 'earlier updates stay');
    r = await t.request('POST', `/api/v1/status-incidents/${first.id}/updates`, {
      status: 'resolved',
      body: 'Fixed.',
    });
    assert.equal(r.statusCode, 200, r.body);

    // History by month: an incident 40 days later lands in another month.
    await t.advance(40 * 86_400_000);
    r = await t.request('POST', '/api/v1/status-pages/shop/incidents', {
      name: 'Slow search',
      body: 'Looking.',
    });
    assert.equal(r.statusCode, 201, r.body);
    r = await t.request('GET', '/status/shop/history/2026-11', undefined, pub);
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /Incident history — November 2026/);
    assert.match(r.body, /Checkout down/);
    assert.doesNotMatch(r.body, /Slow search/);
    assert.match(r.body, /href="\/status\/shop\/history\/2027-01"/);
    r = await t.request('GET', '/status/shop/history', undefined, pub);
    assert.match(r.body, /January 2027/);
    assert.match(r.body, /Slow search/);
    r = await t.request('GET', '/status/shop/history/2026-13', undefined, pub);
    assert.equal(r.statusCode, 400);
    assert.match((await t.request('GET', '/history/2026-11', undefined, host)).body, /Checkout down/);

    // The incident list: filters and keyset pagination.
    for (let i = 0; i < 3; i++)
      await t.request('POST', '/api/v1/status-pages/shop/incidents', { name: `Extra ${i}`, body: 'b' });
    r = await t.request('GET', '/api/v1/status-pages/shop/incidents?kind=incident&limit=2');
    let page1 = r.json();
    assert.equal(page1.items.length, 2);
    assert.ok(page1.next_cursor);
    const names: string[] = page1.items.map((i: any) => i.name);
    while (page1.next_cursor) {
      page1 = (
        await t.request(
          'GET',
          `/api/v1/status-pages/shop/incidents?kind=incident&limit=2&cursor=${page1.next_cursor}`,
        )
      ).json();
      names.push(...page1.items.map((i: any) => i.name));
    }
    assert.deepEqual(names, ['Extra 2', 'Extra 1', 'Extra 0', 'Slow search', 'Checkout down']);
    r = await t.request('GET', '/api/v1/status-pages/shop/incidents?state=resolved');
    assert.deepEqual(
      r.json().items.map((i: any) => i.name),
      ['Checkout down'],
    );
    assert.equal((await t.request('GET', '/api/v1/status-pages/shop/incidents?cursor=zzz')).statusCode, 400);
    r = await t.request('GET', '/api/v1/status-pages/shop/summary');
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(r.json().incidents.length, 4);

    // The alerting module's maintenance windows show on the page for the components of their services.
    const now = t.clock.now();
    const at = (ms: number) => new Date(ms).toISOString().slice(0, 16);
    r = await t.request('POST', '/api/v1/maintenance-windows', {
      key: 'shop-db',
      title: 'Shop database upgrade',
      description: 'Checkout may be unavailable for a few minutes.',
      services: ['shop'],
      start: at(now + 2 * 3_600_000),
      duration: '1h',
      notice: '1d',
    });
    assert.equal(r.statusCode, 201, r.body);
    const upcoming = async () =>
      (await t.request('GET', '/api/v2/scheduled-maintenances/upcoming.json', undefined, pub)).json()
        .scheduled_maintenances;
    let ups = await upcoming();
    assert.equal(ups.length, 1);
    assert.equal(ups[0].name, 'Shop database upgrade');
    assert.deepEqual(
      ups[0].components.map((c: any) => c.id),
      ['checkout'],
    );
    assert.match(
      (await t.request('GET', '/status/shop/maintenance.ics', undefined, pub)).body,
      /SUMMARY:Shop database upgrade/,
    );
    const checkout = async () =>
      (await t.request('GET', '/api/v2/components.json', undefined, pub))
        .json()
        .components.find((c: any) => c.id === 'checkout').status;
    await t.advance(2 * 3_600_000 + 20_000);
    await step();
    assert.equal(await checkout(), 'under_maintenance');
    const active = (
      await t.request('GET', '/api/v2/scheduled-maintenances/active.json', undefined, pub)
    ).json();
    assert.equal(active.scheduled_maintenances[0].status, 'in_progress');
    await t.advance(3_600_000);
    await step();
    assert.equal(await checkout(), 'operational');
    ups = await upcoming();
    assert.deepEqual(ups, []);
  } finally {
    await t.close();
  }
});
