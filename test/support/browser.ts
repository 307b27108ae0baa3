/**
 * Browser-test harness shared by test/browser/*.test.ts: starts Vigil as a child process on
 * 127.0.0.1 (temporary data dir, SQLite, a first admin, a plan), launches Debian's Chromium through
 * playwright-core, signs in, runs axe-core and takes screenshots into test-results/<suite>/.
 *
 * Without /usr/bin/chromium a suite skips with the reason (`browserSkip`); under CI=true it fails
 * instead (`requireBrowserInCi`), because .ci/run installs Chromium.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const ADMIN = { email: 'console-admin@example.com', password: 'correct horse battery staple 42' };
const missing = !existsSync(CHROMIUM);
const HOW = `Chromium is not installed at ${CHROMIUM}; install it with: apt-get update && apt-get install -y chromium`;

/** `skip` option for a browser describe(): false when Chromium is present, else the reason. */
export const browserSkip: string | false = missing ? HOW : false;

/** Call at module top level: under CI=true a missing Chromium is a failing test, not a skip. */
export function requireBrowserInCi(): void {
  if (missing && process.env.CI === 'true') {
    test('browser tests need Chromium', () => {
      assert.fail(`${HOW} (.ci/run does this; under CI=true a missing browser is a failure, not a skip)`);
    });
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(base: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`vigil exited (${child.exitCode}):\n${log()}`);
    try {
      const res = await fetch(`${base}/health/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`vigil did not become ready in 30 s:\n${log()}`);
}

/** Builds web/dist once when it is missing (a fresh clone's `npm ci` builds it already). */
export function ensureConsoleBuilt(): void {
  if (existsSync(join(ROOT, 'web', 'dist', 'index.html'))) return;
  const b = spawnSync(process.execPath, [join(ROOT, 'web', 'prepare.mjs')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, `console build failed:\n${b.stdout}${b.stderr}`);
}

export interface VigilProcess {
  base: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** The admin API token Vigil wrote on first start. */
  adminToken(): string;
  /** fetch against the API with the admin token; JSON body when `body` is given. */
  apiFetch(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Plan file or folder (default examples/quickstart). Pass null to start without a plan. */
  plan?: string | null;
  env?: Record<string, string>;
  args?: string[];
}

/** Starts `vigil start` on a free port with a temporary data dir and waits for /health/ready. */
export async function startVigil(opts: StartOptions = {}): Promise<VigilProcess> {
  ensureConsoleBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-browser-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const plan = opts.plan === undefined ? join(ROOT, 'examples', 'quickstart') : opts.plan;
  const args = [
    join(ROOT, 'bin', 'vigil.mjs'),
    'start',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    ...(plan ? ['--plan', plan, '--no-watch'] : []),
    ...(opts.args ?? []),
  ];
  let output = '';
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      VIGIL_ADMIN_EMAIL: ADMIN.email,
      VIGIL_ADMIN_PASSWORD: ADMIN.password,
      VIGIL_LOG_LEVEL: 'warn',
      VIGIL_DATABASE_URL: '',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  await waitReady(base, child, () => output);
  const adminToken = () => readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  return {
    base,
    dataDir,
    child,
    output: () => output,
    adminToken,
    apiFetch(method, path, body, headers = {}) {
      return fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken()}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Uncaught errors thrown in the page; assert it is empty at the end of a suite. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Launches Chromium (headless) with a context bound to `base`. */
export async function openBrowser(base: string): Promise<BrowserSession> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  // bypassCSP lets the test inject axe-core; the console itself runs under its strict CSP.
  const context = await browser.newContext({
    baseURL: base,
    bypassCSP: true,
    viewport: { width: 1280, height: 860 },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  return { browser, context, page, pageErrors, close: () => browser.close() };
}

/** Signs in through the form as the first admin and waits for the overview. */
export async function signIn(page: Page, who = ADMIN): Promise<void> {
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

/** Runs axe-core in the page; fails on serious or critical violations. */
export async function checkA11y(page: Page, name: string): Promise<void> {
  const source = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  // Strings, not functions: this file is type-checked without the DOM library.
  if (!(await page.evaluate("'axe' in window"))) await page.addScriptTag({ content: source });
  const result = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as {
    violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }>;
  };
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `accessibility violations on ${name}`,
  );
}

/** A full-page screenshot into test-results/<suite>/<name>.png. */
export function screenshots(suite: string): (page: Page, name: string) => Promise<void> {
  const dir = join(ROOT, 'test-results', suite);
  mkdirSync(dir, { recursive: true });
  return async (page, name) => {
    await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  };
}

/** Picks the dark theme (as the header's Theme button does); it applies on the next page load. */
export async function useDarkTheme(page: Page): Promise<void> {
  await page.evaluate("localStorage.setItem('vigil.theme', 'dark')");
}

/** How far the page scrolls sideways (px); 0 when everything fits the viewport's width. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return Number(
    await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'),
  );
}

/**
 * Polls `fn` until it returns something other than undefined (or `true`-ish for conditions), for
 * lists that settle after a debounce and for deliveries that arrive asynchronously. On timeout it
 * fails with `what` and, when given, `detail()`.
 */
export async function eventually<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  opts: { ms?: number; every?: number; detail?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.ms ?? 10_000);
  for (;;) {
    const v = await fn();
    if (v !== undefined && (v as unknown) !== false) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${opts.detail ? `; ${opts.detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.every ?? 100));
  }
}
