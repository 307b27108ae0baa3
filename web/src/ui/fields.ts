/** Form field descriptors and the conversions between API values and form text (no DOM). */

/** One form field. `list` edits a string array as comma-separated text. */
export interface FieldDef {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'number' | 'textarea' | 'select' | 'list' | 'url' | 'datetime';
  required?: boolean;
  help?: string;
  options?: Array<{ value: string; label: string }>;
  /** Only editable when creating (e.g. the key). */
  createOnly?: boolean;
  autoComplete?: string;
  /** Send the value as a number (e.g. a select of tiers). */
  numeric?: boolean;
  /** Checked before sending, with the message shown when it fails. */
  pattern?: { re: RegExp; message: string };
}

/** Client-side checks (required, pattern) so obvious mistakes need no round trip. */
export function checkFields(
  fields: FieldDef[],
  values: FormValues,
  creating: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    if (f.createOnly && !creating) continue;
    const v = (values[f.name] ?? '').trim();
    if (f.required && v === '') out[f.name] = `${f.label} is required.`;
    else if (v !== '' && f.pattern && !f.pattern.re.test(v)) out[f.name] = f.pattern.message;
  }
  return out;
}

export type FormValues = Record<string, string>;

/** Turns form text into API values: lists split on commas, numbers parsed, empty optional fields left out. */
export function toBody(fields: FieldDef[], values: FormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const raw = (values[f.name] ?? '').trim();
    if (raw === '' && !f.required) continue;
    if (f.type === 'list')
      out[f.name] = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (f.type === 'number' || f.numeric) out[f.name] = Number(raw);
    else if (f.type === 'datetime') out[f.name] = new Date(raw).toISOString();
    else out[f.name] = raw;
  }
  return out;
}

/** Turns an API object into form text. */
export function toValues(fields: FieldDef[], obj: Record<string, unknown> | undefined): FormValues {
  const out: FormValues = {};
  for (const f of fields) {
    const v = obj?.[f.name];
    out[f.name] = Array.isArray(v) ? v.join(', ') : v === undefined || v === null ? '' : String(v);
  }
  return out;
}
