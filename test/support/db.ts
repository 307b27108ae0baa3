/**
 * Runs store-touching tests on both engines. SQLite always; PostgreSQL at
 * VIGIL_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), each test in a
 * fresh schema that is dropped afterwards. Without a reachable PostgreSQL the PostgreSQL variant
 * is skipped with an explanation, except under CI=true, where it fails loudly.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { createDb, type Db, type DialectName } from '../../src/db/db.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

export const PG_TEST_URL = process.env.VIGIL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let pgAvailable: Promise<string | null> | undefined;
/** Resolves to null when PostgreSQL answers, else to the reason it does not. */
export function pgUnavailableReason(): Promise<string | null> {
  pgAvailable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return null;
    } catch (err) {
      return `PostgreSQL not reachable at ${PG_TEST_URL}: ${(err as Error).message}`;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgAvailable;
}

export interface TestDbHandle {
  db: Db;
  dialect: DialectName;
  /** Options that reopen the same database (for restart tests). */
  reopen(): Promise<Db>;
  /** Options that open this database from another process (crash tests). */
  options: { sqlitePath?: string; url?: string; pgSchema?: string };
  /** Removes the schema/files. */
  destroy(): Promise<void>;
}

let counter = 0;
/** Creates a migrated, empty database of the given engine. */
export async function createTestDb(dialect: DialectName): Promise<TestDbHandle> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-test-'));
    const path = join(dir, 'vigil.db');
    const db = await createDb({ sqlitePath: path });
    await migrateToLatest(db);
    return {
      db,
      dialect,
      options: { sqlitePath: path },
      reopen: () => createDb({ sqlitePath: path }),
      destroy: async () => {
        await db.close().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  // Under heavy parallel load a fresh schema has (rarely) been reported missing during the first
  // migration; set-up retries with a new schema so such a hiccup does not fail an unrelated test.
  let schema = '';
  let db: Db | undefined;
  for (let attempt = 1; ; attempt++) {
    schema = `t_${randomBytes(8).toString('hex')}_${counter++}`;
    const admin = new pg.Client({ connectionString: PG_TEST_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    db = await createDb({ url: PG_TEST_URL, pgSchema: schema });
    try {
      await migrateToLatest(db);
      break;
    } catch (err) {
      await db.close().catch(() => {});
      if (attempt >= 3) throw err;
      process.stderr.write(`test db set-up retry ${attempt}: ${(err as Error).message}\n`);
    }
  }
  return {
    db,
    dialect,
    options: { url: PG_TEST_URL, pgSchema: schema },
    reopen: () => createDb({ url: PG_TEST_URL, pgSchema: schema }),
    destroy: async () => {
      await db.close().catch(() => {});
      const c = new pg.Client({ connectionString: PG_TEST_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

/**
 * Declares `name` once per engine (`name [sqlite]`, `name [postgres]`), handing each a fresh
 * migrated database that is destroyed afterwards.
 */
export function testBothDbs(name: string, fn: (h: TestDbHandle) => Promise<void>): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    test(`${name} [${dialect}]`, async (t) => {
      if (dialect === 'postgres') {
        const reason = await pgUnavailableReason();
        if (reason) {
          if (process.env.CI === 'true') throw new Error(`${reason} (required under CI=true)`);
          t.skip(`${reason}; set VIGIL_TEST_DATABASE_URL to run the PostgreSQL variant`);
          return;
        }
      }
      const h = await createTestDb(dialect);
      try {
        await fn(h);
      } finally {
        await h.destroy();
      }
    });
  }
}
