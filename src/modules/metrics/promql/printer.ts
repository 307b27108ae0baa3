/**
 * Formats an AST back into PromQL text (normalized: canonical durations, quoted strings, minimal
 * parentheses for binary operators). parseExpr(formatExpr(e)) yields the same tree as e, apart
 * from parentheses and source positions.
 */
import type { Matcher } from '../storage.ts';
import type { AtModifier, BinaryOp, Expr, VectorMatching, VectorSelector } from './ast.ts';
import { isLegacyLabelName } from './parser.ts';

const UNITS: [string, number][] = [
  ['y', 31_536_000_000],
  ['w', 604_800_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** Prometheus duration text for a non-negative number of milliseconds ("1h30m", "0s"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let out = '';
  let rest = ms;
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** A double-quoted PromQL string; escaped invalid bytes (lone surrogates) print as \xNN. */
function quote(s: string): string {
  return JSON.stringify(s).replace(/\\u(dc[89a-f][0-9a-f])/g, (_, h: string) => `\\x${h.slice(2)}`);
}

const labelName = (n: string) => (isLegacyLabelName(n) ? n : quote(n));
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'atan2',
  'bool',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'inf',
  'nan',
]);

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function modifiers(offsetMs: number, at: AtModifier | undefined): string {
  let s = '';
  if (offsetMs !== 0) s += ` offset ${offsetMs < 0 ? '-' : ''}${formatDuration(Math.abs(offsetMs))}`;
  if (at === 'start' || at === 'end') s += ` @ ${at}()`;
  else if (at !== undefined) s += ` @ ${formatNumber(at / 1000)}`;
  return s;
}

function selector(v: VectorSelector): string {
  const nameMatcher = v.matchers.find((m) => m.name === '__name__' && m.type === '=');
  const name = v.name !== undefined && nameMatcher?.value === v.name ? v.name : undefined;
  const plainName = name !== undefined && METRIC_NAME.test(name) && !KEYWORDS.has(name.toLowerCase());
  const rest = v.matchers.filter((m) => !(name !== undefined && m === nameMatcher));
  const parts = rest.map((m: Matcher) => `${labelName(m.name)}${m.type}${quote(m.value)}`);
  if (name !== undefined && !plainName) parts.unshift(quote(name));
  const braces = parts.length || !plainName ? `{${parts.join(', ')}}` : '';
  return `${plainName ? name : ''}${braces}`;
}

const PREC: Record<BinaryOp, number> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '>': 3,
  '<': 3,
  '>=': 3,
  '<=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};

function matching(op: BinaryOp, m: VectorMatching | undefined, returnBool: boolean): string {
  let s = returnBool ? ' bool' : '';
  if (!m) return s;
  const isSet = op === 'and' || op === 'or' || op === 'unless';
  if (m.on || m.labels.length || m.card === 'many-to-one' || m.card === 'one-to-many')
    s += ` ${m.on ? 'on' : 'ignoring'}(${m.labels.map(labelName).join(', ')})`;
  if (!isSet && m.card === 'many-to-one') s += ` group_left(${m.include.map(labelName).join(', ')})`;
  if (!isSet && m.card === 'one-to-many') s += ` group_right(${m.include.map(labelName).join(', ')})`;
  return s;
}

/** Operand of a binary operator, parenthesized when precedence or associativity requires. */
function operand(e: Expr, parent: BinaryOp, right: boolean): string {
  const s = formatExpr(e);
  if (e.type === 'UnaryExpr') return `(${s})`;
  if (e.type !== 'BinaryExpr') return s;
  const pe = PREC[e.op];
  const pp = PREC[parent];
  const assocRight = parent === '^';
  const needs = pe < pp || (pe === pp && (assocRight ? !right : right));
  return needs ? `(${s})` : s;
}

/** Formats an expression as PromQL text. */
export function formatExpr(e: Expr): string {
  switch (e.type) {
    case 'NumberLiteral':
      return formatNumber(e.value);
    case 'StringLiteral':
      return quote(e.value);
    case 'VectorSelector':
      return selector(e) + modifiers(e.offsetMs, e.at);
    case 'MatrixSelector':
      return `${selector(e.selector)}[${formatDuration(e.rangeMs)}]${modifiers(e.selector.offsetMs, e.selector.at)}`;
    case 'SubqueryExpr': {
      const inner =
        e.expr.type === 'BinaryExpr' || e.expr.type === 'UnaryExpr'
          ? `(${formatExpr(e.expr)})`
          : formatExpr(e.expr);
      const step = e.stepMs ? formatDuration(e.stepMs) : '';
      return `${inner}[${formatDuration(e.rangeMs)}:${step}]${modifiers(e.offsetMs, e.at)}`;
    }
    case 'Call':
      return `${e.func}(${e.args.map(formatExpr).join(', ')})`;
    case 'AggregateExpr': {
      const grouping =
        e.without || e.grouping.length
          ? ` ${e.without ? 'without' : 'by'} (${e.grouping.map(labelName).join(', ')})`
          : '';
      const args = e.param ? `${formatExpr(e.param)}, ${formatExpr(e.expr)}` : formatExpr(e.expr);
      return `${e.op}${grouping} (${args})`;
    }
    case 'BinaryExpr':
      return `${operand(e.lhs, e.op, false)} ${e.op}${matching(e.op, e.matching, e.returnBool)} ${operand(e.rhs, e.op, true)}`;
    case 'UnaryExpr': {
      const inner = formatExpr(e.expr);
      return e.expr.type === 'BinaryExpr' || e.expr.type === 'UnaryExpr'
        ? `${e.op}(${inner})`
        : `${e.op}${inner}`;
    }
    case 'ParenExpr':
      return `(${formatExpr(e.expr)})`;
  }
}
