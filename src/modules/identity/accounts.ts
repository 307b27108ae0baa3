/**
 * People signing in: password sign-in with throttling, sessions, password changes, one-time
 * links (admin-issued password resets and the first-run setup link) and the first admin from
 * the environment. Users themselves are catalog objects (kind `user`, key = lowercased email);
 * this service owns only their credentials and sessions.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../db/db.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Clock } from '../../kernel/clock.ts';
import { HOUR } from '../../kernel/clock.ts';
import { invalid, notFound, unauthorized, VigilError } from '../../kernel/errors.ts';
import { newId } from '../../kernel/ids.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { ActorContext, CatalogService } from '../catalog/catalog-service.ts';
import { KEY_PATTERNS, type Role } from '../catalog/kinds.ts';
import { checkPasswordRules, hashPassword, verifyPassword } from './passwords.ts';
import { csrfFor, type Session, type SessionStore } from './sessions.ts';
import { idb } from './store.ts';
import type { LoginThrottle } from './throttle.ts';
import type { ScopedGrant } from './tokens.ts';

/** A user as sign-in sees them (from the catalog). */
export interface UserInfo {
  email: string;
  name: string;
  role: Role;
  teams: string[];
  grants: ScopedGrant[];
  timeZone: string | null;
}

export interface SignedIn {
  user: UserInfo;
  session: Session;
  /** Goes into the cookie. */
  secret: string;
  csrfToken: string;
}

export type LinkPurpose = 'reset' | 'setup';

export const RESET_LINK_TTL_MS = 24 * HOUR;
export const SETUP_LINK_TTL_MS = 24 * HOUR;
const LINK_PREFIX = 'vsl_';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Lowercases and trims an email into a user key. */
export const userKeyOf = (email: string) => email.trim().toLowerCase();

export class AccountService {
  constructor(
    private db: Db,
    private clock: Clock,
    private audit: AuditLog,
    private catalog: CatalogService,
    readonly sessions: SessionStore,
    private throttle: LoginThrottle,
    private baseUrl: () => Promise<string>,
  ) {}

  /** The catalog user for `key`, or null. */
  async findUser(key: string): Promise<UserInfo | null> {
    const k = userKeyOf(key);
    const page = await this.catalog.get('user', k).catch((err) => {
      if (err instanceof VigilError && err.status === 404) return null;
      throw err;
    });
    if (!page) return null;
    const s = page.spec as {
      email?: string;
      name: string;
      role: Role;
      teams?: string[];
      grants?: ScopedGrant[];
      time_zone?: string;
    };
    return {
      email: k,
      name: s.name,
      role: s.role,
      teams: s.teams ?? [],
      grants: s.grants ?? [],
      timeZone: s.time_zone ?? null,
    };
  }

  private async passwordHash(userKey: string): Promise<string | null> {
    const row = await idb(this.db.kysely)
      .selectFrom('identity_credentials')
      .select('password_hash')
      .where('user_key', '=', userKey)
      .executeTakeFirst();
    return row?.password_hash ?? null;
  }

  /** True when at least one user can sign in with a password. */
  async anyPassword(): Promise<boolean> {
    const r = await idb(this.db.kysely)
      .selectFrom('identity_credentials')
      .select('user_key')
      .limit(1)
      .execute();
    return r.length > 0;
  }

  async hasPassword(userKey: string): Promise<boolean> {
    return (await this.passwordHash(userKeyOf(userKey))) !== null;
  }

  /** Starts a session for a known user inside `tx` (password, reset link, setup link or OIDC). */
  async startSession(
    tx: Tx,
    user: UserInfo,
    method: string,
    meta: { sourceIp?: string | null; userAgent?: string | null; requestId?: string | null },
  ): Promise<SignedIn> {
    const { session, secret } = await this.sessions.create(tx, user.email, method, meta);
    await this.audit.append(tx, {
      actor: `user:${user.email}`,
      action: 'session.start',
      object: { kind: 'user', key: user.email },
      after: { method, session: session.id },
      requestId: meta.requestId ?? null,
      sourceIp: meta.sourceIp ?? null,
    });
    return { user, session, secret, csrfToken: csrfFor(secret) };
  }

  /** Email + password sign-in; 401 on a wrong pair, 429 while throttled. */
  async login(
    email: string,
    password: string,
    meta: { sourceIp: string; userAgent?: string | null; requestId?: string | null },
  ): Promise<SignedIn> {
    const key = userKeyOf(email);
    await this.throttle.check(key, meta.sourceIp);
    const user = await this.findUser(key);
    const ok = await verifyPassword(user ? await this.passwordHash(key) : null, password);
    if (!user || !ok) {
      const left = await this.throttle.fail(key, meta.sourceIp);
      throw unauthorized(
        left > 0
          ? `wrong email or password (${left} attempt${left === 1 ? '' : 's'} left before this account is locked for ${Math.round(this.throttle.policy.windowMs / 60_000)} minutes)`
          : 'wrong email or password; this account is now locked for a while — ask an admin for a reset link or try later',
      );
    }
    await this.throttle.clear(key);
    return inTransaction(this.db, (tx) => this.startSession(tx, user, 'password', meta));
  }

