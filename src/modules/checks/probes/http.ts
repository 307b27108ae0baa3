/**
 * HTTP(S) probe on node:http/https (not fetch): per-request TLS verification, the peer
 * certificate for expiry warnings, manual redirects and a hard cap on how much body is read.
 */
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { assertBody, statusExpected } from './assertions.ts';
import { type CertFacts, certFacts } from './tls.ts';
import { classify, fail, type ProbeOptions, type ProbeResult, since } from './types.ts';

/** The subset of a check spec the HTTP probe reads. */
export interface HttpProbeSpec {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  expect_status?: Array<number | string>;
  degradedAfterMs?: number;
  body_contains?: string;
  body_matches?: string;
  json?: Array<{ path: string; equals?: unknown; exists?: boolean }>;
  follow_redirects?: boolean;
  verify_tls?: boolean;
  certWarnMs?: number;
  max_body_kb?: number;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  truncated: boolean;
  cert: CertFacts | null;
}

const MAX_REDIRECTS = 5;

function once(
  url: URL,
  spec: HttpProbeSpec,
  signal: AbortSignal,
  nowMs: number,
  opts: ProbeOptions,
): Promise<RawResponse> {
  const lib = url.protocol === 'https:' ? https : http;
  const limit = (spec.max_body_kb ?? 64) * 1024;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method: spec.method ?? 'GET',
        headers: { 'user-agent': 'vigil-checks/1', ...spec.headers },
        signal,
        agent: false,
        rejectUnauthorized: spec.verify_tls !== false,
        ca: opts.ca,
      },
      (res) => {
        const sock = res.socket as TLSSocket;
        const cert =
          typeof sock.getPeerCertificate === 'function' ? certFacts(sock.getPeerCertificate(), nowMs) : null;
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const finish = () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            truncated,
            cert,
          });
        res.on('data', (c: Buffer) => {
          if (truncated) return;
          const room = limit - size;
          if (c.length >= room) {
            chunks.push(c.subarray(0, room));
            size = limit;
            truncated = true;
            // Enough read: stop the transfer instead of draining a huge body.
            res.destroy();
            finish();
            return;
          }
          chunks.push(c);
          size += c.length;
        });
        res.on('end', finish);
        res.on('error', (e) => (truncated ? undefined : reject(e)));
      },
    );
    req.on('error', reject);
    req.end(spec.body);
  });
}

/** Runs an HTTP check: status, latency, body/JSON assertions and certificate expiry. */
export async function probeHttp(
  spec: HttpProbeSpec,
  timeoutMs: number,
  nowMs: number,
  opts: ProbeOptions = {},
): Promise<ProbeResult> {
  const t0 = performance.now();
  let url: URL;
  try {
    url = new URL(spec.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`unsupported protocol ${url.protocol}`);
  } catch (e) {
    return fail('config', `invalid url: ${(e as Error).message}`, 0);
  }
  // An I/O deadline for the whole exchange, redirects included.
  const signal = AbortSignal.timeout(timeoutMs);
  let res: RawResponse;
  let hops = 0;
  try {
    for (;;) {
      res = await once(url, spec, signal, nowMs, opts);
      const loc = res.headers.location;
      if (spec.follow_redirects === false || res.status < 300 || res.status >= 400 || !loc) break;
      if (++hops > MAX_REDIRECTS) return fail('status', `more than ${MAX_REDIRECTS} redirects`, since(t0));
      url = new URL(loc, url);
    }
  } catch (err) {
    const c = signal.aborted
      ? { errorClass: 'timeout' as const, message: `no response within ${timeoutMs}ms` }
      : classify(err);
    return fail(c.errorClass, c.message, since(t0));
  }
  const latencyMs = since(t0);
  const details: Record<string, unknown> = {
    status_code: res.status,
    final_url: url.toString(),
    body_bytes: res.body.length,
    body_truncated: res.truncated,
  };
  if (res.cert) {
    details.days_to_expiry = res.cert.daysLeft;
    details.cert_valid_to = new Date(res.cert.validTo).toISOString();
  }
  if (!statusExpected(res.status, spec.expect_status)) {
    return fail('status', `unexpected status ${res.status}`, latencyMs, details);
  }
  const problem = assertBody(res.body, res.headers['content-type'], spec);
  if (problem) return fail('assertion', problem, latencyMs, details);
  if (res.cert && res.cert.validTo - nowMs < (spec.certWarnMs ?? 14 * 86_400_000)) {
    return {
      status: 'degraded',
      latencyMs,
      errorClass: 'tls',
      error: `certificate expires in ${res.cert.daysLeft} days`,
      details,
    };
  }
  if (spec.degradedAfterMs !== undefined && latencyMs > spec.degradedAfterMs) {
    return {
      status: 'degraded',
      latencyMs,
      errorClass: null,
      error: `slow: ${Math.round(latencyMs)}ms > ${spec.degradedAfterMs}ms`,
      details,
    };
  }
  return { status: 'up', latencyMs, errorClass: null, error: null, details };
}
