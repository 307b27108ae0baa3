/** Who is signed in: loads /api/v1/auth/me once, signs in and out, and notices a lost session. */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, api, onUnauthorized, type SessionUser, setCsrfToken } from './api.ts';

interface SessionState {
  status: 'loading' | 'signed-in' | 'signed-out';
  user: SessionUser | null;
  /** Why the last session ended (shown on the sign-in page). */
  notice: string | null;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

interface AuthAnswer {
  user: SessionUser;
  csrf_token: string;
}

/** Provides the session to the whole console. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<SessionUser | null>(null);
  const [status, setStatus] = useState<SessionState['status']>('loading');
  const [notice, setNotice] = useState<string | null>(null);

  const accept = useCallback((a: AuthAnswer) => {
    setCsrfToken(a.csrf_token);
    setUser(a.user);
    setNotice(null);
    setStatus('signed-in');
  }, []);

  useEffect(() => {
    api<AuthAnswer>('GET', '/api/v1/auth/me', { quiet401: true })
      .then(accept)
      .catch(() => setStatus('signed-out'));
    return onUnauthorized(() => {
      setCsrfToken(null);
      setUser(null);
      setNotice('Your session ended. Sign in again to continue.');
      setStatus('signed-out');
    });
  }, [accept]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      accept(
        await api<AuthAnswer>('POST', '/api/v1/auth/login', { body: { email, password }, quiet401: true }),
      );
    },
    [accept],
  );

  const signOut = useCallback(async () => {
    try {
      await api('POST', '/api/v1/auth/logout', { quiet401: true });
    } catch (err) {
      // Already signed out on the server: the local state still has to go.
      if (!(err instanceof ApiError)) throw err;
    }
    setCsrfToken(null);
    setUser(null);
    setNotice('You are signed out.');
    setStatus('signed-out');
  }, []);

  const value = useMemo(
    () => ({ status, user, notice, signIn, signOut }),
    [status, user, notice, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The current session (inside SessionProvider). */
export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
