/** `/api/v1/plan` (dry run) and `/api/v1/apply` (atomic) for ops plans sent by `vigil plan|apply`. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../catalog/catalog-routes.ts';
import type { ApplyService, PlanRequest } from './apply-service.ts';

const PlanBody = Type.Object(
  {
    objects: Type.Array(
      Type.Object(
        {
          kind: Type.String({ minLength: 1, maxLength: 64 }),
          key: Type.String({ minLength: 1, maxLength: 320 }),
          spec: Type.Object({}, { additionalProperties: true }),
          source: Type.Object(
            {
              file: Type.String({ maxLength: 1000 }),
              line: Type.Integer({ minimum: 0 }),
              column: Type.Integer({ minimum: 0 }),
            },
            { additionalProperties: true },
          ),
        },
        { additionalProperties: false },
      ),
      { maxItems: 20000 },
    ),
    prune: Type.Union([Type.Boolean(), Type.Array(Type.String({ maxLength: 64 }))]),
    files: Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 1000 }),
  },
  { additionalProperties: false },
);

export function configRoutes(applier: ApplyService) {
  return async (app: FastifyInstance) => {
    const tags = ['plan'];
    app.post(
      '/api/v1/plan',
      { config: { policy: 'viewer' }, schema: { tags, body: PlanBody }, bodyLimit: 16 * 1024 * 1024 },
      async (req) => {
        const r = await applier.plan(req.body as PlanRequest);
        return { changes: r.changes, summary: r.summary, text: r.text };
      },
    );
    app.post(
      '/api/v1/apply',
      { config: { policy: 'admin' }, schema: { tags, body: PlanBody }, bodyLimit: 16 * 1024 * 1024 },
      async (req) => {
        const r = await applier.apply(actorOf(req), req.body as PlanRequest);
        return {
          apply_id: r.applyId,
          changes: r.changes.filter((c) => c.action !== 'noop'),
          summary: r.summary,
          text: r.text,
        };
      },
    );
    app.get('/api/v1/applies', { config: { policy: 'viewer' }, schema: { tags } }, async () => ({
      items: await applier.history(),
    }));
  };
}
