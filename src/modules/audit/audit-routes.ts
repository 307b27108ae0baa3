/** Audit export (streamed JSON Lines) and the archive list with file verification. */
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../db/db.ts';
import { invalid } from '../../kernel/errors.ts';
import { auditEvents, auditLine } from './jsonl.ts';
import type { AuditRetention } from './retention.ts';

export function auditRoutes(db: Db, retention: AuditRetention) {
  return async (app: FastifyInstance) => {
    const tags = ['audit'];
    app.get(
      '/api/v1/audit/export',
      {
        config: { policy: 'admin' },
        schema: {
          tags,
          querystring: Type.Object(
            {
              from: Type.Optional(Type.String({ format: 'date-time' })),
              to: Type.Optional(Type.String({ format: 'date-time' })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const q = req.query as { from?: string; to?: string };
        const from = q.from ? Date.parse(q.from) : undefined;
        const to = q.to ? Date.parse(q.to) : undefined;
        if (from !== undefined && to !== undefined && to <= from) throw invalid('"to" must be after "from"');
        async function* lines() {
          for await (const e of auditEvents(db, { from, to })) yield `${auditLine(e)}\n`;
        }
        const name = `vigil-audit${q.from ? `-from-${q.from.slice(0, 10)}` : ''}${q.to ? `-to-${q.to.slice(0, 10)}` : ''}.jsonl`;
        reply.header('content-disposition', `attachment; filename="${name}"`);
        return reply.type('application/x-ndjson; charset=utf-8').send(Readable.from(lines()));
      },
    );
    app.get(
      '/api/v1/audit/archives',
      {
        config: { policy: 'admin' },
        schema: {
          tags,
          querystring: Type.Object(
            { verify: Type.Optional(Type.Boolean()) },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const verify = (req.query as { verify?: boolean }).verify;
        const checks = verify ? await retention.verifyArchives() : [];
        return {
          items: (await retention.list()).map((a) => ({
            period: a.period,
            file: a.file,
            from_seq: a.from_seq,
            to_seq: a.to_seq,
            count: a.count,
            prev_hash: a.prev_hash,
            last_hash: a.last_hash,
            file_sha256: a.file_sha256,
            created_at: new Date(a.created_at).toISOString(),
            ...(verify ? { verified: checks.find((c) => c.period === a.period && c.file === a.file) } : {}),
          })),
        };
      },
    );
  };
}
