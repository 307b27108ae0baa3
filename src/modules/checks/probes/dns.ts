/** DNS probe: resolves a name with node:dns's Resolver (optionally at a given server) and compares answers. */
import { Resolver } from 'node:dns/promises';
import { classify, fail, type ProbeResult, since } from './types.ts';

/** Flattens any record type's answers to comparable strings. */
function flatten(record: string, answers: unknown[]): string[] {
  return answers.map((a: any) => {
    switch (record) {
      case 'MX':
        return `${a.priority} ${a.exchange}`;
      case 'TXT':
        return (a as string[]).join('');
      case 'SRV':
        return `${a.priority} ${a.weight} ${a.port} ${a.name}`;
      case 'CAA':
        return `${a.critical} ${Object.keys(a).find((k) => k !== 'critical')} ${Object.values(a).find((v) => typeof v === 'string')}`;
      default:
        return String(a);
    }
  });
}

/** Resolves `host` for `record` (default A); down when the answer set lacks an expected value. */
export async function probeDns(
  spec: { host: string; record?: string; expect?: string[]; resolver?: string },
  timeoutMs: number,
): Promise<ProbeResult> {
  const t0 = performance.now();
  const record = spec.record ?? 'A';
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (spec.resolver) {
    try {
      resolver.setServers([spec.resolver]);
    } catch (e) {
      return fail('config', `invalid resolver "${spec.resolver}": ${(e as Error).message}`, 0);
    }
  }
  let answers: string[];
  try {
    answers = flatten(record, (await resolver.resolve(spec.host, record)) as unknown[]);
  } catch (err) {
    const c = classify(err);
    return fail(c.errorClass === 'connect' ? 'dns' : c.errorClass, c.message, since(t0));
  }
  const latencyMs = since(t0);
  const norm = (s: string) => s.toLowerCase().replace(/\.$/, '');
  const got = new Set(answers.map(norm));
  const missing = (spec.expect ?? []).filter((e) => !got.has(norm(e)));
  const details = { answers: answers.slice(0, 20) };
  if (missing.length)
    return fail(
      'assertion',
      `answer lacks ${missing.join(', ')} (got ${answers.join(', ') || 'nothing'})`,
      latencyMs,
      details,
    );
  return { status: 'up', latencyMs, errorClass: null, error: null, details };
}
