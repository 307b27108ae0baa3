/** OIDC sign-in routes and the list of sign-in methods the console offers. */
import type { FastifyInstance } from 'fastify';
import { VigilError } from '../../kernel/errors.ts';
import type { OidcSignIn } from './oidc.ts';
import { sessionCookie } from './sessions.ts';

export function oidcRoutes(oidc: OidcSignIn | null, opts: { secureCookies: boolean }) {
  return async (app: FastifyInstance) => {
    app.get(
      '/api/v1/auth/providers',
      { config: { policy: 'public' }, schema: { tags: ['auth'] } },
      async () => ({
        password: true,
        oidc: oidc ? { label: oidc.settings.label ?? 'single sign-on', login_url: '/auth/oidc/login' } : null,
      }),
    );
    const notConfigured = () =>
      new VigilError(
        404,
        'oidc-not-configured',
        'OpenID Connect sign-in is not configured (set VIGIL_OIDC_ISSUER and VIGIL_OIDC_CLIENT_ID)',
      );
    app.get(
      '/auth/oidc/login',
      { config: { policy: 'public' }, schema: { hide: true } },
      async (req, reply) => {
        if (!oidc) throw notConfigured();
        const url = await oidc.begin(String((req.query as { return_to?: string }).return_to ?? '/'));
        reply.header('cache-control', 'no-store');
        return reply.redirect(url.href, 302);
      },
    );
    app.get(
      '/auth/oidc/callback',
      { config: { policy: 'public' }, schema: { hide: true } },
      async (req, reply) => {
        if (!oidc) throw notConfigured();
        const q = req.url.indexOf('?');
        const { signedIn, returnTo } = await oidc.finish(q < 0 ? '' : req.url.slice(q), {
          sourceIp: req.ip,
          userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
          requestId: String(req.id),
        });
        reply.header('set-cookie', sessionCookie(signedIn.secret, opts.secureCookies));
        reply.header('cache-control', 'no-store');
        return reply.redirect(returnTo, 302);
      },
    );
  };
}
