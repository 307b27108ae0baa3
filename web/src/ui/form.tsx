/**
 * Forms driven by field descriptors: labelled inputs, help text, and validation messages from the
 * server's problem+json `errors[]` placed under the field they name (aria-invalid + describedby).
 */
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api.ts';
import { checkFields, type FieldDef, type FormValues } from './fields.ts';

export { type FieldDef, type FormValues, toBody, toValues } from './fields.ts';

/** A labelled control with help and error text wired for assistive technology. */
export function Field(props: {
  def: FieldDef;
  value: string;
  error?: string;
  disabled?: boolean;
  onChange: (v: string) => void;
}) {
  const { def, value, error, disabled } = props;
  const id = useId();
  const helpId = `${id}-help`;
  const errId = `${id}-err`;
  const describedBy = [def.help ? helpId : '', error ? errId : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: def.name,
    value,
    disabled,
    required: def.required,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
  };
  let control: ReactNode;
  if (def.type === 'textarea') {
    control = <textarea {...common} rows={3} onChange={(e) => props.onChange(e.target.value)} />;
  } else if (def.type === 'select') {
    control = (
      <select {...common} onChange={(e) => props.onChange(e.target.value)}>
        {def.required ? null : <option value="">—</option>}
        {(def.options ?? []).map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else {
    const type =
      def.type === 'number'
        ? 'number'
        : def.type === 'email'
          ? 'email'
          : def.type === 'password'
            ? 'password'
            : def.type === 'url'
              ? 'url'
              : def.type === 'datetime'
                ? 'datetime-local'
                : 'text';
    control = (
      <input
        {...common}
        type={type}
        autoComplete={def.autoComplete}
        onChange={(e) => props.onChange(e.target.value)}
      />
    );
  }
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {def.label}
        {def.required ? <span className="req"> (required)</span> : null}
      </label>
      {control}
      {def.help ? (
        <p id={helpId} className="help">
          {def.help}
        </p>
      ) : null}
      {error ? (
        <p id={errId} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A whole form: fields, a submit button, field and form-level errors from the server. */
export function Form(props: {
  fields: FieldDef[];
  initial: FormValues;
  submitLabel: string;
  readOnly?: boolean;
  creating?: boolean;
  onSubmit: (values: FormValues) => Promise<void>;
  extra?: ReactNode;
}) {
  const [values, setValues] = useState<FormValues>(props.initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  // After a failed submit, put the keyboard on the first field to fix.
  useEffect(() => {
    if (Object.keys(errors).length)
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setFormError(null);
    const local = checkFields(props.fields, values, Boolean(props.creating));
    if (Object.keys(local).length) {
      setErrors(local);
      setFormError('Please fix the fields marked below.');
      setBusy(false);
      return;
    }
    try {
      await props.onSubmit(values);
    } catch (err) {
      if (err instanceof ApiError) {
        const fe = err.fieldErrors();
        const known = new Set(props.fields.map((f) => f.name));
        const placed: Record<string, string> = {};
        const rest: string[] = [];
        for (const [k, v] of Object.entries(fe)) {
          if (known.has(k)) placed[k] = v;
          else rest.push(k === '_' ? v : `${k}: ${v}`);
        }
        setErrors(placed);
        setFormError(
          rest.length
            ? rest.join('; ')
            : Object.keys(placed).length
              ? 'Please fix the fields marked below.'
              : err.message,
        );
      } else setFormError(String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form ref={formRef} className="form" onSubmit={submit} noValidate>
      {formError ? (
        <div className="banner banner-error" role="alert">
          {formError}
        </div>
      ) : null}
      {props.fields.map((f) => (
        <Field
          key={f.name}
          def={f}
          value={values[f.name] ?? ''}
          error={errors[f.name]}
          disabled={props.readOnly || busy || (f.createOnly && !props.creating)}
          onChange={(v) => setValues((s) => ({ ...s, [f.name]: v }))}
        />
      ))}
      {props.extra}
      {props.readOnly ? null : (
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : props.submitLabel}
          </button>
        </div>
      )}
    </form>
  );
}
