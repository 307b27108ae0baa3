/**
 * REST routes for every registered configuration kind: list (cursor pagination, filters), get
 * (ETag), create, replace (If-Match), delete. Routes validate and translate; CatalogService decides.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalid, preconditionFailed } from '../../kernel/errors.ts';
import type { ActorContext, CatalogService } from './catalog-service.ts';
import type { ConfigObject } from './catalog-store.ts';
import { allKinds, type KindDef } from './kinds.ts';

/** The API representation: key, spec fields, and metadata. */
export function present(o: ConfigObject): Record<string, unknown> {
  return {
    key: o.key,
    ...o.spec,
    managed: o.managed,
    source: o.source,
    version: o.version,
    created_at: new Date(o.createdAt).toISOString(),
    updated_at: new Date(o.updatedAt).toISOString(),
  };
}

export function actorOf(req: FastifyRequest): ActorContext {
  return { actor: req.principal?.actor ?? 'anonymous', requestId: String(req.id), sourceIp: req.ip };
}

/** Parses `If-Match: "3"` (or `*`) into a version number, undefined when absent. */
export function ifMatchVersion(req: FastifyRequest): number | undefined {
  const h = req.headers['if-match'];
  if (h === undefined || h === '*') return undefined;
  const m = /^(?:W\/)?"(\d+)"$/.exec(String(h).trim());
  if (!m) throw preconditionFailed(`If-Match must be an ETag from a previous response, e.g. "3" (got ${h})`);
  return Number(m[1]);
}

function sendObject(reply: FastifyReply, o: ConfigObject, code = 200) {
  return reply.code(code).header('etag', `"${o.version}"`).send(present(o));
}

const ListQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 400 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: true },
);
const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 320 }) });

function writeRole(def: KindDef) {
  return def.writeRole ?? 'admin';
}

export function catalogRoutes(catalog: CatalogService) {
  return async (app: FastifyInstance) => {
    for (const def of allKinds()) {
      const tags = [def.plural];
      if (def.keyStyle === 'singleton') {
        app.get(
          `/api/v1/${def.plural}`,
          { config: { policy: 'viewer' }, schema: { tags } },
          async (_req, reply) => sendObject(reply, await catalog.get(def.kind, 'default')),
        );
        app.put(
          `/api/v1/${def.plural}`,
          { config: { policy: 'admin' }, schema: { tags, body: def.spec } },
          async (req, reply) => {
            const spec = req.body as Record<string, unknown>;
            const exists = await catalog.get(def.kind, 'default').catch(() => null);
            const o = exists
              ? await catalog.update(actorOf(req), def.kind, 'default', spec, ifMatchVersion(req))
              : await catalog.create(actorOf(req), def.kind, 'default', spec);
            return sendObject(reply, o);
          },
        );
        continue;
      }
      app.get(
        `/api/v1/${def.plural}`,
        { config: { policy: 'viewer' }, schema: { tags, querystring: ListQuery } },
        async (req) => {
          const { cursor, limit, ...filters } = req.query as Record<string, string>;
          const page = await catalog.list(def.kind, {
            cursor,
            limit: limit === undefined ? undefined : Number(limit),
            filters,
          });
          return { items: page.items.map(present), next_cursor: page.nextCursor };
        },
      );
      app.get(
        `/api/v1/${def.plural}/:key`,
        { config: { policy: 'viewer' }, schema: { tags, params: KeyParams } },
        async (req, reply) => {
          const o = await catalog.get(def.kind, (req.params as { key: string }).key);
          if (req.headers['if-none-match'] === `"${o.version}"`) return reply.code(304).send();
          return sendObject(reply, o);
        },
      );
      app.post(
        `/api/v1/${def.plural}`,
        {
          config: { policy: writeRole(def) },
          schema: { tags, body: Type.Composite([Type.Object({ key: Type.String() }), def.spec]) },
        },
        async (req, reply) => {
          const { key, ...spec } = req.body as { key: string } & Record<string, unknown>;
          if (typeof key !== 'string') throw invalid('missing key');
          const o = await catalog.create(actorOf(req), def.kind, key, spec);
          return sendObject(
            reply.header('location', `/api/v1/${def.plural}/${encodeURIComponent(key)}`),
            o,
            201,
          );
        },
      );
      app.put(
        `/api/v1/${def.plural}/:key`,
        { config: { policy: writeRole(def) }, schema: { tags, params: KeyParams, body: def.spec } },
        async (req, reply) => {
          const { key } = req.params as { key: string };
          const o = await catalog.update(
            actorOf(req),
            def.kind,
            key,
            req.body as Record<string, unknown>,
            ifMatchVersion(req),
          );
          return sendObject(reply, o);
        },
      );
      app.delete(
        `/api/v1/${def.plural}/:key`,
        { config: { policy: writeRole(def) }, schema: { tags, params: KeyParams } },
        async (req, reply) => {
          const { key } = req.params as { key: string };
          await catalog.delete(actorOf(req), def.kind, key, ifMatchVersion(req));
          return reply.code(204).send();
        },
      );
    }
  };
}
