/**
 * Exports Vigil flags of one environment as a flagd flag-definition document, so an existing flagd
 * (or any OpenFeature in-process flagd provider) can serve them. Rules become one `if` chain,
 * segments become `$evaluators` referenced with `$ref`, splits become `fractional`. Constructs flagd
 * cannot express (regex, dates, case-insensitive matching, Unleash-style hashing) are reported and
 * the flag is left out, never exported with different behaviour.
 */
import type { Condition, Flag, Rule, Segment, Split } from './flag.ts';
import type { FlagdProblem } from './flagd-import.ts';

/** A flagd document as produced by exportFlagd. */
export interface FlagdDocument {
  $schema: string;
  flags: Record<string, Record<string, unknown>>;
  $evaluators?: Record<string, unknown>;
}

class Unsupported extends Error {}

const v = (attribute: string) => ({ var: attribute });
const SEMVER: Record<string, string> = {
  semver_eq: '=',
  semver_lt: '<',
  semver_lte: '<=',
  semver_gt: '>',
  semver_gte: '>=',
  semver_caret: '^',
  semver_tilde: '~',
};
const NUM: Record<string, string> = { num_lt: '<', num_lte: '<=', num_gt: '>', num_gte: '>=' };

function anyOf(parts: unknown[]): unknown {
  return parts.length === 1 ? parts[0] : { or: parts };
}

function condition(c: Condition): unknown {
  const values = c.values?.length ? c.values : c.value === undefined ? [] : [c.value];
  const stringOp = ['equals', 'not_equals', 'in', 'not_in', 'starts_with', 'ends_with', 'contains'].includes(
    c.op,
  );
  if (c.caseInsensitive && stringOp)
    throw new Unsupported(`case-insensitive ${c.op} has no flagd equivalent`);
  let out: unknown;
  switch (c.op) {
    case 'equals':
    case 'not_equals':
      out = values.length === 1 ? { '==': [v(c.attribute), values[0]] } : { in: [v(c.attribute), values] };
      if (c.op === 'not_equals') out = { '!': out };
      break;
    case 'in':
    case 'not_in':
      out = { in: [v(c.attribute), values] };
      if (c.op === 'not_in') out = { '!': out };
      break;
    case 'starts_with':
    case 'ends_with':
      out = anyOf(values.map((x) => ({ [c.op]: [v(c.attribute), String(x)] })));
      break;
    case 'contains':
      out = anyOf(values.map((x) => ({ in: [String(x), v(c.attribute)] })));
      break;
    case 'exists':
      out = { '!!': [v(c.attribute)] };
      break;
    case 'date_before':
    case 'date_after': {
      // Only the evaluation time maps to flagd, as `$flagd.timestamp` in whole seconds.
      if (c.attribute && c.attribute !== 'currentTime')
        throw new Unsupported(`${c.op} on "${c.attribute}" has no flagd equivalent`);
      const t = Date.parse(String(values[0]));
      out =
        c.op === 'date_after'
          ? { '>=': [v('$flagd.timestamp'), Math.ceil((t + 1) / 1000)] }
          : { '<': [v('$flagd.timestamp'), Math.ceil(t / 1000)] };
      break;
    }
    case 'num_eq':
      out = { '==': [v(c.attribute), Number(values[0])] };
      break;
    default:
      if (c.op in SEMVER)
        out = anyOf(values.map((x) => ({ sem_ver: [v(c.attribute), SEMVER[c.op], String(x)] })));
      else if (c.op in NUM) out = { [NUM[c.op]]: [v(c.attribute), Number(values[0])] };
      else throw new Unsupported(`operator ${c.op} has no flagd equivalent`);
  }
  return c.negate ? { '!': out } : out;
}

