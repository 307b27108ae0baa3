import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { test } from 'node:test';
import { createTestApp } from '../../../test/support/app.ts';
import { testBothDbs } from '../../../test/support/db.ts';
import { HOUR, MINUTE } from '../../kernel/clock.ts';
import { addUser, asSession, login, PW } from './test-helpers.ts';

testBothDbs('login, me, CSRF on state changes, SSE with the cookie, logout revokes', async (h) => {
  const t = await createTestApp(h);
  try {
    await addUser(t, 'ann@example.com', { role: 'operator', name: 'Ann' });
    await t.request('POST', '/api/v1/teams', { key: 'ops', name: 'Ops' });
    const s = await login(t, 'ann@EXAMPLE.com');
    const set = String(s.res.headers['set-cookie']);
    assert.match(set, /^vigil_session=vss_[\w-]+; HttpOnly; SameSite=Lax; Path=\//);
    assert.doesNotMatch(set, /Secure/, 'http base URL: no Secure attribute');
    assert.deepEqual(
      { ...s.res.json().user, grants: undefined, time_zone: undefined },
      {
        email: 'ann@example.com',
        name: 'Ann',
        role: 'operator',
        teams: [],
        grants: undefined,
        time_zone: undefined,
      },
    );
    assert.ok(s.csrf.length > 20);

    const me = await asSession(t, s, 'GET', '/api/v1/auth/me');
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().user.email, 'ann@example.com');
    assert.equal(me.json().csrf_token, s.csrf);

    // Reads need no CSRF token; writes do, and it must be this session's.
    assert.equal((await asSession(t, s, 'GET', '/api/v1/services', undefined, null)).statusCode, 200);
    const svc = { key: 'api', name: 'API', owner: 'ops' };
    const noCsrf = await asSession(t, s, 'POST', '/api/v1/services', svc, null);
    assert.equal(noCsrf.statusCode, 403);
    assert.match(noCsrf.json().type, /csrf-failed/);
    assert.match(noCsrf.json().detail, /x-csrf-token/);
    assert.equal((await asSession(t, s, 'POST', '/api/v1/services', svc, `${s.csrf}x`)).statusCode, 403);
    const ok = await asSession(t, s, 'POST', '/api/v1/services', svc);
    assert.equal(ok.statusCode, 201, ok.body);
    // The audit trail names the person.
    const audit = await t.request('GET', '/api/v1/audit?kind=service&key=api');
    assert.equal(audit.json().items[0].actor, 'user:ann@example.com');
    // Role from the user object: an operator cannot create teams.
    assert.equal((await asSession(t, s, 'POST', '/api/v1/teams', { key: 'x', name: 'X' })).statusCode, 403);
    // Bearer tokens need no CSRF token.
    assert.equal((await t.request('POST', '/api/v1/teams', { key: 'y', name: 'Y' })).statusCode, 201);

    // The SSE stream accepts the cookie.
    await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.app.http.server.address() as { port: number };
    // A plain, non-pooled connection, destroyed afterwards, so closing the server need not wait.
    const open = (headers: Record<string, string>) =>
      new Promise<{ status: number; type: string }>((resolve, reject) => {
        const req = httpGet(
          { host: '127.0.0.1', port: addr.port, path: '/api/v1/events/stream', headers, agent: false },
          (res) => {
            resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']) });
            req.destroy();
          },
        );
        req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      });
    const sse = await open({ cookie: s.cookie });
    assert.equal(sse.status, 200);
    assert.match(sse.type, /text\/event-stream/);
    assert.equal((await open({})).status, 401);

    const out = await asSession(t, s, 'POST', '/api/v1/auth/logout');
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers['set-cookie']), /vigil_session=;.*Max-Age=0/);
    const after = await asSession(t, s, 'GET', '/api/v1/auth/me');
    assert.equal(after.statusCode, 401);
    assert.match(after.json().detail, /sign in/);
  } finally {
    await t.close();
  }
});

