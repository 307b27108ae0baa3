import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { createTestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { buildServer } from '../../http/server.ts';
import type { Role } from '../catalog/kinds.ts';
import { assertCan, can, grantedTeams } from './index.ts';
import { addUser, asSession, login } from './test-helpers.ts';
import type { Principal } from './tokens.ts';

const p = (role: Role, grants: Principal['grants'] = []): Principal => ({
  kind: 'session',
  actor: 'user:x@example.com',
  role,
  grants,
});

test('can: org role everywhere, grants only inside their team/environments', () => {
  const viewer = p('viewer', [
    { role: 'operator', team: 'payments' },
    { role: 'admin', team: 'payments', environments: ['staging'] },
    { role: 'responder', environments: ['dev'] },
  ]);
  const cases: Array<[Role, { team?: string; environment?: string }, boolean]> = [
    ['viewer', {}, true],
    ['responder', {}, false],
    ['operator', { team: 'payments' }, true],
    ['operator', { team: 'payments', environment: 'production' }, true],
    ['admin', { team: 'payments', environment: 'production' }, false],
    ['admin', { team: 'payments', environment: 'staging' }, true],
    ['admin', { team: 'payments' }, false],
    ['operator', { team: 'search' }, false],
    ['responder', { team: 'search', environment: 'dev' }, true],
    ['responder', { environment: 'staging' }, false],
    ['operator', { environment: 'dev' }, false],
  ];
  for (const [need, scope, want] of cases) {
    assert.equal(can(viewer, need, scope), want, `${need} ${JSON.stringify(scope)}`);
  }
  assert.equal(can(p('admin'), 'admin', { team: 'any', environment: 'production' }), true);
  assert.equal(can(null, 'viewer'), false);
  assert.deepEqual(grantedTeams(viewer, 'operator'), ['payments']);
  assert.throws(
    () => assertCan(viewer, 'admin', { team: 'payments', environment: 'production' }),
    /needs the admin role for team payments, environment production \(you have viewer plus grants/,
  );
});

testBothDbs('role and grant matrix with sessions and personal tokens', async (h) => {
  const t = await createTestApp(h);
  try {
    for (const k of ['payments', 'search']) await t.request('POST', '/api/v1/teams', { key: k, name: k });
    for (const k of ['staging', 'production']) {
      await t.request('POST', '/api/v1/environments', { key: k, name: k, production: k === 'production' });
    }
    await addUser(t, 'vic@example.com', {
      role: 'viewer',
      teams: ['payments'],
      grants: [{ role: 'operator', team: 'payments', environments: ['staging'] }],
    });
    await addUser(t, 'opal@example.com', { role: 'operator' });
    // A test-only route whose handler checks the environment scope, as a module would.
    const { app: http } = await buildServer({
      logger: pino({ level: 'silent' }),
      tokens: t.app.services.tokens,
      version: 'test',
      plugins: [
        async (app) => {
          app.post('/deploy/:team/:env', { config: { policy: 'operator', scoped: true } }, async (req) => {
            const { team, env } = req.params as { team: string; env: string };
            assertCan(req.principal, 'operator', { team, environment: env });
            return { ok: true };
          });
        },
      ],
    });
    const vic = await login(t, 'vic@example.com');
    const opal = await login(t, 'opal@example.com');
    const call = (s: { cookie: string; csrf: string }, team: string, env: string) =>
      http.inject({
        method: 'POST',
        url: `/deploy/${team}/${env}`,
        headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      });
    const matrix: Array<[typeof vic, string, string, number]> = [
      [vic, 'payments', 'staging', 200],
      [vic, 'payments', 'production', 403],
      [vic, 'search', 'staging', 403],
      [opal, 'payments', 'production', 200],
      [opal, 'search', 'staging', 200],
    ];
    for (const [s, team, env, want] of matrix) {
      const r = await call(s, team, env);
      assert.equal(r.statusCode, want, `${s === vic ? 'vic' : 'opal'} ${team}/${env}: ${r.body}`);
    }
    // Unscoped routes keep using the org role: vic (viewer) cannot create services anywhere.
    const svc = await asSession(t, vic, 'POST', '/api/v1/services', {
      key: 's',
      name: 'S',
      owner: 'payments',
    });
    assert.equal(svc.statusCode, 403);
    const me = (await asSession(t, vic, 'GET', '/api/v1/auth/me')).json();
    assert.deepEqual(me.user.grants, [{ role: 'operator', team: 'payments', environments: ['staging'] }]);
    assert.deepEqual(me.user.teams, ['payments']);

    // Personal tokens: bound to the user, never above their role, usable by the owner only.
    const tooHigh = await asSession(t, vic, 'POST', '/api/v1/auth/tokens', { name: 'cli', role: 'admin' });
    assert.equal(tooHigh.statusCode, 403);
    const issued = await asSession(t, vic, 'POST', '/api/v1/auth/tokens', { name: 'cli' });
    assert.equal(issued.statusCode, 201, issued.body);
    assert.equal(issued.json().role, 'viewer');
    const secret = issued.json().secret;
    const viaToken = await t.request('GET', '/api/v1/auth/me', undefined, { token: secret });
    assert.equal(viaToken.json().user.email, 'vic@example.com');
    assert.equal(viaToken.json().csrf_token, null);
    const r = await http.inject({
      method: 'POST',
      url: '/deploy/payments/staging',
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(r.statusCode, 403, 'a viewer-role personal token caps the operator grant too');
    const list = await asSession(t, vic, 'GET', '/api/v1/auth/tokens');
    assert.deepEqual(
      list.json().items.map((x: { name: string }) => x.name),
      ['cli'],
    );
    assert.equal((await asSession(t, opal, 'GET', '/api/v1/auth/tokens')).json().items.length, 0);
    const id = issued.json().id;
    assert.equal((await asSession(t, opal, 'DELETE', `/api/v1/auth/tokens/${id}`)).statusCode, 404);
    // Removing the user disables their tokens.
    await t.request('DELETE', '/api/v1/users/vic@example.com');
    await t.advance(10_000);
    assert.equal((await t.request('GET', '/api/v1/auth/me', undefined, { token: secret })).statusCode, 401);
    assert.equal((await asSession(t, vic, 'GET', '/api/v1/auth/me')).statusCode, 401);
    await http.close();
  } finally {
    await t.close();
  }
});
