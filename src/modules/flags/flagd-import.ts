/**
 * Imports flagd flag-definition documents into Vigil's model. flagd targeting is JsonLogic; the
 * subset flagd documents (if, ==, ===, !=, !==, in, starts_with, ends_with, sem_ver, fractional,
 * and, or, !, !!, <, <=, >, >=, var, $ref) is translated into ordered rules: conditions are put in
 * disjunctive normal form (an `or` becomes several rules serving the same outcome) and nested `if`
 * branches inherit their parents' conditions. Anything else is reported per flag and the flag is
 * left out rather than imported with different behaviour.
 */
import { validateFlag } from './evaluate.ts';
import type { Condition, Flag, FlagType, Rule, Scalar, Segment, Split, VariantValue } from './flag.ts';
import { FLAG_TYPES, kindOf } from './flag.ts';

/** Something in a flagd document that could not be imported. */
export interface FlagdProblem {
  flag?: string;
  path: string;
  message: string;
}

/** Result of an import: what was translated and what was not. */
export interface FlagdImport {
  flags: Flag[];
  segments: Segment[];
  problems: FlagdProblem[];
}

class Unsupported extends Error {}

interface Alt {
  conditions: Condition[];
  segments: string[];
}
type Outcome = { variant: string } | { split: Split } | { useDefault: true };
interface Entry {
  alts: Alt[];
  outcome: Outcome;
}

const MAX_ALTS = 64;
const isObj = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === 'object' && !Array.isArray(x);
const isScalar = (x: unknown): x is Scalar => ['string', 'number', 'boolean'].includes(typeof x);
const opOf = (x: Record<string, unknown>): [string, unknown] => {
  const keys = Object.keys(x);
  if (keys.length !== 1) throw new Unsupported(`expected one operator, got {${keys.join(', ')}}`);
  return [keys[0], x[keys[0]]];
};

function varName(x: unknown): string | null {
  if (!isObj(x) || !('var' in x) || Object.keys(x).length !== 1) return null;
  const v = x.var;
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  throw new Unsupported(`var with a default value (${JSON.stringify(v)}) is not supported`);
}

function product(a: Alt[], b: Alt[]): Alt[] {
  const out: Alt[] = [];
  for (const x of a) {
    for (const y of b) {
      out.push({ conditions: [...x.conditions, ...y.conditions], segments: [...x.segments, ...y.segments] });
    }
  }
  if (out.length > MAX_ALTS) throw new Unsupported(`condition expands to more than ${MAX_ALTS} rules`);
  return out;
}

const ALWAYS: Alt[] = [{ conditions: [], segments: [] }];
const SEMVER_OPS: Record<string, [Condition['op'], boolean]> = {
  '=': ['semver_eq', false],
  '!=': ['semver_eq', true],
  '<': ['semver_lt', false],
  '<=': ['semver_lte', false],
  '>': ['semver_gt', false],
  '>=': ['semver_gte', false],
  '^': ['semver_caret', false],
  '~': ['semver_tilde', false],
};
const NUM_OPS: Record<string, Condition['op']> = {
  '<': 'num_lt',
  '<=': 'num_lte',
  '>': 'num_gt',
  '>=': 'num_gte',
};
const FLIP: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/**
 * `$flagd.timestamp` (whole Unix seconds of the evaluation) compared with N, as an exact condition
 * on the evaluation time in ms: ts > N ⇔ now ≥ (N+1)·1000, ts ≥ N ⇔ now ≥ N·1000,
 * ts < N ⇔ now < N·1000, ts ≤ N ⇔ now < (N+1)·1000.
 */
function timestamp(op: string, n: number): Condition {
  const iso = (ms: number) => new Date(ms).toISOString();
  if (op === '>')
    return { attribute: 'currentTime', op: 'date_after', value: iso((Math.floor(n) + 1) * 1000 - 1) };
  if (op === '>=') return { attribute: 'currentTime', op: 'date_after', value: iso(Math.ceil(n) * 1000 - 1) };
  if (op === '<') return { attribute: 'currentTime', op: 'date_before', value: iso(Math.ceil(n) * 1000) };
  return { attribute: 'currentTime', op: 'date_before', value: iso((Math.floor(n) + 1) * 1000) };
}

