import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Expr } from './ast.ts';
import { parseExpr } from './parser.ts';
import { formatDuration, formatExpr } from './printer.ts';

/** The tree without parentheses and positions, for structural comparison. */
function normalize(e: Expr): unknown {
  return JSON.parse(
    JSON.stringify(e, (k, v) => {
      if (k === 'pos') return undefined;
      if (v && typeof v === 'object' && v.type === 'ParenExpr') {
        let inner = v;
        while (inner.type === 'ParenExpr') inner = inner.expr;
        return inner;
      }
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      return v;
    }),
  );
}

function roundTrips(q: string): void {
  const ast = parseExpr(q);
  const text = formatExpr(ast);
  let again: Expr;
  try {
    again = parseExpr(text);
  } catch (e) {
    assert.fail(`${q}\n  printed as ${text}\n  does not parse: ${(e as Error).message}`);
  }
  assert.deepEqual(normalize(again), normalize(ast), `${q}\n  printed as ${text}`);
}

test('formatDuration gives canonical Prometheus durations', () => {
  assert.equal(formatDuration(5_400_000), '1h30m');
  assert.equal(formatDuration(1500), '1s500ms');
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(31_536_000_000 + 86_400_000), '1y1d');
});

test('formatExpr prints readable, minimal PromQL', () => {
  assert.equal(
    formatExpr(parseExpr('SUM BY(job)(rate(x{a="1"}[90s] OFFSET -1m)) / ON(job) GROUP_LEFT(t) info')),
    'sum by (job) (rate(x{a="1"}[1m30s] offset -1m)) / on(job) group_left(t) info',
  );
  assert.equal(formatExpr(parseExpr('(a + b) * c - d ^ e ^ f')), '(a + b) * c - d ^ e ^ f');
  assert.equal(formatExpr(parseExpr('{"my.metric", "a b"="x"}')), '{"my.metric", "a b"="x"}');
  assert.equal(formatExpr(parseExpr('x[5m:] @ start()')), 'x[5m:] @ start()');
});

test('every query in hand-written cases round-trips', () => {
  for (const q of [
    '-x ^ 2',
    '(-x) ^ 2',
    '- (a + b)',
    'a - (b - c)',
    '2 ^ 3 ^ 4',
    '(2 ^ 3) ^ 4',
    'a > bool on() b',
    'a or b and c unless d',
    'topk by (x) (3, rate(y[5m]))',
    'count_values without () ("v", y)',
    'label_replace(x, "a", "$1", "b", "(.*)")',
    'max_over_time((a + b)[10m:30s] offset 1m @ 100)',
    'x offset 5m[10m:1m]',
    '{__name__=~"a|b", job!~"x"}',
    '{__name__="on"}',
    '"\\xff\\n"',
    '-Inf + NaN',
  ])
    roundTrips(q);
});

test('every parseable query of the Prometheus scripts round-trips', (t) => {
  const dir = path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    '..',
    '..',
    '..',
    'shared',
    'testdata',
    'promql',
  );
  if (!existsSync(dir)) return t.skip('reference scripts not available');
  let n = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.test'))) {
    for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      const m = /^eval\S*\s+(?:instant at \S+|range from \S+ to \S+ step \S+)\s+(.*)$/.exec(line.trim());
      if (!m) continue;
      try {
        parseExpr(m[1]);
      } catch {
        continue;
      }
      roundTrips(m[1]);
      n++;
    }
  }
  assert.ok(n > 1000, `only ${n} queries found`);
});
