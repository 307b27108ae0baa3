/**
 * The `vigil` command line. Server verbs (start, migrate, backup, restore) open the store
 * directly; everything else is a client of the HTTP API (--url/--token or VIGIL_URL/VIGIL_TOKEN).
 * Exit codes: 0 ok, 1 failure, 2 bad input (invalid plan, rejected request).
 */
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../compose.ts';
import { backupTo, restoreFrom } from '../db/backup.ts';
import { createDb } from '../db/db.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { loadModules } from '../modules/registry.ts';
import { formatDiagnostics, loadPlan } from '../plan/index.ts';
import { loadSettings, SETTINGS_DOC, type Settings } from '../settings.ts';
import { api, CliError } from './client.ts';
import { type OutputFormat, print } from './output.ts';
import { startServer } from './start.ts';

const program = new Command('vigil')
  .description('Vigil: the operations guide, executable.')
  .version(VERSION)
  .option('--url <url>', 'Vigil API base URL (env VIGIL_URL; default http://localhost:7070)')
  .option(
    '--token <token>',
    'API token (env VIGIL_TOKEN; a local Vigil’s data/admin-token is used otherwise)',
  )
  .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
  .showHelpAfterError()
  .exitOverride();

export interface GlobalOpts {
  url?: string;
  token?: string;
  output: OutputFormat;
}
/** What a module's CLI file exports (src/cli/commands/<module>.ts). */
export type CommandModule = (program: Command, g: () => GlobalOpts) => void;
const g = () => program.opts() as GlobalOpts;

