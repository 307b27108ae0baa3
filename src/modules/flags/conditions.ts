/**
 * Conditions compiled to closures: each operator's constants (value sets, lower-cased strings,
 * regexes, parsed semvers and dates) are prepared once, so a match is a few comparisons.
 *
 * Missing attributes: every operator is false except `not_equals`/`not_in`, which are true (the
 * value is indeed not among the listed ones, as in Unleash); `negate` then inverts the outcome.
 */
import semver from 'semver';
import type { Condition, EvaluationContext, Scalar } from './flag.ts';

/** A compiled condition; `now` (epoch ms) feeds date operators when the context has no currentTime. */
export type Matcher = (ctx: EvaluationContext, now: number | undefined) => boolean;

/** Longest regex pattern accepted; longer patterns are rejected at validation. */
export const MAX_PATTERN_LENGTH = 512;
/** Longest attribute value a regex is run against; longer inputs never match (bounds matching cost). */
export const MAX_REGEX_INPUT = 4096;

// A quantified group that itself contains a quantifier, e.g. (a+)+ or (\w*)*: the classic shape of
// catastrophic backtracking in JavaScript's backtracking engine.
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d+,?\d*\})/;

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\t\\n\\v\\f\\r ',
  word: '\\w',
  xdigit: '0-9A-Fa-f',
  punct: '!-\\/:-@\\[-`{-~',
};

/**
 * Translates an RE2-style pattern (what Unleash and most flag tools accept) into a JavaScript
 * RegExp: POSIX classes (`[[:alpha:]]`) are expanded and a leading inline flag group (`(?i)`,
 * also right after `^`) becomes RegExp flags. Backreferences are refused, as RE2 does.
 */
export function toRegExp(pattern: string, caseInsensitive = false): RegExp | string {
  if (pattern.length > MAX_PATTERN_LENGTH) return `regex longer than ${MAX_PATTERN_LENGTH} characters`;
  if (/\\[1-9]/.test(pattern)) return `regex /${pattern}/ uses a backreference (not supported)`;
  if (NESTED_QUANTIFIER.test(pattern))
    return `regex /${pattern}/ nests quantifiers (catastrophic backtracking)`;
  let src = pattern.replace(/\[:([a-z]+):\]/g, (m, name: string) => POSIX_CLASSES[name] ?? m);
  let flags = caseInsensitive ? 'i' : '';
  const inline = /^(\^?)\(\?([imsU]+)\)/.exec(src);
  if (inline) {
    if (inline[2].includes('U')) return `regex /${pattern}/ uses the ungreedy flag (not supported)`;
    for (const f of inline[2]) if (!flags.includes(f)) flags += f;
    src = inline[1] + src.slice(inline[0].length);
  }
  try {
    return new RegExp(src, flags);
  } catch (e) {
    return `invalid regex /${pattern}/: ${(e as Error).message}`;
  }
}

/** Reads a possibly dotted attribute path; a literal key with dots wins over the path. */
export function attributeGetter(attribute: string): (ctx: EvaluationContext) => unknown {
  if (!attribute.includes('.')) return (ctx) => ctx[attribute];
  const parts = attribute.split('.');
  return (ctx) => {
    const direct = ctx[attribute];
    if (direct !== undefined) return direct;
    let cur: unknown = ctx;
    for (const p of parts) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[p];
    }
    return cur;
  };
}

function listOf(c: Condition): Scalar[] {
  if (c.values && c.values.length > 0) return c.values;
  return c.value === undefined ? [] : [c.value];
}

function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function asNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return Number.NaN;
}

/**
 * Lenient version parsing as flagd's sem_ver does: a leading v/V is ignored and partial numeric
 * versions (`1`, `1.2`) are completed with zeros; anything else must be strict semver.
 */
export function parseVersion(raw: unknown): semver.SemVer | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const s = String(raw).replace(/^[vV]/, '');
  const strict = semver.parse(s);
  if (strict) return strict;
  return /^\d+(\.\d+)?$/.test(s) ? semver.coerce(s) : null;
}

function semverHolds(op: Condition['op'], v: semver.SemVer, t: semver.SemVer): boolean {
  if (op === 'semver_caret') return v.major === t.major; // flagd "^": same major
  if (op === 'semver_tilde') return v.major === t.major && v.minor === t.minor; // flagd "~"
  const cmp = v.compare(t);
  if (op === 'semver_eq') return cmp === 0;
  if (op === 'semver_lt') return cmp < 0;
  if (op === 'semver_lte') return cmp <= 0;
  if (op === 'semver_gt') return cmp > 0;
  return cmp >= 0;
}

function asTime(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Date.parse(v);
  if (v instanceof Date) return v.getTime();
  return Number.NaN;
}

