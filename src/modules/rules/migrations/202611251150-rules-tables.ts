import type { Kysely } from 'kysely';

/** Alert instances (ALERTS_FOR_STATE), group evaluation state, transition history, check states. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rules_alerts')
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('annotations', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('active_at', 'bigint', (c) => c.notNull())
    .addColumn('fired_at', 'bigint')
    .addColumn('keep_firing_since', 'bigint')
    .addColumn('value', 'double precision')
    .addColumn('window', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rules_alerts_pk', ['rule_id', 'fingerprint'])
    .execute();
  await db.schema
    .createTable('rules_groups')
    .addColumn('group_key', 'text', (c) => c.primaryKey())
    .addColumn('last_eval_at', 'bigint')
    .addColumn('evaluation_ms', 'double precision')
    .addColumn('rules', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('rules_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('from_state', 'text', (c) => c.notNull())
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('value', 'double precision')
    .addColumn('labels', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('rules_history_fp_at')
    .on('rules_history')
    .columns(['fingerprint', 'at'])
    .execute();
  await db.schema
    .createTable('rules_check_states')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('service', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('since', 'bigint', (c) => c.notNull())
    .execute();
}
