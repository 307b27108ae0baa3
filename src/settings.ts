/** Settings from flags and environment variables, with documented names and defaults. */
import { resolve } from 'node:path';

export interface Settings {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  plan: string | undefined;
  baseUrl: string;
  logLevel: string;
  /** Watch the plan path and re-apply on change (SIGHUP always re-applies). */
  watchPlan: boolean;
}

/** name, env var, default, description — printed by `vigil start --help` and in the README. */
export const SETTINGS_DOC: Array<[flag: string, env: string, def: string, desc: string]> = [
  ['--port', 'VIGIL_PORT', '7070', 'HTTP port'],
  ['--host', 'VIGIL_HOST', '0.0.0.0', 'interface to listen on'],
  ['--data-dir', 'VIGIL_DATA_DIR', './data', 'embedded store and local state (SQLite file, admin token)'],
  ['--database-url', 'DATABASE_URL', '(unset: embedded SQLite)', 'postgres://… to use PostgreSQL 15+'],
  ['--plan', 'VIGIL_PLAN', '(unset)', 'ops plan file or directory applied on start and on SIGHUP/change'],
  ['--base-url', 'VIGIL_BASE_URL', 'http://localhost:<port>', 'public URL used in links'],
  ['--log-level', 'VIGIL_LOG_LEVEL', 'info', 'fatal|error|warn|info|debug|trace|silent'],
  ['--no-watch', 'VIGIL_WATCH_PLAN', 'true', 're-apply the plan when its files change'],
];

export function loadSettings(
  flags: Partial<Record<string, string | boolean | undefined>> = {},
  env: NodeJS.ProcessEnv = process.env,
): Settings {
  const pick = (flag: string, name: string) => {
    const v = flags[flag];
    return v === undefined || v === '' ? env[name] : String(v);
  };
  const portRaw = pick('port', 'VIGIL_PORT') ?? '7070';
  const port = Number(portRaw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port "${portRaw}" (VIGIL_PORT / --port): expected 0–65535`);
  }
  const logLevel = pick('logLevel', 'VIGIL_LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new Error(`invalid log level "${logLevel}" (VIGIL_LOG_LEVEL / --log-level)`);
  }
  const watchRaw = flags.watch === false ? 'false' : (env.VIGIL_WATCH_PLAN ?? 'true');
  return {
    port,
    host: pick('host', 'VIGIL_HOST') ?? '0.0.0.0',
    dataDir: resolve(pick('dataDir', 'VIGIL_DATA_DIR') ?? './data'),
    databaseUrl: pick('databaseUrl', 'DATABASE_URL') || undefined,
    plan: pick('plan', 'VIGIL_PLAN') || undefined,
    baseUrl: (pick('baseUrl', 'VIGIL_BASE_URL') ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    logLevel,
    watchPlan: watchRaw !== 'false' && watchRaw !== '0',
  };
}
