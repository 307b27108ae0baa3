/** Domain events over HTTP: recent events, a subject's timeline, and a live Server-Sent Events stream. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { DomainEvent, Timeline } from './timeline.ts';

const present = (e: DomainEvent) => ({
  id: e.id,
  seq: e.seq,
  at: new Date(e.at).toISOString(),
  type: e.type,
  subject: e.subject,
  actor: e.actor,
  data: e.data,
});

export function timelineRoutes(timeline: Timeline) {
  return async (app: FastifyInstance) => {
    const tags = ['events'];
    app.get(
      '/api/v1/events',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          querystring: Type.Object(
            {
              subject_kind: Type.Optional(Type.String({ maxLength: 64 })),
              subject_key: Type.Optional(Type.String({ maxLength: 320 })),
              type: Type.Optional(Type.String({ maxLength: 200 })),
              cursor: Type.Optional(Type.Integer({ minimum: 1 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const q = req.query as {
          subject_kind?: string;
          subject_key?: string;
          type?: string;
          cursor?: number;
          limit?: number;
        };
        if (q.subject_kind && q.subject_key) {
          return {
            items: (await timeline.forSubject(q.subject_kind, q.subject_key, q.limit ?? 500)).map(present),
          };
        }
        const limit = q.limit ?? 50;
        const items = await timeline.recent({
          limit,
          beforeSeq: q.cursor,
          types: q.type ? q.type.split(',') : undefined,
        });
        return {
          items: items.map(present),
          next_cursor: items.length === limit ? String(items[items.length - 1].seq) : null,
        };
      },
    );
    app.get('/api/v1/events/stream', { config: { policy: 'viewer' }, schema: { tags } }, (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-request-id': String(req.id),
      });
      res.write(': connected\n\n');
      const unsubscribe = timeline.subscribe((e) => {
        res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(present(e))}\n\n`);
      });
      // Keep proxies from closing an idle stream; this is transport plumbing at the edge.
      const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
      ping.unref();
      req.raw.on('close', () => {
        clearInterval(ping);
        unsubscribe();
      });
    });
  };
}
