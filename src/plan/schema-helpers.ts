/** Reusable TypeBox building blocks for plan sections (slugs, durations, URLs, …). */
import { type TSchema, Type } from '@sinclair/typebox';
import { SLUG_PATTERN } from '../kernel/ids.ts';

/** A slug key: lowercase letters, digits, inner dashes, 1–64 characters. */
export const Slug = (description?: string) =>
  Type.String({
    pattern: SLUG_PATTERN,
    description,
    'x-slug': true,
    'x-expected': 'a slug (lowercase letters, digits and dashes, e.g. "payments-api")',
  });

/** Duration grammar shared with kernel/clock parseDuration (`30s`, `5m`, `1h30m`, `2d`). */
export const DURATION_PATTERN = '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+$';

/** A duration string such as `5m` or `1h30m`. */
export const Duration = (description?: string) =>
  Type.String({
    pattern: DURATION_PATTERN,
    description,
    'x-expected': 'a duration such as 30s, 5m, 1h or 1h30m',
  });

/** An absolute http(s) URL. */
export const Url = (description?: string) =>
  Type.String({
    format: 'uri',
    pattern: '^https?://',
    maxLength: 2000,
    description,
    'x-expected': 'an absolute URL such as https://example.com/path',
  });

/** A closed object (unknown keys are errors) with a noun used in messages ("unknown key … in service"). */
export const Obj = <P extends Record<string, TSchema>>(noun: string, properties: P, description?: string) =>
  Type.Object(properties, { additionalProperties: false, 'x-noun': noun, description });

/** A list of `item` (with a friendly expectation when a single value is given instead). */
export const List = <T extends TSchema>(item: T, description?: string, maxItems?: number) =>
  Type.Array(item, { description, maxItems });

/** A non-empty, trimmed display string. */
export const Name = (description?: string, maxLength = 200) =>
  Type.String({ minLength: 1, maxLength, description });

/** Free text with a length limit. */
export const Text = (maxLength: number, description?: string) => Type.String({ maxLength, description });

/** A closed set of strings (a plain `enum`, so errors can list the allowed values). */
export const Enum = <const T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description });

/** Drops undefined fields so specs compare and serialise cleanly. */
export function compact<T extends Record<string, unknown>>(spec: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) if (v !== undefined) out[k] = v;
  return out;
}
