/**
 * Leadership leases: with several replicas on PostgreSQL, only the holder of an engine's lease
 * runs it. A lease is a row with an expiry, taken or renewed by a conditional write, so it works
 * the same on SQLite (one process, trivially) and PostgreSQL (many).
 */
import type { Db } from '../db/db.ts';

export class LeaseStore {
  constructor(private db: Db) {}

  /** Takes or renews `name` for `holder` until now+ttl; true when `holder` holds it afterwards. */
  async acquire(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    const expires = now + ttlMs;
    const res = await this.db.kysely
      .updateTable('engine_leases')
      .set({ holder, expires_at: expires })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_at', '<', now)]))
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) return true;
    try {
      await this.db.kysely
        .insertInto('engine_leases')
        .values({ name, holder, expires_at: expires })
        .execute();
      return true;
    } catch {
      return false; // someone else holds it (unique violation)
    }
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db.kysely
      .deleteFrom('engine_leases')
      .where('name', '=', name)
      .where('holder', '=', holder)
      .execute();
  }
}
