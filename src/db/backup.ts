/**
 * Logical backups that work the same on both engines (and can move data between them): one
 * consistent read transaction dumps every table as gzip-compressed JSON Lines; restore replaces
 * all rows in one transaction. Taken while Vigil runs (SQLite WAL readers do not block writers;
 * PostgreSQL uses a REPEATABLE READ snapshot).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Db } from './db.ts';
import { appliedMigrations } from './migrate.ts';

export const BACKUP_FORMAT = 'vigil-backup';

/** Kysely's own bookkeeping is recreated by migrations, never copied. */
const SKIP = /^(kysely_|sqlite_)/;

/** Every Vigil table in the current database/schema (foundation and modules alike). */
async function listTables(db: Db, exec: Kysely<any> | Transaction<any> = db.kysely): Promise<string[]> {
  if (db.dialect === 'sqlite') {
    const r = await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(exec);
    return r.rows
      .map((x) => x.name)
      .filter((n) => !SKIP.test(n))
      .sort();
  }
  const r = await sql<{ name: string }>`select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(exec);
  return r.rows
    .map((x) => x.name)
    .filter((n) => !SKIP.test(n))
    .sort();
}

export interface BackupSummary {
  tables: Record<string, number>;
  migrations: string[];
}

/** Writes a snapshot to `file`; returns row counts. */
export async function backupTo(db: Db, file: string, now: number): Promise<BackupSummary> {
  const migrations = await appliedMigrations(db);
  const lines: string[] = [];
  const tables: Record<string, number> = {};
  let trx = db.kysely.transaction();
  if (db.dialect === 'postgres') trx = trx.setIsolationLevel('repeatable read');
  await trx.execute(async (tx) => {
    for (const t of await listTables(db, tx)) {
      const rows = await tx
        .selectFrom(t as any)
        .selectAll()
        .execute();
      tables[t] = rows.length;
      for (const r of rows) lines.push(JSON.stringify({ t, r }));
    }
  });
  const header = JSON.stringify({
    format: BACKUP_FORMAT,
    version: 1,
    created_at: new Date(now).toISOString(),
    dialect: db.dialect,
    migrations,
    tables,
  });
  async function* gen() {
    yield `${header}\n`;
    for (const l of lines) yield `${l}\n`;
  }
  await pipeline(Readable.from(gen()), createGzip(), createWriteStream(file, { mode: 0o600 }));
  return { tables, migrations };
}

/** Replaces the store's contents with the snapshot in `file` (one transaction). */
export async function restoreFrom(db: Db, file: string): Promise<BackupSummary> {
  const gunzip = createGunzip();
  // pipeline forwards a read error (missing file) into the gunzip stream, which readline reports.
  pipeline(createReadStream(file), gunzip).catch((err) => gunzip.destroy(err));
  const rl = createInterface({ input: gunzip, crlfDelay: Infinity });
  let header: { format?: string; migrations?: string[]; tables?: Record<string, number> } | null = null;
  const rows = new Map<string, Record<string, unknown>[]>();
  try {
    for await (const line of rl) {
      if (!line) continue;
      const obj = JSON.parse(line);
      if (!header) {
        if (obj.format !== BACKUP_FORMAT) throw new Error('not a Vigil backup (missing header)');
        header = obj;
        continue;
      }
      if (!rows.has(obj.t)) rows.set(obj.t, []);
      rows.get(obj.t)!.push(obj.r);
    }
  } catch (err) {
    throw new Error(`cannot read backup ${file}: ${(err as Error).message}`);
  }
  if (!header) throw new Error(`cannot read backup ${file}: empty file`);
  const have = new Set(await appliedMigrations(db));
  const missing = (header.migrations ?? []).filter((m) => !have.has(m));
  if (missing.length)
    throw new Error(`backup needs a newer Vigil (unknown migrations: ${missing.join(', ')})`);
  const tables: Record<string, number> = {};
  const present = await listTables(db);
  const unknown = [...rows.keys()].filter((t) => !present.includes(t));
  if (unknown.length)
    throw new Error(`backup contains tables this Vigil does not have: ${unknown.join(', ')}`);
  await db.kysely.transaction().execute(async (tx) => {
    for (const t of present) await tx.deleteFrom(t as any).execute();
    for (const t of present) {
      const list = rows.get(t) ?? [];
      if (list.length === 0) continue;
      tables[t] = list.length;
      for (let i = 0; i < list.length; i += 200) {
        await tx
          .insertInto(t as any)
          .values(list.slice(i, i + 200))
          .execute();
      }
    }
    if (db.dialect === 'postgres') {
      // Identity columns must continue after the restored rows.
      const ids = await sql<{ t: string; c: string }>`select table_name as t, column_name as c
        from information_schema.columns where table_schema = current_schema() and is_identity = 'YES'`.execute(
        tx,
      );
      for (const { t, c } of ids.rows) {
        if (SKIP.test(t)) continue;
        await sql`select setval(pg_get_serial_sequence(${t}, ${c}), coalesce((select max(${sql.ref(c)}) from ${sql.table(t)}), 0) + 1, false)`.execute(
          tx,
        );
      }
    }
  });
  return { tables, migrations: header.migrations ?? [] };
}
