/** Human sign-in over HTTP: login/logout/me, password changes, reset and setup links. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../../http/auth.ts';
import { sendProblem } from '../../http/problem.ts';
import { unauthorized, VigilError } from '../../kernel/errors.ts';
import { actorOf } from '../catalog/catalog-routes.ts';
import {
  type AccountService,
  RESET_LINK_TTL_MS,
  type SignedIn,
  type UserInfo,
  userKeyOf,
} from './accounts.ts';
import { linkPage } from './link-pages.ts';
import { csrfFor, readCookie, SESSION_COOKIE, sessionCookie } from './sessions.ts';
import type { Principal } from './tokens.ts';

/** The user as the API shows it. */
export const presentUser = (u: UserInfo) => ({
  email: u.email,
  name: u.name,
  role: u.role,
  teams: u.teams,
  grants: u.grants,
  time_zone: u.timeZone,
});

const meta = (req: FastifyRequest) => ({
  sourceIp: req.ip,
  userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
  requestId: String(req.id),
});

/** Recognises the session cookie; state-changing requests must echo the session's CSRF token. */
export function sessionAuthenticator(accounts: AccountService): Authenticator {
  return {
    name: 'session-cookie',
    async authenticate(req) {
      const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
      if (!secret) return null;
      const session = await accounts.sessions.resolve(secret);
      const user = session ? await accounts.findUser(session.userKey) : null;
      if (!session || !user) return null;
      const principal: Principal = {
        kind: 'session',
        actor: `user:${user.email}`,
        role: user.role,
        userKey: user.email,
        sessionId: session.id,
        teams: user.teams,
        grants: user.grants,
      };
      return { principal, csrfToken: csrfFor(secret) };
    },
  };
}

/**
 * Public sign-in endpoints accept JSON only: a cross-site HTML form cannot send JSON without a
 * CORS preflight, so nobody can sign a victim into an attacker's account from another site.
 */
async function requireJson(req: FastifyRequest, reply: FastifyReply) {
  if (!/^application\/json\b/i.test(String(req.headers['content-type'] ?? ''))) {
    return sendProblem(reply, req, 415, 'unsupported-media-type', 'send the body as application/json');
  }
}

const Email = Type.String({ minLength: 3, maxLength: 320 });
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const LinkToken = Type.String({ minLength: 1, maxLength: 200 });