function fractional(split: Split): unknown {
  if (split.scheme === 'unleash') throw new Unsupported('Unleash-style hashing has no flagd equivalent');
  if (Array.isArray(split.bucketBy) && split.bucketBy.length !== 1) {
    throw new Unsupported('fallback bucketing attributes have no flagd equivalent');
  }
  const attr = ([] as string[]).concat(split.bucketBy ?? 'targetingKey')[0];
  const buckets = split.buckets.map((b) => [b.variant, b.weight]);
  if (split.salt === undefined) {
    if (attr === 'targetingKey') return { fractional: buckets };
    return { fractional: [{ cat: [v('$flagd.flagKey'), v(attr)] }, ...buckets] };
  }
  if (split.salt === '') return { fractional: [v(attr), ...buckets] };
  return { fractional: [{ cat: [split.salt, v(attr)] }, ...buckets] };
}

function ruleCondition(rule: Rule): unknown | null {
  const parts = [
    ...(rule.conditions ?? []).map(condition),
    ...(rule.segments ?? []).map((s) => ({ $ref: s })),
  ];
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0] : { and: parts };
}

function targeting(rules: Rule[], rollout?: Split): unknown | undefined {
  const chain: unknown[] = [];
  let elseBranch: unknown = rollout ? fractional(rollout) : undefined;
  for (const rule of rules) {
    const outcome = rule.split ? fractional(rule.split) : rule.variant;
    const cond = ruleCondition(rule);
    if (cond === null) {
      elseBranch = outcome; // unconditional: later rules are unreachable
      break;
    }
    chain.push(cond, outcome);
  }
  if (chain.length === 0) return elseBranch;
  if (elseBranch !== undefined) chain.push(elseBranch);
  return { if: chain };
}

/** Exports the flags of environment `env` (and the segments they use) as a flagd document. */
export function exportFlagd(
  flags: Flag[],
  segments: Segment[],
  env: string,
): { doc: FlagdDocument; problems: FlagdProblem[] } {
  const problems: FlagdProblem[] = [];
  const doc: FlagdDocument = { $schema: 'https://flagd.dev/schema/v0/flags.json', flags: {} };
  const usedSegments = new Set<string>();
  const evaluators: Record<string, unknown> = {};
  const badSegments = new Set<string>();
  for (const seg of segments) {
    try {
      const parts = seg.conditions.map(condition);
      evaluators[seg.key] = parts.length === 1 ? parts[0] : { and: parts };
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      badSegments.add(seg.key);
      problems.push({ path: `$evaluators.${seg.key}`, message: e.message });
    }
  }
  for (const flag of flags) {
    if (flag.archived) continue;
    try {
      const cfg = flag.environments[env];
      const out: Record<string, unknown> = {
        state: cfg?.enabled ? 'ENABLED' : 'DISABLED',
        variants: flag.variants,
        defaultVariant: cfg?.defaultVariant !== undefined ? cfg.defaultVariant : flag.defaultVariant,
      };
      for (const r of cfg?.targeting ?? []) {
        for (const s of r.segments ?? []) {
          if (badSegments.has(s)) throw new Unsupported(`segment "${s}" cannot be exported`);
        }
      }
      const t = cfg ? targeting(cfg.targeting ?? [], cfg.rollout) : undefined;
      if (t !== undefined) out.targeting = t;
      const meta: Record<string, string | number | boolean> = { ...(flag.metadata ?? {}), type: flag.type };
      if (flag.tags.length) meta.tags = flag.tags.join(',');
      if (flag.owner) meta.owner = flag.owner;
      if (flag.description) meta.description = flag.description;
      out.metadata = meta;
      for (const r of cfg?.targeting ?? []) for (const s of r.segments ?? []) usedSegments.add(s);
      doc.flags[flag.key] = out;
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      problems.push({ flag: flag.key, path: `flags.${flag.key}`, message: e.message });
    }
  }
  for (const k of Object.keys(evaluators)) if (!usedSegments.has(k)) delete evaluators[k];
  if (Object.keys(evaluators).length) doc.$evaluators = evaluators;
  return { doc, problems };
}
