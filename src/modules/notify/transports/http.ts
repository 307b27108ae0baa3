/**
 * HTTP delivery shared by the webhook-style transports: a POST with a timeout, and the mapping of
 * answers to outcomes (2xx ok; 408, 429 and 5xx retryable, 429 honouring Retry-After; other 4xx
 * such as 400, 404 or 410 permanent; network errors and timeouts retryable).
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SendResult } from '../types.ts';

/** Default per-request timeout. */
export const HTTP_TIMEOUT_MS = 10_000;

/** Parses Retry-After (delta seconds or an HTTP date) into ms from `now`; undefined when absent or bad. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Maps an HTTP status (and Retry-After) to a send outcome. */
export function classify(status: number, retryAfter: string | null, now: number, body = ''): SendResult {
  const detail = `HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`;
  if (status >= 200 && status < 300) return { status: 'ok', detail };
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    return { status: 'retryable', detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (status === 408 || status === 425 || status >= 500) return { status: 'retryable', detail };
  return { status: 'permanent', detail };
}

// Kept-alive connections per destination: pages to one receiver reuse sockets.
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};
const MAX_REDIRECTS = 3;

/**
 * POSTs `body` (string) to `url` and classifies the answer. node:http with kept-alive agents
 * (about half the CPU of `fetch` per request); 307/308 redirects are followed (the POST is
 * repeated), other redirects are answers like any other 3xx (permanent); `timeoutMs` bounds
 * inactivity on the connection.
 */
export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  now: number,
  timeoutMs = HTTP_TIMEOUT_MS,
): Promise<SendResult> {
  let target = url;
  for (let hop = 0; ; hop++) {
    let u: URL;
    try {
      u = new URL(target);
    } catch {
      return { status: 'permanent', detail: `not a valid URL: ${target}` };
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      return { status: 'permanent', detail: `unsupported URL scheme ${u.protocol}` };
    let res = await once(u, body, headers, timeoutMs);
    // A kept-alive socket the receiver closed meanwhile fails at once: try a fresh one.
    if ('error' in res && res.reused) res = await once(u, body, headers, timeoutMs);
    if ('error' in res) return { status: 'retryable', detail: `request failed: ${res.error}` };
    if ((res.status === 307 || res.status === 308) && res.location && hop < MAX_REDIRECTS) {
      target = new URL(res.location, u).toString();
      continue;
    }
    return classify(res.status, res.retryAfter, now, res.text);
  }
}

function once(
  u: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<
  | { status: number; retryAfter: string | null; location: string | null; text: string }
  | { error: string; reused: boolean }
> {
  return new Promise((resolve) => {
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      u,
      {
        method: 'POST',
        agent: agents[u.protocol as 'http:' | 'https:'],
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < 4096) chunks.push(c);
          size += c.length;
        });
        res.on('error', (err) =>
          resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message, reused: false }),
        );
        res.on('end', () => {
          const h = (k: string) => {
            const v = res.headers[k];
            return v === undefined ? null : Array.isArray(v) ? v[0] : v;
          };
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: h('retry-after'),
            location: h('location'),
            text: Buffer.concat(chunks).toString('utf8').slice(0, 1000),
          });
        });
      },
    );
    let timedOut = false;
    req.setTimeout(timeoutMs, () => {
      timedOut = true;
      req.destroy(Object.assign(new Error('timeout'), { code: `timed out after ${timeoutMs} ms` }));
    });
    req.on('error', (err) =>
      resolve({
        error: (err as NodeJS.ErrnoException).code ?? err.message,
        // Only a failure before any answer on a reused socket is worth an immediate second try.
        reused: req.reusedSocket && !timedOut,
      }),
    );
    req.end(body);
  });
}

/** Reads a required string field of a channel config. */
export function need(config: Record<string, unknown>, field: string): string {
  const v = config[field];
  if (typeof v !== 'string' || !v) throw new Error(`channel config needs "${field}"`);
  return v;
}
