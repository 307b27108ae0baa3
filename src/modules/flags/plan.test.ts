import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import { compileFlagSet } from './evaluate.ts';
import type { Flag } from './flag.ts';
import { checkConventions, FlagPlanSchema, namePatternRegex, planToFlags } from './plan.ts';

// The ops-plan example in docs/flags.md is the fixture, so the documentation cannot drift.
const md = readFileSync(new URL('../../../docs/flags.md', import.meta.url), 'utf8');
const yamlBlock = md.split('## Ops plan example')[1].split('```yaml\n')[1].split('```')[0];
const section = parse(yamlBlock).flags;

describe('flags plan section', () => {
  it('the documented example is schema-valid and translates without problems', () => {
    assert.deepEqual(
      [...Value.Errors(FlagPlanSchema, section)].map((e) => `${e.path} ${e.message}`),
      [],
    );
    const { flags, segments, rollouts, triggers, problems } = planToFlags(section);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      flags.map((f) => f.key),
      [
        'enable_nowcast',
        'enable_email',
        'maintenance_mode',
        'ui_new_attestation_flow',
        'ui_checkout_copy',
        'ui_new_exporter',
      ],
    );
    assert.equal(segments.length, 2);
    assert.deepEqual(rollouts, [
      {
        flag: 'ui_new_exporter',
        env: 'prod',
        plan: {
          steps: [
            { percentage: 10, wait: 86400000 },
            { percentage: 50, wait: 259200000 },
            { percentage: 100 },
          ],
          onGuardFailure: 'pause',
        },
        guards: [{ alert: 'snapshot_latency_p95' }, { alert: 'error_rate_slo' }],
      },
    ]);
    assert.deepEqual(triggers, [
      { flag: 'enable_email', alert: 'email_bounce_spike', env: 'prod', set: 'off' },
    ]);
    assert.deepEqual(checkConventions(flags, section.conventions), []);
  });

  it('the example behaves as the guides describe', () => {
    const { flags, segments } = planToFlags(section);
    const prod = compileFlagSet(flags, segments, 'prod');
    assert.equal(prod.evaluate('enable_nowcast', {}).value, true, 'kill switch on by default');
    const off = flags.map((f) =>
      f.key === 'enable_nowcast' ? { ...f, environments: { prod: { enabled: false } } } : f,
    );
    assert.deepEqual(
      [
        compileFlagSet(off, segments, 'prod').evaluate('enable_nowcast', {}).value,
        compileFlagSet(off, segments, 'prod').evaluate('enable_nowcast', {}).reason,
      ],
      [false, 'DISABLED'],
      'disabling the kill switch serves off',
    );
    assert.equal(prod.evaluate('maintenance_mode', {}).value, false);
    assert.equal(
      prod.evaluate('ui_new_attestation_flow', { userId: 'x', email: 'a@civicforge.org' }).reason,
      'TARGETING_MATCH',
    );
    assert.equal(prod.evaluate('ui_new_attestation_flow', { userId: 'u-2210' }).value, true);
    let on = 0;
    for (let i = 0; i < 4000; i++)
      if (prod.evaluate('ui_new_attestation_flow', { userId: `user-${i}` }).value === true) on++;
    assert.ok(on > 850 && on < 1150, `~25 % on, got ${on}`);
    assert.equal(prod.evaluate('ui_checkout_copy', { targetingKey: 'abc' }).reason, 'SPLIT');
    assert.equal(
      prod.evaluate('ui_new_exporter', { targetingKey: 'abc' }).value,
      false,
      'off until the rollout starts',
    );
  });

  it('rejects schema violations', () => {
    const bad = { flags: [{ key: 'x', type: 'forever', environments: {} }], extra: 1 };
    assert.ok(!Value.Check(FlagPlanSchema, bad));
  });

  it('checkConventions reports names, tags and default-on in prod', () => {
    const f = (key: string, tags: string[], prodDefault: string): Flag => ({
      key,
      tags,
      type: 'release',
      kind: 'boolean',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      environments: { prod: { enabled: true, defaultVariant: prodDefault } },
    });
    const problems = checkConventions(
      [f('NewExporter', ['team:fe', 'type:release'], 'off'), f('ui_x', ['team:fe'], 'on')],
      {
        name_pattern: '{prefix}_{feature}',
        required_tags: ['team', 'type'],
        default_off_in: ['prod'],
      },
    );
    assert.deepEqual(
      problems.map((p) => `${p.flag}: ${p.message}`),
      [
        'NewExporter: name "NewExporter" does not follow {prefix}_{feature}',
        'ui_x: missing required tag "type" (e.g. type:…)',
        'ui_x: must default to off in prod',
      ],
    );
  });

  it('name templates honour allowed prefixes; anchored regexes pass through', () => {
    const re = namePatternRegex('{prefix}_{feature}', ['ui', 'api']);
    assert.ok(re.test('ui_new_exporter'));
    assert.ok(!re.test('ml_new_model'));
    assert.ok(!re.test('ui_'));
    assert.ok(namePatternRegex('^ff-[a-z]+$').test('ff-abc'));
  });
});
