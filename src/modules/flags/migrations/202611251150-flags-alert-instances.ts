import type { Kysely } from 'kysely';

/**
 * Alert state per alert instance: the rules engine fires one event per instance (fingerprint) of a
 * rule, so a rule fires in an environment while any of its instances there fires. The state is
 * derived from the event log, so the table is rebuilt empty.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('flags_alerts').execute();
  await db.schema
    .createTable('flags_alerts')
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('env', 'text', (c) => c.notNull())
    .addColumn('instance', 'text', (c) => c.notNull())
    .addColumn('firing', 'integer', (c) => c.notNull())
    .addColumn('since', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('flags_alerts_pk', ['rule', 'env', 'instance'])
    .execute();
}