/** Problems that make a condition unusable (empty list = valid). */
export function validateCondition(c: Condition): string[] {
  const out: string[] = [];
  const vals = listOf(c);
  if (!c.attribute && !c.op.startsWith('date_')) out.push('condition needs an attribute');
  // An empty list is meaningful for in/not_in (never in / always not in), as in Unleash.
  const listOk = (c.op === 'in' || c.op === 'not_in') && Array.isArray(c.values);
  if (c.op !== 'exists' && vals.length === 0 && !listOk) out.push(`operator ${c.op} needs a value`);
  if (c.op === 'matches') {
    for (const p of vals) {
      const re = toRegExp(String(p));
      if (typeof re === 'string') out.push(re);
    }
  }
  if (c.op.startsWith('semver_')) {
    for (const v of vals) {
      const s = String(v);
      if (!parseVersion(s)) out.push(`invalid semantic version "${s}"`);
    }
  }
  if (c.op.startsWith('num_') && vals.some((v) => Number.isNaN(asNumber(v)))) {
    out.push(`operator ${c.op} needs a numeric value`);
  }
  if (c.op.startsWith('date_') && vals.some((v) => Number.isNaN(asTime(v)))) {
    out.push(`operator ${c.op} needs an ISO 8601 date`);
  }
  return out;
}

/** Compiles a (validated) condition into a matcher. */
export function compileCondition(c: Condition): Matcher {
  const base = compileBase(c);
  return c.negate ? (ctx, now) => !base(ctx, now) : base;
}

function compileBase(c: Condition): Matcher {
  const attr = c.attribute || (c.op.startsWith('date_') ? 'currentTime' : '');
  const get = attributeGetter(attr);
  const ci = c.caseInsensitive === true;
  const vals = listOf(c);
  const norm = (s: string) => (ci ? s.toLowerCase() : s);
  switch (c.op) {
    case 'exists':
      return (ctx) => {
        const v = get(ctx);
        return v !== undefined && v !== null;
      };
    case 'equals':
    case 'in':
    case 'not_equals':
    case 'not_in': {
      const set = new Set(vals.map((v) => norm(String(v))));
      const positive = c.op === 'equals' || c.op === 'in';
      return (ctx) => {
        const t = asText(get(ctx));
        if (t === undefined) return !positive;
        return set.has(ci ? t.toLowerCase() : t) === positive;
      };
    }
    case 'starts_with':
    case 'ends_with':
    case 'contains': {
      const needles = vals.map((v) => norm(String(v)));
      const op = c.op;
      return (ctx) => {
        let t = asText(get(ctx));
        if (t === undefined) return false;
        if (ci) t = t.toLowerCase();
        for (const n of needles) {
          if (op === 'starts_with' ? t.startsWith(n) : op === 'ends_with' ? t.endsWith(n) : t.includes(n)) {
            return true;
          }
        }
        return false;
      };
    }
    case 'matches': {
      // Invalid patterns are reported by validateCondition; here they simply never match.
      const res = vals.map((p) => toRegExp(String(p), ci)).filter((r): r is RegExp => typeof r !== 'string');
      return (ctx) => {
        const t = asText(get(ctx));
        if (t === undefined || t.length > MAX_REGEX_INPUT) return false;
        for (const re of res) if (re.test(t)) return true;
        return false;
      };
    }
    case 'semver_caret':
    case 'semver_tilde':
    case 'semver_eq':
    case 'semver_lt':
    case 'semver_lte':
    case 'semver_gt':
    case 'semver_gte': {
      const targets = vals.map((x) => parseVersion(x)).filter((x): x is semver.SemVer => x !== null);
      const op = c.op;
      return (ctx) => {
        const v = parseVersion(get(ctx));
        if (!v) return false;
        for (const t of targets) if (semverHolds(op, v, t)) return true;
        return false;
      };
    }
    case 'num_eq':
    case 'num_lt':
    case 'num_lte':
    case 'num_gt':
    case 'num_gte': {
      const target = asNumber(vals[0]);
      const op = c.op;
      return (ctx) => {
        const v = asNumber(get(ctx));
        if (Number.isNaN(v) || Number.isNaN(target)) return false;
        return op === 'num_eq'
          ? v === target
          : op === 'num_lt'
            ? v < target
            : op === 'num_lte'
              ? v <= target
              : op === 'num_gt'
                ? v > target
                : v >= target;
      };
    }
    case 'date_before':
    case 'date_after': {
      const target = asTime(vals[0]);
      const before = c.op === 'date_before';
      const isNow = attr === 'currentTime';
      return (ctx, now) => {
        const raw = get(ctx);
        const v = raw === undefined && isNow ? (now ?? Number.NaN) : asTime(raw);
        if (Number.isNaN(v) || Number.isNaN(target)) return false;
        return before ? v < target : v > target;
      };
    }
    default:
      return () => false;
  }
}
