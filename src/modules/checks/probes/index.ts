/** Runs one probe from a check spec: the single entry point the scheduler and "run now" use. */
import { parseDuration } from '../../../kernel/clock.ts';
import { probeDns } from './dns.ts';
import { probeHttp } from './http.ts';
import { probeTcp } from './tcp.ts';
import { probeTls } from './tls.ts';
import { fail, type ProbeOptions, type ProbeResult } from './types.ts';

export type { ErrorClass, ProbeOptions, ProbeResult, ProbeStatus } from './types.ts';

const DEFAULT_TIMEOUT = 10_000;
const DEFAULT_CERT_WARN = 14 * 86_400_000;

/** A function that probes a check spec (swapped for a fake in scheduler tests and benches). */
export type Prober = (spec: Record<string, any>, nowMs: number) => Promise<ProbeResult>;

/** Timeout of a spec in ms (default 10 s). */
export function timeoutOf(spec: Record<string, any>): number {
  return spec.timeout ? parseDuration(spec.timeout) : DEFAULT_TIMEOUT;
}

/** Runs the probe `spec.type` describes; never throws (failures are results). */
export async function runProbe(
  spec: Record<string, any>,
  nowMs: number,
  opts: ProbeOptions = {},
): Promise<ProbeResult> {
  const timeout = timeoutOf(spec);
  const warnMs = spec.cert_expiry_warning ? parseDuration(spec.cert_expiry_warning) : DEFAULT_CERT_WARN;
  try {
    switch (spec.type) {
      case 'http':
        return await probeHttp(
          {
            ...spec,
            url: spec.url,
            degradedAfterMs: spec.degraded_after ? parseDuration(spec.degraded_after) : undefined,
            certWarnMs: warnMs,
          },
          timeout,
          nowMs,
          opts,
        );
      case 'tcp':
        return await probeTcp({ host: spec.host, port: spec.port }, timeout);
      case 'tls':
        return await probeTls(
          { host: spec.host, port: spec.port, verify_tls: spec.verify_tls, warnMs },
          timeout,
          nowMs,
          opts,
        );
      case 'dns':
        return await probeDns(spec as { host: string }, timeout);
      default:
        return fail('config', `unknown check type "${spec.type}"`, 0);
    }
  } catch (err) {
    return fail('config', `probe crashed: ${(err as Error).message}`, 0);
  }
}

/** The default prober used in production. */
export const defaultProber: Prober = (spec, nowMs) => runProbe(spec, nowMs);
