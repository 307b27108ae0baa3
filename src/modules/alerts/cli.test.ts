/** The `vigil alerts|silence|maintenance` verbs against an in-process Vigil (real HTTP on 127.0.0.1). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../test/support/app.ts';
import { runCommand } from '../../../test/support/cli.ts';
import { CliError } from '../../cli/client.ts';
import { register } from '../../cli/commands/alerts.ts';
import type { GlobalOpts } from '../../cli/main.ts';
import { amPayload, BASE_PLAN, planBody, pump, secretOf } from './testing.ts';

const run = (g: GlobalOpts, args: string[]) => runCommand(register, g, args);

test('vigil silence add|list|expire, vigil alerts list, vigil maintenance list', async () => {
  const t = await createTestApp('sqlite');
  try {
    const plan = `${BASE_PLAN}
routing:
  integrations: [{ key: am, type: alertmanager }]
  maintenance_windows:
    - { key: monthly, title: Monthly, start: 2026-12-06T02:00, duration: 1h, rrule: FREQ=MONTHLY;BYDAY=1SU }
`;
    assert.equal((await t.request('POST', '/api/v1/apply', planBody(plan))).statusCode, 200);
    await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    const g: GlobalOpts = {
      url: `http://127.0.0.1:${(t.app.http.server.address() as { port: number }).port}`,
      token: t.adminToken,
      output: 'json',
    };

    const bad = await run(g, ['silence', 'add', 'service', '-c', 'x']);
    assert.ok(bad.error instanceof CliError && bad.error.exitCode === 2);
    const added = await run(g, ['silence', 'add', 'service=api', '--for', '2h', '-c', 'deploy']);
    assert.equal(added.error, null, String(added.error));
    const s = JSON.parse(added.out);
    assert.equal(s.state, 'active');
    assert.equal(Date.parse(s.ends_at) - Date.parse(s.starts_at), 2 * 3_600_000);
    assert.deepEqual(s.matchers, ['service=api']);

    const secret = await secretOf(t, 'am');
    await t.request(
      'POST',
      `/api/v1/alerting/ingest/alertmanager/${secret}`,
      amPayload([{ fp: 'c000000000000001', labels: { alertname: 'X', service: 'api' } }]),
      { token: null },
    );
    await pump(t);
    const listed = JSON.parse(
      (await run(g, ['alerts', 'list', '--status', 'silenced', '-l', 'service=api'])).out,
    );
    assert.equal(listed.alerts.length, 1);
    assert.equal(listed.alerts[0].reason.silence, s.id);

    const expired = JSON.parse((await run(g, ['silence', 'expire', s.id])).out);
    assert.equal(expired.state, 'expired');
    assert.equal(JSON.parse((await run(g, ['silence', 'list'])).out).silences.length, 0);
    assert.equal(JSON.parse((await run(g, ['silence', 'list', '--all'])).out).silences.length, 1);

    const cal = JSON.parse(
      (
        await run(g, [
          'maintenance',
          'list',
          '--from',
          '2026-12-01T00:00:00Z',
          '--to',
          '2027-01-31T00:00:00Z',
        ])
      ).out,
    );
    assert.deepEqual(
      cal.windows.map((w: any) => w.start),
      ['2026-12-06T02:00:00.000Z', '2027-01-03T02:00:00.000Z'],
    );
    const table = await run({ ...g, output: 'table' }, [
      'maintenance',
      'list',
      '--from',
      '2026-12-01T00:00:00Z',
    ]);
    assert.match(table.out, /monthly/);
  } finally {
    await t.close();
  }
});
