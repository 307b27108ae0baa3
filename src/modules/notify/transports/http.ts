/**
 * HTTP delivery shared by the webhook-style transports: fetch with a timeout, and the mapping of
 * answers to outcomes (2xx ok; 408, 429 and 5xx retryable, 429 honouring Retry-After; other 4xx
 * such as 400, 404 or 410 permanent; network errors and timeouts retryable).
 */
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

/** POSTs `body` (string) to `url` and classifies the answer. */
export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  now: number,
  timeoutMs = HTTP_TIMEOUT_MS,
): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (e.cause?.code ?? e.message);
    return { status: 'retryable', detail: `request failed: ${why}` };
  }
  const text = await res.text().catch(() => '');
  return classify(res.status, res.headers.get('retry-after'), now, text);
}

/** Reads a required string field of a channel config. */
export function need(config: Record<string, unknown>, field: string): string {
  const v = config[field];
  if (typeof v !== 'string' || !v) throw new Error(`channel config needs "${field}"`);
  return v;
}
