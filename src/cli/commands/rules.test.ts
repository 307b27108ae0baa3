/** The `vigil rules` verbs: list against an in-process Vigil over HTTP, test on local files. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { createTestApp } from '../../../test/support/app.ts';
import { CliError } from '../client.ts';
import type { GlobalOpts } from '../main.ts';
import { register } from './rules.ts';

async function run(g: GlobalOpts, args: string[]): Promise<{ out: string; error: Error | null }> {
  const program = new Command().exitOverride();
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

test('vigil rules test: success, failure (exit 1) and a bad file (exit 2)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-rules-'));
  try {
    writeFileSync(
      join(dir, 'rules.yaml'),
      'groups:\n  - name: g\n    rules:\n      - { alert: Up, expr: up == 1, labels: { severity: page } }\n',
    );
    const body = (exp: string) =>
      `rule_files: [rules.yaml]\ntests:\n  - input_series: [{ series: 'up{job="a"}', values: '1x5' }]\n    alert_rule_test:\n      - { eval_time: 2m, alertname: Up, exp_alerts: ${exp} }\n`;
    writeFileSync(join(dir, 'ok.yaml'), body('[{ exp_labels: { job: a, severity: page } }]'));
    writeFileSync(join(dir, 'bad.yaml'), body('[]'));
    const g: GlobalOpts = { output: 'table' };
    let r = await run(g, ['rules', 'test', join(dir, 'ok.yaml')]);
    assert.equal(r.error, null);
    assert.match(r.out, /SUCCESS .*ok\.yaml \(1 tests\)/);
    r = await run(g, ['rules', 'test', join(dir, 'ok.yaml'), join(dir, 'bad.yaml')]);
    assert.ok(r.error instanceof CliError);
    assert.equal((r.error as CliError).exitCode, 1);
    assert.match(r.out, /FAILED .*bad\.yaml/);
    r = await run(g, ['rules', 'test', join(dir, 'missing.yaml')]);
    assert.equal((r.error as CliError).exitCode, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('vigil rules list shows groups, rules and health; deleting a group resolves its alerts', async () => {
  const t = await createTestApp('sqlite');
  try {
    await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.http.server.address() as { port: number }).port;
    const g: GlobalOpts = { url: `http://127.0.0.1:${port}`, token: t.adminToken, output: 'table' };
    const res = await t.request('POST', '/api/v1/rule-groups', {
      key: 'api',
      rules: [
        { alert: 'AlwaysOn', expr: 'vector(1)' },
        { record: 'job:one', expr: 'vector(1)' },
      ],
    });
    assert.equal(res.statusCode, 201, res.body);
    await t.app.runner.runOnce('rules-eval');
    const r = await run(g, ['rules', 'list']);
    assert.equal(r.error, null);
    assert.match(r.out, /api\s+AlwaysOn\s+alert\s+firing\s+1\s+ok/);
    assert.match(r.out, /api\s+job:one\s+record\s+ok/);

    // Deleting the group resolves its firing alert, so downstream incidents can close.
    assert.equal((await t.request('DELETE', '/api/v1/rule-groups/api')).statusCode, 204);
    await t.advance(60_000);
    await t.app.runner.runOnce('rules-eval');
    const ev = await t.app.services.timeline.recent({ types: ['alert.firing', 'alert.resolved'] });
    assert.deepEqual(
      ev.map((e) => `${e.type}:${e.data.rule}`),
      ['alert.resolved:AlwaysOn', 'alert.firing:AlwaysOn'],
    );
  } finally {
    await t.close();
  }
});
