/** Test helpers for sign-in scenarios (users with passwords, cookie sessions). */
import assert from 'node:assert/strict';
import type { TestApp } from '../../../test/support/app.ts';

export const PW = 'correct horse battery';

/** Creates a user in the catalog and sets their password through the admin API path. */
export async function addUser(
  t: TestApp,
  email: string,
  spec: Record<string, unknown> = {},
  password: string | null = PW,
): Promise<void> {
  const r = await t.request('POST', '/api/v1/users', {
    key: email,
    name: email.split('@')[0],
    role: 'viewer',
    ...spec,
  });
  assert.equal(r.statusCode, 201, r.body);
  if (password) {
    const accounts = t.app.modules.get<{ accounts: any }>('identity').accounts;
    await accounts.setPassword({ actor: 'test' }, email, password);
  }
}

/** Signs in and returns the cookie header value and CSRF token. */
export async function login(t: TestApp, email: string, password = PW) {
  const r = await t.request('POST', '/api/v1/auth/login', { email, password }, { token: null });
  assert.equal(r.statusCode, 200, r.body);
  const set = String(r.headers['set-cookie']);
  const cookie = set.split(';')[0];
  return { cookie, csrf: r.json().csrf_token as string, res: r };
}

/** Calls the API with a session cookie (and CSRF token unless `csrf` is null). */
export function asSession(
  t: TestApp,
  s: { cookie: string; csrf: string },
  method: string,
  url: string,
  body?: unknown,
  csrf: string | null = s.csrf,
) {
  return t.request(method, url, body, {
    token: null,
    headers: { cookie: s.cookie, ...(csrf ? { 'x-csrf-token': csrf } : {}) },
  });
}
