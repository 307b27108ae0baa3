/**
 * Flag evaluation speed: Vigil's compiled flag set against @openfeature/flagd-core and
 * unleash-client on equivalent definitions, in the same run. Three shapes: a static flag, an
 * attribute rule (email ends with …) and a 50 % percentage split on the user id. Contexts rotate
 * through 1024 users so nothing is constant-folded. Figures are ns per evaluation.
 */
import { FlagdCore } from '@openfeature/flagd-core';
import { InMemStorageProvider, Unleash } from 'unleash-client';
import { compileFlagSet, type Flag } from '../src/modules/flags/index.ts';
import type { Report } from './run.ts';

const N_CTX = 1024;
const users = Array.from({ length: N_CTX }, (_, i) => ({
  id: `user-${i * 7919}`,
  email: i % 3 === 0 ? `u${i}@example.com` : `u${i}@other.org`,
}));

/** Runs `fn` over rotating contexts until ~400 ms have passed; returns ns per call. */
function measure(fn: (i: number) => unknown): number {
  let sink = 0;
  for (let i = 0; i < 100_000; i++) if (fn(i & (N_CTX - 1))) sink++;
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < 400_000_000n) {
    for (let i = 0; i < 20_000; i++) if (fn(i & (N_CTX - 1))) sink++;
    ops += 20_000;
    elapsed = process.hrtime.bigint() - start;
  }
  if (sink < 0) console.log(sink); // keeps the results observable
  return Number(elapsed) / ops;
}

const boolFlag = (key: string, env: Flag['environments'][string]): Flag => ({
  key,
  tags: [],
  type: 'release',
  kind: 'boolean',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  environments: { prod: env },
});

function vigil(): Record<string, (i: number) => unknown> {
  const set = compileFlagSet(
    [
      { ...boolFlag('static', { enabled: true }), defaultVariant: 'on' },
      boolFlag('rule', {
        enabled: true,
        targeting: [
          { conditions: [{ attribute: 'email', op: 'ends_with', value: '@example.com' }], variant: 'on' },
        ],
      }),
      boolFlag('split', {
        enabled: true,
        rollout: {
          buckets: [
            { variant: 'on', weight: 50 },
            { variant: 'off', weight: 50 },
          ],
        },
      }),
    ],
    [],
    'prod',
  );
  const ctxs = users.map((u) => ({ targetingKey: u.id, email: u.email }));
  return {
    static: (i) => set.evaluate('static', ctxs[i]).value,
    rule: (i) => set.evaluate('rule', ctxs[i]).value,
    split: (i) => set.evaluate('split', ctxs[i]).value,
  };
}

function flagd(): Record<string, (i: number) => unknown> {
  const core = new FlagdCore();
  const on = { on: true, off: false };
  core.setConfigurations(
    JSON.stringify({
      flags: {
        static: { state: 'ENABLED', variants: on, defaultVariant: 'on' },
        rule: {
          state: 'ENABLED',
          variants: on,
          defaultVariant: 'off',
          targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on', 'off'] },
        },
        split: {
          state: 'ENABLED',
          variants: on,
          defaultVariant: 'off',
          targeting: {
            fractional: [
              ['on', 50],
              ['off', 50],
            ],
          },
        },
      },
    }),
  );
  const ctxs = users.map((u) => ({ targetingKey: u.id, email: u.email }));
  return {
    static: (i) => core.resolveBooleanEvaluation('static', false, ctxs[i]).value,
    rule: (i) => core.resolveBooleanEvaluation('rule', false, ctxs[i]).value,
    split: (i) => core.resolveBooleanEvaluation('split', false, ctxs[i]).value,
  };
}

async function unleash(): Promise<{ fns: Record<string, (i: number) => unknown>; stop: () => void }> {
  const features = [
    { name: 'static', enabled: true, strategies: [{ name: 'default', parameters: {}, constraints: [] }] },
    {
      name: 'rule',
      enabled: true,
      strategies: [
        {
          name: 'default',
          parameters: {},
          constraints: [{ contextName: 'email', operator: 'STR_ENDS_WITH', values: ['@example.com'] }],
        },
      ],
    },
    {
      name: 'split',
      enabled: true,
      strategies: [
        {
          name: 'flexibleRollout',
          parameters: { rollout: '50', stickiness: 'userId', groupId: 'split' },
          constraints: [],
        },
      ],
    },
  ];
  // Bootstrapped and never polled: the URL points at a closed local port and polling is off.
  const client = new Unleash({
    appName: 'vigil-bench',
    url: 'http://127.0.0.1:9/api/',
    refreshInterval: 0,
    disableMetrics: true,
    skipInstanceCountWarning: true,
    bootstrap: { data: features as any },
    storageProvider: new InMemStorageProvider(),
  });
  client.on('error', () => {});
  client.on('warn', () => {});
  await new Promise((resolve) => client.once('ready', resolve));
  const ctxs = users.map((u) => ({ userId: u.id, properties: { email: u.email } }));
  return {
    fns: {
      static: (i) => client.isEnabled('static', ctxs[i]),
      rule: (i) => client.isEnabled('rule', ctxs[i]),
      split: (i) => client.isEnabled('split', ctxs[i]),
    },
    stop: () => client.destroy(),
  };
}

export default async function run(report: Report): Promise<void> {
  const v = vigil();
  const f = flagd();
  const u = await unleash();
  try {
    for (const shape of ['static', 'rule', 'split']) {
      report(`vigil_${shape}_ns`, measure(v[shape]), 'ns/op');
      report(`flagd_${shape}_ns`, measure(f[shape]), 'ns/op');
      report(`unleash_${shape}_ns`, measure(u.fns[shape]), 'ns/op');
    }
  } finally {
    u.stop();
  }
}
