import type { Kysely } from 'kysely';

/** Contact-method verification: a code sent to the destination, and when it was confirmed. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oncall_contact_verifications')
    // `<user>|<fingerprint of the destination>`: a changed destination needs a new verification.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_key', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text')
    .addColumn('code_expires_at', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('verified_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('oncall_contact_verifications_user')
    .on('oncall_contact_verifications')
    .column('user_key')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oncall_contact_verifications').execute();
}
