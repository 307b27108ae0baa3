/**
 * Route policies. Every route declares `config.policy`; registering a route without one fails at
 * start-up (and a test enumerates the route table). Policies: `public`, a minimum role
 * (`viewer` < `responder` < `operator` < `admin`), or `integration` (the route checks its own key).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../modules/catalog/kinds.ts';
import { type Principal, roleAtLeast, type TokenService } from '../modules/identity/tokens.ts';
import { sendProblem } from './problem.ts';

export type Policy = 'public' | 'integration' | Role;

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: Policy;
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
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const policy = req.routeOptions.config?.policy;
    if (!policy || policy === 'public' || policy === 'integration') return;
    const header = req.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) {
      return sendProblem(
        reply,
        req,
        401,
        'unauthorized',
        'authentication required: send Authorization: Bearer <token>',
      );
    }
    const principal = await tokens.authenticate(m[1]);
    if (!principal) return sendProblem(reply, req, 401, 'unauthorized', 'invalid, expired or revoked token');
    if (!roleAtLeast(principal.role, policy)) {
      return sendProblem(
        reply,
        req,
        403,
        'forbidden',
        `this action needs the ${policy} role (you have ${principal.role})`,
      );
    }
    req.principal = principal;
  });
}
