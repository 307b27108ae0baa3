import type { Kysely } from 'kysely';

/**
 * Runtime state of flags that is not configuration: kill-switch overrides per environment, staged
 * rollout state, alert state seen on the event log, client keys, and the served-percentage history
 * and lifespans used for staleness and the lifespan figure.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('flags_overrides')
    .addColumn('flag', 'text', (c) => c.notNull())
    .addColumn('env', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('basis', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('incident', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('flags_overrides_pk', ['flag', 'env'])
    .execute();
  await db.schema
    .createTable('flags_rollouts')
    .addColumn('flag', 'text', (c) => c.notNull())
    .addColumn('env', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('step_index', 'integer', (c) => c.notNull())
    .addColumn('step_started_at', 'bigint')
    .addColumn('paused_reason', 'text')
    .addColumn('updated_at', 'bigint')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('flags_rollouts_pk', ['flag', 'env'])
    .execute();
  await db.schema
    .createTable('flags_alerts')
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('env', 'text', (c) => c.notNull())
    .addColumn('firing', 'integer', (c) => c.notNull())
    .addColumn('since', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('flags_alerts_pk', ['rule', 'env'])
    .execute();
  await db.schema
    .createTable('flags_client_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('env', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('rate_limit', 'integer')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema
    .createTable('flags_state_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('flag', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('percentages', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('flags_state_history_flag')
    .on('flags_state_history')
    .columns(['flag', 'at'])
    .execute();
  await db.schema
    .createTable('flags_lifespans')
    .addColumn('flag', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'flags_lifespans',
    'flags_state_history',
    'flags_client_keys',
    'flags_alerts',
    'flags_rollouts',
    'flags_overrides',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
