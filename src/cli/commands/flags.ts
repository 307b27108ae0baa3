/**
 * `vigil flag …`: list/get flags with per-environment state, kill switches (on/off/reset, linked
 * to an incident), staged rollouts (start/pause/resume/rollback), evaluation previews and client keys.
 */
import type { Command } from 'commander';
import { api, CliError } from '../client.ts';
import type { GlobalOpts } from '../main.ts';
import { print } from '../output.ts';

const INCIDENT_IN_MESSAGE = /\bINC-[A-Za-z0-9][A-Za-z0-9-]*\b/;
const enc = encodeURIComponent;

/** One-line state of a flag in an environment: `on`, `off`, `off*` (override), `25%`, `rollout 10% running`. */
export function envSummary(s: any): string {
  let out = s.enabled
    ? s.percentage !== null && s.percentage > 0 && s.percentage < 100
      ? `${s.percentage}%`
      : 'on'
    : 'off';
  if (s.override) out += '*';
  if (s.rollout && s.rollout.status !== 'pending')
    out += ` (rollout ${s.rollout.percentage}% ${s.rollout.status})`;
  return out;
}

function requireEnv(opts: { env?: string }): string {
  if (!opts.env) throw new CliError('--env is required (e.g. --env prod)', 2);
  return opts.env;
}

