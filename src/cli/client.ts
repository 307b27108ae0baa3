/** The CLI talks to Vigil through the same HTTP API as the console. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  url?: string;
  token?: string;
}

/** Where to reach Vigil and with which token: flags, then VIGIL_URL/VIGIL_TOKEN, then local defaults. */
export function resolveClient(opts: ClientOptions): { url: string; token: string | undefined } {
  const url = (
    opts.url ??
    process.env.VIGIL_URL ??
    `http://localhost:${process.env.VIGIL_PORT ?? 7070}`
  ).replace(/\/+$/, '');
  let token = opts.token ?? process.env.VIGIL_TOKEN;
  if (!token) {
    // A local Vigil writes its bootstrap admin token here; only read it for a local server.
    const file = join(resolve(process.env.VIGIL_DATA_DIR ?? './data'), 'admin-token');
    if (/^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(url) && existsSync(file)) {
      token = readFileSync(file, 'utf8').trim();
    }
  }
  return { url, token };
}

/** Calls the API; a problem+json answer becomes a CliError (exit 2 for 4xx, 1 otherwise). */
export async function api<T = any>(
  opts: ClientOptions,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const { url, token } = resolveClient(opts);
  let res: Response;
  try {
    res = await fetch(url + path, {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new CliError(
      `cannot reach Vigil at ${url}: ${(err as Error).cause ?? (err as Error).message}. Is it running (npm start)? Use --url or VIGIL_URL.`,
    );
  }
  const text = await res.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const detail = data && typeof data === 'object' && data.detail ? data.detail : text || res.statusText;
    const hint = res.status === 401 ? ' (pass --token or set VIGIL_TOKEN)' : '';
    throw new CliError(`${method} ${path} failed: ${res.status} ${detail}${hint}`, res.status < 500 ? 2 : 1);
  }
  return data as T;
}
