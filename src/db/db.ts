/**
 * The one store entry point: `createDb` opens embedded SQLite (default, WAL) or PostgreSQL
 * (`DATABASE_URL`), both behind the same Kysely instance. dialect.ts-level differences are kept
 * to the few places that need them (locking, backups, schema isolation for tests).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { BackgroundCheckpointer } from './checkpointer.ts';
import type { Database } from './schema.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface DbOptions {
  /** postgres://… for PostgreSQL; otherwise a SQLite file path (or ':memory:'). */
  url?: string;
  sqlitePath?: string;
  /** PostgreSQL schema to use (tests isolate themselves in a fresh schema). */
  pgSchema?: string;
  /** Observes each query's duration (for the store latency histogram). */
  onQuery?: (ms: number) => void;
  /** SQLite: checkpoint the WAL in a worker thread instead of inside commits (default true). */
  backgroundCheckpoint?: boolean;
}

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /** Human-readable location (file path or redacted URL) for logs. */
  location: string;
  /** The PostgreSQL schema in use when not the default search path. */
  schema?: string;
  /** SQLite: the WAL checkpointer (absent for PostgreSQL and in-memory stores). */
  checkpointer?: BackgroundCheckpointer;
  /**
   * PostgreSQL: LISTEN on `channel` on a dedicated connection (payloads of NOTIFY, delivered after
   * the notifying transaction commits); resolves to a function that stops listening. The channel
   * name is scoped to the schema in use, so isolated test schemas never hear each other.
   */
  listen?(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
  /** The channel name `listen` uses for `channel` (for NOTIFY). */
  channelName?(channel: string): string;
  close(): Promise<void>;
}

// int8 and numeric come back from pg as strings by default; our int8 columns hold epoch ms.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

/** Redacts the password in a database URL so it can be logged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

/** Opens the store. */
export async function createDb(opts: DbOptions): Promise<Db> {
  const log = opts.onQuery
    ? (event: { queryDurationMillis: number }) => opts.onQuery!(event.queryDurationMillis)
    : undefined;
  if (isPostgresUrl(opts.url)) {
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: 10,
      options: opts.pgSchema ? `-c search_path=${opts.pgSchema}` : undefined,
    });
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
    await sql`select 1`.execute(kysely);
    const url = opts.url;
    const channelName = (channel: string) =>
      `${channel}_${(opts.pgSchema ?? 'public').replace(/[^a-z0-9_]/gi, '_')}`.toLowerCase().slice(0, 63);
    return {
      kysely,
      dialect: 'postgres',
      location: redactUrl(opts.url) + (opts.pgSchema ? ` (schema ${opts.pgSchema})` : ''),
      schema: opts.pgSchema,
      channelName,
      async listen(channel, fn) {
        const client = new pg.Client({ connectionString: url });
        const name = channelName(channel);
        client.on('notification', (n) => {
          if (n.channel === name) fn(n.payload ?? '');
        });
        // A lost connection only loses wake-ups: every engine still polls at its interval.
        client.on('error', () => {});
        await client.connect();
        await client.query(`LISTEN "${name}"`);
        return async () => {
          await client.end().catch(() => {});
        };
      },
      close: () => kysely.destroy(),
    };
  }
  const path = opts.sqlitePath ?? ':memory:';
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const checkpointer =
    path !== ':memory:' && opts.backgroundCheckpoint !== false
      ? new BackgroundCheckpointer(database, path)
      : null;
  const kysely = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
    log,
  });
  return {
    kysely,
    dialect: 'sqlite',
    location: path,
    checkpointer: checkpointer ?? undefined,
    close: async () => {
      await checkpointer?.close();
      await kysely.destroy();
    },
  };
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, and Kysely runs one
 * query at a time per connection, so caching them by SQL text removes a large per-query cost.
 */
function withStatementCache(database: SQLite.Database): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = (source: string) => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = database.prepare(source);
      if (cache.size >= 1000) cache.clear();
      cache.set(source, stmt);
    }
    return stmt;
  };
  return new Proxy(database, {
    get(target, prop, receiver) {
      if (prop === 'prepare') return prepare;
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