testBothDbs(
  'wrong passwords: 401 with attempts left, then lockout with until-when, per-IP limit',
  async (h) => {
    const t = await createTestApp(h);
    try {
      await addUser(t, 'bob@example.com');
      // Only JSON bodies: a cross-site form cannot sign anyone in.
      const form = await t.app.http.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'email=bob%40example.com&password=x',
      });
      assert.equal(form.statusCode, 415);
      const bad = await t.request(
        'POST',
        '/api/v1/auth/login',
        { email: 'bob@example.com', password: 'nope' },
        { token: null },
      );
      assert.equal(bad.statusCode, 401);
      assert.match(bad.headers['content-type'] as string, /problem\+json/);
      assert.match(bad.json().detail, /wrong email or password \(4 attempts left/);
      // Unknown users get the same answer (no account oracle).
      const unknown = await t.request(
        'POST',
        '/api/v1/auth/login',
        { email: 'who@example.com', password: 'x' },
        { token: null },
      );
      assert.equal(unknown.statusCode, 401);
      assert.match(unknown.json().detail, /wrong email or password/);
      for (let i = 0; i < 4; i++) {
        await t.request(
          'POST',
          '/api/v1/auth/login',
          { email: 'bob@example.com', password: 'nope' },
          { token: null },
        );
      }
      const locked = await t.request(
        'POST',
        '/api/v1/auth/login',
        { email: 'bob@example.com', password: PW },
        { token: null },
      );
      assert.equal(locked.statusCode, 429, 'even the right password is refused while locked');
      assert.match(
        locked.json().detail,
        /locked after 5 failed sign-ins; try again after 2026-11-23T09:15:00.000Z/,
      );
      assert.equal(locked.json().locked_until, '2026-11-23T09:15:00.000Z');
      await t.advance(15 * MINUTE + 1000);
      await login(t, 'bob@example.com');

      // Per address: 20 failures from one IP across accounts → 429 for everyone from there.
      const from = (ip: string, email: string, password = 'wrong') =>
        t.app.http.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: ip,
          payload: { email, password },
        });
      for (let i = 0; i < 20; i++)
        assert.equal((await from('10.0.0.9', `u${i}@example.com`)).statusCode, 401);
      const ipLocked = await from('10.0.0.9', 'bob@example.com', PW);
      assert.equal(ipLocked.statusCode, 429);
      assert.match(JSON.parse(ipLocked.body).detail, /too many failed sign-ins from your address/);
      assert.equal((await from('10.0.0.10', 'bob@example.com', PW)).statusCode, 200);
    } finally {
      await t.close();
    }
  },
);

testBothDbs('sessions end after idle time, at the absolute lifetime, and on password change', async (h) => {
  const t = await createTestApp(h);
  try {
    await addUser(t, 'cy@example.com');
    const s1 = await login(t, 'cy@example.com');
    // Activity keeps a session alive up to its absolute lifetime (7 days by default).
    for (let d = 0; d < 6; d++) {
      await t.advance(11 * HOUR);
      assert.equal((await asSession(t, s1, 'GET', '/api/v1/auth/me')).statusCode, 200, `day ${d}`);
    }
    await t.advance(13 * HOUR);
    assert.equal((await asSession(t, s1, 'GET', '/api/v1/auth/me')).statusCode, 401, 'idle > 12h');

    const s2 = await login(t, 'cy@example.com');
    for (let i = 0; i < 16; i++) {
      await t.advance(11 * HOUR);
      await asSession(t, s2, 'GET', '/api/v1/auth/me');
    }
    assert.equal((await asSession(t, s2, 'GET', '/api/v1/auth/me')).statusCode, 401, 'older than 7 days');

    const a = await login(t, 'cy@example.com');
    const b = await login(t, 'cy@example.com');
    const change = await asSession(t, a, 'POST', '/api/v1/auth/password', {
      current_password: PW,
      new_password: 'another long passphrase',
    });
    assert.equal(change.statusCode, 204, change.body);
    assert.equal(
      (await asSession(t, a, 'GET', '/api/v1/auth/me')).statusCode,
      200,
      'the changing session stays',
    );
    assert.equal((await asSession(t, b, 'GET', '/api/v1/auth/me')).statusCode, 401, 'other sessions end');
    await login(t, 'cy@example.com', 'another long passphrase');
  } finally {
    await t.close();
  }
});

