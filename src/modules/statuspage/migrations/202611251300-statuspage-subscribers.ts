import type { Kysely } from 'kysely';

/**
 * Status page subscribers (e-mail with double opt-in, webhooks) and the durable outbox of webhook
 * deliveries. E-mail goes through the notify module's outbox; webhooks have their own because
 * their body is a Statuspage-shaped document, not a notify message.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('statuspage_subscribers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('page', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull()) // email | webhook
    .addColumn('address', 'text', (c) => c.notNull()) // lower-cased e-mail address or webhook URL
    .addColumn('components', 'text') // JSON array of component keys; null = every component
    .addColumn('state', 'text', (c) => c.notNull()) // pending | confirmed
    .addColumn('token', 'text', (c) => c.notNull()) // confirm / manage / unsubscribe capability
    .addColumn('secret', 'text') // webhook signing secret (whsec_…)
    .addColumn('description', 'text')
    .addColumn('source', 'text', (c) => c.notNull()) // public | operator:<actor>
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('confirm_sent_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('statuspage_subscribers_address')
    .on('statuspage_subscribers')
    .columns(['page', 'type', 'address'])
    .unique()
    .execute();
  await db.schema
    .createIndex('statuspage_subscribers_token')
    .on('statuspage_subscribers')
    .column('token')
    .unique()
    .execute();
  await db.schema
    .createTable('statuspage_sub_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('page', 'text', (c) => c.notNull())
    .addColumn('subscriber', 'text', (c) => c.notNull())
    .addColumn('dedup_key', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // pending | sent | failed | cancelled
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('statuspage_sub_deliveries_dedup')
    .on('statuspage_sub_deliveries')
    .column('dedup_key')
    .unique()
    .execute();
  await db.schema
    .createIndex('statuspage_sub_deliveries_due')
    .on('statuspage_sub_deliveries')
    .columns(['status', 'next_at'])
    .execute();
  await db.schema
    .createIndex('statuspage_sub_deliveries_subscriber')
    .on('statuspage_sub_deliveries')
    .columns(['subscriber', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['statuspage_sub_deliveries', 'statuspage_subscribers'])
    await db.schema.dropTable(t).execute();
}
