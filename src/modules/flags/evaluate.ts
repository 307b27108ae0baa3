/**
 * Flag evaluation with OpenFeature semantics. `compileFlagSet` turns flags for one environment
 * into closures (conditions, regexes, semvers, hash prefixes and every possible successful result
 * are prepared once), so an evaluation allocates nothing: it returns a shared, frozen result.
 *
 * Order: archived/unknown → ERROR FLAG_NOT_FOUND; wrong expected kind → ERROR TYPE_MISMATCH;
 * invalid definition → ERROR PARSE_ERROR; absent or disabled environment → DISABLED with the off
 * variant; first matching rule → TARGETING_MATCH (variant) or SPLIT (split); fallthrough rollout →
 * SPLIT; otherwise the default variant with STATIC (no targeting at all) or DEFAULT.
 */
import { compileCondition, type Matcher, validateCondition } from './conditions.ts';
import {
  type ErrorCode,
  type EvaluateOptions,
  type EvaluationContext,
  type EvaluationResult,
  type Flag,
  type FlagEnvironment,
  kindOf,
  offVariantOf,
  type Reason,
  type Segment,
  type ValueKind,
} from './flag.ts';
import { compileSplit, type SplitPicker, validateSplit } from './split.ts';

/** One flag compiled for one environment. */
export interface CompiledFlag {
  readonly key: string;
  readonly kind: ValueKind;
  /** Definition problems (non-empty means every evaluation is ERROR/PARSE_ERROR). */
  readonly problems: readonly string[];
  evaluate(ctx: EvaluationContext, opts?: EvaluateOptions): EvaluationResult;
}

/** Every flag of a set compiled for one environment. */
export interface CompiledFlagSet {
  readonly env: string;
  has(key: string): boolean;
  keys(): string[];
  /** Definition problems by flag key or `segment:<key>` (flags listed here always evaluate to ERROR/PARSE_ERROR). */
  problems(): Record<string, readonly string[]>;
  evaluate(key: string, ctx: EvaluationContext, opts?: EvaluateOptions): EvaluationResult;
}

/** Problems that make a flag unusable (empty list = valid); segment keys are checked when given. */
export function validateFlag(flag: Flag, segments?: Iterable<Segment>): string[] {
  const out: string[] = [];
  const known = segments ? new Set([...segments].map((s) => s.key)) : null;
  const names = Object.keys(flag.variants ?? {});
  if (!flag.key) out.push('flag needs a key');
  if (names.length === 0) out.push('flag needs at least one variant');
  for (const n of names) {
    const k = kindOf(flag.variants[n]);
    if (k !== flag.kind) out.push(`variant "${n}" is ${k ?? 'invalid'}, flag kind is ${flag.kind}`);
  }
  const checkVariant = (v: string | null | undefined, where: string) => {
    if (v !== null && v !== undefined && !(v in flag.variants)) out.push(`${where} "${v}" is not a variant`);
  };
  checkVariant(flag.defaultVariant, 'defaultVariant');
  checkVariant(flag.offVariant, 'offVariant');
  for (const [envKey, env] of Object.entries(flag.environments ?? {})) {
    checkVariant(env.defaultVariant, `${envKey}.defaultVariant`);
    (env.targeting ?? []).forEach((rule, i) => {
      const at = `${envKey}.targeting[${i}]`;
      if ((rule.variant === undefined) === (rule.split === undefined)) {
        out.push(`${at} needs exactly one of variant or split`);
      }
      checkVariant(rule.variant, `${at}.variant`);
      if (rule.split) for (const p of validateSplit(rule.split, flag.variants)) out.push(`${at}: ${p}`);
      for (const c of rule.conditions ?? []) for (const p of validateCondition(c)) out.push(`${at}: ${p}`);
      for (const s of rule.segments ?? []) {
        if (known && !known.has(s)) out.push(`${at} refers to unknown segment "${s}"`);
      }
    });
    if (env.rollout)
      for (const p of validateSplit(env.rollout, flag.variants)) out.push(`${envKey}.rollout: ${p}`);
  }
  return out;
}

function errorResult(code: ErrorCode, message: string, opts?: EvaluateOptions): EvaluationResult {
  return { value: opts?.defaultValue, reason: 'ERROR', errorCode: code, errorMessage: message };
}

interface CompiledRule {
  matchers: Matcher[];
  result: EvaluationResult | null;
  picker: SplitPicker | null;
  splitResults: EvaluationResult[];
}

