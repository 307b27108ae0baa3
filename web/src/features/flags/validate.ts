/**
 * Local checks of a flag definition before it is sent (the server checks again, authoritatively):
 * problems keyed by a path such as `environments.prod.targeting.0.conditions.1`.
 */
import type { ConditionSpec, FlagSpec, SplitSpec } from './types.ts';

export type Problems = Record<string, string>;

const SEMVER = /^v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
/** Nested quantifiers such as (a+)+ — the server refuses them (catastrophic backtracking). */
const NESTED = /\((?:[^()\\]|\\.)*[+*](?:[^()\\]|\\.)*\)[+*{]/;

export function conditionProblem(c: ConditionSpec): string | null {
  if (!c.attribute.trim() && !c.op.startsWith('date_')) return 'Name the context attribute (e.g. email).';
  if (c.op === 'exists') return null;
  const vals = c.values ?? (c.value === undefined ? [] : [c.value]);
  if (vals.length === 0 && c.op !== 'in' && c.op !== 'not_in') return `The operator ${c.op} needs a value.`;
  if (c.op === 'matches') {
    for (const v of vals) {
      const p = String(v);
      if (p.length > 512) return 'Patterns are limited to 512 characters.';
      if (NESTED.test(p)) return 'Nested quantifiers such as (a+)+ are refused (catastrophic backtracking).';
      try {
        new RegExp(p);
      } catch (e) {
        return `Not a valid regular expression: ${(e as Error).message}`;
      }
    }
  }
  if (c.op.startsWith('semver_') && vals.some((v) => !SEMVER.test(String(v))))
    return 'Use a semantic version such as 2.4.0.';
  if (c.op.startsWith('num_') && vals.some((v) => Number.isNaN(Number(v)) || String(v).trim() === ''))
    return `The operator ${c.op} needs a number.`;
  if (c.op.startsWith('date_') && vals.some((v) => Number.isNaN(Date.parse(String(v)))))
    return 'Use an ISO 8601 date such as 2026-12-01T00:00:00Z.';
  return null;
}

export function splitProblem(s: SplitSpec, variants: string[]): string | null {
  if (s.percentage !== undefined)
    return s.percentage < 0 || s.percentage > 100 ? 'Between 0 and 100 %.' : null;
  const b = s.buckets ?? [];
  if (b.length === 0) return 'Add at least one bucket.';
  for (const x of b) {
    if (!variants.includes(x.variant)) return `Unknown variant “${x.variant}”.`;
    if (!Number.isInteger(x.weight) || x.weight < 0) return 'Weights are whole numbers ≥ 0.';
  }
  const total = b.reduce((a, x) => a + x.weight, 0);
  if (total <= 0) return 'The weights must add up to more than 0.';
  if (total > 2_147_483_647) return 'The weights add up to too much.';
  return null;
}

/** Every problem of a spec; `segments` are the known segment keys. */
export function specProblems(spec: FlagSpec, segments: string[]): Problems {
  const out: Problems = {};
  const variants = Object.keys(spec.variants ?? { on: true, off: false });
  if (variants.length === 0) out.variants = 'A flag needs at least one variant.';
  const kinds = new Set(
    Object.values(spec.variants ?? { on: true }).map((v) => (Array.isArray(v) ? 'object' : typeof v)),
  );
  if (kinds.size > 1) out.variants = 'All variants must have the same type.';
  const known = (v: string | null | undefined, path: string) => {
    if (v !== undefined && v !== null && !variants.includes(v)) out[path] = `Unknown variant “${v}”.`;
  };
  known(spec.default_variant, 'default_variant');
  known(spec.off_variant, 'off_variant');
  for (const [env, e] of Object.entries(spec.environments)) {
    const at = `environments.${env}`;
    known(e.default_variant, `${at}.default_variant`);
    (e.targeting ?? []).forEach((r, i) => {
      const rp = `${at}.targeting.${i}`;
      if (!(r.conditions?.length || r.segments?.length)) out[rp] = 'A rule needs a condition or a segment.';
      (r.conditions ?? []).forEach((c, j) => {
        const p = conditionProblem(c);
        if (p) out[`${rp}.conditions.${j}`] = p;
      });
      for (const s of r.segments ?? [])
        if (!segments.includes(s)) out[`${rp}.segments`] = `Unknown segment “${s}”.`;
      if (r.split) {
        const p = splitProblem(r.split, variants);
        if (p) out[`${rp}.split`] = p;
      } else if (r.variant === undefined) out[`${rp}.variant`] = 'Choose the variant this rule serves.';
      else known(r.variant, `${rp}.variant`);
    });
    if (e.rollout) {
      const p = splitProblem(e.rollout, variants);
      if (p) out[`${at}.rollout`] = p;
    }
  }
  return out;
}

/** Server problems (`errors[]` or a detail like `flag.environments.prod.targeting[0]: …`) by path. */
export function serverProblems(errors: Array<{ path: string; message: string }>, detail?: string): Problems {
  const out: Problems = {};
  const norm = (p: string) =>
    p
      .replace(/^(body|spec|flag)[./]?/, '')
      .replace(/\//g, '.')
      .replace(/\[(\d+)\]/g, '.$1')
      .replace(/^\./, '');
  const put = (k: string, m: string) => {
    out[k] = out[k] ? `${out[k]}; ${m}` : m;
  };
  const parse = (text: string) => {
    for (const part of text.split(/;\s+(?=[\w.[\]-]+:)/)) {
      const m = /^([\w.[\]-]+):\s*(.*)$/.exec(part);
      if (m && /^(flag|environments|variants|default_variant|off_variant|segments|triggers)/.test(m[1])) {
        put(norm(m[1]) || '_', m[2]);
      } else put('_', part);
    }
  };
  for (const e of errors) {
    const path = norm(e.path === '(root)' ? '' : e.path);
    if (path) put(path, e.message);
    else parse(e.message);
  }
  if (!errors.length && detail) put('_', detail);
  return out;
}

/** JSON without the editor's private fields (`_raw`). */
export function clean<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (k, x) => (k === '_raw' ? undefined : x)));
}
