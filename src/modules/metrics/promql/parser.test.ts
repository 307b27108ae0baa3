import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { BinaryExpr, Expr, VectorSelector } from './ast.ts';
import { PromQLParseError } from './errors.ts';
import { parseExpr } from './parser.ts';

/** Compact rendering of an AST, to assert structure and precedence. */
function show(e: Expr): string {
  switch (e.type) {
    case 'NumberLiteral':
      return String(e.value);
    case 'StringLiteral':
      return JSON.stringify(e.value);
    case 'VectorSelector':
      return sel(e);
    case 'MatrixSelector':
      return `${sel(e.selector)}[${e.rangeMs}]`;
    case 'SubqueryExpr':
      return `(${show(e.expr)})[${e.rangeMs}:${e.stepMs}]${e.offsetMs ? ` offset ${e.offsetMs}` : ''}${e.at !== undefined ? ` @${e.at}` : ''}`;
    case 'Call':
      return `${e.func}(${e.args.map(show).join(', ')})`;
    case 'AggregateExpr':
      return `${e.op}${e.grouping.length || e.without ? ` ${e.without ? 'without' : 'by'}(${e.grouping.join(',')})` : ''}(${e.param ? `${show(e.param)}, ` : ''}${show(e.expr)})`;
    case 'BinaryExpr':
      return `(${show(e.lhs)} ${e.op}${e.returnBool ? ' bool' : ''} ${show(e.rhs)})`;
    case 'UnaryExpr':
      return `${e.op}${show(e.expr)}`;
    case 'ParenExpr':
      return show(e.expr);
  }
}
function sel(v: VectorSelector): string {
  const ms = v.matchers.map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`).join(',');
  return `{${ms}}${v.offsetMs ? ` offset ${v.offsetMs}` : ''}${v.at !== undefined ? ` @${v.at}` : ''}`;
}

test('literals: hex, exponent, Inf/NaN, durations as seconds, underscores', () => {
  assert.equal(show(parseExpr('0x1F')), '31');
  assert.equal(show(parseExpr('1e3')), '1000');
  assert.equal(show(parseExpr('.5')), '0.5');
  assert.equal(show(parseExpr('-Inf')), '-Infinity');
  assert.ok(Number.isNaN((parseExpr('nan') as { value: number }).value));
  assert.equal(show(parseExpr('1_000')), '1000');
  assert.equal(show(parseExpr('"a\\nb"')), '"a\\nb"');
  assert.equal(show(parseExpr('`raw\\n`')), '"raw\\\\n"');
});

test('precedence: ^ is right-associative and binds tighter than unary minus', () => {
  assert.equal(show(parseExpr('2 ^ 3 ^ 2')), '(2 ^ (3 ^ 2))');
  assert.equal(show(parseExpr('-a ^ 2')), '-({__name__="a"} ^ 2)');
  assert.equal(show(parseExpr('-a * 2')), '(-{__name__="a"} * 2)');
  assert.equal(show(parseExpr('a + b * c')), '({__name__="a"} + ({__name__="b"} * {__name__="c"}))');
  assert.equal(show(parseExpr('a or b and c')), '({__name__="a"} or ({__name__="b"} and {__name__="c"}))');
  assert.equal(show(parseExpr('1 - 2 - 3')), '((1 - 2) - 3)');
  assert.equal(show(parseExpr('a > bool 1 == bool 0')), '(({__name__="a"} > bool 1) == bool 0)');
});

test('selectors: all matcher types, quoted names, offset (negative), @, ranges, subqueries', () => {
  assert.equal(
    show(parseExpr('foo{a="1", b!="2", c=~"x.*", d!~"y",}')),
    '{__name__="foo",a="1",b!="2",c=~"x.*",d!~"y"}',
  );
  assert.equal(show(parseExpr('{"my.metric", env="prod"}')), '{__name__="my.metric",env="prod"}');
  assert.equal(show(parseExpr('{__name__=~"a|b"}')), '{__name__=~"a|b"}');
  assert.equal(show(parseExpr('foo offset -5m')), '{__name__="foo"} offset -300000');
  assert.equal(
    show(parseExpr('foo[1h30m] @ 100 offset 1m')),
    '{__name__="foo"} offset 60000 @100000[5400000]',
  );
  assert.equal(show(parseExpr('foo @ start()')), '{__name__="foo"} @start');
  assert.equal(
    show(parseExpr('rate(foo[5m])[30m:1m] @ end()')),
    '(rate({__name__="foo"}[300000]))[1800000:60000] @end',
  );
  assert.equal(show(parseExpr('foo[5m:]')), '({__name__="foo"})[300000:0]');
  assert.equal(show(parseExpr('foo:bar:baz')), '{__name__="foo:bar:baz"}');
});

test('aggregations: grouping before or after, parameters, case-insensitive keywords', () => {
  assert.equal(show(parseExpr('sum by (a, b) (x)')), 'sum by(a,b)({__name__="x"})');
  assert.equal(show(parseExpr('SUM(x) WITHOUT (a)')), 'sum without(a)({__name__="x"})');
  assert.equal(show(parseExpr('topk(3, x)')), 'topk(3, {__name__="x"})');
  assert.equal(show(parseExpr('count_values("v", x)')), 'count_values("v", {__name__="x"})');
  assert.equal(show(parseExpr('quantile by (le) (0.9, x)')), 'quantile by(le)(0.9, {__name__="x"})');
  assert.equal(show(parseExpr('limit_ratio(0.5, x)')), 'limit_ratio(0.5, {__name__="x"})');
});

test('vector matching: on/ignoring, group_left/right with labels', () => {
  const e = parseExpr('a * on(x) group_left(y, z) b') as BinaryExpr;
  assert.deepEqual(e.matching, { card: 'many-to-one', on: true, labels: ['x'], include: ['y', 'z'] });
  const r = parseExpr('a / ignoring(x) group_right b') as BinaryExpr;
  assert.deepEqual(r.matching, { card: 'one-to-many', on: false, labels: ['x'], include: [] });
  const s = parseExpr('a and on() b') as BinaryExpr;
  assert.equal(s.matching?.card, 'many-to-many');
});

test('comments and whitespace are ignored', () => {
  assert.equal(show(parseExpr('sum(\n  x # the metric\n)')), 'sum({__name__="x"})');
});

function parseError(input: string): PromQLParseError {
  try {
    parseExpr(input);
  } catch (e) {
    assert.ok(e instanceof PromQLParseError, `expected PromQLParseError, got ${e}`);
    return e;
  }
  assert.fail(`expected ${JSON.stringify(input)} to fail`);
}

test('parse errors carry offset, line and column and say what was expected', () => {
  const e1 = parseError('sum(rate(foo[5m])');
  assert.deepEqual(e1.position, { offset: 17, line: 1, column: 18 });
  assert.match(e1.message, /expected "\)"/);
  const e2 = parseError('foo +\n  bar{a=1}');
  assert.deepEqual(e2.position, { offset: 14, line: 2, column: 9 });
  assert.match(e2.message, /expected string/);
  assert.match(
    parseError('rate(foo)').message,
    /expected type range vector in call to function "rate", got instant vector/,
  );
  assert.match(parseError('1 > 2').message, /comparisons between scalars must use BOOL modifier/);
  assert.match(parseError('{}').message, /at least one non-empty matcher/);
  assert.match(parseError('{a=""}').message, /at least one non-empty matcher/);
  assert.match(parseError('(foo)[5m]').message, /ranges only allowed for vector selectors/);
  assert.match(parseError('foo offset 1m offset 2m').message, /offset may not be set multiple times/);
  assert.match(parseError('foo @ 1 @ 2').message, /may not be set multiple times/);
  assert.match(parseError('sum(x) offset 5m').message, /offset modifier must be preceded by/);
  assert.match(parseError('a and 1').message, /set operator "and" not allowed in binary scalar expression/);
  assert.match(parseError('a + bool b').message, /bool modifier can only be used on comparison operators/);
  assert.match(parseError('a and on(x) group_left b').message, /no grouping allowed for "and" operation/);
  assert.match(parseError('nosuchfn(x)').message, /unknown function with name "nosuchfn"/);
  assert.match(parseError('topk(x)').message, /expected 2, got 1/);
  assert.match(parseError('foo{a=~"("}').message, /invalid regular expression/);
  assert.match(parseError('foo{__name__="bar"}').message, /metric name must not be set twice/);
  assert.match(parseError('"unterminated').message, /unterminated quoted string/);
  assert.match(parseError('1h30').message, /bad number or duration syntax/);
  assert.match(parseError('').message, /no expression found/);
  assert.equal(
    parseError('1 +').message,
    '1:4: parse error: unexpected end of input, expected an expression',
  );
  assert.match(
    parseError('foo bar').message,
    /unexpected identifier "bar", expected an operator or end of input/,
  );
  assert.match(parseError('label_join(x)').message, /expected at least 3 argument\(s\)/);
  assert.match(parseError('round(x, 1, 2)').message, /expected at most 2 argument\(s\)/);
});

test('deep nesting is a parse error, not a stack overflow', () => {
  assert.match(parseError(`${'('.repeat(5000)}1${')'.repeat(5000)}`).message, /nested too deeply/);
  assert.match(parseError(Array(5000).fill('2').join(' ^ ')).message, /nested too deeply/);
  assert.equal(show(parseExpr(`${'('.repeat(100)}1${')'.repeat(100)}`)), '1');
  assert.ok(parseExpr(Array(900).fill('x').join(' + ')));
  assert.match(parseError(Array(5000).fill('x').join(' + ')).message, /nested too deeply/);
});

const promqlish = fc.array(
  fc.constantFrom(
    'sum',
    'rate',
    'by',
    '(',
    ')',
    '{',
    '}',
    '[',
    ']',
    '5m',
    ':',
    ',',
    '"a"',
    "'b'",
    '=',
    '=~',
    '!=',
    '!~',
    'foo',
    'le',
    '+',
    '-',
    '*',
    '/',
    '^',
    'and',
    'or',
    'on',
    'group_left',
    'bool',
    '>',
    'offset',
    '@',
    'start()',
    '1',
    '0x1',
    'Inf',
    '1e',
    '#',
    '\n',
    ' ',
    'topk',
    'histogram_quantile',
    '`',
    '\\',
    '.',
    'without',
    '1h30m',
  ),
  { maxLength: 25 },
);

test('property: arbitrary input either parses or throws PromQLParseError', () => {
  const check = (s: string) => {
    try {
      parseExpr(s);
    } catch (e) {
      if (!(e instanceof PromQLParseError)) throw e;
      assert.ok(e.position.offset >= 0 && e.position.offset <= s.length);
    }
  };
  fc.assert(fc.property(fc.string({ maxLength: 60 }), check), { numRuns: 2000 });
  fc.assert(
    fc.property(promqlish, (parts) => check(parts.join(' '))),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(promqlish, (parts) => check(parts.join(''))),
    { numRuns: 3000 },
  );
});
