/**
 * Identity and audit verbs: `vigil users set-password|reset-link|sign-out`, `vigil me`,
 * `vigil audit export|archives|verify-file`. The `tokens` and `audit list|verify` verbs live in
 * main.ts; these add to the same `audit` command.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { verifyLines } from '../../modules/audit/jsonl.ts';
import { api, CliError, resolveClient } from '../client.ts';
import type { GlobalOpts } from '../main.ts';
import { print } from '../output.ts';

const enc = encodeURIComponent;

/** Reads a password: from stdin when piped, else from a prompt that does not echo. */
async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text.replace(/\r?\n$/, '');
  }
  const muted = new Writable({ write: (_c, _e, cb) => cb() });
  process.stderr.write(prompt);
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  const answer = await new Promise<string>((r) => rl.question('', r));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

function isoOption(v: string | undefined, name: string): string | undefined {
  if (v === undefined) return undefined;
  // Accept dates (2026-01-01) as midnight UTC for convenience.
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
  if (Number.isNaN(Date.parse(iso)))
    throw new CliError(`--${name} must be an ISO date or time (got "${v}")`, 2);
  return new Date(iso).toISOString();
}

/** Registers the identity and audit verbs. */
export function register(program: Command, g: () => GlobalOpts): void {
  // `users list|get` come from main.ts; add to that command when it exists.
  const users =
    program.commands.find((c) => c.name() === 'users') ??
    program.command('users').description('people: passwords, reset links, sessions');
  users
    .command('set-password <email>')
    .description('set a user’s password (prompted, or piped on stdin); ends their sessions')
    .action(async (email: string) => {
      const password = await readPassword(`new password for ${email}: `);
      if (!password) throw new CliError('no password given', 2);
      await api(g(), 'PUT', `/api/v1/users/${enc(email)}/password`, { password });
      console.log(`password set for ${email.toLowerCase()}; their other sessions were ended`);
    });
  users
    .command('reset-link <email>')
    .description('issue a one-time password reset link (valid 24h) to send to the user')
    .action(async (email: string) => {
      const r = await api(g(), 'POST', `/api/v1/users/${enc(email)}/password-reset`);
      if (g().output === 'json') return print('json', r);
      console.log(`${r.url}\n(works once, expires ${r.expires_at})`);
    });
  users
    .command('sign-out <email>')
    .description('end every session of a user')
    .action(async (email: string) => {
      const r = await api(g(), 'DELETE', `/api/v1/users/${enc(email)}/sessions`);
      console.log(`ended ${r.ended} session(s) of ${email.toLowerCase()}`);
    });

  program
    .command('me')
    .description('who the CLI is acting as (token owner, role, grants)')
    .action(async () => {
      const r = await api(g(), 'GET', '/api/v1/auth/me');
      if (g().output === 'json') return print('json', r);
      const u = r.user;
      console.log(`${u.email ?? u.name} (${u.role}) via ${r.via}`);
      for (const gr of u.grants ?? []) {
        console.log(
          `  grant: ${gr.role}${gr.team ? ` team ${gr.team}` : ''}${gr.environments ? ` in ${gr.environments.join(', ')}` : ''}`,
        );
      }
    });

  const audit =
    program.commands.find((c) => c.name() === 'audit') ??
    program.command('audit').description('the audit trail');
  audit
    .command('export')
    .description('stream the audit trail as JSON Lines (redirect to a file)')
    .option('--from <time>', 'start (ISO date/time, inclusive)')
    .option('--to <time>', 'end (ISO date/time, exclusive)')
    .action(async (o: { from?: string; to?: string }) => {
      const q = new URLSearchParams();
      const from = isoOption(o.from, 'from');
      const to = isoOption(o.to, 'to');
      if (from) q.set('from', from);
      if (to) q.set('to', to);
      const { url, token } = resolveClient(g());
      let res: Response;
      try {
        res = await fetch(`${url}/api/v1/audit/export${q.size ? `?${q}` : ''}`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
      } catch (err) {
        throw new CliError(`cannot reach Vigil at ${url}: ${(err as Error).message}`);
      }
      if (!res.ok || !res.body) {
        const text = await res.text();
        let detail = text;
        try {
          detail = JSON.parse(text).detail ?? text;
        } catch {}
        throw new CliError(`audit export failed: ${res.status} ${detail}`, res.status < 500 ? 2 : 1);
      }
      for await (const chunk of res.body) {
        if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
      }
    });
  audit
    .command('archives')
    .description('archived months (retention) and, with --verify, a check of every file')
    .option('--verify', 're-read and verify each archive file')
    .action(async (o: { verify?: boolean }) => {
      const r = await api(g(), 'GET', `/api/v1/audit/archives${o.verify ? '?verify=true' : ''}`);
      if (g().output === 'json') return print('json', r);
      const rows = r.items.map((a: any) => ({
        period: a.period,
        events: a.count,
        seqs: `${a.from_seq}–${a.to_seq}`,
        file: a.file,
        ...(o.verify ? { verified: a.verified?.ok ? 'ok' : `FAILED: ${a.verified?.reason}` } : {}),
      }));
      print('table', rows);
      if (o.verify && r.items.some((a: any) => !a.verified?.ok))
        throw new CliError('some archives failed verification');
    });
  audit
    .command('verify-file <files...>')
    .description('verify exported or archived JSONL files offline (in order; each continues the previous)')
    .action(async (files: string[]) => {
      let prev: string | undefined;
      let total = 0;
      for (const f of files) {
        const lines: string[] = [];
        const rl = createInterface({ input: createReadStream(f), crlfDelay: Number.POSITIVE_INFINITY });
        for await (const line of rl) lines.push(line);
        const header = lines[0]?.startsWith('{"archive"') ? JSON.parse(lines[0]) : null;
        const expect = prev ?? header?.prev_hash;
        const r = verifyLines(lines, expect);
        if (!r.ok)
          throw new CliError(
            `${f}: line ${r.brokenAtLine}: ${r.reason} (${r.count} events verified before it)`,
          );
        if (header && r.lastHash !== header.last_hash)
          throw new CliError(`${f}: last hash differs from its header`);
        console.log(`${f}: ${r.count} event(s) intact`);
        total += r.count;
        prev = r.lastHash ?? prev;
      }
      if (files.length > 1) console.log(`${total} event(s) intact across ${files.length} files`);
    });
}
