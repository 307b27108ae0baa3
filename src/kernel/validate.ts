/** One Ajv instance for the whole process: JSON Schema (TypeBox) validation with readable errors. */
import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { VigilError } from './errors.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export const ajv = addFormats(
  new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false }),
);

const cache = new WeakMap<object, ValidateFunction>();

export interface FieldError {
  path: string;
  message: string;
}

/** Turns Ajv errors into `{path, message}` pairs with JSON-pointer-ish dotted paths. */
export function describeAjvErrors(errors: ErrorObject[] | null | undefined): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors ?? []) {
    const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    if (e.keyword === 'additionalProperties') {
      out.push({ path: base, message: `unknown field "${(e.params as any).additionalProperty}"` });
    } else if (e.keyword === 'required') {
      out.push({ path: base, message: `missing required field "${(e.params as any).missingProperty}"` });
    } else if (e.keyword === 'anyOf' || e.keyword === 'const') {
      // Literal unions produce one error per branch; 'enum'-like summary below covers them.
      if (e.keyword === 'anyOf') out.push({ path: base, message: 'is not one of the allowed values' });
    } else {
      out.push({ path: base, message: e.message ?? 'is invalid' });
    }
  }
  return dedupe(out);
}

function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = `${e.path}\0${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Validates `value` against `schema`; throws a 400 VigilError listing every problem. */
export function assertValid(schema: TSchema, value: unknown, what: string): void {
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  if (!fn(value)) {
    const errors = describeAjvErrors(fn.errors);
    throw new VigilError(
      400,
      'validation-failed',
      `invalid ${what}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      { errors },
    );
  }
}