function settingsFrom(opts: Record<string, unknown>): Settings {
  try {
    return loadSettings(opts as Record<string, string | boolean | undefined>);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
}

const envHelp = `\nSettings (flag / environment variable / default):\n${SETTINGS_DOC.map(
  ([f, e, d, desc]) => `  ${f.padEnd(15)} ${e.padEnd(17)} ${d.padEnd(26)} ${desc}`,
).join('\n')}\n`;

const serverOpts = (c: Command) =>
  c
    .option('--port <port>', 'HTTP port (VIGIL_PORT)')
    .option('--host <host>', 'listen address (VIGIL_HOST)')
    .option('--data-dir <dir>', 'data directory (VIGIL_DATA_DIR)')
    .option('--database-url <url>', 'PostgreSQL URL (DATABASE_URL)')
    .option('--log-level <level>', 'log level (VIGIL_LOG_LEVEL)');

serverOpts(program.command('start').description('run the Vigil server (console, status page, API)'))
  .option('--plan <path>', 'ops plan file or directory to apply on start and on SIGHUP/change (VIGIL_PLAN)')
  .option('--base-url <url>', 'public base URL (VIGIL_BASE_URL)')
  .option('--no-watch', 'do not re-apply the plan when its files change')
  .addHelpText('after', envHelp)
  .action(async (opts) => {
    await startServer(settingsFrom(opts));
  });

serverOpts(program.command('migrate').description('apply pending store migrations and exit')).action(
  async (opts) => {
    const s = settingsFrom(opts);
    const db = await createDb({ url: s.databaseUrl, sqlitePath: join(s.dataDir, 'vigil.db') });
    try {
      const applied = await migrateToLatest(db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'store is up to date');
    } finally {
      await db.close();
    }
  },
);

async function loadOrExit(path: string) {
  await loadModules(); // modules register their plan sections on import
  const res = await loadPlan(path);
  if (!res.ok) {
    process.stderr.write(`${formatDiagnostics(res.diagnostics, { color: process.stderr.isTTY })}\n`);
    const n = res.diagnostics.filter((d) => d.severity === 'error').length;
    throw new CliError(`${n} error(s) in the ops plan; nothing was sent`, 2);
  }
  if (res.warnings.length) process.stderr.write(`${formatDiagnostics(res.warnings)}\n`);
  return res.plan;
}

program
  .command('validate <path>')
  .description('check an ops plan (file or directory) offline; exit 2 with file:line:column errors')
  .action(async (path: string) => {
    const plan = await loadOrExit(path);
    if (g().output === 'json') print('json', { ok: true, files: plan.files, objects: plan.objects.length });
    else console.log(`✓ ${path} is valid: ${plan.objects.length} object(s) in ${plan.files.length} file(s)`);
  });

for (const verb of ['plan', 'apply'] as const) {
  program
    .command(`${verb} <path>`)
    .description(verb === 'plan' ? 'show what applying the plan would change' : 'apply the plan atomically')
    .action(async (path: string) => {
      const plan = await loadOrExit(path);
      const res = await api(g(), 'POST', `/api/v1/${verb}`, {
        objects: plan.objects,
        prune: plan.prune,
        files: plan.files,
      });
      if (g().output === 'json') print('json', res);
      else console.log(verb === 'apply' ? `${res.text}\nApplied (apply id ${res.apply_id}).` : res.text);
    });
}

const KINDS: Array<[cmd: string, plural: string, columns: string[]]> = [
  ['services', 'services', ['key', 'name', 'owner', 'tier', 'tags', 'managed']],
  ['teams', 'teams', ['key', 'name', 'managed']],
  ['users', 'users', ['key', 'name', 'role', 'teams', 'managed']],
  ['environments', 'environments', ['key', 'name', 'production', 'branch', 'managed']],
  ['severities', 'severities', ['key', 'label', 'rank', 'response_target', 'managed']],
];
for (const [cmd, plural, columns] of KINDS) {
  const c = program.command(cmd).description(`list or show ${plural}`);
  c.command('list')
    .description(`list ${plural}`)
    .option('--limit <n>', 'page size', '100')
    .option('--filter <field=value...>', 'filter, e.g. owner=platform')
    .action(async (opts: { limit: string; filter?: string[] }) => {
      const items: unknown[] = [];
      let cursor: string | null = null;
      do {
        const q = new URLSearchParams({ limit: opts.limit });
        if (cursor) q.set('cursor', cursor);
        for (const f of opts.filter ?? []) {
          const [k, ...v] = f.split('=');
          q.set(k, v.join('='));
        }
        const page: { items: unknown[]; next_cursor: string | null } = await api(
          g(),
          'GET',
          `/api/v1/${plural}?${q}`,
        );
        items.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor);
      print(g().output, items, columns);
    });
  c.command('get <key>')
    .description(`show one of the ${plural}`)
    .action(async (key: string) =>
      print(g().output, await api(g(), 'GET', `/api/v1/${plural}/${encodeURIComponent(key)}`)),
    );
}

program
  .command('org')
  .description('show the organisation settings')
  .action(async () => print(g().output, await api(g(), 'GET', '/api/v1/org')));

const tokens = program.command('tokens').description('manage API tokens');
tokens
  .command('list')
  .action(async () =>
    print(g().output, await api(g(), 'GET', '/api/v1/tokens'), [
      'id',
      'name',
      'prefix',
      'role',
      'expires_at',
      'last_used_at',
      'revoked_at',
    ]),
  );
tokens
  .command('create')
  .requiredOption('--name <name>', 'token name')
  .addOption(
    new Option('--role <role>', 'role')
      .choices(['viewer', 'responder', 'operator', 'admin'])
      .default('viewer'),
  )
  .option('--expires <iso>', 'expiry time (ISO 8601)')
  .action(async (o: { name: string; role: string; expires?: string }) => {
    const t = await api(g(), 'POST', '/api/v1/tokens', { name: o.name, role: o.role, expires_at: o.expires });
    if (g().output === 'json') print('json', t);
    else console.log(`token ${t.name} (${t.role}) created; it is shown only once:\n${t.secret}`);
  });
tokens.command('revoke <id>').action(async (id: string) => {
  await api(g(), 'DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
  console.log(`revoked ${id}`);
});

const audit = program.command('audit').description('the audit trail');
audit
  .command('list')
  .option('--kind <kind>')
  .option('--key <key>')
  .option('--actor <actor>')
  .option('--limit <n>', 'how many', '50')
  .action(async (o: Record<string, string>) => {
    const q = new URLSearchParams(Object.entries(o).filter(([, v]) => v !== undefined));
    print(g().output, await api(g(), 'GET', `/api/v1/audit?${q}`), [
      'seq',
      'at',
      'actor',
      'action',
      'object',
    ]);
  });
audit
  .command('verify')
  .description('check the audit hash chain; exit 1 at the first broken link')
  .action(async () => {
    const r = await api(g(), 'GET', '/api/v1/audit/verify');
    if (g().output === 'json') print('json', r);
    if (!r.ok)
      throw new CliError(
        `audit chain broken at event ${r.brokenAt}: ${r.reason} (${r.count} events verified before it)`,
      );
    if (g().output !== 'json') console.log(`audit chain intact: ${r.count} event(s) verified`);
  });

serverOpts(
  program.command('backup <file>').description('write a consistent snapshot of the store (while Vigil runs)'),
).action(async (file: string, opts) => {
  const s = settingsFrom(opts);
  const db = await createDb({ url: s.databaseUrl, sqlitePath: join(s.dataDir, 'vigil.db') });
  try {
    await migrateToLatest(db);
    const r = await backupTo(db, resolve(file), Date.now());
    console.log(
      `backup written to ${file}: ${Object.entries(r.tables)
        .map(([t, n]) => `${t}=${n}`)
        .join(' ')}`,
    );
  } finally {
    await db.close();
  }
});
serverOpts(
  program
    .command('restore <file>')
    .description('replace the store contents with a backup (stop Vigil first)'),
).action(async (file: string, opts) => {
  const s = settingsFrom(opts);
  const db = await createDb({ url: s.databaseUrl, sqlitePath: join(s.dataDir, 'vigil.db') });
  try {
    await migrateToLatest(db);
    const r = await restoreFrom(db, resolve(file));
    console.log(
      `restored from ${file}: ${Object.entries(r.tables)
        .map(([t, n]) => `${t}=${n}`)
        .join(' ')}`,
    );
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  } finally {
    await db.close();
  }
});

// Module verbs: every src/cli/commands/<name>.ts exports register(program, globalOpts).
const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');
for (const f of readdirSync(commandsDir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .sort()) {
  const mod = (await import(pathToFileURL(join(commandsDir, f)).href)) as { register: CommandModule };
  mod.register(program, g);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  if (err instanceof CliError) {
    process.stderr.write(`vigil: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`vigil: ${(err as Error).message}\n`);
  process.exit(1);
}