/** Registers the `flag` verbs. */
export function register(program: Command, g: () => GlobalOpts): void {
  const flag = program
    .command('flag')
    .alias('flags')
    .description('feature flags: state, kill switches, rollouts');

  flag
    .command('list')
    .description('flags with their state per environment (* = runtime override)')
    .option('--tag <tag>', 'only flags with this tag (team matches team:x)')
    .option('--type <type>', 'release, experiment, operational, kill-switch or permission')
    .option('--stale', 'only flags that are ready to retire or past their expected lifetime')
    .action(async (o) => {
      const q = new URLSearchParams();
      if (o.tag) q.set('tag', o.tag);
      if (o.type) q.set('type', o.type);
      if (o.stale) q.set('stale', 'true');
      const res = await api(g(), 'GET', `/api/v1/flags${q.size ? `?${q}` : ''}`);
      if (g().output === 'json') return print('json', res);
      const rows = res.items.map((f: any) => ({
        key: f.key,
        type: f.type,
        owner: f.owner,
        state: Object.entries(f.environments)
          .map(([env, s]) => `${env}:${envSummary(s)}`)
          .join(' '),
        stale: f.stale ? f.stale_reason : '',
        age_days: f.lifespan_days,
      }));
      print('table', rows, ['key', 'type', 'owner', 'state', 'age_days', 'stale']);
    });

  flag
    .command('get <key>')
    .description('one flag: state per environment, rollouts and history')
    .action(async (key) => {
      const f = await api(g(), 'GET', `/api/v1/flags/${enc(key)}`);
      if (g().output === 'json') return print('json', f);
      process.stdout.write(
        `${f.key} (${f.type}, ${f.kind}) owner ${f.owner ?? '-'}  tags ${f.tags.join(',') || '-'}\n`,
      );
      if (f.description) process.stdout.write(`${f.description}\n`);
      if (f.stale) process.stdout.write(`stale: ${f.stale_reason}\n`);
      process.stdout.write('\n');
      print(
        'table',
        Object.entries(f.environments).map(([env, s]: [string, any]) => ({
          env,
          state: envSummary(s),
          declared: s.declared_enabled ? 'on' : 'off',
          override: s.override
            ? `${s.override.enabled ? 'on' : 'off'} by ${s.override.by}: ${s.override.reason}`
            : '',
          rollout: s.rollout
            ? `${s.rollout.status} step ${s.rollout.step}/${s.rollout.steps.length} ${s.rollout.percentage}%${s.rollout.next_step_at ? ` next ${s.rollout.next_step_at}` : ''}`
            : '',
        })),
      );
      process.stdout.write('\n');
      print(
        'table',
        f.history.slice(-20).map((e: any) => ({
          at: e.at,
          type: e.type,
          actor: e.actor,
          detail: [
            e.data.env,
            e.data.enabled === undefined ? null : e.data.enabled ? 'on' : 'off',
            e.data.percentage === undefined ? null : `${e.data.percentage}%`,
            e.data.reason,
          ]
            .filter((x) => x !== null && x !== undefined)
            .join(' '),
        })),
      );
    });

  for (const verb of ['on', 'off'] as const) {
    flag
      .command(`${verb} <key>`)
      .description(
        verb === 'off'
          ? 'turn a flag off in an environment (kill switch) until `on`, `reset` or a plan change of its declared state'
          : 'turn a flag on in an environment (runtime override)',
      )
      .requiredOption('--env <env>', 'environment')
      .requiredOption('-m, --message <reason>', 'why (an INC-… id in it links the incident)')
      .option(
        '--incident <id>',
        'incident to record the toggle on (default: an INC-… id found in the message)',
      )
      .action(async (key, o) => {
        const incident = o.incident ?? INCIDENT_IN_MESSAGE.exec(o.message)?.[0];
        const res = await api(
          g(),
          'POST',
          `/api/v1/flags/${enc(key)}/environments/${enc(requireEnv(o))}/${verb}`,
          {
            reason: o.message,
            ...(incident ? { incident } : {}),
          },
        );
        if (g().output === 'json') return print('json', res);
        process.stdout.write(
          `${key} is ${verb} in ${o.env}${res.changed ? '' : ' (it already was)'}${incident ? `; recorded on ${incident}` : ''}\n`,
        );
      });
  }

  flag
    .command('reset <key>')
    .description('drop the runtime override so the declared (plan) state applies again')
    .requiredOption('--env <env>', 'environment')
    .action(async (key, o) => {
      const res = await api(g(), 'DELETE', `/api/v1/flags/${enc(key)}/environments/${enc(o.env)}/override`);
      if (g().output === 'json') return print('json', res);
      process.stdout.write(
        `${key} follows its definition again in ${o.env} (${res.enabled ? 'on' : 'off'})\n`,
      );
    });

  const rollout = flag.command('rollout').description('staged rollouts declared in the plan');
  for (const verb of ['start', 'pause', 'resume', 'rollback'] as const) {
    rollout
      .command(`${verb} <key>`)
      .description(`${verb} the staged rollout of a flag in an environment`)
      .requiredOption('--env <env>', 'environment')
      .option('-m, --message <reason>', 'why')
      .action(async (key, o) => {
        const res = await api(
          g(),
          'POST',
          `/api/v1/flags/${enc(key)}/environments/${enc(o.env)}/rollout/${verb}`,
          o.message ? { reason: o.message } : {},
        );
        if (g().output === 'json') return print('json', res);
        process.stdout.write(
          `${key} in ${o.env}: rollout ${res.status} at ${res.percentage}% (step ${res.step}/${res.steps.length})${res.next_step_at ? `, next step ${res.next_step_at}` : ''}\n`,
        );
      });
  }

  flag
    .command('eval <key>')
    .description('preview what a flag serves for a context (every environment unless --env)')
    .option('--env <env>', 'environment')
    .option('--context <json>', 'evaluation context as JSON', '{}')
    .action(async (key, o) => {
      let context: unknown;
      try {
        context = JSON.parse(o.context);
      } catch (err) {
        throw new CliError(`--context is not JSON: ${(err as Error).message}`, 2);
      }
      if (!context || typeof context !== 'object' || Array.isArray(context)) {
        throw new CliError('--context must be a JSON object', 2);
      }
      const res = await api(g(), 'POST', `/api/v1/flags/${enc(key)}/evaluate`, {
        context,
        ...(o.env ? { env: o.env } : {}),
      });
      if (g().output === 'json') return print('json', res);
      print(
        'table',
        Object.entries(res.results).map(([env, r]: [string, any]) => ({ env, ...r })),
        ['env', 'value', 'variant', 'reason', 'error_code'],
      );
    });

  const keys = flag.command('keys').description('client keys for OFREP and the SDK (one environment each)');
  keys
    .command('list')
    .description('client keys (secrets are never shown again)')
    .action(async () =>
      print(g().output, await api(g(), 'GET', '/api/v1/flag-keys'), [
        'id',
        'name',
        'env',
        'prefix',
        'rate_limit',
        'created_at',
        'revoked_at',
      ]),
    );
  keys
    .command('create')
    .description('create a client key for an environment; the secret is shown once')
    .requiredOption('--name <name>', 'what uses it, e.g. "web-frontend"')
    .requiredOption('--env <env>', 'environment whose flags it evaluates')
    .option('--rate-limit <n>', 'evaluations per second (429 beyond)')
    .action(async (o) => {
      const rate = o.rateLimit === undefined ? undefined : Number(o.rateLimit);
      if (rate !== undefined && !(Number.isInteger(rate) && rate > 0))
        throw new CliError('--rate-limit must be a positive integer', 2);
      const res = await api(g(), 'POST', '/api/v1/flag-keys', {
        name: o.name,
        env: o.env,
        ...(rate ? { rate_limit: rate } : {}),
      });
      if (g().output === 'json') return print('json', res);
      process.stdout.write(`${res.secret}\n(store it now: it is not shown again; id ${res.id})\n`);
    });
  keys
    .command('revoke <id>')
    .description('revoke a client key')
    .action(async (id) => {
      const res = await api(g(), 'DELETE', `/api/v1/flag-keys/${enc(id)}`);
      if (g().output === 'json') return print('json', res);
      process.stdout.write(`revoked ${res.name} (${res.prefix}…)\n`);
    });
}
