/** Shared shapes of probe results and the error classes a failed probe is filed under. */

export type ProbeStatus = 'up' | 'degraded' | 'down';
export type ErrorClass = 'config' | 'dns' | 'connect' | 'tls' | 'timeout' | 'status' | 'assertion';

/** The outcome of one probe run. */
export interface ProbeResult {
  status: ProbeStatus;
  latencyMs: number;
  errorClass: ErrorClass | null;
  /** Short human text (≤ 300 chars) on failure or degradation. */
  error: string | null;
  /** Type-specific facts (http status code, days to certificate expiry, dns answers …). */
  details: Record<string, unknown>;
}

/** Options the runtime adds to a spec (tests pass a CA for their self-signed servers). */
export interface ProbeOptions {
  ca?: string | Buffer;
}

const MAX_ERR = 300;

/** Builds a down result, trimming the text so one bad target cannot bloat the store. */
export function fail(
  errorClass: ErrorClass,
  error: string,
  latencyMs: number,
  details: Record<string, unknown> = {},
): ProbeResult {
  return { status: 'down', latencyMs, errorClass, error: error.slice(0, MAX_ERR), details };
}

/** Maps a Node socket/DNS/TLS error to an error class. */
export function classify(err: unknown): { errorClass: ErrorClass; message: string } {
  const e = err as NodeJS.ErrnoException & { name?: string };
  const code = e?.code ?? '';
  const message = e?.message ?? String(err);
  if (
    e?.name === 'AbortError' ||
    e?.name === 'TimeoutError' ||
    code === 'ETIMEDOUT' ||
    code === 'ETIMEOUT' ||
    code === 'ABORT_ERR'
  ) {
    return { errorClass: 'timeout', message: 'timed out' };
  }
  if (
    [
      'ENOTFOUND',
      'EAI_AGAIN',
      'ENODATA',
      'ESERVFAIL',
      'EREFUSED',
      'ENONAME',
      'EBADNAME',
      'ECONNREFUSED_DNS',
    ].includes(code)
  ) {
    return { errorClass: 'dns', message: `dns: ${code} ${message}`.trim() };
  }
  if (
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO|HOSTNAME_MISMATCH|ERR_SSL/i.test(code) ||
    /SSL|TLS/.test(message)
  ) {
    return { errorClass: 'tls', message: `tls: ${code || message}` };
  }
  if (
    ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EADDRNOTAVAIL'].includes(code)
  ) {
    return { errorClass: 'connect', message: `connect: ${code}` };
  }
  return { errorClass: 'connect', message };
}

/** Milliseconds elapsed since `t0` (performance.now), rounded to 0.1 ms. */
export function since(t0: number): number {
  return Math.round((performance.now() - t0) * 10) / 10;
}
