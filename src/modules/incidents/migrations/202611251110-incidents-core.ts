import type { Kysely } from 'kysely';

/** Incidents, their per-day id counters, dedup keys, linked alerts, postmortems and action items. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('incidents_incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('human_id', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text')
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('dedup_key', 'text')
    .addColumn('source_kind', 'text')
    .addColumn('source_key', 'text')
    .addColumn('commander', 'text')
    .addColumn('comms_lead', 'text')
    .addColumn('responders', 'text', (c) => c.notNull())
    .addColumn('services', 'text', (c) => c.notNull())
    .addColumn('links', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('opened_by', 'text', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'bigint')
    .addColumn('resolved_by', 'text')
    .addColumn('response_target_ms', 'bigint')
    .addColumn('response_due_at', 'bigint')
    .addColumn('breached_at', 'bigint')
    .addColumn('reopen_count', 'integer', (c) => c.notNull())
    .addColumn('merged_into', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incidents_incidents_opened')
    .on('incidents_incidents')
    .column('opened_at')
    .execute();
  await db.schema
    .createIndex('incidents_incidents_status')
    .on('incidents_incidents')
    .columns(['status', 'opened_at'])
    .execute();
  await db.schema
    .createTable('incidents_counters')
    .addColumn('scope', 'text', (c) => c.primaryKey())
    .addColumn('n', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('incidents_dedup')
    .addColumn('dedup_key', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text')
    .addColumn('touched_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('incidents_alerts')
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('alert_key', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attached_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addPrimaryKeyConstraint('incidents_alerts_pk', ['incident_id', 'alert_key'])
    .execute();
  await db.schema
    .createTable('incidents_postmortems')
    .addColumn('incident_id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('required', 'integer', (c) => c.notNull())
    .addColumn('due_at', 'bigint')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('published_at', 'bigint')
    .execute();
  await db.schema
    .createTable('incidents_action_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('due_at', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incidents_action_items_incident')
    .on('incidents_action_items')
    .column('incident_id')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'incidents_action_items',
    'incidents_postmortems',
    'incidents_alerts',
    'incidents_dedup',
    'incidents_counters',
    'incidents_incidents',
  ])
    await db.schema.dropTable(t).execute();
}
