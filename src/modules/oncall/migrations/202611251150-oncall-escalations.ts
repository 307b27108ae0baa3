import type { Kysely } from 'kysely';

/** Escalation state per incident, API-created schedule overrides, and the calendar-feed secret. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oncall_escalations')
    .addColumn('incident_id', 'text', (c) => c.primaryKey())
    .addColumn('policy_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('incident', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('oncall_overrides')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('schedule_key', 'text', (c) => c.notNull())
    .addColumn('user_key', 'text')
    .addColumn('start_at', 'bigint', (c) => c.notNull())
    .addColumn('end_at', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('oncall_overrides_schedule')
    .on('oncall_overrides')
    .columns(['schedule_key', 'end_at'])
    .execute();
  await db.schema
    .createTable('oncall_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['oncall_secrets', 'oncall_overrides', 'oncall_escalations'])
    await db.schema.dropTable(t).execute();
}
