/**
 * Turns ajv errors into friendly plan diagnostics: unknown keys with "did you mean", wrong types
 * with what was found, enum values with the allowed list, and union (anyOf) errors narrowed to
 * the branch the author evidently meant.
 */
import { slugify } from '../kernel/ids.ts';
import type { ErrorObject } from './ajv.ts';
import { didYouMean } from './diagnostics.ts';
import { formatPath, positionOf, type Segment, type SourceFile } from './source.ts';
import type { PlanDiagnostic } from './types.ts';

/** Converts the errors of one validated section value into diagnostics, positioned in `src`. */
export function schemaDiagnostics(
  errors: readonly ErrorObject[],
  data: unknown,
  prefix: readonly Segment[],
  src: SourceFile,
): PlanDiagnostic[] {
  const out: PlanDiagnostic[] = [];
  const seen = new Set<string>();
  const narrowed = narrowUnions(errors);
  // A typo'd key ("ownr") also makes the real one ("owner") missing; the did-you-mean says it all.
  const typos = new Set(
    narrowed
      .filter((e) => e.keyword === 'additionalProperties')
      .map((e) => {
        const allowed = Object.keys((e.parentSchema as any)?.properties ?? {});
        return `${e.instancePath}/${didYouMean(String(e.params.additionalProperty), allowed)}`;
      }),
  );
  for (const err of narrowed) {
    if (err.keyword === 'required' && typos.has(`${err.instancePath}/${err.params.missingProperty}`))
      continue;
    const d = describe(err, data, prefix, src);
    if (!d) continue;
    const sig = `${d.line}:${d.column}:${d.message}`;
    if (seen.has(sig)) continue;
    seen.add(sig);
    out.push(d);
  }
  return out;
}

