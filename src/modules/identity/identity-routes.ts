/** Token management and the audit trail over HTTP. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { forbidden } from '../../kernel/errors.ts';
import type { AuditEvent, AuditLog } from '../audit/audit.ts';
import { actorOf } from '../catalog/catalog-routes.ts';
import { ROLES, type Role } from '../catalog/kinds.ts';
import { type ApiToken, roleAtLeast, type TokenService } from './tokens.ts';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const presentToken = (t: ApiToken) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  role: t.role,
  user: t.userKey,
  created_by: t.createdBy,
  created_at: iso(t.createdAt),
  expires_at: iso(t.expiresAt),
  last_used_at: iso(t.lastUsedAt),
  revoked_at: iso(t.revokedAt),
});
const presentAudit = (e: AuditEvent) => ({
  seq: e.seq,
  id: e.id,
  at: new Date(e.at).toISOString(),
  actor: e.actor,
  action: e.action,
  object: e.object,
  before: e.before,
  after: e.after,
  request_id: e.requestId,
  source_ip: e.sourceIp,
  hash: e.hash,
});

export function identityRoutes(tokens: TokenService, audit: AuditLog) {
  return async (app: FastifyInstance) => {
    const tags = ['tokens'];
    app.get('/api/v1/tokens', { config: { policy: 'admin' }, schema: { tags } }, async () => ({
      items: (await tokens.list()).map(presentToken),
    }));
    app.post(
      '/api/v1/tokens',
      {
        config: { policy: 'admin' },
        schema: {
          tags,
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 100 }),
              role: Type.Union(ROLES.map((r) => Type.Literal(r))),
              user: Type.Optional(Type.String({ maxLength: 320 })),
              expires_at: Type.Optional(Type.String({ format: 'date-time' })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const b = req.body as { name: string; role: Role; user?: string; expires_at?: string };
        if (req.principal && !roleAtLeast(req.principal.role, b.role)) {
          throw forbidden('a token cannot grant more than its creator has');
        }
        const { token, secret } = await tokens.issue(actorOf(req), {
          name: b.name,
          role: b.role,
          userKey: b.user ?? null,
          expiresAt: b.expires_at ? Date.parse(b.expires_at) : null,
        });
        return reply.code(201).send({ ...presentToken(token), secret });
      },
    );
    app.delete(
      '/api/v1/tokens/:id',
      {
        config: { policy: 'admin' },
        schema: { tags, params: Type.Object({ id: Type.String({ maxLength: 64 }) }) },
      },
      async (req, reply) => {
        await tokens.revoke(actorOf(req), (req.params as { id: string }).id);
        return reply.code(204).send();
      },
    );
    app.get(
      '/api/v1/audit',
      {
        config: { policy: 'admin' },
        schema: {
          tags: ['audit'],
          querystring: Type.Object(
            {
              kind: Type.Optional(Type.String({ maxLength: 64 })),
              key: Type.Optional(Type.String({ maxLength: 320 })),
              actor: Type.Optional(Type.String({ maxLength: 400 })),
              from: Type.Optional(Type.String({ format: 'date-time' })),
              to: Type.Optional(Type.String({ format: 'date-time' })),
              cursor: Type.Optional(Type.Integer({ minimum: 1 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const q = req.query as Record<string, string | number | undefined>;
        const limit = Number(q.limit ?? 50);
        const items = await audit.list({
          kind: q.kind as string | undefined,
          key: q.key as string | undefined,
          actor: q.actor as string | undefined,
          from: q.from ? Date.parse(String(q.from)) : undefined,
          to: q.to ? Date.parse(String(q.to)) : undefined,
          beforeSeq: q.cursor === undefined ? undefined : Number(q.cursor),
          limit,
        });
        return {
          items: items.map(presentAudit),
          next_cursor: items.length === limit ? String(items[items.length - 1].seq) : null,
        };
      },
    );
    app.get('/api/v1/audit/verify', { config: { policy: 'admin' }, schema: { tags: ['audit'] } }, async () =>
      audit.verify(),
    );
  };
}
