/**
 * The public JSON against schemas written from Statuspage's documented v2 shapes
 * (https://metastatuspage.com/api/v2 — summary, status, components, incidents, unresolved,
 * scheduled-maintenances, upcoming, active): every response carries `page`, field names and enums
 * as Statuspage has them, so existing widgets, monitors and bots read Vigil unchanged. Extra fields
 * are allowed (clients ignore them); missing or mistyped ones are not. Both stores.
 */
import assert from 'node:assert/strict';
import { type TSchema, Type } from '@sinclair/typebox';
import { createTestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { AjvModule } from '../../plan/ajv.ts';
import { loadModules } from '../registry.ts';
import type { StatusPageApi } from './module.ts';

const Nullable = (t: TSchema) => Type.Union([t, Type.Null()]);
const Time = Type.String({ format: 'date-time' });
const Enum = (...v: string[]) => Type.Union(v.map((x) => Type.Literal(x)));
const ComponentStatus = Enum(
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
);

const Page = Type.Object({
  id: Type.String(),
  name: Type.String(),
  url: Type.String({ format: 'uri' }),
  time_zone: Type.String(),
  updated_at: Time,
});
const Status = Type.Object({
  indicator: Enum('none', 'minor', 'major', 'critical', 'maintenance'),
  description: Type.String(),
});
const Component = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: ComponentStatus,
  created_at: Time,
  updated_at: Time,
  position: Type.Integer(),
  description: Nullable(Type.String()),
  showcase: Type.Boolean(),
  start_date: Nullable(Type.String()),
  group_id: Nullable(Type.String()),
  page_id: Type.String(),
  group: Type.Boolean(),
  only_show_if_degraded: Type.Boolean(),
  components: Type.Optional(Type.Array(Type.String())),
});
const Update = Type.Object({
  id: Type.String(),
  status: Type.String(),
  body: Type.String(),
  incident_id: Type.String(),
  created_at: Time,
  updated_at: Time,
  display_at: Time,
  affected_components: Nullable(
    Type.Array(
      Type.Object({
        code: Type.String(),
        name: Type.String(),
        old_status: ComponentStatus,
        new_status: ComponentStatus,
      }),
    ),
  ),
  deliver_notifications: Type.Boolean(),
  custom_tweet: Nullable(Type.String()),
  tweet_id: Nullable(Type.String()),
});
const incidentFields = {
  id: Type.String(),
  name: Type.String(),
  created_at: Time,
  updated_at: Time,
  monitoring_at: Nullable(Time),
  resolved_at: Nullable(Time),
  shortlink: Type.String(),
  started_at: Time,
  page_id: Type.String(),
  incident_updates: Type.Array(Update),
  components: Type.Array(Component),
};
const Incident = Type.Object({
  ...incidentFields,
  status: Enum('investigating', 'identified', 'monitoring', 'resolved', 'postmortem'),
  impact: Enum('none', 'minor', 'major', 'critical'),
});
const Maintenance = Type.Object({
  ...incidentFields,
  status: Enum('scheduled', 'in_progress', 'verifying', 'completed'),
  impact: Enum('none', 'minor', 'major', 'critical', 'maintenance'),
  scheduled_for: Time,
  scheduled_until: Time,
});
const Incidents = Type.Array(Incident);
const Maintenances = Type.Array(Maintenance);
const doc = (fields: Record<string, TSchema>) => Type.Object({ page: Page, ...fields });

const SCHEMAS: Record<string, TSchema> = {
  'summary.json': doc({
    components: Type.Array(Component),
    incidents: Incidents,
    scheduled_maintenances: Maintenances,
    status: Status,
  }),
  'status.json': doc({ status: Status }),
  'components.json': doc({ components: Type.Array(Component) }),
  'incidents.json': doc({ incidents: Incidents }),
  'incidents/unresolved.json': doc({ incidents: Incidents }),
  'scheduled-maintenances.json': doc({ scheduled_maintenances: Maintenances }),
  'scheduled-maintenances/upcoming.json': doc({ scheduled_maintenances: Maintenances }),
  'scheduled-maintenances/active.json': doc({ scheduled_maintenances: Maintenances }),
};

