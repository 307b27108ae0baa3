import type { Kysely } from 'kysely';
import { BUCKET_COLUMNS } from '../rollups.ts';

/** Probe state, raw results, rollups, heartbeat state, pings and the module's ping key. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('checks_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
    .addColumn('consecutive_successes', 'integer', (c) => c.notNull())
    .addColumn('paused', 'integer', (c) => c.notNull())
    .addColumn('last_run_at', 'bigint')
    .addColumn('last_status', 'text')
    .addColumn('last_latency_ms', 'double precision')
    .addColumn('last_error_class', 'text')
    .addColumn('last_error', 'text')
    .addColumn('last_lateness_ms', 'bigint')
    .addColumn('changed_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('checks_results')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('check_key', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('latency_ms', 'double precision', (c) => c.notNull())
    .addColumn('error_class', 'text')
    .addColumn('error', 'text')
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('lateness_ms', 'bigint')
    .addColumn('details', 'text')
    .execute();
  await db.schema
    .createIndex('checks_results_key_at')
    .on('checks_results')
    .columns(['check_key', 'at'])
    .execute();
  await db.schema.createIndex('checks_results_at').on('checks_results').column('at').execute();
  let t = db.schema
    .createTable('checks_rollups')
    .addColumn('check_key', 'text', (c) => c.notNull())
    .addColumn('resolution', 'text', (c) => c.notNull())
    .addColumn('start', 'bigint', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('up', 'integer', (c) => c.notNull())
    .addColumn('degraded', 'integer', (c) => c.notNull())
    .addColumn('down', 'integer', (c) => c.notNull())
    .addColumn('latency_sum', 'double precision', (c) => c.notNull());
  for (const col of BUCKET_COLUMNS) t = t.addColumn(col, 'integer', (c) => c.notNull().defaultTo(0));
  await t.addPrimaryKeyConstraint('checks_rollups_pk', ['check_key', 'resolution', 'start']).execute();
  await db.schema
    .createIndex('checks_rollups_res_start')
    .on('checks_rollups')
    .columns(['resolution', 'start'])
    .execute();
  await db.schema
    .createTable('heartbeats_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('uuid', 'text', (c) => c.notNull().unique())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('paused', 'integer', (c) => c.notNull())
    .addColumn('n_pings', 'integer', (c) => c.notNull())
    .addColumn('last_ping_at', 'bigint')
    .addColumn('last_ping_kind', 'text')
    .addColumn('started_at', 'bigint')
    .addColumn('started_rid', 'text')
    .addColumn('last_duration_ms', 'bigint')
    .addColumn('deadline_at', 'bigint')
    .addColumn('changed_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('heartbeats_state_slug').on('heartbeats_state').column('slug').execute();
  await db.schema
    .createTable('heartbeats_pings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('heartbeat_key', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('exit_status', 'integer')
    .addColumn('rid', 'text')
    .addColumn('duration_ms', 'bigint')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('remote_addr', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('body', 'text')
    .addColumn('body_truncated', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('heartbeats_pings_key_at')
    .on('heartbeats_pings')
    .columns(['heartbeat_key', 'at'])
    .execute();
  await db.schema
    .createTable('checks_meta')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'checks_meta',
    'heartbeats_pings',
    'heartbeats_state',
    'checks_rollups',
    'checks_results',
    'checks_state',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