export function authRoutes(accounts: AccountService, opts: { secureCookies: boolean }) {
  const signIn = (reply: FastifyReply, s: SignedIn) => {
    reply.header('set-cookie', sessionCookie(s.secret, opts.secureCookies));
    reply.header('cache-control', 'no-store');
    return { user: presentUser(s.user), csrf_token: s.csrfToken };
  };
  return async (app: FastifyInstance) => {
    const tags = ['auth'];
    app.post(
      '/api/v1/auth/login',
      {
        config: { policy: 'public' },
        onRequest: requireJson,
        schema: {
          tags,
          body: Type.Object({ email: Email, password: Password }, { additionalProperties: false }),
        },
      },
      async (req, reply) => {
        const b = req.body as { email: string; password: string };
        try {
          return signIn(reply, await accounts.login(b.email, b.password, meta(req)));
        } catch (err) {
          // Failed sign-ins go to the log (not the audit trail: nothing changed) for monitoring.
          if (err instanceof VigilError) {
            req.log.warn({ email: userKeyOf(b.email), ip: req.ip, status: err.status }, 'sign-in refused');
          }
          throw err;
        }
      },
    );
    app.post(
      '/api/v1/auth/logout',
      { config: { policy: 'public' }, schema: { tags } },
      async (req, reply) => {
        // Logging out needs no CSRF token: the worst a forged logout can do is end a session.
        const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
        const session = secret ? await accounts.sessions.resolve(secret) : null;
        if (session) await accounts.logout(session.id, { ...actorOf(req), actor: `user:${session.userKey}` });
        reply.header('set-cookie', sessionCookie(null, opts.secureCookies));
        return reply.code(204).send();
      },
    );
    app.get('/api/v1/auth/me', { config: { policy: 'viewer' }, schema: { tags } }, async (req, reply) => {
      const p = req.principal as Principal;
      reply.header('cache-control', 'no-store');
      const user = p.userKey ? await accounts.findUser(p.userKey) : null;
      const secret = p.kind === 'session' ? readCookie(req.headers.cookie, SESSION_COOKIE) : null;
      return {
        user: user
          ? { ...presentUser(user), role: p.role }
          : { email: null, name: p.actor, role: p.role, teams: [], grants: [], time_zone: null },
        csrf_token: secret ? csrfFor(secret) : null,
        via: p.kind,
      };
    });
    app.post(
      '/api/v1/auth/password',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          body: Type.Object(
            { current_password: Password, new_password: Password },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const p = req.principal as Principal;
        if (!p.userKey) throw unauthorized('only a signed-in user can change their password');
        const b = req.body as { current_password: string; new_password: string };
        await accounts.changeOwnPassword(p.userKey, p.sessionId, b.current_password, b.new_password);
        return reply.code(204).send();
      },
    );
    app.post(
      '/api/v1/users/:email/password-reset',
      {
        config: { policy: 'admin' },
        schema: { tags, params: Type.Object({ email: Email }) },
      },
      async (req, reply) => {
        const key = userKeyOf((req.params as { email: string }).email);
        const link = await accounts.issueLink(actorOf(req), 'reset', key, RESET_LINK_TTL_MS);
        return reply.code(201).send({ url: link.url, expires_at: new Date(link.expiresAt).toISOString() });
      },
    );
    app.put(
      '/api/v1/users/:email/password',
      {
        config: { policy: 'admin' },
        schema: {
          tags,
          params: Type.Object({ email: Email }),
          body: Type.Object({ password: Password }, { additionalProperties: false }),
        },
      },
      async (req, reply) => {
        const key = userKeyOf((req.params as { email: string }).email);
        await accounts.setPassword(actorOf(req), key, (req.body as { password: string }).password);
        return reply.code(204).send();
      },
    );
    app.delete(
      '/api/v1/users/:email/sessions',
      { config: { policy: 'admin' }, schema: { tags, params: Type.Object({ email: Email }) } },
      async (req) => {
        const key = userKeyOf((req.params as { email: string }).email);
        return { ended: await accounts.endAllSessions(actorOf(req), key) };
      },
    );
    app.post(
      '/api/v1/auth/reset',
      {
        config: { policy: 'public' },
        onRequest: requireJson,
        schema: {
          tags,
          body: Type.Object({ token: LinkToken, password: Password }, { additionalProperties: false }),
        },
      },
      async (req, reply) => {
        const b = req.body as { token: string; password: string };
        return signIn(reply, await accounts.resetWithLink(b.token, b.password, meta(req)));
      },
    );
    app.post(
      '/api/v1/auth/setup',
      {
        config: { policy: 'public' },
        onRequest: requireJson,
        schema: {
          tags,
          body: Type.Object(
            {
              token: LinkToken,
              email: Email,
              name: Type.String({ minLength: 1, maxLength: 200 }),
              password: Password,
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const b = req.body as { token: string; email: string; name: string; password: string };
        return signIn(reply, await accounts.setupWithLink(b.token, b, meta(req)));
      },
    );
    for (const purpose of ['setup', 'reset'] as const) {
      app.get(
        `/${purpose}/:token`,
        { config: { policy: 'public' }, schema: { hide: true, params: Type.Object({ token: LinkToken }) } },
        async (_req, reply) => {
          // The token stays in the URL (read by the page's script), never echoed into the HTML.
          reply.header('cache-control', 'no-store');
          reply.header('referrer-policy', 'no-referrer');
          return reply.type('text/html; charset=utf-8').send(linkPage(purpose));
        },
      );
    }
  };
}
