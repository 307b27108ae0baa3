/**
 * Status page scenario on a VirtualClock: a check goes down → the component shows major_outage
 * after the hold-down (a single flap does not) → an incident is published and resolved (WT-2) →
 * the component is operational again; the Statuspage JSON, the HTML page and the feeds follow.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadModules } from '../../src/modules/registry.ts';
import { loadPlanFromString } from '../../src/plan/index.ts';
import { createTestApp } from '../support/app.ts';
import { testBothDbs } from '../support/db.ts';

testBothDbs('status page follows checks with a hold-down, publishes incidents and maintenance', async (h) => {
  let healthy = true;
  const target = createServer((_req, res) => res.writeHead(healthy ? 200 : 503).end(healthy ? 'ok' : 'down'));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const port = (target.address() as AddressInfo).port;
  const t = await createTestApp(h, { startEngines: true });
  try {
    await loadModules();
    const plan = loadPlanFromString(`
teams: [{ key: collab, name: Collaboration }]
services: [{ key: collaboration, name: Collaboration, owner: collab }]
checks:
  - { key: collab-health, name: Collaboration health, type: http, service: collaboration, url: "http://127.0.0.1:${port}/health", interval: 30s, timeout: 2s, down_after: 1 }
status_pages:
  - key: public
    name: WireTuner
    default: true
    hold_down: 2m
    components:
      - { key: collaboration, name: Collaboration, checks: [collab-health], services: [collaboration] }
      - { key: installer, name: Desktop installers, group: Downloads }
`);
    assert.ok(plan.ok, JSON.stringify(!plan.ok && plan.diagnostics));
    let r = await t.request('POST', '/api/v1/apply', {
      objects: plan.plan.objects,
      prune: false,
      files: plan.plan.files,
    });
    assert.equal(r.statusCode, 200, r.body);
    const summary = async () =>
      (await t.request('GET', '/api/v2/summary.json', undefined, { token: null })).json();
    const collab = async () => (await summary()).components.find((c: any) => c.id === 'collaboration').status;

    await t.advance(60_000);
    let s = await summary();
    assert.deepEqual(s.status, { indicator: 'none', description: 'All Systems Operational' });
    assert.equal(s.page.id, 'public');
    assert.equal(s.page.name, 'WireTuner');
    assert.ok(s.components.some((c: any) => c.group === true && c.name === 'Downloads'));
    // Probe results are also metrics (probe_success / probe_duration_seconds) for rules and dashboards.
    const probe = (
      await t.request(
        'GET',
        `/api/v1/query?query=${encodeURIComponent('probe_success{check="collab-health"}')}`,
      )
    ).json();
    assert.equal(probe.data.result[0]?.value[1], '1', JSON.stringify(probe));
    assert.equal(probe.data.result[0].metric.service, 'collaboration');

    // A one-probe flap does not reach the public page.
    healthy = false;
    await t.advance(35_000);
    healthy = true;
    await t.advance(60_000);
    assert.equal(await collab(), 'operational');

    // A real outage shows after the hold-down.
    healthy = false;
    await t.advance(60_000);
    assert.equal(await collab(), 'operational', 'still inside the hold-down');
    await t.advance(120_000);
    assert.equal(await collab(), 'major_outage');
    s = await summary();
    assert.equal(s.status.indicator, 'critical');
    assert.equal(s.status.description, 'Major System Outage');

    // WT-2: create → update → resolve from the operator API (what `vigil status incident …` calls).
    r = await t.request('POST', '/api/v1/status-pages/public/incidents', {
      name: 'Collaboration sync unavailable',
      status: 'investigating',
      body: 'We are investigating failed document sync.',
      components: { collaboration: 'major_outage' },
    });
    assert.equal(r.statusCode, 201, r.body);
    const id = r.json().id;
    r = await t.request('POST', `/api/v1/status-incidents/${id}/updates`, {
      status: 'identified',
      body: 'A bad deploy; rolling back.',
    });
    assert.equal(r.statusCode, 200, r.body);
    let unresolved = (
      await t.request('GET', '/api/v2/incidents/unresolved.json', undefined, { token: null })
    ).json();
    assert.equal(unresolved.incidents.length, 1);
    const inc = unresolved.incidents[0];
    assert.equal(inc.status, 'identified');
    assert.equal(inc.impact, 'critical');
    assert.deepEqual(
      inc.incident_updates.map((u: any) => u.status),
      ['identified', 'investigating'],
    );
    assert.deepEqual(inc.incident_updates[1].affected_components[0], {
      code: 'collaboration',
      name: 'Collaboration',
      old_status: 'operational',
      new_status: 'major_outage',
    });
    const page = await t.request('GET', '/status', undefined, { token: null });
    assert.match(page.body, /Collaboration sync unavailable/);
    assert.match(page.body, /aria-label="Collaboration: uptime over the last 90 days"/);
    assert.doesNotMatch(page.body, /<script/i, 'works without JavaScript');

    healthy = true;
    await t.advance(60_000 + 120_000);
    r = await t.request('POST', `/api/v1/status-incidents/${id}/updates`, {
      status: 'resolved',
      body: 'Sync is back.',
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(await collab(), 'operational');
    unresolved = (
      await t.request('GET', '/status/public/api/v2/incidents/unresolved.json', undefined, { token: null })
    ).json();
    assert.deepEqual(unresolved.incidents, []);
    const atom = await t.request('GET', '/status/public/history.atom', undefined, { token: null });
    assert.match(atom.body, /<entry>[\s\S]*Collaboration sync unavailable/);
    r = await t.request('POST', `/api/v1/status-incidents/${id}/updates`, {
      status: 'monitoring',
      body: 'late',
    });
    assert.equal(r.statusCode, 409);

    // An operator override wins until cleared.
    r = await t.request('PUT', '/api/v1/status-pages/public/components/installer', {
      status: 'degraded_performance',
    });
    assert.equal(r.statusCode, 204, r.body);
    assert.equal((await summary()).status.description, 'Partially Degraded Service');
    await t.request('PUT', '/api/v1/status-pages/public/components/installer', { status: 'auto' });
    assert.equal((await summary()).status.indicator, 'none');

    // Scheduled maintenance starts and completes by itself (CB-6 / FF-8).
    const start = t.clock.now() + 60_000;
    r = await t.request('POST', '/api/v1/status-pages/public/maintenances', {
      name: 'Database upgrade',
      body: 'Monthly maintenance window.',
      scheduled_for: new Date(start).toISOString(),
      scheduled_until: new Date(start + 600_000).toISOString(),
      components: ['collaboration'],
    });
    assert.equal(r.statusCode, 201, r.body);
    const upcoming = (
      await t.request('GET', '/api/v2/scheduled-maintenances/upcoming.json', undefined, { token: null })
    ).json();
    assert.equal(upcoming.scheduled_maintenances[0].name, 'Database upgrade');
    assert.match(
      (await t.request('GET', '/status/public/maintenance.ics', undefined, { token: null })).body,
      /SUMMARY:Database upgrade/,
    );
    await t.advance(60_000 + 20_000);
    assert.equal(await collab(), 'under_maintenance');
    assert.equal((await summary()).status.indicator, 'maintenance');
    await t.advance(600_000);
    assert.equal(await collab(), 'operational');
    const all = (
      await t.request('GET', '/api/v2/scheduled-maintenances.json', undefined, { token: null })
    ).json();
    assert.equal(all.scheduled_maintenances[0].status, 'completed');

    // Bad input is specific.
    r = await t.request('POST', '/api/v1/status-pages/public/incidents', {
      name: 'x',
      body: 'y',
      components: { nope: 'major_outage' },
    });
    assert.equal(r.statusCode, 400);
    assert.match(r.json().detail, /no component "nope"/);
    assert.equal((await t.request('GET', '/status/nope', undefined, { token: null })).statusCode, 404);
    const cors = await t.request('GET', '/api/v2/status.json', undefined, { token: null });
    assert.equal(cors.headers['access-control-allow-origin'], '*');
  } finally {
    await t.close();
    target.close();
  }
});