/** Compiles one flag for one environment; `segments` maps segment keys to compiled matchers. */
export function compileFlag(
  flag: Flag,
  envKey: string,
  segments: Iterable<Segment> | Map<string, Matcher[]> = [],
): CompiledFlag {
  const segMap = segments instanceof Map ? segments : compileSegments(segments);
  const problems = validateFlag(
    flag,
    [...segMap.keys()].map((key) => ({ key, conditions: [] })),
  );
  const meta = flag.metadata ? Object.freeze({ ...flag.metadata }) : undefined;
  const make = (variant: string | null, reason: Reason): EvaluationResult | null =>
    variant === null
      ? null
      : Object.freeze({ value: flag.variants[variant], variant, reason, flagMetadata: meta });
  const codeDefault = (reason: Reason, opts?: EvaluateOptions): EvaluationResult => ({
    value: opts?.defaultValue,
    reason,
    flagMetadata: meta,
  });
  const wrap = (run: (ctx: EvaluationContext, opts?: EvaluateOptions) => EvaluationResult): CompiledFlag => ({
    key: flag.key,
    kind: flag.kind,
    problems,
    evaluate: (ctx, opts) => {
      if (flag.archived) return errorResult('FLAG_NOT_FOUND', `flag "${flag.key}" is archived`, opts);
      if (opts?.expectedKind !== undefined && opts.expectedKind !== flag.kind) {
        return errorResult(
          'TYPE_MISMATCH',
          `flag "${flag.key}" is ${flag.kind}, not ${opts.expectedKind}`,
          opts,
        );
      }
      if (ctx === null || typeof ctx !== 'object') {
        return errorResult('INVALID_CONTEXT', 'evaluation context must be an object', opts);
      }
      return run(ctx, opts);
    },
  });

  if (flag.archived)
    return wrap((_c, o) => errorResult('FLAG_NOT_FOUND', `flag "${flag.key}" is archived`, o));
  if (problems.length > 0) {
    const msg = `flag "${flag.key}" is invalid: ${problems.join('; ')}`;
    return wrap((_c, o) => errorResult('PARSE_ERROR', msg, o));
  }
  const env: FlagEnvironment | undefined = flag.environments[envKey];
  if (!env?.enabled) {
    const off = make(offVariantOf(flag, env), 'DISABLED');
    return wrap((_c, o) => off ?? codeDefault('DISABLED', o));
  }

  const rules: CompiledRule[] = (env.targeting ?? []).map((rule) => {
    const matchers = (rule.conditions ?? []).map(compileCondition);
    for (const s of rule.segments ?? []) matchers.push(...(segMap.get(s) ?? []));
    return {
      matchers,
      result: rule.variant !== undefined ? make(rule.variant, 'TARGETING_MATCH') : null,
      picker: rule.split ? compileSplit(rule.split, flag.key) : null,
      splitResults: rule.split ? rule.split.buckets.map((b) => make(b.variant, 'SPLIT')!) : [],
    };
  });
  const rollout = env.rollout ? compileSplit(env.rollout, flag.key) : null;
  const rolloutResults = env.rollout ? env.rollout.buckets.map((b) => make(b.variant, 'SPLIT')!) : [];
  const defVariant = env.defaultVariant !== undefined ? env.defaultVariant : flag.defaultVariant;
  const fallReason: Reason = rules.length > 0 || rollout ? 'DEFAULT' : 'STATIC';
  const fallback = make(defVariant, fallReason);
  const missingKey = (o?: EvaluateOptions): EvaluationResult =>
    o?.requireTargetingKey
      ? errorResult(
          'TARGETING_KEY_MISSING',
          `flag "${flag.key}" splits on an attribute missing from the context`,
          o,
        )
      : (make(defVariant, 'DEFAULT') ?? codeDefault('DEFAULT', o));

  if (rules.length === 0 && !rollout) return wrap((_c, o) => fallback ?? codeDefault(fallReason, o));
  const n = rules.length;
  return wrap((ctx, o) => {
    const now = o?.now;
    for (let i = 0; i < n; i++) {
      const r = rules[i];
      const ms = r.matchers;
      let ok = true;
      for (let j = 0; j < ms.length; j++) {
        if (!ms[j](ctx, now)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (r.result) return r.result;
      const b = r.picker!(ctx);
      return b < 0 ? missingKey(o) : r.splitResults[b];
    }
    if (rollout) {
      const b = rollout(ctx);
      return b < 0 ? missingKey(o) : rolloutResults[b];
    }
    return fallback ?? codeDefault(fallReason, o);
  });
}

/** Compiles segments once so every flag of a set shares their matchers. */
export function compileSegments(segments: Iterable<Segment>): Map<string, Matcher[]> {
  const m = new Map<string, Matcher[]>();
  for (const s of segments) m.set(s.key, s.conditions.map(compileCondition));
  return m;
}

/** Problems of a segment (empty list = valid). */
export function validateSegment(segment: Segment): string[] {
  if (!segment.key) return ['segment needs a key'];
  return segment.conditions.flatMap((c) => validateCondition(c).map((p) => `segment ${segment.key}: ${p}`));
}

/** Compiles flags and segments for one environment into a fast evaluator. */
export function compileFlagSet(
  flags: Iterable<Flag>,
  segments: Iterable<Segment>,
  env: string,
): CompiledFlagSet {
  const segList = [...segments];
  const segMap = compileSegments(segList);
  const byKey = new Map<string, CompiledFlag>();
  for (const f of flags) byKey.set(f.key, compileFlag(f, env, segMap));
  const found: Record<string, readonly string[]> = {};
  for (const s of segList) {
    const p = validateSegment(s);
    if (p.length) found[`segment:${s.key}`] = p;
  }
  for (const [k, f] of byKey) if (f.problems.length) found[k] = f.problems;
  return {
    env,
    has: (key) => byKey.has(key),
    keys: () => [...byKey.keys()],
    problems: () => found,
    evaluate(key, ctx, opts) {
      const f = byKey.get(key);
      if (f === undefined) return errorResult('FLAG_NOT_FOUND', `flag "${key}" not found`, opts);
      return f.evaluate(ctx, opts);
    },
  };
}

/** Evaluates one flag without keeping a compiled form (convenient, slower; use compileFlagSet on hot paths). */
export function evaluate(
  flag: Flag,
  envKey: string,
  ctx: EvaluationContext,
  opts?: EvaluateOptions & { segments?: Segment[] },
): EvaluationResult {
  return compileFlag(flag, envKey, opts?.segments ?? []).evaluate(ctx, opts);
}
