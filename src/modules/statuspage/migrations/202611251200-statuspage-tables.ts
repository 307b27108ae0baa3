import type { Kysely } from 'kysely';

/** Component states, status-page incidents with their updates, and scheduled maintenance. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('statuspage_components')
    .addColumn('page', 'text', (c) => c.notNull())
    .addColumn('component', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('auto_status', 'text')
    .addColumn('auto_since', 'bigint')
    .addColumn('manual_status', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('statuspage_components_pk', ['page', 'component'])
    .execute();
  await db.schema
    .createTable('statuspage_incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('page', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull()) // incident | maintenance
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('impact', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text')
    .addColumn('components', 'text', (c) => c.notNull())
    .addColumn('scheduled_for', 'bigint')
    .addColumn('scheduled_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('monitoring_at', 'bigint')
    .addColumn('resolved_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('statuspage_incidents_page')
    .on('statuspage_incidents')
    .columns(['page', 'created_at'])
    .execute();
  await db.schema
    .createTable('statuspage_updates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sp_incident', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('affected', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('statuspage_updates_incident')
    .on('statuspage_updates')
    .columns(['sp_incident', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['statuspage_updates', 'statuspage_incidents', 'statuspage_components'])
    await db.schema.dropTable(t).execute();
}
