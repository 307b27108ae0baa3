/**
 * Flags API (operators and people): list with per-environment state, detail with history,
 * evaluation preview, on/off/clear overrides, staged-rollout verbs and client keys. Definitions
 * themselves are catalog objects under /api/v1/flag-definitions and /api/v1/flag-segments.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorOf, present } from '../catalog/catalog-routes.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { Role } from '../catalog/kinds.ts';
import { assertCan } from '../identity/index.ts';
import { type FlagSpec, FlagSpecSchema } from './plan.ts';
import type { FlagsService, RolloutVerb } from './service.ts';
import type { ClientKey } from './store.ts';

const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 128 }) });
const EnvParams = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 128 }),
  env: Type.String({ minLength: 1, maxLength: 64 }),
});
const ToggleBody = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
    incident: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
const ReasonBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

function presentKey(k: ClientKey) {
  return {
    id: k.id,
    name: k.name,
    env: k.env,
    prefix: k.prefix,
    rate_limit: k.rateLimit,
    created_by: k.createdBy,
    created_at: new Date(k.createdAt).toISOString(),
    revoked_at: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
  };
}

/** Registers the flags API routes. */
export function flagsRoutes(service: FlagsService, catalog: CatalogService) {
  /**
   * Operating a flag in an environment needs `role` for that environment and the flag's owner
   * team: an org role, or a scoped grant (e.g. operator in dev/staging only) that covers it.
   */
  const authorize = async (req: FastifyRequest, role: Role, key: string, env: string) => {
    assertCan(req.principal, role, { environment: env, team: await service.ownerOf(key) });
  };
  return async (app: FastifyInstance) => {
    const tags = ['flags'];
    app.get(
      '/api/v1/flags',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          querystring: Type.Object(
            {
              tag: Type.Optional(Type.String({ maxLength: 200 })),
              type: Type.Optional(Type.String({ maxLength: 40 })),
              stale: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => service.list(req.query as { tag?: string; type?: string; stale?: boolean }),
    );
    app.post(
      '/api/v1/flags',
      {
        config: { policy: 'operator' },
        schema: {
          tags,
          description:
            'Creates a flag definition after checking the conventions (name pattern, required tags, default off); 201 with the definition.',
          body: Type.Composite([
            Type.Object({ key: Type.String({ minLength: 1, maxLength: 128 }) }),
            FlagSpecSchema,
          ]),
        },
      },
      async (req, reply) => {
        const { key, ...spec } = req.body as { key: string } & FlagSpec;
        const o = await service.createFlag(actorOf(req), catalog, key, spec);
        return reply
          .code(201)
          .header('location', `/api/v1/flag-definitions/${encodeURIComponent(key)}`)
          .header('etag', `"${o.version}"`)
          .send(present(o));
      },
    );
    app.get(
      '/api/v1/flags/:key',
      { config: { policy: 'viewer' }, schema: { tags, params: KeyParams } },
      async (req) => service.detail((req.params as { key: string }).key),
    );
    app.get(
      '/api/v1/flags/:key/audit',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          description:
            "The flag's audit trail (definition changes, toggles, rollouts) with before/after, newest first.",
          params: KeyParams,
          querystring: Type.Object(
            {
              cursor: Type.Optional(Type.Integer({ minimum: 1 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const q = req.query as { cursor?: number; limit?: number };
        return service.audit((req.params as { key: string }).key, q);
      },
    );
    app.get(
      '/api/v1/flagd/export',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          description: "One environment's flag definitions as a flagd flag-definition document.",
          querystring: Type.Object(
            { env: Type.String({ minLength: 1, maxLength: 64 }) },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => service.exportFlagd((req.query as { env: string }).env),
    );
    app.post(
      '/api/v1/flagd/import',
      {
        config: { policy: 'operator' },
        schema: {
          tags,
          description:
            'Imports a flagd flag-definition document into one environment (dry_run reports without writing).',
          body: Type.Object(
            {
              document: Type.Union([
                Type.Record(Type.String(), Type.Unknown()),
                Type.String({ maxLength: 2_000_000 }),
              ]),
              env: Type.String({ minLength: 1, maxLength: 64 }),
              dry_run: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const b = req.body as { document: unknown; env: string; dry_run?: boolean };
        return service.importFlagd(actorOf(req), catalog, {
          document: b.document,
          env: b.env,
          dryRun: b.dry_run ?? false,
        });
      },
    );
    app.post(
      '/api/v1/flags/:key/evaluate',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          params: KeyParams,
          body: Type.Object(
            {
              context: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
              env: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const body = (req.body ?? {}) as { context?: Record<string, unknown>; env?: string };
        return service.preview((req.params as { key: string }).key, body.context ?? {}, body.env);
      },
    );
    for (const verb of ['on', 'off'] as const) {
      app.post(
        `/api/v1/flags/:key/environments/:env/${verb}`,
        {
          config: { policy: 'responder', scoped: true },
          schema: { tags, params: EnvParams, body: ToggleBody },
        },
        async (req) => {
          const { key, env } = req.params as { key: string; env: string };
          await authorize(req, 'responder', key, env);
          const body = req.body as { reason: string; incident?: string };
          return service.toggle(actorOf(req), {
            flag: key,
            env,
            enabled: verb === 'on',
            reason: body.reason,
            incident: body.incident ?? null,
          });
        },
      );
    }
    app.delete(
      '/api/v1/flags/:key/environments/:env/override',
      { config: { policy: 'responder', scoped: true }, schema: { tags, params: EnvParams } },
      async (req) => {
        const { key, env } = req.params as { key: string; env: string };
        await authorize(req, 'responder', key, env);
        return service.clearOverride(actorOf(req), { flag: key, env });
      },
    );
    for (const verb of ['start', 'pause', 'resume', 'rollback'] as RolloutVerb[]) {
      app.post(
        `/api/v1/flags/:key/environments/:env/rollout/${verb}`,
        {
          config: { policy: 'operator' },
          schema: { tags, params: EnvParams, body: Type.Optional(ReasonBody) },
        },
        async (req) => {
          const { key, env } = req.params as { key: string; env: string };
          const reason = (req.body as { reason?: string } | undefined)?.reason;
          return service.rollout(actorOf(req), { flag: key, env, verb, ...(reason ? { reason } : {}) });
        },
      );
    }
    app.get('/api/v1/flag-keys', { config: { policy: 'operator' }, schema: { tags } }, async () => ({
      items: (await service.listKeys()).map(presentKey),
    }));
    app.post(
      '/api/v1/flag-keys',
      {
        config: { policy: 'operator' },
        schema: {
          tags,
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 200 }),
              env: Type.String({ minLength: 1, maxLength: 64 }),
              rate_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const b = req.body as { name: string; env: string; rate_limit?: number };
        const { key, secret } = await service.createKey(actorOf(req), {
          name: b.name,
          env: b.env,
          rateLimit: b.rate_limit ?? null,
        });
        return reply.code(201).send({ ...presentKey(key), secret });
      },
    );
    app.delete(
      '/api/v1/flag-keys/:id',
      {
        config: { policy: 'operator' },
        schema: { tags, params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }) },
      },
      async (req) => presentKey(await service.revokeKey(actorOf(req), (req.params as { id: string }).id)),
    );
  };
}
