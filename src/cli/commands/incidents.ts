/**
 * `vigil incident …`: open, list, show, acknowledge, update, resolve, annotate incidents, change
 * severity, export the timeline and fetch MTTA/MTTR reports (WT-2: create → update → resolve by
 * INC id from the command line).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { api, CliError, resolveClient } from '../client.ts';
import type { GlobalOpts } from '../main.ts';
import { print } from '../output.ts';

const enc = encodeURIComponent;
const STATUSES = [
  'triggered',
  'acknowledged',
  'investigating',
  'identified',
  'monitoring',
  'resolved',
  'declined',
  'cancelled',
];

/** Milliseconds as a short duration (`4m`, `1h20m`), `-` for null. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  const m = Math.round(ms / 60_000);
  if (m < 1) return `${Math.round(ms / 1000)}s`;
  const h = Math.floor(m / 60);
  return h ? `${h}h${m % 60 ? `${m % 60}m` : ''}` : `${m}m`;
}

function row(i: any) {
  return {
    id: i.human_id,
    severity: i.severity,
    status: i.status,
    service: i.service,
    title: i.title,
    opened: i.opened_at,
    tta: fmtMs(i.time_to_acknowledge_ms),
    ttr: fmtMs(i.time_to_resolve_ms),
    breached: i.response_target_breached ? 'yes' : '',
  };
}

function text(o: { message?: string; file?: string }): string | undefined {
  if (o.file) return readFileSync(o.file, 'utf8');
  return o.message;
}

/** Registers the `incident` verbs. */
export function register(program: Command, g: () => GlobalOpts): void {
  const inc = program
    .command('incident')
    .alias('incidents')
    .description('incidents: open, acknowledge, resolve, timeline, reports');
  const show = (i: any) => (g().output === 'json' ? print('json', i) : print('table', [row(i)]));

  inc
    .command('list')
    .description('incidents, newest first')
    .option('--open', 'only open incidents')
    .option('--status <status>', `one of ${STATUSES.join(', ')}`)
    .option('--service <key>', 'only this service')
    .option('--severity <key>', 'only this severity')
    .option('--limit <n>', 'how many (default 50)')
    .action(async (o) => {
      const q = new URLSearchParams();
      if (o.open) q.set('open', 'true');
      for (const k of ['status', 'service', 'severity', 'limit'] as const) if (o[k]) q.set(k, String(o[k]));
      const res = await api(g(), 'GET', `/api/v1/incidents${q.size ? `?${q}` : ''}`);
      if (g().output === 'json') return print('json', res);
      print('table', res.items.map(row));
    });

  inc
    .command('show <id>')
    .description('one incident (INC id or internal id) with its timeline')
    .action(async (id) => {
      const i = await api(g(), 'GET', `/api/v1/incidents/${enc(id)}`);
      if (g().output === 'json') return print('json', i);
      const res = await fetchText(g(), `/api/v1/incidents/${enc(id)}/timeline.md`);
      process.stdout.write(res);
    });

  inc
    .command('open')
    .description('open an incident (pages according to the on-call policy)')
    .requiredOption('--service <key>', 'affected service')
    .requiredOption('--severity <key>', 'severity key, e.g. p1 or sev2')
    .requiredOption('--title <text>', 'short title')
    .option('--summary <text>', 'what is happening')
    .option('--message <text>', 'alias of --summary (status-page wording)')
    .option('--status <status>', 'initial status after opening, e.g. investigating')
    .action(async (o) => {
      let i = await api(g(), 'POST', '/api/v1/incidents', {
        title: o.title,
        severity: o.severity,
        service: o.service,
        summary: o.summary ?? o.message,
      });
      if (o.status && o.status !== 'triggered') {
        i = await api(g(), 'POST', `/api/v1/incidents/${enc(i.id)}/status`, { status: o.status });
      }
      show(i);
    });

  inc
    .command('ack <id>')
    .alias('acknowledge')
    .description('acknowledge (a second acknowledge changes nothing)')
    .action(async (id) => show(await api(g(), 'POST', `/api/v1/incidents/${enc(id)}/acknowledge`)));

  inc
    .command('update <id>')
    .alias('status')
    .description('move to another status, optionally with a note')
    .requiredOption('--status <status>', STATUSES.join(', '))
    .option('-m, --message <markdown>', 'note to add')
    .action(async (id, o) => {
      if (!STATUSES.includes(o.status))
        throw new CliError(`--status must be one of ${STATUSES.join(', ')}`, 2);
      show(
        await api(g(), 'POST', `/api/v1/incidents/${enc(id)}/status`, { status: o.status, note: o.message }),
      );
    });

  inc
    .command('resolve <id>')
    .description('resolve (the postmortem becomes due for the top severities)')
    .option('-m, --message <markdown>', 'resolution note')
    .action(async (id, o) =>
      show(await api(g(), 'POST', `/api/v1/incidents/${enc(id)}/resolve`, { note: o.message })),
    );

  inc
    .command('note <id> [markdown...]')
    .description('add a Markdown note to the timeline (notes are never edited; use --corrects)')
    .option('-f, --file <path>', 'read the note from a file')
    .option('--corrects <eventId>', 'the note event this one corrects')
    .action(async (id, words: string[], o) => {
      const markdown = text({ message: words.join(' ') || undefined, file: o.file });
      if (!markdown?.trim()) throw new CliError('give the note as arguments or with --file', 2);
      show(await api(g(), 'POST', `/api/v1/incidents/${enc(id)}/notes`, { markdown, corrects: o.corrects }));
    });

  inc
    .command('severity <id> <severity>')
    .description('change the severity (recorded on the timeline)')
    .action(async (id, severity) =>
      show(await api(g(), 'POST', `/api/v1/incidents/${enc(id)}/severity`, { severity })),
    );

  inc
    .command('timeline <id>')
    .description('the timeline as Markdown')
    .action(async (id) => {
      process.stdout.write(await fetchText(g(), `/api/v1/incidents/${enc(id)}/timeline.md`));
    });

  inc
    .command('report')
    .description('MTTA/MTTR, response-target compliance and noise over a period')
    .requiredOption('--from <time>', 'start (ISO time, e.g. 2026-11-01)')
    .option('--to <time>', 'end (default now)')
    .option('--group-by <g>', 'severity, service or team', 'severity')
    .option('--csv', 'print CSV')
    .action(async (o) => {
      const q = new URLSearchParams({ from: o.from, group_by: o.groupBy });
      if (o.to) q.set('to', o.to);
      if (o.csv) {
        q.set('format', 'csv');
        process.stdout.write(await fetchText(g(), `/api/v1/reports/incidents?${q}`));
        return;
      }
      const rep = await api(g(), 'GET', `/api/v1/reports/incidents?${q}`);
      if (g().output === 'json') return print('json', rep);
      print(
        'table',
        [...rep.groups, rep.totals].map((r: any) => ({
          [rep.group_by]: r.group,
          incidents: r.incidents,
          mtta: fmtMs(r.mtta_ms),
          mttr: fmtMs(r.mttr_ms),
          target_met: r.response_target_total ? `${r.response_target_met}/${r.response_target_total}` : '-',
          alerts_per_incident: r.alerts_per_incident === null ? '-' : r.alerts_per_incident.toFixed(1),
          auto_resolved_5m: r.auto_resolved_within_5m,
        })),
      );
    });
}

/** GET a non-JSON resource (Markdown, CSV) with the same URL/token resolution as `api`. */
async function fetchText(o: GlobalOpts, path: string): Promise<string> {
  const { url, token } = resolveClient(o);
  let res: Response;
  try {
    res = await fetch(url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    throw new CliError(`cannot reach Vigil at ${url}: ${(err as Error).message}`);
  }
  const body = await res.text();
  if (!res.ok) throw new CliError(`GET ${path} failed: ${res.status} ${body}`, res.status < 500 ? 2 : 1);
  return body;
}
