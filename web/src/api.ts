/** The console's only door to Vigil: same-origin fetch with the session cookie and CSRF header. */

/** An RFC 9457 problem document as Vigil sends it. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
}

/** A failed API call, carrying the problem document. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail || problem.title || `HTTP ${status}`);
  }

  /** Validation messages keyed by top-level field (`body.tags.0` → `tags`). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      const field = e.path
        .replace(/^(body|querystring|params)\.?/, '')
        .replace(/^spec\.?/, '')
        .split(/[.[/]/)[0];
      const key = field && field !== '(root)' ? field : '_';
      out[key] = out[key] ? `${out[key]}; ${e.message}` : e.message;
    }
    // Reference errors name their field instead (`field: "owner"` or `grants[0].team`).
    const f = (this.problem as { field?: unknown }).field;
    if (typeof f === 'string' && this.problem.detail) out[f.split(/[.[]/)[0]] = this.problem.detail;
    return out;
  }
}

let csrfToken: string | null = null;
const unauthorizedListeners = new Set<() => void>();

/** Remembers the CSRF token from login or /me; sent on every write. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when any request answers 401 (the session ended). Returns an unsubscribe function. */
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

export interface RequestOptions {
  body?: unknown;
  /** Object version for optimistic concurrency (sent as If-Match). */
  version?: number;
  /** Do not report a 401 as a lost session (sign-in, /me). */
  quiet401?: boolean;
}

/** Calls the API; resolves with the JSON body (undefined for 204) or throws ApiError. */
export async function api<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (opts.version !== undefined) headers['if-match'] = `"${opts.version}"`;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch (err) {
    throw new ApiError(0, {
      status: 0,
      title: 'Network error',
      detail: `cannot reach Vigil: ${String(err)}`,
    });
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = { detail: text.slice(0, 200) };
  }
  if (!res.ok) {
    if (res.status === 401 && !opts.quiet401) for (const fn of unauthorizedListeners) fn();
    const p = (data ?? {}) as Problem;
    throw new ApiError(res.status, { ...p, status: res.status });
  }
  return data as T;
}

/** Builds `path?a=1&b=2`, leaving out empty values. */
export function withQuery(path: string, params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** A page of a list endpoint. */
export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

/** Metadata every catalog object carries. */
export interface CatalogObject {
  key: string;
  managed: boolean;
  source: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  [field: string]: unknown;
}

/** The signed-in person, as /api/v1/auth/me tells. */
export interface SessionUser {
  email: string;
  name: string;
  role: 'viewer' | 'responder' | 'operator' | 'admin';
  teams: string[];
}

const ROLE_ORDER = ['viewer', 'responder', 'operator', 'admin'];

/** True when `role` is at least `needed`. */
export function roleAtLeast(role: string | undefined, needed: string): boolean {
  return ROLE_ORDER.indexOf(role ?? '') >= ROLE_ORDER.indexOf(needed);
}

/** Encodes an object key for a URL path segment. */
export function encodeKey(key: string): string {
  return encodeURIComponent(key);
}
