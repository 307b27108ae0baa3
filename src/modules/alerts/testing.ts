/** Test helpers for the alerts module: an app with severities, services and a routing plan. */
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import type { TestDbHandle } from '../../../test/support/db.ts';
import type { VirtualClock } from '../../kernel/clock.ts';
import { loadPlanFromString } from '../../plan/index.ts';

/** The plan body `POST /api/v1/apply` takes, from YAML. */
export function planBody(yaml: string) {
  const res = loadPlanFromString(yaml, 'vigil.yaml');
  if (!res.ok) throw new Error(JSON.stringify(res.diagnostics, null, 2));
  return { objects: res.plan.objects, prune: res.plan.prune, files: res.plan.files };
}

export const BASE_PLAN = `
version: 1
org: { name: Watch Point }
severities: { preset: sev1-4 }
teams:
  - { key: platform, name: Platform }
services:
  - { key: api, name: API, owner: platform }
  - { key: db, name: Database, owner: platform }
  - { key: web, name: Web, owner: platform }
`;

/** A test app (engines not started) with BASE_PLAN plus `routing` YAML applied. */
export async function alertsApp(
  h: TestDbHandle,
  routing = '',
  opts: { clock?: VirtualClock } = {},
): Promise<TestApp> {
  const t = await createTestApp(h, { clock: opts.clock });
  const r = await t.request('POST', '/api/v1/apply', planBody(BASE_PLAN + routing));
  if (r.statusCode !== 200) {
    await t.close();
    throw new Error(`apply failed: ${r.body}`);
  }
  return t;
}

/** Runs the router, then the group flusher, until neither has work due now. */
export async function pump(t: TestApp): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await t.app.runner.runOnce('alerts-router');
    if (!r?.more) break;
  }
  for (let i = 0; i < 50; i++) {
    const r = await t.app.runner.runOnce('alerts-groups');
    if (!r?.more) break;
  }
}

/** Moves virtual time by `ms` and pumps the alert engines. */
export async function tick(t: TestApp, ms: number): Promise<void> {
  await t.advance(ms);
  await pump(t);
}

/** The integration's secret (created on first call). */
export async function secretOf(t: TestApp, integration: string): Promise<string> {
  const r = await t.request('GET', `/api/v1/alerting/integrations/${integration}/secret`);
  if (r.statusCode !== 200) throw new Error(r.body);
  return r.json().secret;
}

/** `alert_group.notified` events, oldest first. */
export async function notifications(t: TestApp): Promise<Array<Record<string, any>>> {
  const events = await t.app.services.timeline.recent({ types: ['alert_group.notified'], limit: 500 });
  return events.reverse().map((e) => ({ at: e.at, ...e.data }));
}

/** An Alertmanager webhook (version 4) body. */
export function amPayload(
  alerts: Array<{
    fp: string;
    labels: Record<string, string>;
    status?: 'firing' | 'resolved';
    summary?: string;
  }>,
) {
  return {
    version: '4',
    groupKey: '{}:{}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'vigil',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.local',
    extra_field_from_the_future: true,
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: a.labels,
      annotations: {
        summary: a.summary ?? `${a.labels.alertname} on ${a.labels.service}`,
        runbook_url: 'https://runbooks.test/x',
      },
      startsAt: '2026-11-23T08:59:00Z',
      endsAt: a.status === 'resolved' ? '2026-11-23T09:10:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.local/graph',
      fingerprint: a.fp,
    })),
  };
}
