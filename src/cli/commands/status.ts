/**
 * `vigil status …`: the status-page operator's commands, mirroring the guides' script
 * (`update_status_page.sh --status --component --message --action create|resolve --incident-id`, WT-2).
 */
import type { Command } from 'commander';
import { api, CliError } from '../client.ts';
import type { GlobalOpts } from '../main.ts';
import { print } from '../output.ts';

const enc = encodeURIComponent;
const COMPONENT_STATUSES = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
];

/** `--component api` (uses the component status from --component-status, default major_outage) or `api=partial_outage`. */
function componentsOf(list: string[] | undefined, def: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const [k, s] = item.split('=');
    const status = s ?? def;
    if (!COMPONENT_STATUSES.includes(status))
      throw new CliError(`unknown component status "${status}"; one of ${COMPONENT_STATUSES.join(', ')}`, 2);
    out[k] = status;
  }
  return out;
}

function parseTime(s: string, what: string): string {
  const t = Date.parse(s);
  if (Number.isNaN(t))
    throw new CliError(`${what}: cannot read "${s}" as a time (use ISO 8601, e.g. 2026-12-06T02:00:00Z)`, 2);
  return new Date(t).toISOString();
}

export function register(program: Command, g: () => GlobalOpts): void {
  const status = program.command('status').description('operate public status pages');
  const incident = status.command('incident').description('status-page incidents');
  incident
    .command('create')
    .requiredOption('--message <text>', 'first update shown on the page')
    .option('--page <page>', 'status page key (default: the default page)')
    .option('--name <title>', 'incident title (default: the message)')
    .option('--status <status>', 'investigating|identified|monitoring', 'investigating')
    .option('--component <key[=status]...>', 'affected components')
    .option('--component-status <status>', 'status for components given without one', 'major_outage')
    .option('--link <incident>', 'link to a Vigil incident (INC-… or id)')
    .action(async (o) => {
      const page =
        o.page ??
        (await api(g(), 'GET', '/api/v1/status-pages?limit=500')).items.find((p: any) => p.default)?.key ??
        (await api(g(), 'GET', '/api/v1/status-pages?limit=1')).items[0]?.key;
      if (!page) throw new CliError('no status page exists; declare one under status_pages: in the plan', 2);
      const r = await api(g(), 'POST', `/api/v1/status-pages/${enc(page)}/incidents`, {
        name: o.name ?? o.message,
        status: o.status,
        body: o.message,
        components: componentsOf(o.component, o.componentStatus),
        incident_id: o.link,
      });
      if (g().output === 'json') print('json', r);
      else console.log(`created status incident ${r.id} on page ${page} (${r.status}, impact ${r.impact})`);
    });
  for (const verb of ['update', 'resolve'] as const) {
    incident
      .command(verb)
      .requiredOption('--incident-id <id>', 'status incident id (from create)')
      .requiredOption('--message <text>', 'update text')
      .option('--status <status>', 'investigating|identified|monitoring|resolved')
      .option('--component <key[=status]...>', 'component statuses to set')
      .action(async (o) => {
        const r = await api(g(), 'POST', `/api/v1/status-incidents/${enc(o.incidentId)}/updates`, {
          status: verb === 'resolve' ? 'resolved' : o.status,
          body: o.message,
          components: componentsOf(o.component, 'operational'),
        });
        if (g().output === 'json') print('json', r);
        else console.log(`status incident ${r.id}: ${r.status}`);
      });
  }
  incident
    .command('list')
    .option('--page <page>', 'status page key', 'public')
    .action(async (o) =>
      print(g().output, await api(g(), 'GET', `/api/v1/status-pages/${enc(o.page)}/incidents`), [
        'id',
        'kind',
        'name',
        'status',
        'impact',
        'created_at',
        'resolved_at',
      ]),
    );
  const component = status.command('component').description('component status');
  component
    .command('set <component> <status>')
    .description(`override a component (${COMPONENT_STATUSES.join(', ')}, or "auto" to clear)`)
    .option('--page <page>', 'status page key', 'public')
    .action(async (key: string, st: string, o) => {
      if (st !== 'auto' && !COMPONENT_STATUSES.includes(st))
        throw new CliError(`unknown status "${st}"; one of ${COMPONENT_STATUSES.join(', ')}, auto`, 2);
      await api(g(), 'PUT', `/api/v1/status-pages/${enc(o.page)}/components/${enc(key)}`, { status: st });
      console.log(`${o.page}/${key}: ${st === 'auto' ? 'automatic' : st}`);
    });
  component
    .command('list')
    .option('--page <page>', 'status page key', 'public')
    .action(async (o) =>
      print(g().output, await api(g(), 'GET', `/api/v1/status-pages/${enc(o.page)}/components`), [
        'key',
        'name',
        'status',
        'automatic_status',
        'manual_status',
      ]),
    );
  status
    .command('maintenance')
    .description('scheduled maintenance')
    .command('schedule')
    .requiredOption('--name <title>', 'title')
    .requiredOption('--start <time>', 'start (ISO 8601)')
    .requiredOption('--end <time>', 'end (ISO 8601)')
    .requiredOption('--message <text>', 'what happens')
    .option('--page <page>', 'status page key', 'public')
    .option('--component <key...>', 'components under maintenance', [])
    .action(async (o) => {
      const r = await api(g(), 'POST', `/api/v1/status-pages/${enc(o.page)}/maintenances`, {
        name: o.name,
        body: o.message,
        scheduled_for: parseTime(o.start, '--start'),
        scheduled_until: parseTime(o.end, '--end'),
        components: o.component,
      });
      if (g().output === 'json') print('json', r);
      else console.log(`scheduled maintenance ${r.id}: ${r.scheduled_for} – ${r.scheduled_until}`);
    });
}
