/**
 * Sign-in with a generic OpenID Connect provider (authorization code flow with PKCE, state and
 * nonce, via openid-client). People are matched to existing Vigil users by their verified email;
 * nobody is created implicitly. The provider is discovered lazily (no network at start-up).
 */
import * as oidc from 'openid-client';
import type { Db } from '../../db/db.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Clock } from '../../kernel/clock.ts';
import { MINUTE } from '../../kernel/clock.ts';
import { forbidden, VigilError } from '../../kernel/errors.ts';
import type { AccountService, SignedIn } from './accounts.ts';
import { idb } from './store.ts';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** Space-separated scopes (default `openid email profile`). */
  scopes?: string;
  /** Provider name shown on the sign-in button. */
  label?: string;
}

/** OIDC settings from VIGIL_OIDC_* environment variables, or null when not configured. */
export function oidcSettingsFromEnv(env: NodeJS.ProcessEnv): OidcSettings | null {
  const issuer = env.VIGIL_OIDC_ISSUER?.trim();
  const clientId = env.VIGIL_OIDC_CLIENT_ID?.trim();
  if (!issuer || !clientId) return null;
  return {
    issuer,
    clientId,
    clientSecret: env.VIGIL_OIDC_CLIENT_SECRET || undefined,
    scopes: env.VIGIL_OIDC_SCOPES || undefined,
    label: env.VIGIL_OIDC_LABEL || undefined,
  };
}

const STATE_TTL_MS = 10 * MINUTE;
const isLocal = (u: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);

/** A relative path to return to after sign-in (no open redirects). */
export function safeReturnTo(v: unknown): string {
  return typeof v === 'string' && /^\/(?![/\\])/.test(v) && v.length < 2000 ? v : '/';
}

export class OidcSignIn {
  private config: Promise<oidc.Configuration> | undefined;
  readonly redirectUri: string;

  constructor(
    private db: Db,
    private clock: Clock,
    private accounts: AccountService,
    readonly settings: OidcSettings,
    baseUrl: string,
  ) {
    this.redirectUri = `${baseUrl}/auth/oidc/callback`;
  }

  private configuration(): Promise<oidc.Configuration> {
    this.config ??= (async () => {
      const issuer = new URL(this.settings.issuer);
      // Plain http is allowed only for a provider on this machine (tests, local development).
      const insecure = issuer.protocol === 'http:' && isLocal(issuer);
      return oidc.discovery(
        issuer,
        this.settings.clientId,
        this.settings.clientSecret,
        undefined,
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
    })();
    this.config.catch(() => {
      this.config = undefined; // try discovery again on the next sign-in
    });
    return this.config;
  }

  /** Starts a sign-in: stores state, nonce and PKCE verifier; returns the provider URL. */
  async begin(returnTo: string): Promise<URL> {
    let config: oidc.Configuration;
    try {
      config = await this.configuration();
    } catch (err) {
      throw new VigilError(
        502,
        'oidc-unavailable',
        `cannot reach the sign-in provider: ${(err as Error).message}`,
      );
    }
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const verifier = oidc.randomPKCECodeVerifier();
    await idb(this.db.kysely)
      .insertInto('identity_oidc_states')
      .values({
        state,
        nonce,
        code_verifier: verifier,
        return_to: safeReturnTo(returnTo),
        expires_at: this.clock.now() + STATE_TTL_MS,
      })
      .execute();
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: this.settings.scopes ?? 'openid email profile',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
  }

  /** Completes a sign-in from the callback's query string; returns the session and where to go. */
  async finish(
    search: string,
    meta: { sourceIp?: string | null; userAgent?: string | null; requestId?: string | null },
  ): Promise<{ signedIn: SignedIn; returnTo: string }> {
    const params = new URLSearchParams(search);
    if (params.get('error')) {
      throw new VigilError(
        400,
        'oidc-error',
        `the sign-in provider refused: ${params.get('error')}${params.get('error_description') ? ` (${params.get('error_description')})` : ''}`,
      );
    }
    const state = params.get('state') ?? '';
    const row = await idb(this.db.kysely)
      .selectFrom('identity_oidc_states')
      .selectAll()
      .where('state', '=', state)
      .executeTakeFirst();
    // Single use: the state row goes away whatever happens next.
    await idb(this.db.kysely).deleteFrom('identity_oidc_states').where('state', '=', state).execute();
    if (!row || Number(row.expires_at) <= this.clock.now()) {
      throw new VigilError(400, 'oidc-state', 'this sign-in attempt is unknown or expired; start again');
    }
    const config = await this.configuration();
    const current = new URL(this.redirectUri);
    current.search = search;
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: row.code_verifier,
        expectedState: state,
        expectedNonce: row.nonce,
        idTokenExpected: true,
      });
      const id = tokens.claims();
      claims = id;
      // Many providers put email only in UserInfo (the ID token stays minimal): ask there.
      if (id && typeof id.email !== 'string' && tokens.access_token) {
        claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, id.sub)), ...id };
      }
    } catch (err) {
      throw new VigilError(400, 'oidc-error', `sign-in with the provider failed: ${(err as Error).message}`);
    }
    const email = typeof claims?.email === 'string' ? claims.email : null;
    if (!email)
      throw forbidden('the sign-in provider did not share an email address (request the email scope)');
    if (claims?.email_verified === false) {
      throw forbidden(`the provider says ${email} is not verified; verify it there first`);
    }
    const user = await this.accounts.findUser(email);
    if (!user) throw forbidden(`there is no Vigil user ${email.toLowerCase()}; ask an admin to add you`);
    const signedIn = await inTransaction(this.db, (tx) => this.accounts.startSession(tx, user, 'oidc', meta));
    return { signedIn, returnTo: row.return_to };
  }
}
