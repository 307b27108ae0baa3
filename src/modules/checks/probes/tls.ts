/** TLS certificate probe: days until the leaf certificate expires and whether the chain verifies. */
import tls from 'node:tls';
import { classify, fail, type ProbeOptions, type ProbeResult, since } from './types.ts';

const DAY = 86_400_000;

/** Facts about a peer certificate used by the TLS and HTTPS probes. */
export interface CertFacts {
  validTo: number;
  daysLeft: number;
  subject: string | null;
  issuer: string | null;
}

/** Reads expiry facts from a peer certificate relative to `nowMs`. */
export function certFacts(cert: tls.PeerCertificate | undefined, nowMs: number): CertFacts | null {
  if (!cert?.valid_to) return null;
  const validTo = Date.parse(cert.valid_to);
  return {
    validTo,
    daysLeft: Math.floor((validTo - nowMs) / DAY),
    subject: cert.subject?.CN ? String(cert.subject.CN) : null,
    issuer: cert.issuer?.CN ? String(cert.issuer.CN) : null,
  };
}

/** Connects with TLS, never trusting blindly: the chain result is reported, not enforced by the socket. */
export function probeTls(
  spec: { host: string; port?: number; verify_tls?: boolean; warnMs: number },
  timeoutMs: number,
  nowMs: number,
  opts: ProbeOptions = {},
): Promise<ProbeResult> {
  const t0 = performance.now();
  const port = spec.port ?? 443;
  return new Promise((resolve) => {
    const sock = tls.connect({
      host: spec.host,
      port,
      servername: /^[\d.:]+$/.test(spec.host) ? undefined : spec.host,
      rejectUnauthorized: false,
      ca: opts.ca,
    });
    sock.setTimeout(timeoutMs, () => {
      sock.destroy();
      resolve(fail('timeout', `no TLS handshake with ${spec.host}:${port} within ${timeoutMs}ms`, since(t0)));
    });
    sock.once('secureConnect', () => {
      const latencyMs = since(t0);
      const facts = certFacts(sock.getPeerCertificate(), nowMs);
      const chainValid = sock.authorized;
      const authError = sock.authorizationError ? String(sock.authorizationError) : null;
      sock.destroy();
      const details = {
        days_to_expiry: facts?.daysLeft ?? null,
        valid_to: facts ? new Date(facts.validTo).toISOString() : null,
        subject: facts?.subject ?? null,
        issuer: facts?.issuer ?? null,
        chain_valid: chainValid,
      };
      if (!facts) return resolve(fail('tls', 'peer sent no certificate', latencyMs, details));
      if (facts.validTo <= nowMs) {
        return resolve(fail('tls', `certificate expired on ${details.valid_to}`, latencyMs, details));
      }
      if (!chainValid && spec.verify_tls !== false) {
        return resolve(fail('tls', `certificate chain not trusted: ${authError}`, latencyMs, details));
      }
      if (facts.validTo - nowMs < spec.warnMs) {
        return resolve({
          status: 'degraded',
          latencyMs,
          errorClass: 'tls',
          error: `certificate expires in ${facts.daysLeft} days (${details.valid_to})`,
          details,
        });
      }
      resolve({ status: 'up', latencyMs, errorClass: null, error: null, details });
    });
    sock.once('error', (err) => {
      const c = classify(err);
      resolve(
        fail(
          c.errorClass === 'connect' && /SSL|TLS|EPROTO/i.test(c.message) ? 'tls' : c.errorClass,
          c.message,
          since(t0),
        ),
      );
    });
  });
}
