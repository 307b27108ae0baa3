import type { Kysely } from 'kysely';

/** Durable consumer offsets for the domain event log (engines that react to events). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_consumers')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_type_seq').on('events').columns(['type', 'seq']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_type_seq').execute();
  await db.schema.dropTable('event_consumers').execute();
}
