/** The sign-in page: email and password against /api/v1/auth/login. */
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api } from '../api.ts';

interface Providers {
  password: boolean;
  oidc: { label: string; login_url: string } | null;
}

import { useSession } from '../session.tsx';

/** Shown whenever nobody is signed in. */
export function SignIn() {
  const { signIn, notice } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<Providers | null>(null);
  useEffect(() => {
    document.title = 'Sign in · Vigil';
    // Older servers have no providers endpoint: password sign-in alone is shown then.
    api<Providers>('GET', '/api/v1/auth/providers', { quiet401: true })
      .then(setProviders)
      .catch(() => setProviders(null));
  }, []);
  const returnTo = encodeURIComponent(location.pathname + location.search);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
    } catch (err) {
      setError(
        err instanceof ApiError
          ? err.status === 401
            ? err.message || 'Wrong email or password.'
            : err.message
          : String(err),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="signin">
      <form className="card signin-card" onSubmit={submit} aria-labelledby="signin-h">
        <div className="brand brand-large" aria-hidden="true">
          <span className="brand-mark">V</span> Vigil
        </div>
        <h1 id="signin-h">Sign in</h1>
        {notice && !error ? (
          <p className="banner banner-info" role="status">
            {notice}
          </p>
        ) : null}
        {error ? (
          <p className="banner banner-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor="signin-email">Email</label>
          <input
            id="signin-email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="signin-password">Password</label>
          <input
            id="signin-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy || !email || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {providers?.oidc ? (
          <>
            <p className="or muted">or</p>
            <a className="btn btn-block" href={`${providers.oidc.login_url}?return_to=${returnTo}`}>
              Sign in with {providers.oidc.label}
            </a>
          </>
        ) : null}
      </form>
    </main>
  );
}
