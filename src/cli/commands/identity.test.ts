/** The identity/audit CLI verbs against an in-process Vigil (real HTTP on 127.0.0.1). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { createTestApp } from '../../../test/support/app.ts';
import { CliError } from '../client.ts';
import type { GlobalOpts } from '../main.ts';
import { register } from './identity.ts';

function vigil(env: Record<string, string>, args: string[], stdin?: string) {
  return new Promise<{ code: number; out: string; err: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      ['bin/vigil.mjs', ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (err, out, errOut) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out, err: errOut }),
    );
    child.stdin?.end(stdin ?? '');
  });
}

/** Runs the verbs in-process (no CLI start-up cost), capturing what they print. */
async function run(g: GlobalOpts, args: string[]): Promise<{ out: string; error: Error | null }> {
  const program = new Command().exitOverride();
  program.command('audit');
  register(program, () => g);
  let out = '';
  const write = process.stdout.write;
  const log = console.log;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  console.log = (...a: unknown[]) => {
    out += `${a.join(' ')}\n`;
  };
  try {
    await program.parseAsync(['node', 'vigil', ...args]);
    return { out, error: null };
  } catch (err) {
    return { out, error: err as Error };
  } finally {
    process.stdout.write = write;
    console.log = log;
  }
}

test('vigil users set-password (stdin) / reset-link, vigil me, vigil audit export + verify-file', async () => {
  const t = await createTestApp('sqlite');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-id-'));
  try {
    await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.http.server.address() as { port: number }).port;
    const url = `http://127.0.0.1:${port}`;
    const g: GlobalOpts = { url, token: t.adminToken, output: 'table' };
    await t.request('POST', '/api/v1/users', { key: 'ann@example.com', name: 'Ann', role: 'operator' });

    // One real process: the password comes from piped stdin.
    const env = { VIGIL_URL: url, VIGIL_TOKEN: t.adminToken, VIGIL_DATA_DIR: dir };
    const sp = await vigil(env, ['users', 'set-password', 'ann@example.com'], 'a long cli password\n');
    assert.equal(sp.code, 0, sp.err);
    assert.match(sp.out, /password set for ann@example.com/);
    const login = await t.request(
      'POST',
      '/api/v1/auth/login',
      { email: 'ann@example.com', password: 'a long cli password' },
      { token: null },
    );
    assert.equal(login.statusCode, 200);

    let r = await run(g, ['users', 'reset-link', 'ann@example.com']);
    assert.equal(r.error, null);
    assert.match(r.out, /\/reset\/vsl_/);
    r = await run(g, ['me']);
    assert.match(r.out, /test-admin \(admin\) via token/);

    r = await run(g, ['audit', 'export', '--from', '2026-01-01']);
    assert.equal(r.error, null);
    const file = join(dir, 'audit.jsonl');
    writeFileSync(file, r.out);
    const lines = r.out.trim().split('\n');
    assert.ok(lines.length >= 4);
    assert.ok(lines.some((l) => JSON.parse(l).action === 'user.password.set'));
    r = await run(g, ['audit', 'verify-file', file]);
    assert.equal(r.error, null);
    assert.match(r.out, new RegExp(`${lines.length} event\\(s\\) intact`));
    writeFileSync(file, readFileSync(file, 'utf8').replace('"Ann"', '"Eve"'));
    r = await run(g, ['audit', 'verify-file', file]);
    assert.match(String(r.error?.message), /content does not match its hash/);

    r = await run(g, ['audit', 'export', '--from', 'yesterday']);
    assert.ok(r.error instanceof CliError && r.error.exitCode === 2);
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
