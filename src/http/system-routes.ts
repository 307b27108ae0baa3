/** Self-observability: liveness, readiness (store check), version, Prometheus metrics, engines. */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import type { Db } from '../db/db.ts';
import type { EngineRunner } from '../engines/runner.ts';

export interface SystemInfo {
  version: string;
  commit: string | null;
  startedAt: number;
  store: Db['dialect'];
  /**
   * Start-up work that readiness waits for (e.g. `plan` while the ops plan given to `vigil start`
   * is applied for the first time), so a load balancer or a script never sees a half-configured
   * Vigil. Later re-applies do not make Vigil unready.
   */
  starting: Set<string>;
}

export function systemRoutes(deps: { db: Db; registry: Registry; info: SystemInfo; runner: EngineRunner }) {
  return async (app: FastifyInstance) => {
    const hide = { hide: true };
    app.get('/health/live', { config: { policy: 'public' }, schema: hide }, async () => ({ status: 'ok' }));
    app.get('/health/ready', { config: { policy: 'public' }, schema: hide }, async (_req, reply) => {
      try {
        await sql`select 1`.execute(deps.db.kysely);
        if (deps.info.starting.size) {
          const checks = Object.fromEntries([...deps.info.starting].map((k) => [k, 'starting']));
          return reply.code(503).send({ status: 'starting', checks: { store: 'ok', ...checks } });
        }
        return { status: 'ok', checks: { store: 'ok' } };
      } catch (err) {
        return reply.code(503).send({ status: 'unavailable', checks: { store: (err as Error).message } });
      }
    });
    app.get('/version', { config: { policy: 'public' }, schema: hide }, async () => ({
      version: deps.info.version,
      commit: deps.info.commit,
      started_at: new Date(deps.info.startedAt).toISOString(),
      store: deps.info.store,
    }));
    app.get('/metrics', { config: { policy: 'public' }, schema: hide }, async (_req, reply) =>
      reply.type(deps.registry.contentType).send(await deps.registry.metrics()),
    );
    app.get('/api/v1/engines', { config: { policy: 'viewer' }, schema: { tags: ['system'] } }, async () => ({
      items: deps.runner.status().map((s) => ({
        name: s.name,
        leader: s.leader,
        runs: s.runs,
        failures: s.failures,
        consecutive_failures: s.consecutiveFailures,
        last_run_at: s.lastRunAt === null ? null : new Date(s.lastRunAt).toISOString(),
        last_error: s.lastError,
      })),
    }));
  };
}
