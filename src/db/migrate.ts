/**
 * Migrations live in code (one file each under migrations/), run in order on both engines, and
 * are applied automatically on start and by `vigil migrate`.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Db } from './db.ts';
import * as m0001 from './migrations/0001-foundation.ts';
import * as m0002 from './migrations/0002-event-consumers.ts';
import type { MigrationContext } from './migrations/helpers.ts';

export type PortableMigration = {
  up(db: Kysely<any>, ctx: MigrationContext): Promise<void>;
  down?(db: Kysely<any>, ctx: MigrationContext): Promise<void>;
};

/** The foundation's migrations; modules contribute theirs through their module definition. */
export const MIGRATIONS: Record<string, PortableMigration> = {
  '0001-foundation': m0001,
  '0002-event-consumers': m0002,
};

/** Foundation and module migrations together. */
async function allMigrations(): Promise<Record<string, PortableMigration>> {
  const { loadModules } = await import('../modules/registry.ts');
  const out: Record<string, PortableMigration> = { ...MIGRATIONS };
  for (const m of await loadModules()) {
    for (const [name, mig] of Object.entries(m.migrations ?? {})) {
      if (out[name]) throw new Error(`migration name ${name} is used twice`);
      out[name] = mig;
    }
  }
  return out;
}

class Provider implements MigrationProvider {
  constructor(private ctx: MigrationContext) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, m] of Object.entries(await allMigrations())) {
      out[name] = {
        up: (db) => m.up(db, this.ctx),
        down: m.down ? (db) => m.down!(db, this.ctx) : undefined,
      };
    }
    return out;
  }
}

/** Applies pending migrations; returns the names applied. Throws with the failing migration's name. */
function migrator(db: Db): Migrator {
  // Name the schema explicitly: Kysely otherwise looks for its bookkeeping tables in any schema.
  return new Migrator({
    db: db.kysely,
    provider: new Provider({ dialect: db.dialect }),
    // Modules add migrations independently; a new module's may sort before applied ones.
    allowUnorderedMigrations: true,
    ...(db.schema ? { migrationTableSchema: db.schema } : {}),
  });
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const m = migrator(db);
  const { error, results } = await m.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Names of applied migrations (for /version and backups), read straight from Kysely's bookkeeping
 * table: its introspection scans every schema of the database and fails when another schema is
 * dropped at the same moment.
 */
export async function appliedMigrations(db: Db): Promise<string[]> {
  const table = db.schema ? sql.table(`${db.schema}.kysely_migration`) : sql.table('kysely_migration');
  try {
    const r = await sql<{ name: string }>`select name from ${table} order by name`.execute(db.kysely);
    return r.rows.map((x) => x.name);
  } catch (err) {
    if (/does not exist|no such table/i.test((err as Error).message)) return []; // never migrated
    throw err;
  }
}
