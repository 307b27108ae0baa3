/**
 * Unit of work: a transaction plus callbacks that run only after it commits (in-process event
 * delivery, cache refreshes). Services take a `Tx` so one use case can span several stores.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';

export interface Tx {
  db: Kysely<Database> | Transaction<Database>;
  /** Runs `fn` once the surrounding transaction has committed (never on rollback). */
  afterCommit(fn: () => void): void;
}

/** Runs `fn` in one transaction; after-commit callbacks fire once it has committed. */
export async function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const after: Array<() => void> = [];
  const result = await db.kysely
    .transaction()
    .execute((trx) => fn({ db: trx, afterCommit: (f) => after.push(f) }));
  for (const f of after) {
    try {
      f();
    } catch {
      // A failing subscriber must not turn a committed write into an error for the caller.
    }
  }
  return result;
}
