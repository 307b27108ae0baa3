import type { Kysely } from 'kysely';

/** Alert store, aggregation groups and their members, silences, integration keys. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('alerts_alerts')
    .addColumn('fingerprint', 'text', (c) => c.primaryKey())
    .addColumn('external_key', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('integration', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('annotations', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint')
    .addColumn('generator_url', 'text')
    .addColumn('value', 'double precision')
    .addColumn('acknowledged', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('routes', 'text', (c) => c.notNull())
    .addColumn('pending', 'integer', (c) => c.notNull())
    .addColumn('received', 'integer', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alerts_alerts_pending').on('alerts_alerts').column('pending').execute();
  await db.schema
    .createIndex('alerts_alerts_state')
    .on('alerts_alerts')
    .columns(['state', 'updated_at'])
    .execute();
  await db.schema
    .createTable('alerts_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('route_id', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('group_labels', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text')
    .addColumn('last_notified_at', 'bigint')
    .addColumn('last_notified_hash', 'text')
    .addColumn('notifications', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('alerts_group_members')
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addColumn('linked', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('alerts_group_members_pk', ['group_id', 'fingerprint'])
    .execute();
  await db.schema
    .createIndex('alerts_group_members_fp')
    .on('alerts_group_members')
    .column('fingerprint')
    .execute();
  await db.schema
    .createTable('alerts_silences')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('matchers', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alerts_silences_ends').on('alerts_silences').column('ends_at').execute();
  await db.schema
    .createTable('alerts_integration_keys')
    .addColumn('integration', 'text', (c) => c.primaryKey())
    .addColumn('secret', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
