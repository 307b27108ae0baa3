/**
 * Route policies. Every route declares `config.policy`; registering a route without one fails at
 * start-up (and a test enumerates the route table). Policies: `public`, a minimum role
 * (`viewer` < `responder` < `operator` < `admin`), or `integration` (the route checks its own key).
 *
 * Credentials: `Authorization: Bearer <token>` (API tokens) is built in; other ways to sign in
 * (the identity module's session cookie) plug in as authenticators registered for the app's
 * TokenService, so the composition root does not change when sign-in methods are added.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../modules/catalog/kinds.ts';
import { type Principal, roleAtLeast, type TokenService } from '../modules/identity/tokens.ts';
import { sendProblem } from './problem.ts';

export type Policy = 'public' | 'integration' | Role;

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: Policy;
    /**
     * The handler checks team/environment scope itself (with identity's `can`): the route-level
     * gate then admits principals whose org role OR any scoped grant reaches the policy.
     */
    scoped?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Every registered route with its policy (for the policy test and docs). */
export interface RouteEntry {
  method: string;
  url: string;
  policy: Policy | undefined;
}

/** What an authenticator found on a request. */
export interface AuthResult {
  principal: Principal;
  /**
   * Set for ambient credentials (cookies): requests that change state must echo this value in
   * `x-csrf-token`. Absent for credentials a browser never sends on its own (bearer tokens).
   */
  csrfToken?: string;
}

/** A way to recognise the caller, tried in registration order when no bearer token is sent. */
export interface Authenticator {
  name: string;
  /** Returns null when the request carries none of this authenticator's credentials. */
  authenticate(req: FastifyRequest): Promise<AuthResult | null>;
}

// Keyed by the app's TokenService so several apps in one process (tests) stay independent.
const registries = new WeakMap<TokenService, Authenticator[]>();

/** Adds an authenticator for the app that owns `tokens` (modules call this from create()). */
export function registerAuthenticator(tokens: TokenService, a: Authenticator): void {
  const list = registries.get(tokens) ?? [];
  if (list.some((x) => x.name === a.name)) throw new Error(`authenticator ${a.name} registered twice`);
  list.push(a);
  registries.set(tokens, list);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Resolves the caller from a bearer token or a registered authenticator; null when anonymous. */
export async function resolveCaller(
  tokens: TokenService,
  req: FastifyRequest,
): Promise<AuthResult | null | 'bad-token'> {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = m ? await tokens.authenticate(m[1]) : null;
    return principal ? { principal } : 'bad-token';
  }
  for (const a of registries.get(tokens) ?? []) {
    const found = await a.authenticate(req);
    if (found) return found;
  }
  return null;
}

/** The highest role a principal holds anywhere (org role or any scoped grant). */
export function maxRole(p: Principal): Role {
  let best = p.role;
  for (const g of p.grants ?? []) if (roleAtLeast(g.role, best)) best = g.role;
  return best;
}

export function installAuth(app: FastifyInstance, tokens: TokenService, routeTable: RouteEntry[]): void {
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    const policy = (route.config as { policy?: Policy } | undefined)?.policy;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods) if (m !== 'HEAD') routeTable.push({ method: m, url: route.url, policy });
    if (!policy && !route.url.startsWith('/documentation')) {
      throw new Error(`route ${methods.join(',')} ${route.url} declares no auth policy (config.policy)`);
    }
  });
  // Callback style, so public and integration routes (status page, pings, OFREP) pay no promise.
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const policy = req.routeOptions.config?.policy;
    if (!policy || policy === 'public' || policy === 'integration') return done();
    authorize(req, reply, policy).then(() => done(), done);
  });

  async function authorize(req: FastifyRequest, reply: FastifyReply, policy: Role): Promise<unknown> {
    const found = await resolveCaller(tokens, req);
    if (found === 'bad-token') {
      return sendProblem(reply, req, 401, 'unauthorized', 'invalid, expired or revoked token');
    }
    if (!found) {
      return sendProblem(
        reply,
        req,
        401,
        'unauthorized',
        'authentication required: sign in, or send Authorization: Bearer <token>',
      );
    }
    const { principal, csrfToken } = found;
    if (csrfToken !== undefined && !SAFE_METHODS.has(req.method)) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !sameSecret(sent, csrfToken)) {
        return sendProblem(
          reply,
          req,
          403,
          'csrf-failed',
          'missing or wrong x-csrf-token header: requests signed in with the session cookie that change ' +
            'state must send the csrf_token returned by /api/v1/auth/login or /api/v1/auth/me',
        );
      }
    }
    const have = req.routeOptions.config?.scoped ? maxRole(principal) : principal.role;
    if (!roleAtLeast(have, policy)) {
      return sendProblem(
        reply,
        req,
        403,
        'forbidden',
        `this action needs the ${policy} role (you have ${principal.role})`,
      );
    }
    req.principal = principal;
  }
}
