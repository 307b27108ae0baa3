/**
 * Personal API tokens: a signed-in user issues tokens bound to themselves (for the CLI and
 * scripts). Such a token acts as the user — never above their current role — and stops working
 * when the user is removed (TokenService's user resolver, set by the identity module).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { forbidden, notFound, unauthorized } from '../../kernel/errors.ts';
import { actorOf } from '../catalog/catalog-routes.ts';
import { ROLES, type Role } from '../catalog/kinds.ts';
import { type ApiToken, type Principal, roleAtLeast, type TokenService } from './tokens.ts';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const present = (t: ApiToken) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  role: t.role,
  user: t.userKey,
  created_at: iso(t.createdAt),
  expires_at: iso(t.expiresAt),
  last_used_at: iso(t.lastUsedAt),
  revoked_at: iso(t.revokedAt),
});

function owner(p: Principal | null): string {
  if (!p?.userKey) throw unauthorized('personal tokens belong to a signed-in user (sign in first)');
  return p.userKey;
}

export function personalTokenRoutes(tokens: TokenService) {
  return async (app: FastifyInstance) => {
    const tags = ['auth'];
    app.get('/api/v1/auth/tokens', { config: { policy: 'viewer' }, schema: { tags } }, async (req) => {
      const me = owner(req.principal);
      return { items: (await tokens.list()).filter((t) => t.userKey === me).map(present) };
    });
    app.post(
      '/api/v1/auth/tokens',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 100 }),
              role: Type.Optional(Type.Union(ROLES.map((r) => Type.Literal(r)))),
              expires_at: Type.Optional(Type.String({ format: 'date-time' })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const p = req.principal as Principal;
        const me = owner(p);
        const b = req.body as { name: string; role?: Role; expires_at?: string };
        const role = b.role ?? p.role;
        if (!roleAtLeast(p.role, role)) {
          throw forbidden(`a personal token cannot have more than your role (${p.role})`);
        }
        const { token, secret } = await tokens.issue(actorOf(req), {
          name: b.name,
          role,
          userKey: me,
          expiresAt: b.expires_at ? Date.parse(b.expires_at) : null,
        });
        return reply.code(201).send({ ...present(token), secret });
      },
    );
    app.delete(
      '/api/v1/auth/tokens/:id',
      {
        config: { policy: 'viewer' },
        schema: { tags, params: Type.Object({ id: Type.String({ maxLength: 64 }) }) },
      },
      async (req, reply) => {
        const me = owner(req.principal);
        const id = (req.params as { id: string }).id;
        const mine = (await tokens.list()).find(
          (t) => t.id === id && t.userKey === me && t.revokedAt === null,
        );
        if (!mine) throw notFound('active personal token', id);
        await tokens.revoke(actorOf(req), id);
        return reply.code(204).send();
      },
    );
  };
}
