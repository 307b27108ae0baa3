/**
 * `vigil alerts list`, `vigil silence add|list|expire` and `vigil maintenance list`: the alert
 * store with its suppression reasons, silences, and the maintenance calendar.
 */
import type { Command } from 'commander';
import { parseDuration } from '../../kernel/clock.ts';
import { parseMatcher } from '../../modules/alerts/matchers.ts';
import { api, CliError } from '../client.ts';
import type { GlobalOpts } from '../main.ts';
import { print } from '../output.ts';

const enc = encodeURIComponent;

function reasonText(r: any): string {
  if (!r) return '';
  if (r.kind === 'silence') return `silence ${r.silence} (${r.comment})`;
  if (r.kind === 'maintenance') return `window ${r.window} until ${r.until}`;
  if (r.kind === 'inhibition') return `inhibited by ${r.by}`;
  return JSON.stringify(r);
}

/** Checks matcher arguments locally so typos exit 2 before any request. */
export function checkMatchers(list: string[]): string[] {
  if (!list.length) throw new CliError('give at least one matcher, e.g. service=api', 2);
  for (const m of list) {
    try {
      parseMatcher(m);
    } catch (e) {
      throw new CliError((e as Error).message, 2);
    }
  }
  return list;
}

/** Registers the `alerts`, `silence` and `maintenance` verbs. */
export function register(program: Command, g: () => GlobalOpts): void {
  const alerts = program.command('alerts').description('received alerts: firing, silenced, inhibited, muted');
  alerts
    .command('list')
    .description('alerts, most recently changed first')
    .option('--state <state>', 'firing or resolved')
    .option('--status <status>', 'active, silenced, inhibited, muted or resolved')
    .option('-l, --label <matcher...>', 'label matchers, e.g. service=api severity=~"crit.*"')
    .option('--limit <n>', 'at most n alerts', '100')
    .action(async (o) => {
      const q = new URLSearchParams();
      if (o.state) q.set('state', o.state);
      if (o.status) q.set('status', o.status);
      for (const m of o.label ? checkMatchers(o.label) : []) q.append('label', m);
      q.set('limit', String(Number(o.limit) || 100));
      const res = await api(g(), 'GET', `/api/v1/alerting/alerts?${q}`);
      if (g().output === 'json') return print('json', res);
      const rows = res.alerts.map((a: any) => ({
        fingerprint: a.fingerprint,
        alertname: a.labels.alertname ?? '',
        service: a.labels.service ?? '',
        severity: a.labels.severity ?? '',
        state: a.state,
        status: a.status,
        why: reasonText(a.reason),
        since: a.starts_at,
      }));
      print('table', rows, [
        'fingerprint',
        'alertname',
        'service',
        'severity',
        'state',
        'status',
        'why',
        'since',
      ]);
    });

  const silence = program
    .command('silence')
    .alias('silences')
    .description('silences: mute matching alerts for a while');
  silence
    .command('add <matchers...>')
    .description(
      'silence alerts matching all matchers, e.g. vigil silence add service=api --for 2h -c "deploy"',
    )
    .option('--for <duration>', 'how long (e.g. 30m, 2h)', '1h')
    .option('--start <time>', 'ISO start time (default now)')
    .requiredOption('-c, --comment <text>', 'why')
    .action(async (matchers: string[], o) => {
      checkMatchers(matchers);
      try {
        parseDuration(o.for);
      } catch {
        throw new CliError(`--for "${o.for}" is not a duration (e.g. 30m, 2h)`, 2);
      }
      const s = await api(g(), 'POST', '/api/v1/silences', {
        matchers,
        duration: o.for,
        comment: o.comment,
        ...(o.start ? { starts_at: o.start } : {}),
      });
      if (g().output === 'json') return print('json', s);
      process.stdout.write(`silence ${s.id} ${s.state} until ${s.ends_at}\n`);
    });
  silence
    .command('list')
    .description('silences (default: pending and active)')
    .option('--state <state>', 'pending, active or expired')
    .option('--all', 'include expired silences')
    .action(async (o) => {
      const res = await api(g(), 'GET', `/api/v1/silences${o.state ? `?state=${enc(o.state)}` : ''}`);
      const items = o.all || o.state ? res.silences : res.silences.filter((s: any) => s.state !== 'expired');
      if (g().output === 'json') return print('json', { silences: items });
      print(
        'table',
        items.map((s: any) => ({ ...s, matchers: s.matchers.join(' ') })),
        ['id', 'state', 'matchers', 'starts_at', 'ends_at', 'created_by', 'comment'],
      );
    });
  silence
    .command('expire <id>')
    .description('end a silence now')
    .action(async (id: string) => {
      const s = await api(g(), 'DELETE', `/api/v1/silences/${enc(id)}`);
      if (g().output === 'json') return print('json', s);
      process.stdout.write(`silence ${s.id} ${s.state}\n`);
    });

  const maintenance = program.command('maintenance').description('maintenance windows');
  maintenance
    .command('list')
    .description('window occurrences in a period (default: the next 31 days)')
    .option('--from <time>', 'ISO start (default now)')
    .option('--to <time>', 'ISO end')
    .option('--active', 'only windows in progress now')
    .action(async (o) => {
      const q = new URLSearchParams();
      if (o.from) q.set('from', o.from);
      if (o.to) q.set('to', o.to);
      const res = o.active
        ? await api(g(), 'GET', '/api/v1/maintenance/active')
        : await api(g(), 'GET', `/api/v1/maintenance/calendar${q.size ? `?${q}` : ''}`);
      if (g().output === 'json') return print('json', res);
      print(
        'table',
        res.windows.map((w: any) => ({ ...w, services: w.services.join(',') || '(all)' })),
        ['key', 'title', 'start', 'end', 'services', 'announce_at', 'emergency'],
      );
    });
}
