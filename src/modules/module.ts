/**
 * The module contract. Each capability lives in `src/modules/<name>/` and exposes a `module.ts`
 * whose default export is a VigilModule. The composition root discovers them (registry.ts),
 * runs their migrations, creates them in dependency order and mounts their routes and engines.
 * Modules reach each other only through the `api` objects they publish (`ctx.modules.get`).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Db } from '../db/db.ts';
import type { PortableMigration } from '../db/migrate.ts';
import type { Engine } from '../engines/runner.ts';
import type { TimerStore } from '../engines/timers.ts';
import type { Clock } from '../kernel/clock.ts';
import type { Settings } from '../settings.ts';
import type { AuditLog } from './audit/audit.ts';
import type { CatalogService } from './catalog/catalog-service.ts';
import type { TokenService } from './identity/tokens.ts';
import type { Timeline } from './timeline/timeline.ts';

/** Looks up other modules' public APIs. */
export interface ModuleDirectory {
  /** The api published by module `name`; throws when it is not loaded. */
  get<T>(name: string): T;
  /** The api of module `name`, or undefined when it is not loaded. */
  find<T>(name: string): T | undefined;
}

/** What every module receives. */
export interface ModuleContext {
  settings: Settings;
  db: Db;
  clock: Clock;
  logger: Logger;
  /** Prometheus registry for the module's own metrics (exposed on /metrics). */
  metrics: Registry;
  audit: AuditLog;
  timeline: Timeline;
  timers: TimerStore;
  catalog: CatalogService;
  tokens: TokenService;
  modules: ModuleDirectory;
  /** Unique id of this process (lease holder / timer claimer). */
  instanceId: string;
}

/** What a created module hands back to the composition root. */
export interface ModuleInstance<Api = unknown> {
  /** Fastify plugin with the module's routes (each route declares config.policy). */
  routes?: FastifyPluginAsync;
  /** Engines the runner steps (each implements step(now)). */
  engines?: Engine[];
  /** Public port other modules use through ctx.modules.get(name). */
  api?: Api;
  /** Called after the HTTP server listens and engines start (e.g. warm caches). */
  start?(): Promise<void>;
  /** Called on shutdown, before the store closes. */
  stop?(): Promise<void>;
}

export interface VigilModule<Api = unknown> {
  /** Folder name, e.g. `checks`. */
  name: string;
  /** Modules whose api this one needs at creation (created first). */
  dependsOn?: string[];
  /**
   * Migrations, keyed by a globally unique, sortable name: `<yyyymmddhhmm>-<module>-<what>`.
   * They run on both SQLite and PostgreSQL; never add foreign keys into another module's tables.
   */
  migrations?: Record<string, PortableMigration>;
  create(ctx: ModuleContext): Promise<ModuleInstance<Api>> | ModuleInstance<Api>;
}

/** Identity helper so module files get type checking. */
export function defineModule<Api>(m: VigilModule<Api>): VigilModule<Api> {
  return m;
}
