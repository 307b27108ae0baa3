/**
 * Browser sessions. The cookie holds a random secret; the store keeps only its SHA-256, so a
 * leaked database cannot be replayed as sessions. Sessions end after an idle period, at an
 * absolute lifetime, on logout and when the user's password changes. The CSRF token is derived
 * from the session secret, so it is bound to the session without being stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../db/db.ts';
import type { Tx } from '../../db/tx.ts';
import type { Clock } from '../../kernel/clock.ts';
import { HOUR } from '../../kernel/clock.ts';
import { newId } from '../../kernel/ids.ts';
import { idb } from './store.ts';

export const SESSION_COOKIE = 'vigil_session';
const SECRET_PREFIX = 'vss_';

export interface SessionPolicy {
  /** A session unused for this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, however active. */
  absoluteMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 12 * HOUR, absoluteMs: 7 * 24 * HOUR };

export interface Session {
  id: string;
  userKey: string;
  method: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The CSRF token of a session secret (a different hash than the stored one). */
export const csrfFor = (secret: string) =>
  createHash('sha256').update(`vigil-csrf\0${secret}`).digest('base64url');

/** Reads one cookie from a Cookie header (no dependency for a ten-line parser). */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      try {
        return decodeURIComponent(v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** The Set-Cookie value for a session (or its removal when `secret` is null). */
export function sessionCookie(secret: string | null, secure: boolean, maxAgeMs?: number): string {
  const attrs = ['HttpOnly', 'SameSite=Lax', 'Path=/'];
  if (secure) attrs.push('Secure');
  if (secret === null) return `${SESSION_COOKIE}=; ${attrs.join('; ')}; Max-Age=0`;
  if (maxAgeMs !== undefined) attrs.push(`Max-Age=${Math.floor(maxAgeMs / 1000)}`);
  return `${SESSION_COOKIE}=${secret}; ${attrs.join('; ')}`;
}

export class SessionStore {
  constructor(
    private db: Db,
    private clock: Clock,
    readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
  ) {}

  /** Starts a session for `userKey`; the secret goes into the cookie and is never stored. */
  async create(
    tx: Tx,
    userKey: string,
    method: string,
    meta: { sourceIp?: string | null; userAgent?: string | null } = {},
  ): Promise<{ session: Session; secret: string }> {
    const now = this.clock.now();
    const secret = SECRET_PREFIX + randomBytes(32).toString('base64url');
    const session: Session = {
      id: newId(this.clock),
      userKey,
      method,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.policy.absoluteMs,
    };
    await idb(tx.db)
      .insertInto('identity_sessions')
      .values({
        id: session.id,
        token_hash: sha256(secret),
        user_key: userKey,
        method,
        created_at: now,
        last_seen_at: now,
        expires_at: session.expiresAt,
        revoked_at: null,
        source_ip: meta.sourceIp ?? null,
        user_agent: meta.userAgent?.slice(0, 300) ?? null,
      })
      .execute();
    return { session, secret };
  }

  /** The live session for a cookie secret, touching its idle timer; null when unknown or ended. */
  async resolve(secret: string): Promise<Session | null> {
    if (!secret.startsWith(SECRET_PREFIX) || secret.length > 200) return null;
    const row = await idb(this.db.kysely)
      .selectFrom('identity_sessions')
      .selectAll()
      .where('token_hash', '=', sha256(secret))
      .executeTakeFirst();
    const now = this.clock.now();
    if (!row || row.revoked_at !== null) return null;
    if (Number(row.expires_at) <= now || Number(row.last_seen_at) + this.policy.idleMs <= now) return null;
    // The idle timer has minute resolution: one write a minute per session, not one per request.
    if (now - Number(row.last_seen_at) >= 60_000) {
      await idb(this.db.kysely)
        .updateTable('identity_sessions')
        .set({ last_seen_at: now })
        .where('id', '=', row.id)
        .execute();
    }
    return {
      id: row.id,
      userKey: row.user_key,
      method: row.method,
      createdAt: Number(row.created_at),
      lastSeenAt: now,
      expiresAt: Number(row.expires_at),
    };
  }

  /** Ends one session (logout). */
  async revoke(tx: Tx, id: string): Promise<void> {
    await idb(tx.db)
      .updateTable('identity_sessions')
      .set({ revoked_at: this.clock.now() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Ends every session of a user (password change, reset, user removed); returns how many. */
  async revokeAllFor(tx: Tx, userKey: string, exceptId?: string): Promise<number> {
    let q = idb(tx.db)
      .updateTable('identity_sessions')
      .set({ revoked_at: this.clock.now() })
      .where('user_key', '=', userKey)
      .where('revoked_at', 'is', null);
    if (exceptId) q = q.where('id', '!=', exceptId);
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  }

  /** Deletes sessions that ended more than a day ago (bounded batch). */
  async sweep(now: number, limit = 500): Promise<number> {
    const cutoff = now - 24 * HOUR;
    const ids = await idb(this.db.kysely)
      .selectFrom('identity_sessions')
      .select('id')
      .where((eb) =>
        eb.or([
          eb('expires_at', '<', cutoff),
          eb('last_seen_at', '<', cutoff - this.policy.idleMs),
          eb('revoked_at', '<', cutoff),
        ]),
      )
      .limit(limit)
      .execute();
    if (ids.length === 0) return 0;
    await idb(this.db.kysely)
      .deleteFrom('identity_sessions')
      .where(
        'id',
        'in',
        ids.map((r) => r.id),
      )
      .execute();
    return ids.length;
  }
}
