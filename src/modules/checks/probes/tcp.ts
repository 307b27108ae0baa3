/** TCP connect probe: up when a connection to host:port is accepted within the timeout. */
import net from 'node:net';
import { classify, fail, type ProbeResult, since } from './types.ts';

/** Connects to `host:port` and closes the socket at once. */
export function probeTcp(spec: { host: string; port: number }, timeoutMs: number): Promise<ProbeResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const sock = net.connect({ host: spec.host, port: spec.port });
    // Socket timers are I/O deadlines, not domain time: the wall clock is the right one here.
    sock.setTimeout(timeoutMs, () => {
      sock.destroy();
      resolve(fail('timeout', `no connection to ${spec.host}:${spec.port} within ${timeoutMs}ms`, since(t0)));
    });
    sock.once('connect', () => {
      const latencyMs = since(t0);
      sock.destroy();
      resolve({ status: 'up', latencyMs, errorClass: null, error: null, details: {} });
    });
    sock.once('error', (err) => {
      const c = classify(err);
      resolve(fail(c.errorClass, c.message, since(t0)));
    });
  });
}
