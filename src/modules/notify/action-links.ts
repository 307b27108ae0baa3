/**
 * One-click acknowledge/resolve links. A token is `base64url(payload).base64url(HMAC-SHA256)`
 * signed with a server secret that is created on first start and kept in the database (never in
 * config or logs). Tokens expire, and each is single-use: its nonce is recorded when spent.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/db.ts';
import { inTransaction } from '../../db/tx.ts';
import { VigilError } from '../../kernel/errors.ts';
import { nk } from './store.ts';

export type LinkAction = 'acknowledge' | 'resolve';

/** What a token carries. */
export interface LinkClaims {
  /** Incident id. */
  incidentId: string;
  action: LinkAction;
  /** The user the link was sent to (becomes the actor). */
  user: string | null;
  expiresAt: number;
  nonce: string;
}

const SECRET_NAME = 'action-links';
/** Default lifetime of a link. */
export const LINK_TTL_MS = 24 * 60 * 60_000;

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** Loads the link secret, creating it on first use (safe when two replicas start together). */
export async function loadLinkSecret(db: Db, now: number): Promise<Buffer> {
  const read = async () =>
    (
      await nk(db)
        .selectFrom('notify_secrets')
        .select('value')
        .where('name', '=', SECRET_NAME)
        .executeTakeFirst()
    )?.value;
  let v = await read();
  if (!v) {
    await nk(db)
      .insertInto('notify_secrets')
      .values({ name: SECRET_NAME, value: randomBytes(32).toString('base64'), created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    v = await read();
  }
  return Buffer.from(v!, 'base64');
}

/** Signs and checks action tokens. */
export class LinkSigner {
  constructor(
    private db: Db,
    private secret: Buffer,
  ) {}

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }

  /** A new token for `action` on `incidentId`, valid until `now + ttlMs`. */
  sign(
    incidentId: string,
    action: LinkAction,
    user: string | null,
    now: number,
    ttlMs = LINK_TTL_MS,
  ): string {
    const claims = {
      i: incidentId,
      a: action === 'acknowledge' ? 'k' : 'r',
      u: user,
      e: now + ttlMs,
      n: randomBytes(9).toString('base64url'),
    };
    const payload = b64(JSON.stringify(claims));
    return `${payload}.${this.mac(payload)}`;
  }

  /** Checks signature and expiry (not use); throws 404 for a bad token and 410 when expired. */
  verify(token: string, now: number): LinkClaims {
    const [payload, sig] = token.split('.');
    const bad = new VigilError(404, 'invalid-link', 'this link is not valid');
    if (!payload || !sig) throw bad;
    const want = Buffer.from(this.mac(payload));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) throw bad;
    let c: { i: string; a: string; u: string | null; e: number; n: string };
    try {
      c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw bad;
    }
    if (now >= c.e)
      throw new VigilError(410, 'link-expired', 'this link has expired; open the incident in Vigil instead');
    return {
      incidentId: c.i,
      action: c.a === 'k' ? 'acknowledge' : 'resolve',
      user: c.u,
      expiresAt: c.e,
      nonce: c.n,
    };
  }

  /** True when the token's nonce was already spent. */
  async isUsed(nonce: string): Promise<boolean> {
    const r = await nk(this.db)
      .selectFrom('notify_used_tokens')
      .select('nonce')
      .where('nonce', '=', nonce)
      .executeTakeFirst();
    return !!r;
  }

  /** Spends a token's nonce; throws 410 when it was used before. Returns an undo for a failed action. */
  async spend(c: LinkClaims, now: number): Promise<() => Promise<void>> {
    const res = await inTransaction(this.db, (tx) =>
      nk(tx)
        .insertInto('notify_used_tokens')
        .values({ nonce: c.nonce, used_at: now, expires_at: c.expiresAt })
        .onConflict((oc) => oc.column('nonce').doNothing())
        .executeTakeFirst(),
    );
    if (Number(res.numInsertedOrUpdatedRows ?? 0n) !== 1)
      throw new VigilError(410, 'link-used', 'this link has already been used');
    return async () => {
      await nk(this.db).deleteFrom('notify_used_tokens').where('nonce', '=', c.nonce).execute();
    };
  }

  /** Forgets spent nonces whose tokens have expired anyway. */
  async prune(now: number): Promise<void> {
    await nk(this.db).deleteFrom('notify_used_tokens').where('expires_at', '<', now).execute();
  }
}
