/** Test helpers for the incidents module: a test app with a severity ladder, teams and services. */
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
org: { name: Forge Factory }
severities: { preset: sev1-4 }
teams:
  - { key: platform, name: Platform }
  - { key: workers, name: Workers }
users:
  - { email: ann@ff.test, name: Ann, role: responder, teams: [platform] }
services:
  - { key: api, name: API, owner: platform }
  - { key: worker, name: Worker, owner: workers }
`;

/**
 * A test app with BASE_PLAN plus `extra` YAML applied. Engines are not started: tests drive the
 * incidents engine with `advance` so other modules' engines cannot interfere.
 */
export async function incidentApp(
  h: TestDbHandle,
  extra = '',
  opts: { clock?: VirtualClock } = {},
): Promise<TestApp> {
  const t = await createTestApp(h, { clock: opts.clock });
  const r = await t.request('POST', '/api/v1/apply', planBody(BASE_PLAN + extra));
  if (r.statusCode !== 200) {
    await t.close();
    throw new Error(`apply failed: ${r.body}`);
  }
  return t;
}

/** Event types of an incident's timeline, in order. */
export async function eventTypes(t: TestApp, id: string): Promise<string[]> {
  const r = await t.request('GET', `/api/v1/incidents/${id}/timeline`);
  return r.json().items.map((e: { type: string }) => e.type);
}

/** Moves virtual time by `ms`, then runs the incidents timer engine until it has nothing due. */
export async function advance(t: TestApp, ms: number): Promise<void> {
  await t.advance(ms);
  for (let i = 0; i < 20; i++) {
    const r = await t.app.runner.runOnce('incidents-timers');
    if (!r?.more) return;
  }
}
