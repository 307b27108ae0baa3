/**
 * The quick start as a user runs it: `vigil start` with the example plan on a fresh data dir,
 * then the CLI as a client (services list, plan, validate), then SIGTERM.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
let server: ChildProcess;
let url = '';
const env = () => ({
  ...process.env,
  VIGIL_DATA_DIR: dataDir,
  VIGIL_URL: url,
  VIGIL_TOKEN: '',
  VIGIL_LOG_LEVEL: 'info',
});

function vigil(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/vigil.mjs', ...args], {
    env: env(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(async () => {
  server = spawn(
    process.execPath,
    ['bin/vigil.mjs', 'start', '--port', '0', '--host', '127.0.0.1', '--plan', 'examples/quickstart'],
    {
      env: { ...process.env, VIGIL_DATA_DIR: dataDir, DATABASE_URL: '', VIGIL_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not become ready:\n${log}`)), 90_000);
    server.stdout!.on('data', (d) => {
      log += d;
      const m = /listening on (http:\/\/localhost:\d+)/.exec(log);
      if (m && /ops plan applied/.test(log)) {
        url = m[1].replace('localhost', '127.0.0.1');
        clearTimeout(timer);
        resolve();
      }
    });
    server.on('exit', (c) => reject(new Error(`server exited (${c}):\n${log}`)));
  });
});

after(() => {
  server?.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

test('start serves the API with the example plan applied and a bootstrap admin token', async () => {
  const ready = await fetch(`${url}/health/ready`);
  assert.equal(ready.status, 200);
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  assert.match(token, /^vgl_/);
  const services: any = await (
    await fetch(`${url}/api/v1/services`, { headers: { authorization: `Bearer ${token}` } })
  ).json();
  assert.ok(services.items.length >= 3);
  assert.ok(services.items.every((s: any) => s.managed === true));
  // Unauthenticated API access is refused.
  assert.equal((await fetch(`${url}/api/v1/services`)).status, 401);
});

test('the CLI is a client of the API (token from the local data dir)', () => {
  const r = vigil('--url', url.replace('127.0.0.1', 'localhost'), 'services', 'list');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^KEY\s+NAME\s+OWNER/m);
  const j = vigil('--url', url.replace('127.0.0.1', 'localhost'), '-o', 'json', 'teams', 'list');
  assert.equal(j.code, 0, j.err);
  assert.ok(JSON.parse(j.out).length >= 2);
  const p = vigil('--url', url.replace('127.0.0.1', 'localhost'), 'plan', 'examples/quickstart');
  assert.equal(p.code, 0, p.err);
  assert.match(p.out, /No changes/);
});

test('validate: the example passes; the broken plan exits 2 with file:line:column errors', () => {
  const ok = vigil('validate', 'examples/quickstart');
  assert.equal(ok.code, 0, ok.err);
  const bad = vigil('validate', 'examples/broken');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /\.ya?ml:\d+:\d+: error:/);
  assert.doesNotMatch(bad.err, /\n\s+at .*\.ts:\d+/, 'no stack trace');
});

test('client errors exit 2 with the server’s reason; an unreachable server is explained', () => {
  const r = vigil('--url', url, '--token', 'vgl_wrong', 'services', 'list');
  assert.equal(r.code, 2);
  assert.match(r.err, /401 invalid, expired or revoked token/);
  const down = vigil('--url', 'http://127.0.0.1:1', 'services', 'list');
  assert.equal(down.code, 1);
  assert.match(down.err, /cannot reach Vigil/);
});
