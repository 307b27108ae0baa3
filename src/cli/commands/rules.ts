/**
 * `vigil rules …`: list rule groups with health and alert state from a running Vigil, and run
 * promtool-style rule unit tests locally (`vigil rules test <file>…`, no server needed).
 */
import type { Command } from 'commander';
import { runRuleTests } from '../../modules/rules/unit-test.ts';
import { api, CliError } from '../client.ts';
import type { GlobalOpts } from '../main.ts';
import { print } from '../output.ts';

/** Registers the `rules` verbs. */
export function register(program: Command, g: () => GlobalOpts): void {
  const rules = program.command('rules').alias('rule').description('alerting and recording rules');

  rules
    .command('list')
    .description('rules with their group, state, health and last evaluation')
    .option('--group <group>', 'only this group')
    .action(async (o) => {
      const q = o.group ? `?group=${encodeURIComponent(o.group)}` : '';
      const res = await api(g(), 'GET', `/api/v1/rules${q}`);
      if (g().output === 'json') return print('json', res);
      const rows = res.data.groups.flatMap((grp: any) =>
        grp.rules.map((r: any) => ({
          group: grp.name,
          rule: r.name,
          type: r.type === 'recording' ? 'record' : 'alert',
          state: r.state ?? '',
          alerts: r.alerts?.length ?? '',
          health: r.health,
          last_evaluation: r.lastEvaluation ?? '',
          error: r.lastError ?? '',
        })),
      );
      print('table', rows, [
        'group',
        'rule',
        'type',
        'state',
        'alerts',
        'health',
        'last_evaluation',
        'error',
      ]);
    });

  rules
    .command('test')
    .description('run rule unit tests (promtool format: rule_files, input_series, alert_rule_test)')
    .argument('<files...>', 'test files')
    .action(async (files: string[]) => {
      let failed = 0;
      const results = [];
      for (const f of files) {
        let r: Awaited<ReturnType<typeof runRuleTests>>;
        try {
          r = await runRuleTests(f);
        } catch (e) {
          throw new CliError(`${f}: ${(e as Error).message}`, 2);
        }
        results.push(r);
        failed += r.failures.length;
        if (g().output !== 'json') {
          process.stdout.write(`${r.failures.length ? 'FAILED' : 'SUCCESS'}  ${f} (${r.tests} tests)\n`);
          for (const m of r.failures) process.stdout.write(`  ${m}\n`);
        }
      }
      if (g().output === 'json') print('json', results);
      if (failed) throw new CliError(`${failed} rule test failure(s)`, 1);
    });
}
