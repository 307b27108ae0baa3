/**
 * Operating a running Vigil: the plan is re-applied when its files change (a broken edit is
 * reported and changes nothing), and `vigil backup` snapshots the live store for `vigil restore`.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createDb } from '../../src/db/db.ts';

const work = mkdtempSync(join(tmpdir(), 'vigil-reload-'));
const dataDir = join(work, 'data');
const planDir = join(work, 'plan');
let server: ChildProcess;
let url = '';
let log = '';
let token = '';

async function api(path: string) {
  const r = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, body: (await r.json()) as any };
}

async function eventually(what: string, fn: () => Promise<boolean>) {
  for (let i = 0; i < 600; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what} did not happen; server log:\n${log.slice(-3000)}`);
}

before(async () => {
  cpSync('examples/quickstart', planDir, { recursive: true });
  server = spawn(
    process.execPath,
    ['bin/vigil.mjs', 'start', '--port', '0', '--host', '127.0.0.1', '--plan', planDir],
    {
      env: { ...process.env, VIGIL_DATA_DIR: dataDir, DATABASE_URL: '', VIGIL_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout!.on('data', (d) => (log += d));
  await eventually('start', async () => /ops plan applied/.test(log));
  url = /listening on (http:\/\/localhost:\d+)/.exec(log)![1];
  token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
});

after(() => {
  server?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

test('editing the plan re-applies it; a broken edit is reported and loses nothing', async () => {
  const file = join(planDir, 'vigil.yaml');
  const original = readFileSync(file, 'utf8');
  appendFileSync(file, '  - { key: added-later, name: Added later, owner: platform }\n');
  await eventually('watch re-apply', async () => (await api('/api/v1/services/added-later')).status === 200);
  assert.equal((await api('/api/v1/services/added-later')).body.managed, true);

  writeFileSync(file, `${original}\n  - { key: broken, name: Broken, owner: nobody }\n`);
  server.kill('SIGHUP');
  await eventually('error report', async () => /ops plan has errors; nothing applied/.test(log));
  assert.match(log, /unknown team "nobody"|nobody/);
  assert.equal((await api('/api/v1/services/added-later')).status, 200, 'previous state kept');
  assert.equal((await api('/api/v1/services/broken')).status, 404);

  writeFileSync(file, original);
  server.kill('SIGHUP');
  await eventually('removal applied', async () => (await api('/api/v1/services/added-later')).status === 404);
});

test('vigil backup snapshots the running store; vigil restore brings it back elsewhere', async () => {
  const file = join(work, 'snapshot.vigil');
  const env = { ...process.env, VIGIL_DATA_DIR: dataDir, DATABASE_URL: '' };
  const b = spawnSync(process.execPath, ['bin/vigil.mjs', 'backup', file], { env, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout, /config_objects=\d+/);
  const other = join(work, 'restored');
  const r = spawnSync(process.execPath, ['bin/vigil.mjs', 'restore', file], {
    env: { ...env, VIGIL_DATA_DIR: other },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const db = await createDb({ sqlitePath: join(other, 'vigil.db') });
  try {
    const live = (await api('/api/v1/services?limit=500')).body.items.map((s: any) => s.key);
    const restored = await db.kysely
      .selectFrom('config_objects')
      .select('key')
      .where('kind', '=', 'service')
      .orderBy('key')
      .execute();
    assert.deepEqual(
      restored.map((x) => x.key),
      live,
    );
  } finally {
    await db.close();
  }
  const bad = spawnSync(process.execPath, ['bin/vigil.mjs', 'restore', join(work, 'nope')], {
    env: { ...env, VIGIL_DATA_DIR: other },
    encoding: 'utf8',
  });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /cannot read backup/);
});
