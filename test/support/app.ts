/**
 * Scenario-test helper: composes the whole application on a VirtualClock and a fresh database,
 * with an admin token ready, so a test can call the API, advance time and assert.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { type App, compose } from '../../src/compose.ts';
import type { DialectName } from '../../src/db/db.ts';
import { VirtualClock } from '../../src/kernel/clock.ts';
import type { Role } from '../../src/modules/catalog/kinds.ts';
import { loadSettings } from '../../src/settings.ts';
import { createTestDb, type TestDbHandle } from './db.ts';

export interface TestApp {
  app: App;
  clock: VirtualClock;
  db: TestDbHandle;
  /** The data directory (embedded TSDB, local state); removed on close unless passed in. */
  dataDir: string;
  adminToken: string;
  /** Issues a token with `role` and returns its secret. */
  token(role: Role, name?: string): Promise<string>;
  /** Calls the API as admin (or with `token`); JSON bodies are serialised. */
  request(
    method: string,
    url: string,
    body?: unknown,
    opts?: { token?: string | null; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse & { body: string; json: () => any }>;
  /** Advances the virtual clock, letting engine timers fire on the way. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Builds a test app on `dialect` (or on an existing handle, e.g. to simulate a restart). */
export async function createTestApp(
  dialect: DialectName | TestDbHandle,
  opts: {
    clock?: VirtualClock;
    startEngines?: boolean /** Reuse a data directory (restart tests). */;
    dataDir?: string;
  } = {},
): Promise<TestApp> {
  const handle = typeof dialect === 'string' ? await createTestDb(dialect) : dialect;
  const ownsDb = typeof dialect === 'string';
  const db = typeof dialect === 'string' ? handle.db : await handle.reopen();
  const clock = opts.clock ?? new VirtualClock('2026-11-23T09:00:00Z');
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'vigil-app-'));
  const settings = loadSettings({}, { VIGIL_DATA_DIR: dataDir, VIGIL_LOG_LEVEL: 'silent' });
  const app = await compose({
    settings,
    clock,
    db,
    logger: pino({ level: process.env.VIGIL_TEST_LOG_LEVEL ?? 'silent' }),
  });
  const { secret: adminToken } = await app.services.tokens.issue(
    { actor: 'test' },
    { name: 'test-admin', role: 'admin' },
  );
  if (opts.startEngines) await app.start();
  const t: TestApp = {
    app,
    clock,
    db: handle,
    dataDir,
    adminToken,
    async token(role, name = `test-${role}`) {
      return (await app.services.tokens.issue({ actor: 'test' }, { name, role })).secret;
    },
    async request(method, url, body, o = {}) {
      const token = o.token === undefined ? adminToken : o.token;
      const res = await app.http.inject({
        method: method as any,
        url,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...o.headers,
        },
        payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      return Object.assign(res, { json: () => JSON.parse(res.body) });
    },
    advance: (ms) => clock.advance(ms),
    async close() {
      app.runner.stop();
      await app.close().catch(() => {});
      if (ownsDb) await handle.destroy();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}