testBothDbs('reset links: admin-issued, single use, expiring, password rules', async (h) => {
  const t = await createTestApp(h);
  try {
    await addUser(t, 'dee@example.com', {}, null);
    const viewer = await t.token('viewer');
    assert.equal(
      (await t.request('POST', '/api/v1/users/dee@example.com/password-reset', undefined, { token: viewer }))
        .statusCode,
      403,
    );
    assert.equal(
      (await t.request('POST', '/api/v1/users/nobody@example.com/password-reset')).statusCode,
      404,
    );
    const r = await t.request('POST', '/api/v1/users/dee@example.com/password-reset');
    assert.equal(r.statusCode, 201);
    const { url, expires_at } = r.json();
    assert.match(url, /^http:\/\/localhost:7070\/reset\/vsl_[\w-]+$/);
    assert.equal(expires_at, '2026-11-24T09:00:00.000Z');
    const token = url.split('/').pop();
    const page = await t.request('GET', `/reset/${token}`, undefined, { token: null });
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, new RegExp(token));

    const short = await t.request(
      'POST',
      '/api/v1/auth/reset',
      { token, password: 'short' },
      { token: null },
    );
    assert.equal(short.statusCode, 400);
    assert.match(short.json().detail, /at least 12 characters/);
    const ok = await t.request(
      'POST',
      '/api/v1/auth/reset',
      { token, password: 'a fine long password' },
      { token: null },
    );
    assert.equal(ok.statusCode, 200, ok.body);
    assert.match(String(ok.headers['set-cookie']), /vigil_session=vss_/);
    const again = await t.request(
      'POST',
      '/api/v1/auth/reset',
      { token, password: 'a fine long password' },
      { token: null },
    );
    assert.equal(again.statusCode, 400);
    assert.match(again.json().detail, /already used/);
    await login(t, 'dee@example.com', 'a fine long password');

    // Links use the org's public URL when the plan sets one.
    await t.request('PUT', '/api/v1/org', { name: 'Acme', base_url: 'https://vigil.acme.test/' });
    const r2 = await t.request('POST', '/api/v1/users/dee@example.com/password-reset');
    assert.match(r2.json().url, /^https:\/\/vigil\.acme\.test\/reset\/vsl_/);
    await t.advance(24 * HOUR + 1);
    const late = await t.request(
      'POST',
      '/api/v1/auth/reset',
      { token: r2.json().url.split('/').pop(), password: 'a fine long password' },
      { token: null },
    );
    assert.equal(late.statusCode, 400);
    assert.match(late.json().detail, /expired/);
  } finally {
    await t.close();
  }
});

test('first admin from VIGIL_ADMIN_EMAIL/PASSWORD; setup link when nobody can sign in', async () => {
  const t0 = await createTestApp('sqlite', { startEngines: true });
  // No admin from the environment: start() issued (and logged) a one-time setup link.
  const links = await (t0.app.db.kysely as any).selectFrom('identity_links').selectAll().execute();
  assert.deepEqual(
    links.map((l: { purpose: string; user_key: string | null }) => [l.purpose, l.user_key]),
    [['setup', null]],
  );
  const lines: string[] = [];
  const { accounts } = t0.app.modules.get<{ accounts: any }>('identity');
  assert.equal(await accounts.anyPassword(), false);
  const link = await accounts.issueLink({ actor: 'system:setup' }, 'setup', null, HOUR);
  lines.push(link.url);
  const token = link.url.split('/').pop();
  const setup = await t0.request(
    'POST',
    '/api/v1/auth/setup',
    { token, email: 'Root@Example.com', name: 'Root', password: 'root password 123' },
    { token: null },
  );
  assert.equal(setup.statusCode, 200, setup.body);
  assert.equal(setup.json().user.role, 'admin');
  const twice = await t0.request(
    'POST',
    '/api/v1/auth/setup',
    { token, email: 'x@example.com', name: 'X', password: 'root password 123' },
    { token: null },
  );
  assert.equal(twice.statusCode, 409);
  await login(t0, 'root@example.com', 'root password 123');
  await t0.close();

  process.env.VIGIL_ADMIN_EMAIL = 'Boss@Example.com';
  process.env.VIGIL_ADMIN_PASSWORD = 'bootstrap password';
  try {
    const t = await createTestApp('sqlite');
    try {
      const s = await login(t, 'boss@example.com', 'bootstrap password');
      assert.equal(s.res.json().user.role, 'admin');
      // A restart with a different env password does not overwrite the existing one.
      process.env.VIGIL_ADMIN_PASSWORD = 'some other password';
      const t2 = await createTestApp(t.db);
      try {
        await login(t2, 'boss@example.com', 'bootstrap password');
      } finally {
        await t2.close();
      }
    } finally {
      await t.close();
    }
    process.env.VIGIL_ADMIN_PASSWORD = 'short';
    await assert.rejects(createTestApp('sqlite'), /VIGIL_ADMIN_PASSWORD: .*at least 12/);
  } finally {
    delete process.env.VIGIL_ADMIN_EMAIL;
    delete process.env.VIGIL_ADMIN_PASSWORD;
  }
});