class Translator {
  readonly segments = new Map<string, Segment>();
  private readonly refStack: string[] = [];
  constructor(private readonly evaluators: Record<string, unknown>) {}

  /** A conjunction of conditions for one atomic JsonLogic comparison. */
  atomic(op: string, args: unknown): Condition[] {
    const a = Array.isArray(args) ? args : [args];
    const attr = (x: unknown) => {
      const n = varName(x);
      if (n?.startsWith('$flagd.')) throw new Unsupported(`${n} in conditions is not supported`);
      return n;
    };
    if (op === '==' || op === '===' || op === '!=' || op === '!==') {
      const [l, r] = a;
      const name = attr(l) ?? attr(r);
      const lit = attr(l) !== null ? r : l;
      if (name === null || !isScalar(lit)) throw new Unsupported(`${op} needs a var and a literal`);
      return [{ attribute: name, op: 'equals', value: lit, ...(op.startsWith('!') ? { negate: true } : {}) }];
    }
    if (op === 'in') {
      const [l, r] = a;
      const name = attr(l);
      if (name !== null && Array.isArray(r) && r.every(isScalar))
        return [{ attribute: name, op: 'in', values: r }];
      const inner = attr(r);
      if (inner !== null && typeof l === 'string') return [{ attribute: inner, op: 'contains', value: l }];
      throw new Unsupported('in needs (var, [literals]) or (literal, var)');
    }
    if (op === 'starts_with' || op === 'ends_with') {
      const name = attr(a[0]);
      if (name === null || typeof a[1] !== 'string') throw new Unsupported(`${op} needs (var, string)`);
      return [{ attribute: name, op, value: a[1] }];
    }
    if (op === 'sem_ver') {
      const name = attr(a[0]);
      const m = SEMVER_OPS[String(a[1])];
      if (name === null || !m || typeof a[2] !== 'string')
        throw new Unsupported('sem_ver needs (var, operator, version)');
      return [{ attribute: name, op: m[0], value: a[2], ...(m[1] ? { negate: true } : {}) }];
    }
    if (op in NUM_OPS) {
      if (a.length === 3) {
        // between: a < var < b
        const name = attr(a[1]);
        if (name === null || typeof a[0] !== 'number' || typeof a[2] !== 'number') {
          throw new Unsupported(`${op} with three arguments needs (number, var, number)`);
        }
        return [
          { attribute: name, op: NUM_OPS[FLIP[op]], value: a[0] },
          { attribute: name, op: NUM_OPS[op], value: a[2] },
        ];
      }
      const [l, r] = a;
      if (a.length === 2 && varName(l) === '$flagd.timestamp' && typeof r === 'number')
        return [timestamp(op, r)];
      if (a.length === 2 && varName(r) === '$flagd.timestamp' && typeof l === 'number') {
        return [timestamp(FLIP[op], l)];
      }
      if (attr(l) !== null && typeof r === 'number')
        return [{ attribute: attr(l)!, op: NUM_OPS[op], value: r }];
      if (attr(r) !== null && typeof l === 'number')
        return [{ attribute: attr(r)!, op: NUM_OPS[FLIP[op]], value: l }];
      throw new Unsupported(`${op} needs a var and a number`);
    }
    if (op === '!!') {
      const name = attr(a[0]);
      if (name === null) throw new Unsupported('!! needs a var');
      return [{ attribute: name, op: 'exists' }];
    }
    throw new Unsupported(`operator "${op}" is not supported`);
  }

