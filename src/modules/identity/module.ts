/**
 * The identity module: people signing in (password, OIDC), browser sessions with CSRF
 * protection, scoped grants, personal tokens and the first-run admin. It plugs the session
 * cookie into the HTTP auth hook as an authenticator, so compose.ts stays unchanged.
 */

import type { Engine } from '../../engines/runner.ts';
import { registerAuthenticator } from '../../http/auth.ts';
import { MINUTE, parseDuration } from '../../kernel/clock.ts';
import { defineModule } from '../module.ts';
import { AccountService, SETUP_LINK_TTL_MS } from './accounts.ts';
import { authRoutes, sessionAuthenticator } from './auth-routes.ts';
import * as m1 from './migrations/202611251110-identity-tables.ts';
import { OidcSignIn, oidcSettingsFromEnv } from './oidc.ts';
import { oidcRoutes } from './oidc-routes.ts';
import { checkPasswordRules } from './passwords.ts';
import { personalTokenRoutes } from './personal-tokens.ts';
import { DEFAULT_SESSION_POLICY, SessionStore } from './sessions.ts';
import { idb } from './store.ts';
import { LoginThrottle } from './throttle.ts';

/** What other modules may call through ctx.modules.get('identity'). */
export interface IdentityApi {
  accounts: AccountService;
  /** OIDC sign-in when VIGIL_OIDC_* is configured, else null. */
  oidc: OidcSignIn | null;
}

function durationEnv(name: string, fallback: number): number {
  const v = process.env[name];
  if (!v) return fallback;
  try {
    return parseDuration(v);
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
}

export default defineModule<IdentityApi>({
  name: 'identity',
  migrations: { '202611251110-identity-tables': m1 },
  async create(ctx) {
    const env = process.env;
    const sessions = new SessionStore(ctx.db, ctx.clock, {
      idleMs: durationEnv('VIGIL_SESSION_IDLE', DEFAULT_SESSION_POLICY.idleMs),
      absoluteMs: durationEnv('VIGIL_SESSION_MAX', DEFAULT_SESSION_POLICY.absoluteMs),
    });
    const throttle = new LoginThrottle(ctx.db, ctx.clock);
    const accounts = new AccountService(
      ctx.db,
      ctx.clock,
      ctx.audit,
      ctx.catalog,
      sessions,
      throttle,
      // Links use the org's public URL from the plan when set (as notifications do), else --base-url.
      async () => {
        const org = await ctx.catalog.get('org', 'default').catch(() => null);
        const fromPlan = org?.spec.base_url as string | undefined;
        return (fromPlan ?? ctx.settings.baseUrl).replace(/\/+$/, '');
      },
    );
    registerAuthenticator(ctx.tokens, sessionAuthenticator(accounts));
    ctx.tokens.setUserResolver(async (key) => {
      const u = await accounts.findUser(key);
      return u && { role: u.role, teams: u.teams, grants: u.grants };
    });

    // First admin from the environment: only while that user has no password (never overwrites).
    const adminEmail = env.VIGIL_ADMIN_EMAIL?.trim();
    const adminPassword = env.VIGIL_ADMIN_PASSWORD;
    if (adminEmail && adminPassword && !(await accounts.hasPassword(adminEmail))) {
      try {
        checkPasswordRules(adminPassword, adminEmail);
      } catch (err) {
        throw new Error(`VIGIL_ADMIN_PASSWORD: ${(err as Error).message}`);
      }
      const user = await accounts.ensureAdmin(adminEmail, env.VIGIL_ADMIN_NAME);
      await accounts.setPassword({ actor: 'system:bootstrap' }, user.email, adminPassword);
      ctx.logger.info(
        { email: user.email },
        'admin user ready (VIGIL_ADMIN_EMAIL); sign in with its password',
      );
    }

    const oidcSettings = oidcSettingsFromEnv(env);
    const oidc = oidcSettings
      ? new OidcSignIn(ctx.db, ctx.clock, accounts, oidcSettings, ctx.settings.baseUrl)
      : null;
    const secureCookies = ctx.settings.baseUrl.startsWith('https:');

    const sweeper: Engine = {
      name: 'identity-sweeper',
      intervalMs: 10 * MINUTE,
      async step(now) {
        await sessions.sweep(now);
        await throttle.sweep(now);
        await idb(ctx.db.kysely)
          .deleteFrom('identity_links')
          .where('expires_at', '<', now - 86_400_000)
          .execute();
        await idb(ctx.db.kysely).deleteFrom('identity_oidc_states').where('expires_at', '<', now).execute();
        return {};
      },
    };

    return {
      routes: async (app) => {
        await app.register(authRoutes(accounts, { secureCookies }));
        await app.register(personalTokenRoutes(ctx.tokens));
        await app.register(oidcRoutes(oidc, { secureCookies }));
      },
      engines: [sweeper],
      api: { accounts, oidc },
      async start() {
        // Nobody can sign in yet and no admin came from the environment: print a one-time link.
        if (await accounts.anyPassword()) return;
        const link = await accounts.issueLink({ actor: 'system:setup' }, 'setup', null, SETUP_LINK_TTL_MS);
        ctx.logger.warn(
          { setup_url: link.url, expires_at: new Date(link.expiresAt).toISOString() },
          `no user can sign in yet: open ${link.url} to create the first administrator (works once, expires in 24h)`,
        );
      },
    };
  },
});
