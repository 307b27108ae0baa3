/**
 * Recursive-descent PromQL parser with Prometheus 3.x grammar and type checks. Binary operator
 * precedence (low to high): or; and unless; comparisons; + -; * / % atan2; ^ (right-assoc).
 * Unary minus binds like `*`, so `-a^b` is `-(a^b)`.
 */
import type { Matcher, MatchType } from '../storage.ts';
import type {
  AggregateExpr,
  AggregateOp,
  AtModifier,
  BinaryExpr,
  BinaryOp,
  Expr,
  ValueType,
  VectorMatching,
  VectorSelector,
} from './ast.ts';
import { isComparisonOp, isSetOp, unwrapParens } from './ast.ts';
import { PromQLParseError } from './errors.ts';
import { FUNCTIONS, typeName } from './function-defs.ts';
import { type Token, tokenize } from './lexer.ts';
import { compileRegex } from './regex.ts';

const AGGREGATORS = new Set<AggregateOp>([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'limitk',
  'limit_ratio',
]);
const PARAM_AGGREGATORS = new Set(['topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio']);

const PRECEDENCE: Record<BinaryOp, number> = {
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
const WORD_OPS = new Set(['and', 'or', 'unless', 'atan2']);
/** Maximum nesting of sub-expressions (parentheses, operands, arguments). */
const MAX_DEPTH = 256;

/** Maximum depth of the syntax tree (operator chains included). */
const MAX_TREE_DEPTH = 1000;

/** Child expressions of a node. */
export function children(e: Expr): Expr[] {
  switch (e.type) {
    case 'MatrixSelector':
      return [e.selector];
    case 'SubqueryExpr':
    case 'UnaryExpr':
    case 'ParenExpr':
      return [e.expr];
    case 'Call':
      return e.args;
    case 'AggregateExpr':
      return e.param ? [e.param, e.expr] : [e.expr];
    case 'BinaryExpr':
      return [e.lhs, e.rhs];
    default:
      return [];
  }
}

/** Depth of the tree, computed without recursion. */
function treeDepth(root: Expr): number {
  let max = 0;
  const stack: [Expr, number][] = [[root, 1]];
  while (stack.length) {
    const [e, d] = stack.pop()!;
    if (d > max) max = d;
    for (const c of children(e)) stack.push([c, d + 1]);
  }
  return max;
}

/** Nodes whose offset was given explicitly (so `offset 0 offset 1m` is rejected too). */
const offsetSet = new WeakSet<object>();
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Static type of an expression. */
export function typeOf(e: Expr): ValueType {
  switch (e.type) {
    case 'NumberLiteral':
      return 'scalar';
    case 'StringLiteral':
      return 'string';
    case 'VectorSelector':
    case 'AggregateExpr':
      return 'vector';
    case 'MatrixSelector':
    case 'SubqueryExpr':
      return 'matrix';
    case 'Call':
      return FUNCTIONS[e.func].returns;
    case 'BinaryExpr':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'UnaryExpr':
    case 'ParenExpr':
      return typeOf(e.expr);
  }
}

/** Parses a PromQL expression into a typed AST; throws PromQLParseError. */
export function parseExpr(input: string): Expr {
  return new Parser(input).parseTop();
}

class Parser {
  private readonly toks: Token[];
  private i = 0;
  private depth = 0;
  constructor(private readonly input: string) {
    this.toks = tokenize(input);
  }

  parseTop(): Expr {
    if (this.peek().kind === 'eof') this.fail(0, 'no expression found in input');
    const e = this.parseBinary(0);
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(t.pos, `unexpected ${describe(t)}, expected an operator or end of input`);
    // Long operator chains are built iteratively but evaluate recursively: bound the tree depth.
    if (treeDepth(e) > MAX_TREE_DEPTH)
      this.fail(0, `expression nested too deeply (more than ${MAX_TREE_DEPTH} levels)`);
    return e;
  }

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)];
  }
  private next(): Token {
    return this.toks[this.i < this.toks.length - 1 ? this.i++ : this.i];
  }
  private fail(pos: number, msg: string): never {
    throw new PromQLParseError(this.input, pos, msg);
  }
  private isPunct(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'punct' && t.text === text;
  }
  private isWord(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'ident' && t.text.toLowerCase() === word;
  }
  private expectPunct(text: string, context: string): Token {
    const t = this.peek();
    if (t.kind !== 'punct' || t.text !== text)
      this.fail(t.pos, `unexpected ${describe(t)} ${context}, expected "${text}"`);
    return this.next();
  }

  private binaryOp(): BinaryOp | undefined {
    const t = this.peek();
    if (t.kind === 'punct' && t.text in PRECEDENCE) return t.text as BinaryOp;
    if (t.kind === 'ident' && WORD_OPS.has(t.text.toLowerCase())) return t.text.toLowerCase() as BinaryOp;
    return undefined;
  }

  private parseBinary(minPrec: number): Expr {
    // Bound recursion so absurd nesting is a parse error, not a stack overflow.
    if (++this.depth > MAX_DEPTH)
      this.fail(this.peek().pos, `expression nested too deeply (more than ${MAX_DEPTH} levels)`);
    try {
      return this.parseBinaryInner(minPrec);
    } finally {
      this.depth--;
    }
  }

  private parseBinaryInner(minPrec: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const op = this.binaryOp();
      if (!op || PRECEDENCE[op] < minPrec) return lhs;
      const opTok = this.next();
      let returnBool = false;
      if (this.isWord('bool')) {
        if (!isComparisonOp(op))
          this.fail(this.peek().pos, 'bool modifier can only be used on comparison operators');
        this.next();
        returnBool = true;
      }
      let matching: VectorMatching | undefined;
      let explicitMatching = false;
      if (this.isWord('on') || this.isWord('ignoring')) {
        explicitMatching = true;
        const on = this.next().text.toLowerCase() === 'on';
        const labels = this.parseLabelList();
        matching = { card: isSetOp(op) ? 'many-to-many' : 'one-to-one', on, labels, include: [] };
        if (this.isWord('group_left') || this.isWord('group_right')) {
          const g = this.next();
          if (isSetOp(op)) this.fail(g.pos, `no grouping allowed for "${op}" operation`);
          matching.card = g.text.toLowerCase() === 'group_left' ? 'many-to-one' : 'one-to-many';
          if (this.isPunct('(')) matching.include = this.parseLabelList();
          for (const l of matching.include) {
            if (matching.on && matching.labels.includes(l))
              this.fail(g.pos, `label "${l}" must not occur in ON and GROUP clause at once`);
          }
        }
      } else if (this.isWord('group_left') || this.isWord('group_right')) {
        this.fail(
          this.peek().pos,
          `unexpected <${this.peek().text}> in binary expression, expected "on" or "ignoring"`,
        );
      }
      const rhs = this.parseBinary(op === '^' ? PRECEDENCE[op] : PRECEDENCE[op] + 1);
      lhs = this.makeBinary(op, lhs, rhs, returnBool, matching, explicitMatching, opTok.pos);
    }
  }

  private makeBinary(
    op: BinaryOp,
    lhs: Expr,
    rhs: Expr,
    returnBool: boolean,
    matching: VectorMatching | undefined,
    explicit: boolean,
    pos: number,
  ): BinaryExpr {
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    if ((lt !== 'scalar' && lt !== 'vector') || (rt !== 'scalar' && rt !== 'vector'))
      this.fail(lhs.pos, 'binary expression must contain only scalar and instant vector types');
    if (lt === 'scalar' && rt === 'scalar' && isComparisonOp(op) && !returnBool)
      this.fail(lhs.pos, 'comparisons between scalars must use BOOL modifier');
    if (isSetOp(op) && (lt === 'scalar' || rt === 'scalar'))
      this.fail(lhs.pos, `set operator "${op}" not allowed in binary scalar expression`);
    if ((lt !== 'vector' || rt !== 'vector') && explicit)
      this.fail(lhs.pos, 'vector matching only allowed between instant vectors');
    if (lt === 'vector' && rt === 'vector' && !matching) {
      matching = { card: isSetOp(op) ? 'many-to-many' : 'one-to-one', on: false, labels: [], include: [] };
    }
    return { type: 'BinaryExpr', pos: Math.min(lhs.pos, pos), op, lhs, rhs, returnBool, matching };
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (t.kind === 'punct' && (t.text === '-' || t.text === '+')) {
      this.next();
      const e = this.parseBinary(PRECEDENCE['^']);
      const et = typeOf(e);
      if (et !== 'scalar' && et !== 'vector')
        this.fail(
          t.pos,
          `unary expression only allowed on expressions of type scalar or instant vector, got "${typeName(et)}"`,
        );
      if (e.type === 'NumberLiteral') return { ...e, pos: t.pos, value: t.text === '-' ? -e.value : e.value };
      return { type: 'UnaryExpr', pos: t.pos, op: t.text as '-' | '+', expr: e };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.next();
        return { type: 'NumberLiteral', pos: t.pos, value: t.num! };
      case 'duration':
        this.next();
        return { type: 'NumberLiteral', pos: t.pos, value: t.num! / 1000 };
      case 'string':
        this.next();
        return { type: 'StringLiteral', pos: t.pos, value: t.str! };
      case 'punct':
        if (t.text === '(') {
          this.next();
          const e = this.parseBinary(0);
          this.expectPunct(')', 'in parenthesized expression');
          return { type: 'ParenExpr', pos: t.pos, expr: e };
        }
        if (t.text === '{') return this.parseSelector(undefined, t.pos);
        return this.fail(t.pos, `unexpected ${describe(t)}, expected an expression`);
      case 'ident': {
        const lower = t.text.toLowerCase();
        if (
          AGGREGATORS.has(lower as AggregateOp) &&
          (this.isPunct('(', 1) || this.isWord('by', 1) || this.isWord('without', 1))
        )
          return this.parseAggregation();
        if (this.isPunct('(', 1)) return this.parseCall();
        if (
          WORD_OPS.has(lower) ||
          ['bool', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset'].includes(lower)
        )
          return this.fail(t.pos, `unexpected ${describe(t)}`);
        this.next();
        return this.parseSelector(t.text, t.pos);
      }
      default:
        return this.fail(t.pos, `unexpected ${describe(t)}, expected an expression`);
    }
  }

  private parseCall(): Expr {
    const nameTok = this.next();
    const def = FUNCTIONS[nameTok.text];
    if (!def) this.fail(nameTok.pos, `unknown function with name "${nameTok.text}"`);
    this.next(); // (
    const args: Expr[] = [];
    if (!this.isPunct(')')) {
      for (;;) {
        args.push(this.parseBinary(0));
        if (this.isPunct(',')) {
          const c = this.next();
          if (this.isPunct(')')) this.fail(c.pos, 'trailing commas not allowed in function call args');
          continue;
        }
        break;
      }
    }
    this.expectPunct(')', 'in function call');
    const name = nameTok.text;
    const n = def.args.length;
    if (def.variadic === 0 && args.length !== n)
      this.fail(nameTok.pos, `expected ${n} argument(s) in call to "${name}", got ${args.length}`);
    if (def.variadic > 0) {
      if (args.length > n)
        this.fail(nameTok.pos, `expected at most ${n} argument(s) in call to "${name}", got ${args.length}`);
      if (args.length < n - def.variadic)
        this.fail(
          nameTok.pos,
          `expected at least ${n - def.variadic} argument(s) in call to "${name}", got ${args.length}`,
        );
    }
    if (def.variadic < 0 && args.length < n - 1)
      this.fail(
        nameTok.pos,
        `expected at least ${n - 1} argument(s) in call to "${name}", got ${args.length}`,
      );
    args.forEach((a, idx) => {
      const want = def.args[Math.min(idx, n - 1)];
      const got = typeOf(a);
      if (got !== want)
        this.fail(
          a.pos,
          `expected type ${typeName(want)} in call to function "${name}", got ${typeName(got)}`,
        );
    });
    return { type: 'Call', pos: nameTok.pos, func: name, args };
  }

  private parseAggregation(): AggregateExpr {
    const opTok = this.next();
    const op = opTok.text.toLowerCase() as AggregateOp;
    let grouping: string[] | undefined;
    let without = false;
    const parseGrouping = () => {
      if (grouping) this.fail(this.peek().pos, 'aggregation grouping may only be given once');
      without = this.next().text.toLowerCase() === 'without';
      grouping = this.parseLabelList();
    };
    if (this.isWord('by') || this.isWord('without')) parseGrouping();
    this.expectPunct('(', 'in aggregation');
    const args: Expr[] = [];
    if (!this.isPunct(')')) {
      for (;;) {
        args.push(this.parseBinary(0));
        if (!this.isPunct(',')) break;
        this.next();
        if (this.isPunct(')')) break;
      }
    }
    this.expectPunct(')', 'in aggregation');
    if (this.isWord('by') || this.isWord('without')) parseGrouping();
    const want = PARAM_AGGREGATORS.has(op) ? 2 : 1;
    if (args.length !== want)
      this.fail(
        opTok.pos,
        `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`,
      );
    const expr = args[want - 1];
    const et = typeOf(expr);
    if (et !== 'vector')
      this.fail(expr.pos, `expected type instant vector in aggregation expression, got ${typeName(et)}`);
    let param: Expr | undefined;
    if (want === 2) {
      param = args[0];
      const pt = typeOf(param);
      const wantP = op === 'count_values' ? 'string' : 'scalar';
      if (pt !== wantP)
        this.fail(
          param.pos,
          `expected type ${typeName(wantP)} in aggregation parameter, got ${typeName(pt)}`,
        );
    }
    return { type: 'AggregateExpr', pos: opTok.pos, op, expr, param, grouping: grouping ?? [], without };
  }

  /** Parses `(a, b, "c")` into label names. */
  private parseLabelList(): string[] {
    this.expectPunct('(', 'in grouping opts');
    const out: string[] = [];
    while (!this.isPunct(')')) {
      const t = this.next();
      let name: string;
      if (t.kind === 'ident' && !t.text.includes(':')) name = t.text;
      else if (t.kind === 'string') name = t.str!;
      else return this.fail(t.pos, `unexpected ${describe(t)} in grouping opts, expected label`);
      out.push(name);
      if (this.isPunct(',')) this.next();
      else if (!this.isPunct(')'))
        this.fail(
          this.peek().pos,
          `unexpected ${describe(this.peek())} in grouping opts, expected "," or ")"`,
        );
    }
    this.next();
    return out;
  }

  private parseSelector(name: string | undefined, pos: number): VectorSelector {
    const matchers: Matcher[] = [];
    let quotedName: string | undefined;
    if (this.isPunct('{')) {
      this.next();
      while (!this.isPunct('}')) {
        const t = this.next();
        let label: string;
        if (t.kind === 'string') {
          if (this.isPunct(',') || this.isPunct('}')) {
            if (name !== undefined || quotedName !== undefined)
              this.fail(t.pos, `metric name must not be set twice: "${name ?? quotedName}" or "${t.str}"`);
            quotedName = t.str!;
            if (this.isPunct(',')) this.next();
            continue;
          }
          label = t.str!;
        } else if (t.kind === 'ident' && !t.text.includes(':')) label = t.text;
        else return this.fail(t.pos, `unexpected ${describe(t)} in label matching, expected label`);
        const opTok = this.next();
        if (opTok.kind !== 'punct' || !['=', '!=', '=~', '!~'].includes(opTok.text))
          this.fail(
            opTok.pos,
            `unexpected ${describe(opTok)} in label matching, expected label matching operator`,
          );
        const v = this.next();
        if (v.kind !== 'string')
          this.fail(v.pos, `unexpected ${describe(v)} in label matching, expected string`);
        const type = opTok.text as MatchType;
        if (type === '=~' || type === '!~') {
          try {
            compileRegex(v.str!);
          } catch (err) {
            this.fail(v.pos, `invalid regular expression in label matcher: ${(err as Error).message}`);
          }
        }
        matchers.push({ type, name: label, value: v.str! });
        if (this.isPunct(',')) this.next();
        else if (!this.isPunct('}'))
          this.fail(
            this.peek().pos,
            `unexpected ${describe(this.peek())} in label matching, expected "," or "}"`,
          );
      }
      this.next();
    }
    const metric = name ?? quotedName;
    if (metric !== undefined) {
      for (const m of matchers) {
        if (m.name === '__name__')
          this.fail(pos, `metric name must not be set twice: "${metric}" or "${m.value}"`);
      }
      matchers.unshift({ type: '=', name: '__name__', value: metric });
    }
    if (!matchers.some((m) => !matchesEmpty(m)))
      this.fail(pos, 'vector selector must contain at least one non-empty matcher');
    return { type: 'VectorSelector', pos, name: metric, matchers, offsetMs: 0 };
  }

  private parsePostfix(e: Expr): Expr {
    for (;;) {
      if (this.isPunct('[')) {
        const open = this.next();
        const range = this.parseDurationArg('range');
        if (this.isPunct(':')) {
          this.next();
          let step = 0;
          if (!this.isPunct(']')) step = this.parseDurationArg('subquery step');
          this.expectPunct(']', 'in subquery selector');
          const t = typeOf(e);
          if (t !== 'vector')
            this.fail(open.pos, `subquery is only allowed on instant vector, got ${typeName(t)} instead`);
          if (range <= 0) this.fail(open.pos, 'range must be greater than 0');
          e = { type: 'SubqueryExpr', pos: e.pos, expr: e, rangeMs: range, stepMs: step, offsetMs: 0 };
          continue;
        }
        this.expectPunct(']', 'in range selector');
        if (e.type !== 'VectorSelector') this.fail(open.pos, 'ranges only allowed for vector selectors');
        if (e.offsetMs !== 0 || e.at !== undefined)
          this.fail(open.pos, 'no offset modifiers allowed before range');
        if (range <= 0) this.fail(open.pos, 'range must be greater than 0');
        e = { type: 'MatrixSelector', pos: e.pos, selector: e, rangeMs: range };
        continue;
      }
      if (this.isWord('offset')) {
        const t = this.next();
        let sign = 1;
        if (this.isPunct('-') || this.isPunct('+')) sign = this.next().text === '-' ? -1 : 1;
        const d = this.parseDurationArg('offset') * sign;
        const target = this.modifiable(e, t.pos, 'offset');
        if (offsetSet.has(target)) this.fail(t.pos, 'offset may not be set multiple times');
        target.offsetMs = d;
        offsetSet.add(target);
        continue;
      }
      if (this.isPunct('@')) {
        const t = this.next();
        const at = this.parseAt();
        const target = this.modifiable(e, t.pos, '@');
        if (target.at !== undefined) this.fail(t.pos, '@ <timestamp> may not be set multiple times');
        target.at = at;
        continue;
      }
      return e;
    }
  }

  /** The node an offset/@ modifier applies to, or a parse error. */
  private modifiable(e: Expr, pos: number, what: string): { offsetMs: number; at?: AtModifier } {
    if (e.type === 'VectorSelector' || e.type === 'SubqueryExpr') return e;
    if (e.type === 'MatrixSelector') return e.selector;
    return this.fail(
      pos,
      `${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`,
    );
  }

  private parseAt(): AtModifier {
    const t = this.peek();
    if (t.kind === 'ident' && (t.text === 'start' || t.text === 'end')) {
      this.next();
      this.expectPunct('(', 'in @ modifier');
      this.expectPunct(')', 'in @ modifier');
      return t.text;
    }
    let sign = 1;
    if (this.isPunct('-') || this.isPunct('+')) sign = this.next().text === '-' ? -1 : 1;
    const n = this.next();
    if (n.kind !== 'number' && n.kind !== 'duration')
      this.fail(n.pos, `unexpected ${describe(n)} in @ modifier, expected timestamp`);
    const v = sign * (n.kind === 'duration' ? n.num! / 1000 : n.num!);
    if (!Number.isFinite(v) || Math.abs(v) > 9.2e15)
      this.fail(n.pos, 'timestamp out of bounds for @ modifier');
    return Math.round(v * 1000);
  }

  /** A duration token, or a plain number of seconds (Prometheus 3). */
  private parseDurationArg(what: string): number {
    const t = this.next();
    if (t.kind === 'duration') return t.num!;
    if (t.kind === 'number' && Number.isFinite(t.num!)) return Math.round(t.num! * 1000);
    return this.fail(t.pos, `unexpected ${describe(t)} in ${what}, expected duration`);
  }
}

function matchesEmpty(m: Matcher): boolean {
  switch (m.type) {
    case '=':
      return m.value === '';
    case '!=':
      return m.value !== '';
    case '=~':
      return compileRegex(m.value).test('');
    case '!~':
      return !compileRegex(m.value).test('');
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of input';
    case 'ident':
      return `identifier "${t.text}"`;
    case 'number':
      return `number "${t.text}"`;
    case 'duration':
      return `duration "${t.text}"`;
    case 'string':
      return `string ${t.text}`;
    default:
      return `character "${t.text}"`;
  }
}

/** True for a label name valid in Prometheus' legacy (unquoted) charset. */
export function isLegacyLabelName(s: string): boolean {
  return LABEL_NAME_RE.test(s);
}

export { unwrapParens };