  /** Disjunctive normal form of a condition: a list of alternatives, each all-of. */
  dnf(expr: unknown, negate = false): Alt[] {
    if (expr === true || expr === false) return expr !== negate ? ALWAYS : [];
    if (!isObj(expr)) throw new Unsupported(`condition ${JSON.stringify(expr)} is not supported`);
    if ('$ref' in expr) return this.ref(String(expr.$ref), negate);
    const [op, args] = opOf(expr);
    const list = Array.isArray(args) ? args : [args];
    if (op === 'and' || op === 'or') {
      const conj = (op === 'and') !== negate;
      if (conj) return list.reduce<Alt[]>((acc, x) => product(acc, this.dnf(x, negate)), ALWAYS);
      return list.flatMap((x) => this.dnf(x, negate));
    }
    if (op === '!') {
      if (varName(list[0]) !== null) return this.dnf({ '!!': [list[0]] }, !negate);
      return this.dnf(list[0], !negate);
    }
    if (op === 'var') throw new Unsupported('a bare var as a condition (truthiness) is not supported');
    const conds = this.atomic(op, args);
    if (!negate) return [{ conditions: conds, segments: [] }];
    return conds.map((c) => {
      const n: Condition = { ...c };
      if (c.negate) delete n.negate;
      else n.negate = true;
      return { conditions: [n], segments: [] };
    });
  }

  private ref(name: string, negate: boolean): Alt[] {
    if (!(name in this.evaluators)) throw new Unsupported(`$ref to unknown evaluator "${name}"`);
    if (this.refStack.includes(name)) throw new Unsupported(`$ref cycle through "${name}"`);
    this.refStack.push(name);
    try {
      const alts = this.dnf(this.evaluators[name]);
      // A plain conjunction becomes a reusable segment; anything else is inlined.
      if (!negate && alts.length === 1 && alts[0].segments.length === 0) {
        this.segments.set(name, { key: name, conditions: alts[0].conditions });
        return [{ conditions: [], segments: [name] }];
      }
      return negate ? this.dnf(this.evaluators[name], true) : alts;
    } finally {
      this.refStack.pop();
    }
  }

  split(args: unknown): Split {
    if (!Array.isArray(args) || args.length === 0) throw new Unsupported('fractional needs buckets');
    const split: Split = { buckets: [] };
    let rest = args;
    if (!Array.isArray(args[0])) {
      const first = args[0];
      rest = args.slice(1);
      const direct = varName(first);
      const cat = isObj(first) && Array.isArray(first.cat) ? first.cat : null;
      if (direct !== null) {
        split.bucketBy = direct;
        split.salt = '';
      } else if (cat?.length === 2 && varName(cat[0]) === '$flagd.flagKey' && varName(cat[1]) !== null) {
        if (varName(cat[1]) !== 'targetingKey') split.bucketBy = varName(cat[1])!;
      } else if (cat?.length === 2 && typeof cat[0] === 'string' && varName(cat[1]) !== null) {
        split.bucketBy = varName(cat[1])!;
        split.salt = cat[0];
      } else
        throw new Unsupported(`fractional bucketing expression ${JSON.stringify(first)} is not supported`);
    }
    for (const b of rest) {
      if (!Array.isArray(b) || typeof b[0] !== 'string')
        throw new Unsupported('fractional bucket needs a variant name');
      const weight = b.length >= 2 ? b[1] : 1;
      if (typeof weight !== 'number' || !Number.isInteger(weight))
        throw new Unsupported('fractional weights must be integers');
      split.buckets.push({ variant: b[0], weight: Math.max(0, weight) });
    }
    return split;
  }

  /** Ordered (alternatives → outcome) entries for a targeting expression. */
  walk(expr: unknown, inherited: Alt[]): Entry[] {
    if (typeof expr === 'string') return [{ alts: inherited, outcome: { variant: expr } }];
    if (typeof expr === 'boolean') return [{ alts: inherited, outcome: { variant: String(expr) } }];
    if (expr === null) return [{ alts: inherited, outcome: { useDefault: true } }];
    if (!isObj(expr)) throw new Unsupported(`targeting result ${JSON.stringify(expr)} is not supported`);
    const [op, args] = opOf(expr);
    if (op === 'fractional') return [{ alts: inherited, outcome: { split: this.split(args) } }];
    if (op !== 'if')
      throw new Unsupported(`targeting must be an if, fractional or variant name (got "${op}")`);
    const a = Array.isArray(args) ? args : [args];
    const out: Entry[] = [];
    let i = 0;
    for (; i + 1 < a.length; i += 2) out.push(...this.walk(a[i + 1], product(inherited, this.dnf(a[i]))));
    out.push(...this.walk(i < a.length ? a[i] : null, inherited));
    return out;
  }
}

