/**
 * API tokens: high-entropy random secrets shown once, stored as SHA-256 hashes (a slow hash
 * adds nothing for 190-bit random tokens), with a role, optional expiry, revocation and
 * last-used time.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../db/db.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Clock } from '../../kernel/clock.ts';
import { invalid, notFound } from '../../kernel/errors.ts';
import { newId } from '../../kernel/ids.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { ActorContext } from '../catalog/catalog-service.ts';
import type { Role } from '../catalog/kinds.ts';

export const TOKEN_PREFIX = 'vgl_';

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  userKey: string | null;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A scoped grant: `role` for one team and/or some environments, on top of the org role. */
export interface ScopedGrant {
  role: Role;
  team?: string;
  environments?: string[];
}

export interface Principal {
  kind: 'token' | 'system' | 'session';
  /** Audit actor string, e.g. `token:ci-deployer` or `user:ann@example.com`. */
  actor: string;
  /** The org-wide role (what route policies check). */
  role: Role;
  tokenId?: string;
  /** The signed-in (or token-owning) user's key (lowercased email). */
  userKey?: string;
  /** Session id for cookie sign-ins (revoked on logout). */
  sessionId?: string;
  /** Teams the user belongs to. */
  teams?: string[];
  /** Scoped grants that extend `role` for a team/environments (see identity `can`). */
  grants?: ScopedGrant[];
}

/** What a user-bound token needs to know about its owner; null when the user no longer exists. */
export type UserResolver = (
  userKey: string,
) => Promise<{ role: Role; teams: string[]; grants: ScopedGrant[] } | null>;

export const hashToken = (secret: string) => createHash('sha256').update(secret).digest('hex');

const ROLE_RANK: Record<Role, number> = { viewer: 0, responder: 1, operator: 2, admin: 3 };
/** True when `have` is at least `need`. */
export const roleAtLeast = (have: Role, need: Role) => ROLE_RANK[have] >= ROLE_RANK[need];

/** The lower of two roles. */
export const minRole = (a: Role, b: Role): Role => (ROLE_RANK[a] <= ROLE_RANK[b] ? a : b);

/** How long a verified token is trusted without a store read (revocation elsewhere lands within this). */
const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;

export class TokenService {
  /** hash → principal and its expiry; keeps the hot path (every API call) off the store. */
  private cache = new Map<string, { principal: Principal; until: number; expiresAt: number | null }>();

  private resolveUser: UserResolver | null = null;

  constructor(
    private db: Db,
    private clock: Clock,
    private audit: AuditLog,
  ) {}

  /**
   * Lets the identity module bind personal tokens to their owner: a user-bound token then acts
   * with at most the owner's current role (and carries their teams/grants), and stops working
   * when the user is deleted.
   */
  setUserResolver(fn: UserResolver): void {
    this.resolveUser = fn;
    this.cache.clear();
  }

  /** Issues a token; the secret is returned once and never stored. */
  async issue(
    ctx: ActorContext,
    input: { name: string; role: Role; userKey?: string | null; expiresAt?: number | null },
  ): Promise<{ token: ApiToken; secret: string }> {
    if (input.userKey) {
      input = { ...input, userKey: input.userKey.trim().toLowerCase() };
      // A token for a user who does not exist would never work: say so now.
      if (this.resolveUser && !(await this.resolveUser(input.userKey as string))) {
        throw invalid(`user "${input.userKey}" does not exist; a personal token needs an existing user`);
      }
    }
    const secret = TOKEN_PREFIX + randomBytes(24).toString('base64url');
    const token: ApiToken = {
      id: newId(this.clock),
      name: input.name,
      prefix: secret.slice(0, 10),
      role: input.role,
      userKey: input.userKey ?? null,
      createdBy: ctx.actor,
      createdAt: this.clock.now(),
      expiresAt: input.expiresAt ?? null,
      lastUsedAt: null,
      revokedAt: null,
    };
    await inTransaction(this.db, async (tx) => {
      await tx.db
        .insertInto('api_tokens')
        .values({
          id: token.id,
          name: token.name,
          prefix: token.prefix,
          token_hash: hashToken(secret),
          user_key: token.userKey,
          role: token.role,
          created_by: token.createdBy,
          created_at: token.createdAt,
          expires_at: token.expiresAt,
          last_used_at: null,
          revoked_at: null,
        })
        .execute();
      await this.audit.append(tx, {
        ...ctx,
        action: 'token.issue',
        object: { kind: 'token', key: token.id },
        after: { name: token.name, role: token.role, userKey: token.userKey, expiresAt: token.expiresAt },
      });
    });
    return { token, secret };
  }

  /** Resolves a presented secret to a principal, or null when unknown, revoked or expired. */
  async authenticate(secret: string): Promise<Principal | null> {
    if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return null;
    const hash = hashToken(secret);
    const now = this.clock.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now && (hit.expiresAt === null || hit.expiresAt > now)) return hit.principal;
    const row = await this.db.kysely
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!row || row.revoked_at !== null || (row.expires_at !== null && Number(row.expires_at) <= now)) {
      this.cache.delete(hash);
      return null;
    }
    // last_used_at is advisory: update at most once a minute to keep reads cheap.
    if (row.last_used_at === null || now - Number(row.last_used_at) > 60_000) {
      await this.db.kysely
        .updateTable('api_tokens')
        .set({ last_used_at: now })
        .where('id', '=', row.id)
        .execute();
    }
    const principal: Principal = {
      kind: 'token',
      actor: row.user_key ? `user:${row.user_key}` : `token:${row.name}`,
      role: row.role as Role,
      tokenId: row.id,
    };
    if (row.user_key && this.resolveUser) {
      const owner = await this.resolveUser(row.user_key);
      if (!owner) return null;
      principal.userKey = row.user_key;
      // A personal token never exceeds its owner's current role; grants are capped the same way.
      principal.role = minRole(principal.role, owner.role);
      principal.teams = owner.teams;
      principal.grants = owner.grants.map((g) => ({ ...g, role: minRole(row.role as Role, g.role) }));
    }
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(hash, {
      principal,
      until: now + CACHE_TTL_MS,
      expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    });
    return principal;
  }

  async list(): Promise<ApiToken[]> {
    const rows = await this.db.kysely
      .selectFrom('api_tokens')
      .selectAll()
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      prefix: r.prefix,
      role: r.role as Role,
      userKey: r.user_key,
      createdBy: r.created_by,
      createdAt: Number(r.created_at),
      expiresAt: r.expires_at === null ? null : Number(r.expires_at),
      lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
      revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    }));
  }

  async revoke(ctx: ActorContext, id: string): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      const res = await tx.db
        .updateTable('api_tokens')
        .set({ revoked_at: this.clock.now() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw notFound('active token', id);
      tx.afterCommit(() => {
        for (const [h, v] of this.cache) if (v.principal.tokenId === id) this.cache.delete(h);
      });
      await this.audit.append(tx, { ...ctx, action: 'token.revoke', object: { kind: 'token', key: id } });
    });
  }

  async count(): Promise<number> {
    const r = await this.db.kysely
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
