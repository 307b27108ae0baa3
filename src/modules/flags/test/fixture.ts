/** Test fixtures: a small plan with flags, and helpers to apply it and to publish alert events. */

import type { TestApp } from '../../../../test/support/app.ts';
import { inTransaction } from '../../../db/tx.ts';
import { loadPlanFromString } from '../../../plan/index.ts';

export const FLAGS_PLAN = `
version: 1
org: { name: Acme }
teams:
  - { key: platform, name: Platform }
  - { key: frontend, name: Frontend }
environments:
  - { key: staging, name: Staging }
  - { key: prod, name: Production, production: true }
users:
  - email: dev@acme.test
    name: Dev
    role: viewer
    grants: [{ role: responder, environments: [staging] }]
flags:
  conventions:
    name_pattern: "{prefix}_{feature}"
    required_tags: [team, type]
    default_off_in: [prod]
  segments:
    - key: staff
      conditions: [{ attribute: email, op: ends_with, value: "@acme.test" }]
  flags:
    - key: enable_email
      type: kill-switch
      owner: platform
      tags: [team:platform, type:kill-switch]
      default_variant: "on"
      environments:
        staging: { enabled: true }
        prod: { enabled: true }
      triggers:
        - { alert: email_bounce_spike, env: prod }
    - key: ui_checkout
      type: release
      owner: frontend
      tags: [team:frontend, type:release]
      environments:
        prod:
          enabled: true
          targeting:
            - { segments: [staff], variant: "on" }
    - key: ui_new_exporter
      type: release
      owner: frontend
      tags: [team:frontend, type:release]
      environments:
        prod:
          enabled: true
          staged_rollout:
            steps:
              - { percentage: 10, wait: 24h }
              - { percentage: 50, wait: 3d }
              - { percentage: 100 }
            on_guard_failure: pause
            guards: [snapshot_latency_p95]
    - key: ui_query_guarded
      type: release
      owner: frontend
      tags: [team:frontend, type:release]
      environments:
        prod:
          enabled: true
          staged_rollout:
            steps: [{ percentage: 20, wait: 1h }, { percentage: 100 }]
            guards: [{ query: 'http_error_ratio > 0.05' }]
`;

/** The request body of POST /api/v1/plan|apply for a YAML plan. */
export function planBody(yaml: string) {
  const res = loadPlanFromString(yaml, 'vigil.yaml');
  if (!res.ok) throw new Error(JSON.stringify(res.diagnostics, null, 2));
  return { objects: res.plan.objects, prune: res.plan.prune, files: res.plan.files };
}

/** Publishes an alert event the way the alerting module is expected to. */
export async function alertEvent(
  t: TestApp,
  type: 'alert.firing' | 'alert.resolved',
  rule: string,
  env?: string,
) {
  await inTransaction(t.app.db, (tx) =>
    t.app.services.timeline.append(tx, {
      type,
      subject: { kind: 'alert', key: rule },
      actor: 'system:alerts',
      data: { rule, labels: { severity: 'critical' }, ...(env ? { env } : {}) },
    }),
  );
}

/** Runs an engine until it has no more ready work. */
export async function drain(t: TestApp, engine: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await t.app.runner.runOnce(engine);
    if (!r?.more) return;
  }
}

/** Issues a client key for `env` and returns its secret. */
export async function clientKey(t: TestApp, env: string, rateLimit?: number): Promise<string> {
  const r = await t.request('POST', '/api/v1/flag-keys', {
    name: `test-${env}`,
    env,
    ...(rateLimit ? { rate_limit: rateLimit } : {}),
  });
  if (r.statusCode !== 201) throw new Error(r.body);
  return r.json().secret;
}