function toRules(entries: Entry[], defaultVariant: string | null): { rules: Rule[]; rollout?: Split } {
  // Trailing "use the default" entries are the natural fallthrough: drop them.
  let end = entries.length;
  while (end > 0 && 'useDefault' in entries[end - 1].outcome) end--;
  const rules: Rule[] = [];
  let rollout: Split | undefined;
  for (let i = 0; i < end; i++) {
    const { alts, outcome } = entries[i];
    for (const alt of alts) {
      const rule: Rule = {};
      if (alt.conditions.length) rule.conditions = alt.conditions;
      if (alt.segments.length) rule.segments = alt.segments;
      const unconditional = !alt.conditions.length && !alt.segments.length;
      if ('split' in outcome && unconditional && i === end - 1) {
        rollout = outcome.split;
        continue;
      }
      if ('split' in outcome) rule.split = outcome.split;
      else if ('variant' in outcome) rule.variant = outcome.variant;
      else if (defaultVariant !== null) rule.variant = defaultVariant;
      else throw new Unsupported('a null branch before other rules needs a defaultVariant');
      rules.push(rule);
      if (unconditional) return { rules, rollout };
    }
  }
  return { rules, rollout };
}

/** Imports a flagd document (object or JSON text) into flags of one environment (default `default`). */
export function importFlagd(input: unknown, opts: { env?: string; type?: FlagType } = {}): FlagdImport {
  const env = opts.env ?? 'default';
  const problems: FlagdProblem[] = [];
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch (e) {
      return {
        flags: [],
        segments: [],
        problems: [{ path: '', message: `invalid JSON: ${(e as Error).message}` }],
      };
    }
  }
  if (!isObj(doc) || !isObj(doc.flags))
    return { flags: [], segments: [], problems: [{ path: 'flags', message: 'missing "flags" object' }] };
  const evaluators = isObj(doc.$evaluators) ? doc.$evaluators : {};
  const tr = new Translator(evaluators);
  const flags: Flag[] = [];
  for (const [key, raw] of Object.entries(doc.flags)) {
    const path = `flags.${key}`;
    try {
      if (!isObj(raw) || !isObj(raw.variants)) throw new Unsupported('flag needs a variants object');
      const variants = raw.variants as Record<string, VariantValue>;
      const kinds = new Set(Object.values(variants).map(kindOf));
      const kind = [...kinds][0];
      if (kinds.size !== 1 || !kind) throw new Unsupported('variants must all have the same type');
      const defaultVariant = typeof raw.defaultVariant === 'string' ? raw.defaultVariant : null;
      const meta = isObj(raw.metadata)
        ? { ...(raw.metadata as Record<string, string | number | boolean>) }
        : {};
      const typeMeta = String(meta.type ?? '');
      const flag: Flag = {
        key,
        tags: typeof meta.tags === 'string' && meta.tags ? meta.tags.split(',') : [],
        type: FLAG_TYPES.includes(typeMeta as FlagType) ? (typeMeta as FlagType) : (opts.type ?? 'release'),
        kind,
        variants,
        defaultVariant,
        environments: { [env]: { enabled: raw.state !== 'DISABLED' } },
      };
      if (typeof meta.description === 'string') flag.description = meta.description;
      if (typeof meta.owner === 'string') flag.owner = meta.owner;
      for (const k of ['type', 'tags', 'description', 'owner']) delete meta[k];
      if (Object.keys(meta).length) flag.metadata = meta;
      const t = raw.targeting;
      if (t !== undefined && !(isObj(t) && Object.keys(t).length === 0)) {
        const { rules, rollout } = toRules(tr.walk(t, ALWAYS), defaultVariant);
        if (rules.length) flag.environments[env].targeting = rules;
        if (rollout) flag.environments[env].rollout = rollout;
      }
      const invalid = validateFlag(flag, tr.segments.values());
      if (invalid.length) throw new Unsupported(invalid.join('; '));
      flags.push(flag);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      problems.push({ flag: key, path, message: e.message });
    }
  }
  return { flags, segments: [...tr.segments.values()], problems };
}
