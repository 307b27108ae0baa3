/**
 * `vigil oncall …`: who is on call now (or at a time), a schedule's shifts over a range,
 * overrides (add/list/remove), calendar feed URLs, and the notification delivery log.
 */
import type { Command } from 'commander';
import { api, CliError } from '../client.ts';
import type { GlobalOpts } from '../main.ts';
import { print } from '../output.ts';

const enc = encodeURIComponent;

/** Accepts an ISO instant with offset, or a relative `+2h` / `-30m`; returns ISO. */
export function cliInstant(v: string, now = Date.now()): string {
  const rel = /^([+-])(\d+)([mhdw])$/.exec(v);
  if (rel) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[rel[3] as 'm' | 'h' | 'd' | 'w'];
    return new Date(now + (rel[1] === '-' ? -1 : 1) * Number(rel[2]) * unit).toISOString();
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v))
    throw new CliError(
      `"${v}" is not an instant: use ISO-8601 with offset (2026-11-23T09:00:00Z) or +2h / -1d`,
      2,
    );
  return new Date(v).toISOString();
}

/** Registers the `oncall` verbs. */
export function register(program: Command, g: () => GlobalOpts): void {
  const oc = program
    .command('oncall')
    .description('on-call: who is on call, schedules, overrides, deliveries');
  const out = (json: unknown, rows: Array<Record<string, unknown>>) =>
    g().output === 'json' ? print('json', json) : print('table', rows);

  oc.command('now')
    .description('who is on call now (or --at), per schedule')
    .option('--schedule <key>', 'only this schedule')
    .option('--at <time>', 'ISO instant or +2h / -1d')
    .action(async (o) => {
      const q = new URLSearchParams();
      if (o.schedule) q.set('schedule', o.schedule);
      if (o.at) q.set('at', cliInstant(o.at));
      const res = await api(g(), 'GET', `/api/v1/oncall/now${q.size ? `?${q}` : ''}`);
      out(
        res,
        res.items.map((i: any) => ({ schedule: i.schedule, user: i.user ?? '(nobody)', until: i.shift.end })),
      );
    });

  oc.command('schedule <key>')
    .description("a schedule's shifts (default: the next 14 days)")
    .option('--from <time>', 'ISO instant or +2h / -1d')
    .option('--to <time>', 'ISO instant or +2h / +4w')
    .action(async (key, o) => {
      const q = new URLSearchParams();
      if (o.from) q.set('from', cliInstant(o.from));
      if (o.to) q.set('to', cliInstant(o.to));
      const res = await api(g(), 'GET', `/api/v1/schedules/${enc(key)}/shifts${q.size ? `?${q}` : ''}`);
      out(
        res,
        res.items.map((s: any) => ({
          start: s.start,
          end: s.end,
          user: s.user ?? '(gap)',
          layer: s.layer ?? (s.override ? 'override' : ''),
        })),
      );
    });

  const ov = oc.command('override').description('schedule overrides: add, list, remove');
  ov.command('add <schedule>')
    .description('put --user (or --nobody) on call from --start to --end')
    .option('--user <key>', 'user key (e-mail)')
    .option('--nobody', 'deliberately leave nobody on call')
    .requiredOption('--start <time>', 'ISO instant or +2h')
    .requiredOption('--end <time>', 'ISO instant or +2h')
    .option('--reason <text>', 'why')
    .action(async (schedule, o) => {
      if (!o.user === !o.nobody) throw new CliError('give exactly one of --user <key> or --nobody', 2);
      const res = await api(g(), 'POST', `/api/v1/schedules/${enc(schedule)}/overrides`, {
        user: o.nobody ? null : o.user,
        start: cliInstant(o.start),
        end: cliInstant(o.end),
        ...(o.reason ? { reason: o.reason } : {}),
      });
      out(res, [res]);
    });
  ov.command('list <schedule>').action(async (schedule) => {
    const res = await api(g(), 'GET', `/api/v1/schedules/${enc(schedule)}/overrides`);
    out(res, res.items);
  });
  ov.command('remove <schedule> <id>').action(async (schedule, id) => {
    await api(g(), 'DELETE', `/api/v1/schedules/${enc(schedule)}/overrides/${enc(id)}`);
    if (g().output !== 'json') process.stdout.write(`removed override ${id}\n`);
  });

  oc.command('calendar <schedule>')
    .description('the iCalendar feed URL of a schedule (or --user for a person’s shifts)')
    .option('--user', 'the argument is a user key')
    .action(async (key, o) => {
      const path = o.user
        ? `/api/v1/oncall/users/${enc(key)}/calendar-url`
        : `/api/v1/schedules/${enc(key)}/calendar-url`;
      const res = await api(g(), 'GET', path);
      if (g().output === 'json') return print('json', res);
      process.stdout.write(`${res.url}\n`);
    });

  oc.command('deliveries')
    .description('notification deliveries (default: failed ones)')
    .option('--status <status>', 'pending, sent or failed', 'failed')
    .option('--incident <id>', 'only this incident')
    .action(async (o) => {
      if (!['pending', 'sent', 'failed'].includes(o.status))
        throw new CliError('--status is pending, sent or failed', 2);
      const q = new URLSearchParams({ status: o.status });
      if (o.incident) q.set('incident', o.incident);
      const res = await api(g(), 'GET', `/api/v1/deliveries?${q}`);
      out(
        res,
        res.items.map((d: any) => ({
          id: d.id,
          channel: d.channel.key,
          recipient: d.recipient ?? '',
          attempts: d.attempts,
          detail: d.last_detail ?? '',
        })),
      );
    });
}
