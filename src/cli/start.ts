/** `vigil start`: compose, migrate, bootstrap an admin token, listen, apply the plan (and re-apply on SIGHUP/change). */
import { existsSync, watch, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type App, compose } from '../compose.ts';
import { formatDiagnostics, loadPlan } from '../plan/index.ts';
import type { Settings } from '../settings.ts';

/** Creates the first admin token when none exists, written to <data dir>/admin-token (mode 0600). */
async function bootstrapToken(app: App): Promise<string | null> {
  if ((await app.services.tokens.count()) > 0) return null;
  const { secret } = await app.services.tokens.issue(
    { actor: 'system:bootstrap' },
    { name: 'bootstrap-admin', role: 'admin' },
  );
  const file = join(app.settings.dataDir, 'admin-token');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return file;
}

/** Loads and applies the plan at `path`; logs diagnostics instead of crashing on a bad plan. */
export async function applyPlanFile(app: App, path: string): Promise<boolean> {
  const res = await loadPlan(path);
  if (!res.ok) {
    app.logger.error(
      { plan: path },
      `ops plan has errors; nothing applied:\n${formatDiagnostics(res.diagnostics)}`,
    );
    return false;
  }
  try {
    const r = await app.services.applier.apply(
      { actor: `plan:${relative(process.cwd(), path) || path}` },
      { objects: res.plan.objects, prune: res.plan.prune, files: res.plan.files },
    );
    app.logger.info({ plan: path, summary: r.summary, apply_id: r.applyId }, 'ops plan applied');
    return true;
  } catch (err) {
    app.logger.error(
      { plan: path, err: (err as Error).message },
      'ops plan apply failed; previous state kept',
    );
    return false;
  }
}

export async function startServer(settings: Settings): Promise<App> {
  const t0 = performance.now();
  const { mkdirSync } = await import('node:fs');
  mkdirSync(settings.dataDir, { recursive: true });
  const app = await compose({ settings });
  const tokenFile = await bootstrapToken(app);
  if (settings.plan) app.info.starting.add('plan');
  await app.http.listen({ port: settings.port, host: settings.host });
  await app.start();
  const addr = app.http.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : settings.port;
  app.logger.info(
    {
      url: `http://localhost:${port}`,
      store: app.db.dialect,
      data: app.db.location,
      ready_ms: Math.round(performance.now() - t0),
    },
    `Vigil ${app.info.version} listening on http://localhost:${port} (store: ${app.db.dialect} at ${app.db.location})`,
  );
  if (tokenFile) {
    app.logger.info(
      { file: tokenFile },
      `first start: an admin API token was written to ${tokenFile} (the CLI uses it for a local Vigil)`,
    );
  }
  if (settings.plan) {
    const planPath = settings.plan;
    if (!existsSync(planPath)) app.logger.error({ plan: planPath }, 'ops plan path does not exist');
    else await applyPlanFile(app, planPath);
    app.info.starting.delete('plan');
    let pending: NodeJS.Timeout | undefined;
    const reapply = (why: string) => {
      clearTimeout(pending);
      pending = setTimeout(() => {
        app.logger.info({ plan: planPath, why }, 're-applying ops plan');
        void applyPlanFile(app, planPath);
      }, 300);
    };
    process.on('SIGHUP', () => reapply('SIGHUP'));
    if (settings.watchPlan && existsSync(planPath)) {
      try {
        const w = watch(planPath, { recursive: true }, () => reapply('file change'));
        w.unref();
      } catch (err) {
        app.logger.warn(
          { err: (err as Error).message },
          'cannot watch the plan for changes; SIGHUP still re-applies',
        );
      }
    }
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down');
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return app;
}
