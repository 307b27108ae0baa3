/**
 * The one composition root: settings → db → stores → services → engines → http. Tests pass
 * overrides (a VirtualClock, a test database, a silent logger); there are no `if (test)` branches
 * inside modules.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { VERSION } from './compose-version.ts';
import { createDb, type Db } from './db/db.ts';
import { migrateToLatest } from './db/migrate.ts';
import { LeaseStore } from './engines/leases.ts';
import { EngineRunner } from './engines/runner.ts';
import { TimerStore } from './engines/timers.ts';
import { buildServer } from './http/server.ts';
import { type SystemInfo, systemRoutes } from './http/system-routes.ts';
import { type Clock, SystemClock } from './kernel/clock.ts';
import { newId } from './kernel/ids.ts';
import { AuditLog } from './modules/audit/audit.ts';
import { catalogRoutes } from './modules/catalog/catalog-routes.ts';
import { CatalogService } from './modules/catalog/catalog-service.ts';
import { ApplyService } from './modules/config/apply-service.ts';
import { configRoutes } from './modules/config/config-routes.ts';
import { identityRoutes } from './modules/identity/identity-routes.ts';
import { TokenService } from './modules/identity/tokens.ts';
import type { ModuleContext, ModuleInstance } from './modules/module.ts';
import { loadModules } from './modules/registry.ts';
import { Timeline } from './modules/timeline/timeline.ts';
import { timelineRoutes } from './modules/timeline/timeline-routes.ts';
import type { Settings } from './settings.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export { VERSION };

/** The commit this build runs, from VIGIL_COMMIT or the checkout's .git, else null. */
export function readCommit(): string | null {
  if (process.env.VIGIL_COMMIT) return process.env.VIGIL_COMMIT;
  try {
    const head = readFileSync(join(root, '.git', 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 40);
    return readFileSync(join(root, '.git', head.slice(5)), 'utf8')
      .trim()
      .slice(0, 40);
  } catch {
    return null;
  }
}

export interface ComposeOptions {
  settings: Settings;
  clock?: Clock;
  logger?: Logger;
  /** An already-open (and migrated) database, e.g. from a test. */
  db?: Db;
}

export type App = Awaited<ReturnType<typeof compose>>;

/** Builds the whole application without listening or starting engines. */
export async function compose(opts: ComposeOptions) {
  const { settings } = opts;
  const clock = opts.clock ?? new SystemClock();
  const logger =
    opts.logger ??
    pino({
      level: settings.logLevel,
      redact: {
        paths: ['req.headers.authorization', '*.password', '*.secret', '*.token'],
        censor: '[redacted]',
      },
    });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_' });
  const storeLatency = new Histogram({
    name: 'vigil_store_query_duration_seconds',
    help: 'Store query latency',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'vigil_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const engineStep = new Histogram({
    name: 'vigil_engine_step_duration_seconds',
    help: 'Engine step duration',
    labelNames: ['engine', 'outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });

  const db =
    opts.db ??
    (await createDb({
      url: settings.databaseUrl,
      sqlitePath: join(settings.dataDir, 'vigil.db'),
      onQuery: (ms) => storeLatency.observe(ms / 1000),
    }));
  if (!opts.db) await migrateToLatest(db);

  const audit = new AuditLog(db, clock);
  const timeline = new Timeline(db, clock);
  const timers = new TimerStore(db, clock);
  const catalog = new CatalogService(db, clock, audit, timeline);
  const tokens = new TokenService(db, clock, audit);
  const applier = new ApplyService(db, clock, catalog, audit);
  const holder = `${hostname()}:${process.pid}:${newId()}`;
  const runner = new EngineRunner(clock, new LeaseStore(db), holder, {
    onStep: (name, ms, ok) => engineStep.observe({ engine: name, outcome: ok ? 'ok' : 'error' }, ms / 1000),
    onError: (name, err) => logger.error({ engine: name, err }, 'engine step failed'),
  });
  const info: SystemInfo = {
    version: VERSION,
    commit: readCommit(),
    startedAt: clock.now(),
    store: db.dialect,
    starting: new Set(),
  };

  // Modules, in dependency order; each sees the others only through their published api.
  const instances = new Map<string, ModuleInstance>();
  const directory = {
    get<T>(name: string): T {
      const m = instances.get(name);
      if (!m) throw new Error(`module ${name} is not loaded (or not created yet: add it to dependsOn)`);
      return m.api as T;
    },
    find<T>(name: string): T | undefined {
      return instances.get(name)?.api as T | undefined;
    },
  };
  for (const mod of await loadModules()) {
    const ctx: ModuleContext = {
      settings,
      db,
      clock,
      logger: logger.child({ module: mod.name }),
      metrics: registry,
      audit,
      timeline,
      timers,
      catalog,
      tokens,
      modules: directory,
      instanceId: holder,
    };
    const inst = await mod.create(ctx);
    instances.set(mod.name, inst);
    for (const e of inst.engines ?? []) runner.register(e);
  }
  const modulePlugins = [...instances.values()].flatMap((m) => (m.routes ? [m.routes] : []));

  const { app: http, routes } = await buildServer({
    logger,
    tokens,
    version: VERSION,
    httpDuration,
    plugins: [
      systemRoutes({ db, registry, info, runner }),
      catalogRoutes(catalog),
      identityRoutes(tokens, audit),
      timelineRoutes(timeline),
      configRoutes(applier),
      ...modulePlugins,
    ],
  });

  return {
    settings,
    clock,
    logger,
    db,
    registry,
    info,
    services: { audit, timeline, timers, catalog, tokens, applier },
    modules: directory,
    runner,
    /** Starts engines and lets modules warm up (after the server listens). */
    async start() {
      // PostgreSQL: events committed by other replicas reach this one's subscribers too.
      await timeline.listenAcrossReplicas(holder);
      runner.start();
      for (const m of instances.values()) await m.start?.();
    },
    http,
    routes,
    /** Stops engines, closes HTTP and the store (reverse order of start). */
    async close() {
      runner.stop();
      for (const m of [...instances.values()].reverse()) await m.stop?.();
      await timeline.stopListeningAcrossReplicas();
      await http.close();
      await db.close();
    },
  };
}