testBothDbs('the Statuspage v2 documents match Statuspage’s shapes', async (h) => {
  const t = await createTestApp(h);
  const ajv = AjvModule.create();
  const svc = t.app.modules.find<StatusPageApi>('statuspage')!.service;
  try {
    await loadModules();
    const ctx = { actor: 'test' };
    await t.request('POST', '/api/v1/teams', { key: 'ops', name: 'Ops' });
    await t.request('POST', '/api/v1/services', { key: 'db', name: 'DB', owner: 'ops' });
    let r = await t.request('POST', '/api/v1/status-pages', {
      key: 'public',
      name: 'Acme',
      default: true,
      time_zone: 'Europe/Berlin',
      components: [
        { key: 'api', name: 'API', description: 'The API' },
        { key: 'db', name: 'Database', group: 'Backend', services: ['db'] },
        { key: 'queue', name: 'Queue', group: 'Backend', only_show_if_degraded: true },
      ],
    });
    assert.equal(r.statusCode, 201, r.body);
    const open = await svc.createIncident(ctx, 'public', {
      name: 'API errors',
      body: 'Investigating.',
      components: { api: 'major_outage' },
    });
    await svc.updateIncident(ctx, open.id, { status: 'monitoring', body: 'Fix deployed.' });
    const done = await svc.createIncident(ctx, 'public', { name: 'Slow queue', body: 'Looking.' });
    await svc.updateIncident(ctx, done.id, { status: 'resolved', body: 'Fine again.' });
    const now = t.clock.now();
    await svc.scheduleMaintenance(ctx, 'public', {
      name: 'DB upgrade',
      body: 'Read-only for 10 minutes.',
      scheduled_for: now + 3_600_000,
      scheduled_until: now + 4_200_000,
      components: ['db'],
    });
    r = await t.request('POST', '/api/v1/maintenance-windows', {
      key: 'db-patch',
      title: 'DB patching',
      services: ['db'],
      start: new Date(now + 7_200_000).toISOString().slice(0, 16),
      duration: '30m',
      notice: '1d',
    });
    assert.equal(r.statusCode, 201, r.body);

    for (const [path, schema] of Object.entries(SCHEMAS)) {
      for (const url of [`/api/v2/${path}`, `/status/public/api/v2/${path}`]) {
        const res = await t.request('GET', url, undefined, { token: null });
        assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        assert.equal(res.headers['access-control-allow-origin'], '*');
        const body = res.json();
        const ok = ajv.validate(schema, body);
        assert.ok(ok, `${url}: ${ajv.errorsText(ajv.errors)}`);
      }
    }
    const summary = (await t.request('GET', '/api/v2/summary.json', undefined, { token: null })).json();
    assert.deepEqual(summary.status, { indicator: 'critical', description: 'Major System Outage' });
    assert.equal(summary.page.time_zone, 'Europe/Berlin');
    assert.deepEqual(
      summary.incidents.map((i: any) => [i.name, i.status, i.impact]),
      [['API errors', 'monitoring', 'critical']],
    );
    assert.ok(summary.incidents[0].monitoring_at);
    const group = summary.components.find((c: any) => c.group);
    assert.deepEqual([group.name, group.components], ['Backend', ['db', 'queue']]);
    assert.deepEqual(summary.scheduled_maintenances.map((m: any) => [m.name, m.status]).sort(), [
      ['DB patching', 'scheduled'],
      ['DB upgrade', 'scheduled'],
    ]);
    const all = (await t.request('GET', '/api/v2/incidents.json', undefined, { token: null })).json();
    assert.deepEqual(all.incidents.map((i: any) => i.name).sort(), ['API errors', 'Slow queue']);
  } finally {
    await t.close();
  }
});
