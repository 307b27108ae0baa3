import type { Kysely } from 'kysely';

/**
 * The status list's read model: one row per probe/heartbeat with the spec fields lists filter on
 * (kind, type, service, name) and one row per label, maintained from the catalog's events, so a
 * page is one indexed query joined with the state tables instead of a scan of every object.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('checks_index')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('service', 'text')
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('runbook', 'text')
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('checks_index_pk', ['key', 'kind'])
    .execute();
  await db.schema
    .createIndex('checks_index_service')
    .on('checks_index')
    .columns(['service', 'key'])
    .execute();
  await db.schema.createIndex('checks_index_type').on('checks_index').columns(['type', 'key']).execute();
  await db.schema
    .createTable('checks_index_labels')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('checks_index_labels_pk', ['kind', 'key', 'name'])
    .execute();
  await db.schema
    .createIndex('checks_index_labels_nv')
    .on('checks_index_labels')
    .columns(['name', 'value'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('checks_index_labels').execute();
  await db.schema.dropTable('checks_index').execute();
}