testBothDbs('admins set passwords and sign users out everywhere; both are audited', async (h) => {
  const t = await createTestApp(h);
  try {
    await addUser(t, 'eve@example.com');
    const s = await login(t, 'eve@example.com');
    const operator = await t.token('operator');
    const url = '/api/v1/users/eve@example.com/password';
    assert.equal(
      (await t.request('PUT', url, { password: 'x'.repeat(12) }, { token: operator })).statusCode,
      403,
    );
    assert.equal((await t.request('PUT', url, { password: 'short' })).statusCode, 400);
    assert.equal((await t.request('PUT', url, { password: 'admin chosen secret' })).statusCode, 204);
    assert.equal(
      (await asSession(t, s, 'GET', '/api/v1/auth/me')).statusCode,
      401,
      'password change ends sessions',
    );
    const s2 = await login(t, 'eve@example.com', 'admin chosen secret');
    const ended = await t.request('DELETE', '/api/v1/users/eve@example.com/sessions');
    assert.deepEqual(ended.json(), { ended: 1 });
    assert.equal((await asSession(t, s2, 'GET', '/api/v1/auth/me')).statusCode, 401);
    const actions = (await t.request('GET', '/api/v1/audit?kind=user&key=eve@example.com'))
      .json()
      .items.map((e: { action: string }) => e.action);
    for (const a of ['user.password.set', 'session.start', 'user.sessions.end'])
      assert.ok(actions.includes(a), a);
    // No password hash ever reaches the audit trail.
    const all = (await t.request('GET', '/api/v1/audit/export')).body;
    assert.doesNotMatch(all, /argon2/);
  } finally {
    await t.close();
  }
});

testBothDbs(
  'the sweeper deletes ended sessions and old sign-in failures; admin tokens for unknown users are refused',
  async (h) => {
    const t = await createTestApp(h);
    try {
      await addUser(t, 'fay@example.com');
      await login(t, 'fay@example.com');
      await t.request(
        'POST',
        '/api/v1/auth/login',
        { email: 'fay@example.com', password: 'wrong' },
        { token: null },
      );
      const count = async (table: string) =>
        Number(
          (
            await (t.app.db.kysely as any)
              .selectFrom(table)
              .select((eb: any) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      assert.equal(await count('identity_sessions'), 1);
      assert.equal(await count('identity_login_failures'), 1);
      await t.advance(HOUR);
      await t.app.runner.runOnce('identity-sweeper');
      assert.equal(await count('identity_sessions'), 1, 'a live session stays');
      assert.equal(await count('identity_login_failures'), 0, 'failures older than the window go');
      await t.advance(9 * 24 * HOUR);
      await t.app.runner.runOnce('identity-sweeper');
      assert.equal(await count('identity_sessions'), 0, 'an expired session goes a day after it ended');

      const r = await t.request('POST', '/api/v1/tokens', {
        name: 'x',
        role: 'viewer',
        user: 'ghost@example.com',
      });
      assert.equal(r.statusCode, 400);
      assert.match(r.json().detail, /user "ghost@example.com" does not exist/);
    } finally {
      await t.close();
    }
  },
);
