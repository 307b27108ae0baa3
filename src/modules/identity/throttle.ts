/**
 * Sign-in throttling in the store (so it holds across restarts and replicas): an account locks
 * after `accountLimit` failures within `windowMs`, and a source address is refused after
 * `ipLimit` failures in the same window. Locks lift by themselves as failures age out.
 */
import type { Db } from '../../db/db.ts';
import type { Clock } from '../../kernel/clock.ts';
import { formatDuration, MINUTE } from '../../kernel/clock.ts';
import { VigilError } from '../../kernel/errors.ts';
import { newId } from '../../kernel/ids.ts';
import { idb } from './store.ts';

export interface ThrottlePolicy {
  windowMs: number;
  accountLimit: number;
  ipLimit: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { windowMs: 15 * MINUTE, accountLimit: 5, ipLimit: 20 };

/** A 429 problem saying when to try again. */
function tooMany(message: string, until: number, now: number): VigilError {
  return new VigilError(429, 'too-many-attempts', message, {
    retry_after_seconds: Math.max(1, Math.ceil((until - now) / 1000)),
    locked_until: new Date(until).toISOString(),
  });
}

export class LoginThrottle {
  constructor(
    private db: Db,
    private clock: Clock,
    readonly policy: ThrottlePolicy = DEFAULT_THROTTLE,
  ) {}

  /** When `limit` failures are inside the window, the instant the oldest relevant one ages out. */
  private async lockedUntil(column: 'account' | 'source_ip', value: string, limit: number, now: number) {
    const rows = await idb(this.db.kysely)
      .selectFrom('identity_login_failures')
      .select('at')
      .where(column, '=', value)
      .where('at', '>', now - this.policy.windowMs)
      .orderBy('at', 'desc')
      .limit(limit)
      .execute();
    if (rows.length < limit) return null;
    return Number(rows[rows.length - 1].at) + this.policy.windowMs;
  }

  /** Throws 429 when the account or the address is locked out right now. */
  async check(account: string, ip: string): Promise<void> {
    const now = this.clock.now();
    const ipUntil = await this.lockedUntil('source_ip', ip, this.policy.ipLimit, now);
    if (ipUntil !== null) {
      throw tooMany(
        `too many failed sign-ins from your address; try again in ${formatDuration(ipUntil - now)} (at ${new Date(ipUntil).toISOString()})`,
        ipUntil,
        now,
      );
    }
    const until = await this.lockedUntil('account', account, this.policy.accountLimit, now);
    if (until !== null) {
      throw tooMany(
        `this account is locked after ${this.policy.accountLimit} failed sign-ins; try again after ${new Date(until).toISOString()} (in ${formatDuration(until - now)}), or ask an admin for a password reset link`,
        until,
        now,
      );
    }
  }

  /** Records a failure; returns how many attempts the account has left before it locks. */
  async fail(account: string, ip: string): Promise<number> {
    const now = this.clock.now();
    await idb(this.db.kysely)
      .insertInto('identity_login_failures')
      .values({ id: newId(this.clock), account, source_ip: ip, at: now })
      .execute();
    const recent = await idb(this.db.kysely)
      .selectFrom('identity_login_failures')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account', '=', account)
      .where('at', '>', now - this.policy.windowMs)
      .executeTakeFirstOrThrow();
    return Math.max(0, this.policy.accountLimit - Number(recent.n));
  }

  /** Forgets an account's failures after it signs in or its password is reset. */
  async clear(account: string): Promise<void> {
    await idb(this.db.kysely).deleteFrom('identity_login_failures').where('account', '=', account).execute();
  }

  /** Deletes failures older than the window (bounded batch). */
  async sweep(now: number): Promise<number> {
    const r = await idb(this.db.kysely)
      .deleteFrom('identity_login_failures')
      .where('at', '<', now - this.policy.windowMs)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
