/**
 * OIDC sign-in end to end against a real OpenID provider (oidc-provider, on 127.0.0.1) using
 * its development login/consent pages, driven by fetch with a tiny cookie jar.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
// @ts-expect-error oidc-provider ships no type declarations (dev-only test dependency)
import Provider from 'oidc-provider';
import { createTestApp } from '../../../test/support/app.ts';
import { safeReturnTo } from './oidc.ts';
import { asSession } from './test-helpers.ts';

const REDIRECT = 'http://localhost:7070/auth/oidc/callback';
let server: Server;
let issuer = '';

before(async () => {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => {};
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'vigil',
        client_secret: 'vigil-test-secret',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    async findAccount(_ctx: unknown, id: string) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: id, email_verified: !id.startsWith('unverified') };
        },
      };
    },
    features: { devInteractions: { enabled: true } },
  } as any);
  handler = provider.callback();
});
after(() => new Promise<void>((r) => server.close(() => r())));

/** Follows the provider's redirects and dev forms as `login`; returns the callback URL. */
async function signInAtProvider(start: string, login: string): Promise<URL> {
  const jar = new Map<string, string>();
  const cookies = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  let url = start;
  let method = 'GET';
  let body: string | undefined;
  for (let hops = 0; hops < 20; hops++) {
    if (url.startsWith(REDIRECT)) return new URL(url);
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie: cookies(),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    keep(res);
    method = 'GET';
    body = undefined;
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location') as string, url).href;
      continue;
    }
    const html = await res.text();
    assert.equal(res.status, 200, html.slice(0, 500));
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    assert.ok(action, `no form in ${html.slice(0, 300)}`);
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    method = 'POST';
    body = new URLSearchParams(
      prompt === 'login' ? { prompt, login, password: 'anything' } : { prompt: prompt ?? 'consent' },
    ).toString();
    url = new URL(action, url).href;
  }
  throw new Error('too many redirects at the provider');
}

test('OIDC: login redirects to the provider, the callback starts a session for the matching user', async () => {
  process.env.VIGIL_OIDC_ISSUER = issuer;
  process.env.VIGIL_OIDC_CLIENT_ID = 'vigil';
  process.env.VIGIL_OIDC_CLIENT_SECRET = 'vigil-test-secret';
  const t = await createTestApp('sqlite');
  try {
    await t.request('POST', '/api/v1/users', { key: 'ann@example.com', name: 'Ann', role: 'responder' });
    const providers = (await t.request('GET', '/api/v1/auth/providers', undefined, { token: null })).json();
    assert.equal(providers.oidc.login_url, '/auth/oidc/login');

    const begin = await t.request('GET', '/auth/oidc/login?return_to=/incidents', undefined, { token: null });
    assert.equal(begin.statusCode, 302);
    const authUrl = new URL(begin.headers.location as string);
    assert.equal(authUrl.origin, issuer);
    assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authUrl.searchParams.get('redirect_uri'), REDIRECT);

    const cb = await signInAtProvider(authUrl.href, 'Ann@Example.com');
    const done = await t.request('GET', `/auth/oidc/callback${cb.search}`, undefined, { token: null });
    assert.equal(done.statusCode, 302, done.body);
    assert.equal(done.headers.location, '/incidents');
    const cookie = String(done.headers['set-cookie']).split(';')[0];
    assert.match(cookie, /^vigil_session=vss_/);
    const me = await asSession(t, { cookie, csrf: '' }, 'GET', '/api/v1/auth/me');
    assert.equal(me.json().user.email, 'ann@example.com');
    assert.equal(me.json().user.role, 'responder');

    // The same callback (state) cannot be replayed.
    const replay = await t.request('GET', `/auth/oidc/callback${cb.search}`, undefined, { token: null });
    assert.equal(replay.statusCode, 400);
    assert.match(replay.json().detail, /unknown or expired/);

    // Someone the provider knows but Vigil does not: refused, nobody is created.
    const b2 = await t.request('GET', '/auth/oidc/login', undefined, { token: null });
    const cb2 = await signInAtProvider(b2.headers.location as string, 'stranger@example.com');
    const denied = await t.request('GET', `/auth/oidc/callback${cb2.search}`, undefined, { token: null });
    assert.equal(denied.statusCode, 403);
    assert.match(denied.json().detail, /no Vigil user stranger@example.com/);
  } finally {
    await t.close();
    delete process.env.VIGIL_OIDC_ISSUER;
    delete process.env.VIGIL_OIDC_CLIENT_ID;
    delete process.env.VIGIL_OIDC_CLIENT_SECRET;
  }
});

test('OIDC: not configured → 404 with the env vars to set; return_to never leaves the site', async () => {
  const t = await createTestApp('sqlite');
  try {
    const r = await t.request('GET', '/auth/oidc/login', undefined, { token: null });
    assert.equal(r.statusCode, 404);
    assert.match(r.json().detail, /VIGIL_OIDC_ISSUER/);
    assert.equal(
      (await t.request('GET', '/api/v1/auth/providers', undefined, { token: null })).json().oidc,
      null,
    );
  } finally {
    await t.close();
  }
  assert.equal(safeReturnTo('/flags?x=1'), '/flags?x=1');
  for (const bad of ['//evil.example', 'https://evil.example', '/\\evil', 42, undefined]) {
    assert.equal(safeReturnTo(bad), '/');
  }
});
