import type { Kysely } from 'kysely';

/** The escalation policy that pages an incident, when its opener names one (an alert route's target). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('incidents_incidents').addColumn('escalation_policy', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('incidents_incidents').dropColumn('escalation_policy').execute();
}
