/**
 * `vigil checks …`: list probes and heartbeats with their state, run a probe now, pause and
 * resume (a key is looked up as a check first, then as a heartbeat; `--heartbeat` forces it).
 */
import type { Command } from 'commander';
import { api, CliError } from '../client.ts';
import type { GlobalOpts } from '../main.ts';
import { print } from '../output.ts';

const enc = encodeURIComponent;
const STATES = ['unknown', 'up', 'degraded', 'down', 'not_running', 'paused', 'new', 'late', 'started'];

/** Registers the `checks` verbs. */
export function register(program: Command, g: () => GlobalOpts): void {
  const checks = program.command('checks').alias('check').description('active probes and heartbeats');

  checks
    .command('list')
    .description('probes and heartbeats with their state (paginated server-side)')
    .option('--service <key>', 'only this service')
    .option('--state <state>', `only this state (${STATES.join(', ')})`)
    .option('--label <name=value>', 'only checks with this label')
    .option('--kind <kind>', 'check or heartbeat')
    .option('--limit <n>', 'page size (max 500)', '100')
    .option('--all', 'follow next_cursor until the end')
    .action(async (o) => {
      if (o.state && !STATES.includes(o.state))
        throw new CliError(`unknown state "${o.state}"; one of ${STATES.join(', ')}`, 2);
      if (o.kind && o.kind !== 'check' && o.kind !== 'heartbeat')
        throw new CliError('--kind is check or heartbeat', 2);
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        throw new CliError('--limit must be 1–500', 2);
      const items: any[] = [];
      let cursor: string | null = null;
      do {
        const q = new URLSearchParams({ limit: String(limit) });
        for (const f of ['service', 'state', 'label', 'kind'] as const) if (o[f]) q.set(f, o[f]);
        if (cursor) q.set('cursor', cursor);
        const page: any = await api(g(), 'GET', `/api/v1/check-states?${q}`);
        items.push(...page.items);
        cursor = o.all ? page.next_cursor : null;
      } while (cursor);
      if (g().output === 'json') return print('json', { items });
      print(
        'table',
        items.map((s) => ({
          key: s.key,
          kind: s.kind === 'heartbeat' ? 'heartbeat' : s.type,
          service: s.service,
          state: s.state,
          since: s.changed_at,
          last_run: s.last_run_at,
          latency_ms: s.last_latency_ms == null ? null : Math.round(s.last_latency_ms),
          uptime_24h: s.uptime_24h,
          error: s.last_error,
        })),
      );
    });

  checks
    .command('run <key>')
    .description('run a probe now and print the result (it is recorded like a scheduled run)')
    .action(async (key: string) => {
      const r = await api(g(), 'POST', `/api/v1/checks/${enc(key)}/run`);
      print(g().output, g().output === 'json' ? r : { ...r, details: JSON.stringify(r.details) });
      if (r.status === 'down') process.exitCode = 1;
    });

  for (const verb of ['pause', 'resume'] as const) {
    checks
      .command(`${verb} <key>`)
      .description(`${verb} a probe or heartbeat`)
      .option('--heartbeat', 'the key is a heartbeat')
      .action(async (key: string, o) => {
        const kinds = o.heartbeat ? ['heartbeats'] : ['checks', 'heartbeats'];
        let last: unknown;
        for (const plural of kinds) {
          try {
            const r = await api(g(), 'POST', `/api/v1/${plural}/${enc(key)}/${verb}`);
            return g().output === 'json'
              ? print('json', r)
              : print('table', [r], ['key', 'kind', 'state', 'service']);
          } catch (err) {
            last = err;
            if (!(err instanceof CliError) || !/ 404 /.test(err.message)) throw err;
          }
        }
        throw last;
      });
  }
}
