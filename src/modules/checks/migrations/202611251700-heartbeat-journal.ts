import type { Kysely } from 'kysely';
import { type MigrationContext, serialPk, serialPkColumn } from '../../../db/migrations/helpers.ts';

/**
 * The ping journal: steady-state pings (a success while up) are appended here, a table without
 * secondary indexes, and moved into `heartbeats_pings` with their state rows and deadline timers
 * in batches (see docs/checks.md, "Ping ingestion"). Same columns as `heartbeats_pings`.
 */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('heartbeats_ping_journal')
    .addColumn('seq', serialPk(ctx), (c) => serialPkColumn(ctx, c))
    .addColumn('id', 'text', (c) => c.notNull())
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
}