/** Splits an ajv instancePath into segments, making array indices numbers. */
export function instanceSegments(instancePath: string, data: unknown): Segment[] {
  if (!instancePath) return [];
  const out: Segment[] = [];
  let cur: unknown = data;
  for (const raw of instancePath.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(seg)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function valueAt(data: unknown, path: readonly Segment[]): unknown {
  let cur = data;
  for (const seg of path) cur = cur && typeof cur === 'object' ? (cur as any)[seg] : undefined;
  return cur;
}

/**
 * For every failed anyOf/oneOf keep only the errors of the most plausible branch: one whose type
 * matches the value, with the fewest errors. When no branch's type matches, report one type error.
 */
function narrowUnions(errors: readonly ErrorObject[]): ErrorObject[] {
  const unions = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  let kept = [...errors];
  for (const u of unions) {
    if (!kept.includes(u)) continue;
    const base = u.schemaPath.slice(0, -u.keyword.length) + u.keyword + '/';
    const inside = kept.filter((e) => e !== u && e.schemaPath.startsWith(base));
    const branches = new Map<string, ErrorObject[]>();
    for (const e of inside) {
      const n = e.schemaPath.slice(base.length).split('/')[0];
      branches.set(n, [...(branches.get(n) ?? []), e]);
    }
    const plausible = [...branches.values()].filter(
      (errs) => !errs.some((e) => e.keyword === 'type' && e.instancePath === u.instancePath),
    );
    kept = kept.filter((e) => !inside.includes(e) && e !== u);
    if (plausible.length > 0) {
      plausible.sort((a, b) => a.length - b.length);
      kept.push(...plausible[0]);
    } else {
      const types = [...branches.values()].flatMap((errs) =>
        errs
          .filter((e) => e.keyword === 'type' && e.instancePath === u.instancePath)
          .map((e) => e.params.type),
      );
      kept.push({ ...u, keyword: 'type', params: { type: [...new Set(types)].join(',') } });
    }
  }
  return kept;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'nothing',
};

/** Describes a YAML value for "got …" messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string')
    return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `${v}`;
  return typeof v;
}

function typeList(types: string): string {
  const names = types.split(',').map((t) => TYPE_NAMES[t] ?? t);
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

function nounOf(schema: any, path: readonly Segment[]): string {
  if (schema?.['x-noun']) return schema['x-noun'];
  const last = [...path].reverse().find((s) => typeof s === 'string');
  return last ? `"${last}"` : 'the plan';
}

function describe(
  err: ErrorObject,
  data: unknown,
  prefix: readonly Segment[],
  src: SourceFile,
): PlanDiagnostic | undefined {
  const rel = instanceSegments(err.instancePath, data);
  const path = [...prefix, ...rel];
  const value = valueAt(data, rel);
  const parent: any = err.parentSchema ?? {};
  // Name the value by its key, or by its full path for list items ("services[0]", not "services").
  const last = path.at(-1);
  const field = last === undefined ? '' : typeof last === 'number' ? formatPath(path) : last;
  const base = { file: src.file, severity: 'error' as const };
  const at = (p: readonly Segment[], where: 'key' | 'value' = 'value') => ({
    ...positionOf(src, p, where),
    path: formatPath(p),
  });
  const custom = {
    expected: parent['x-expected'] as string | undefined,
    hint: parent['x-hint'] as string | undefined,
  };
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(err.params.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      const guess = didYouMean(key, allowed);
      return {
        ...base,
        ...at([...path, key], 'key'),
        message: `unknown key "${key}" in ${nounOf(parent, path)}${guess ? ` — did you mean "${guess}"?` : ''}`,
        expected: allowed.length ? `one of: ${allowed.join(', ')}` : 'no keys',
        hint: guess ? `rename "${key}" to "${guess}"` : 'remove this key or check the spelling',
      };
    }
    case 'required':
      return {
        ...base,
        ...at(path),
        message: `missing required key "${err.params.missingProperty}" in ${nounOf(parent, path)}`,
        expected: `a "${err.params.missingProperty}" entry`,
      };
    case 'type':
      return {
        ...base,
        ...at(path),
        message: `wrong type for ${field ? `"${field}"` : 'value'}: expected ${typeList(String(err.params.type))}, got ${describeValue(value)}`,
        expected: custom.expected ?? typeList(String(err.params.type)),
        hint: custom.hint ?? typeHint(String(err.params.type), value),
      };
    case 'enum':
    case 'const': {
      const allowed = (
        err.keyword === 'enum' ? err.params.allowedValues : [err.params.allowedValue]
      ) as unknown[];
      const guess = typeof value === 'string' ? didYouMean(value, allowed.map(String)) : undefined;
      return {
        ...base,
        ...at(path),
        message: `invalid value ${JSON.stringify(value)} for "${field}"${guess ? ` — did you mean "${guess}"?` : ''}`,
        expected: `one of: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
        hint: custom.hint,
      };
    }
    case 'pattern':
    case 'format': {
      const what =
        custom.expected ??
        (err.keyword === 'format'
          ? formatName(String(err.params.format))
          : `text matching ${err.params.pattern}`);
      let hint = custom.hint;
      if (parent['x-slug'] && typeof value === 'string') {
        const slug = slugHint(value);
        hint = slug ? `use "${slug}"` : 'use lowercase letters, digits and dashes';
      }
      return {
        ...base,
        ...at(path),
        message: `invalid value ${JSON.stringify(value)}${field ? ` for "${field}"` : ''}: expected ${what}`,
        expected: what,
        hint,
      };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
    case 'uniqueItems':
      return {
        ...base,
        ...at(path),
        message: `invalid ${field ? `"${field}"` : 'value'}: ${err.message}`,
        expected: custom.expected ?? err.message,
        hint: custom.hint,
      };
    case 'anyOf':
    case 'oneOf':
      return undefined; // replaced by the narrowed branch errors
    default:
      return { ...base, ...at(path), message: `invalid ${field ? `"${field}"` : 'value'}: ${err.message}` };
  }
}

function typeHint(type: string, value: unknown): string | undefined {
  if (type === 'boolean' && typeof value === 'string' && /^(yes|no|on|off|y|n)$/i.test(value)) {
    return 'YAML 1.2 reads yes/no/on/off as strings; write true or false';
  }
  if (type.includes('string') && typeof value === 'number') return 'quote the value to make it a string';
  if (type === 'array' && value !== null && typeof value !== 'object')
    return 'write a list: `[a, b]` or one `- item` per line';
  if (type === 'array' && value !== null && typeof value === 'object') return 'start each entry with "- "';
  if ((type === 'integer' || type === 'number') && typeof value === 'string') return 'remove the quotes';
  return undefined;
}

function formatName(format: string): string {
  switch (format) {
    case 'uri':
      return 'an absolute URL such as https://example.com/path';
    case 'email':
      return 'an email address';
    default:
      return `a ${format}`;
  }
}

function slugHint(value: string): string | undefined {
  return slugify(value) || undefined;
}