  /** Ends a session (logout). */
  async logout(sessionId: string, ctx: ActorContext): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await this.sessions.revoke(tx, sessionId);
      await this.audit.append(tx, {
        ...ctx,
        action: 'session.end',
        object: { kind: 'user', key: ctx.actor.replace(/^user:/, '') },
        after: { session: sessionId },
      });
    });
  }

  /** Sets a user's password (rules checked) and ends all their other sessions. */
  async setPassword(
    ctx: ActorContext,
    email: string,
    password: string,
    opts: { keepSession?: string } = {},
  ): Promise<void> {
    const key = userKeyOf(email);
    if (!(await this.findUser(key))) throw notFound('user', key);
    checkPasswordRules(password, key);
    const hashed = await hashPassword(password);
    await inTransaction(this.db, (tx) => this.writePassword(tx, ctx, key, hashed, opts.keepSession));
    await this.throttle.clear(key);
  }

  /**
   * Stores a password hash inside `tx` and ends the user's other sessions. Callers read and hash
   * before opening the transaction (SQLite has one connection: no reads outside `tx` inside it).
   */
  private async writePassword(tx: Tx, ctx: ActorContext, key: string, hashed: string, keepSession?: string) {
    const now = this.clock.now();
    const db = idb(tx.db);
    const had = await db
      .selectFrom('identity_credentials')
      .select('user_key')
      .where('user_key', '=', key)
      .executeTakeFirst();
    if (had) {
      await db
        .updateTable('identity_credentials')
        .set({ password_hash: hashed, changed_at: now })
        .where('user_key', '=', key)
        .execute();
    } else {
      await db
        .insertInto('identity_credentials')
        .values({ user_key: key, password_hash: hashed, changed_at: now })
        .execute();
    }
    const ended = await this.sessions.revokeAllFor(tx, key, keepSession);
    await this.audit.append(tx, {
      ...ctx,
      action: 'user.password.set',
      object: { kind: 'user', key },
      after: { sessions_ended: ended },
    });
  }

  /** Signs a user out everywhere (admin action); returns how many sessions ended. */
  async endAllSessions(ctx: ActorContext, email: string): Promise<number> {
    const key = userKeyOf(email);
    return inTransaction(this.db, async (tx) => {
      const ended = await this.sessions.revokeAllFor(tx, key);
      await this.audit.append(tx, {
        ...ctx,
        action: 'user.sessions.end',
        object: { kind: 'user', key },
        after: { sessions_ended: ended },
      });
      return ended;
    });
  }

  /** A signed-in user changes their own password (the current one is required). */
  async changeOwnPassword(userKey: string, sessionId: string | undefined, current: string, next: string) {
    const ok = await verifyPassword(await this.passwordHash(userKey), current);
    if (!ok) throw unauthorized('the current password is wrong');
    await this.setPassword({ actor: `user:${userKey}` }, userKey, next, { keepSession: sessionId });
  }

  /** Issues a one-time link (reset for a user, or first-run setup); only its hash is stored. */
  async issueLink(
    ctx: ActorContext,
    purpose: LinkPurpose,
    userKey: string | null,
    ttlMs: number,
  ): Promise<{ url: string; token: string; expiresAt: number }> {
    if (purpose === 'reset') {
      if (!userKey || !(await this.findUser(userKey))) throw notFound('user', userKey ?? '');
    }
    const token = LINK_PREFIX + randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = now + ttlMs;
    await inTransaction(this.db, async (tx) => {
      // A new link of a kind replaces older unused ones for the same user (or the setup link).
      let old = idb(tx.db)
        .updateTable('identity_links')
        .set({ used_at: now })
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null);
      old = userKey === null ? old.where('user_key', 'is', null) : old.where('user_key', '=', userKey);
      await old.execute();
      await idb(tx.db)
        .insertInto('identity_links')
        .values({
          id: newId(this.clock),
          token_hash: sha256(token),
          purpose,
          user_key: userKey,
          created_by: ctx.actor,
          created_at: now,
          expires_at: expiresAt,
          used_at: null,
        })
        .execute();
      // The setup link is printed to the log at start, not a change by anyone: no audit event.
      if (purpose === 'reset' && userKey) {
        await this.audit.append(tx, {
          ...ctx,
          action: 'user.password.reset-link',
          object: { kind: 'user', key: userKey },
          after: { expires_at: new Date(expiresAt).toISOString() },
        });
      }
    });
    return { url: `${await this.baseUrl()}/${purpose}/${token}`, token, expiresAt };
  }

  /** Marks a link used inside `tx`; throws 400 when unknown, used or expired. */
  private async consumeLink(tx: Tx, purpose: LinkPurpose, token: string): Promise<string | null> {
    const now = this.clock.now();
    const row = await idb(tx.db)
      .selectFrom('identity_links')
      .selectAll()
      .where('token_hash', '=', sha256(token))
      .where('purpose', '=', purpose)
      .executeTakeFirst();
    const what = purpose === 'reset' ? 'password reset link' : 'setup link';
    if (!row) throw new VigilError(400, 'invalid-link', `this ${what} is not valid; ask for a new one`);
    if (row.used_at !== null) {
      throw new VigilError(
        400,
        'invalid-link',
        `this ${what} was already used (links work once); ask for a new one`,
      );
    }
    if (Number(row.expires_at) <= now) {
      throw new VigilError(
        400,
        'invalid-link',
        `this ${what} expired at ${new Date(Number(row.expires_at)).toISOString()}; ask for a new one`,
      );
    }
    const upd = await idb(tx.db)
      .updateTable('identity_links')
      .set({ used_at: now })
      .where('id', '=', row.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(upd.numUpdatedRows) !== 1)
      throw new VigilError(400, 'invalid-link', `this ${what} was already used`);
    return row.user_key;
  }

  /** Sets a password from a reset link (single use) and signs the user in. */
  async resetWithLink(
    token: string,
    password: string,
    meta: { sourceIp?: string | null; userAgent?: string | null; requestId?: string | null },
  ): Promise<SignedIn> {
    if (!token.startsWith(LINK_PREFIX))
      throw new VigilError(400, 'invalid-link', 'this password reset link is not valid');
    const row = await idb(this.db.kysely)
      .selectFrom('identity_links')
      .select('user_key')
      .where('token_hash', '=', sha256(token))
      .executeTakeFirst();
    const user = row?.user_key ? await this.findUser(row.user_key) : null;
    if (row && !user)
      throw new VigilError(400, 'invalid-link', 'the user of this reset link no longer exists');
    // Rules first, so a rejected password does not burn the link.
    checkPasswordRules(password, user?.email);
    const hashed = await hashPassword(password);
    const signedIn = await inTransaction(this.db, async (tx) => {
      const key = await this.consumeLink(tx, 'reset', token);
      if (!user || key !== user.email)
        throw new VigilError(400, 'invalid-link', 'this password reset link is not valid');
      await this.writePassword(tx, { actor: `user:${user.email}`, ...meta }, user.email, hashed);
      return this.startSession(tx, user, 'reset-link', meta);
    });
    await this.throttle.clear(signedIn.user.email);
    return signedIn;
  }

  /**
   * First run: the setup link creates (or promotes) an admin with a password and signs them in.
   * Only valid while no user has a password.
   */
  async setupWithLink(
    token: string,
    input: { email: string; name: string; password: string },
    meta: { sourceIp?: string | null; userAgent?: string | null; requestId?: string | null },
  ): Promise<SignedIn> {
    if (!token.startsWith(LINK_PREFIX))
      throw new VigilError(400, 'invalid-link', 'this setup link is not valid');
    if (await this.anyPassword()) {
      throw new VigilError(
        409,
        'already-set-up',
        'Vigil is already set up: sign in, or ask an admin for a reset link',
      );
    }
    checkPasswordRules(input.password, input.email);
    const key = userKeyOf(input.email);
    if (!KEY_PATTERNS.email.test(key)) throw invalid(`"${input.email}" is not an email address`);
    await inTransaction(this.db, (tx) => this.consumeLink(tx, 'setup', token));
    const user = await this.ensureAdmin(key, input.name);
    await this.setPassword({ actor: `user:${key}`, ...meta }, key, input.password);
    return inTransaction(this.db, (tx) => this.startSession(tx, user, 'setup-link', meta));
  }

  /** Creates the user as admin, or promotes an existing unmanaged user to admin. */
  async ensureAdmin(email: string, name?: string): Promise<UserInfo> {
    const key = userKeyOf(email);
    if (!KEY_PATTERNS.email.test(key)) throw invalid(`"${email}" is not an email address`);
    const ctx = { actor: 'system:bootstrap' };
    const cur = await this.catalog.get('user', key).catch(() => null);
    if (!cur) {
      // Two replicas starting together may both try: the loser just uses the winner's user.
      await this.catalog
        .create(ctx, 'user', key, { name: name || key.split('@')[0], role: 'admin' })
        .catch((err) => {
          if (!(err instanceof VigilError && err.status === 409)) throw err;
        });
    } else if ((cur.spec as { role: Role }).role !== 'admin' && !cur.managed) {
      await this.catalog.update(ctx, 'user', key, { ...cur.spec, role: 'admin' });
    }
    const user = await this.findUser(key);
    if (!user) throw notFound('user', key);
    return user;
  }
}
