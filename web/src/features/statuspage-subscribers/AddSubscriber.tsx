/** The "add a subscriber" form: e-mail (confirmation mail unless already agreed) or webhook. */
import { type FormEvent, useRef, useState } from 'react';
import { ApiError, api } from '../../api.ts';
import { Field } from '../../ui/form.tsx';
import { type ComponentDef, type Subscriber, subscribersPath } from './types.ts';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function AddSubscriber(props: {
  slug: string;
  components: ComponentDef[];
  onAdded: (s: Subscriber) => void;
}) {
  const [type, setType] = useState<'email' | 'webhook'>('email');
  const [address, setAddress] = useState('');
  const [description, setDescription] = useState('');
  const [agreed, setAgreed] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const field = type === 'email' ? 'email' : 'url';

  const fail = (errs: Record<string, string>, message: string) => {
    setErrors(errs);
    setFormError(message);
    // Put the keyboard on the first field to fix.
    window.requestAnimationFrame(() =>
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(),
    );
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setErrors({});
    setFormError(null);
    const value = address.trim();
    if (!value)
      return fail(
        { [field]: `${type === 'email' ? 'E-mail address' : 'URL'} is required.` },
        'Please fix the fields marked below.',
      );
    if (type === 'email' && !EMAIL_RE.test(value))
      return fail(
        { email: 'Enter an e-mail address such as you@example.com.' },
        'Please fix the fields marked below.',
      );
    if (type === 'webhook' && !/^https?:\/\/\S+$/i.test(value))
      return fail({ url: 'Enter an http:// or https:// URL.' }, 'Please fix the fields marked below.');
    const body =
      type === 'email'
        ? { type, email: value, components: chosen, ...(agreed ? { confirmed: true } : {}) }
        : {
            type,
            url: value,
            components: chosen,
            ...(description.trim() ? { description: description.trim() } : {}),
          };
    setBusy(true);
    try {
      const s = await api<Subscriber>('POST', subscribersPath(props.slug), { body });
      setAddress('');
      setDescription('');
      setAgreed(false);
      setChosen([]);
      props.onAdded(s);
    } catch (err) {
      if (err instanceof ApiError) {
        const fe = err.fieldErrors();
        const placed: Record<string, string> = {};
        const rest: string[] = [];
        for (const [k, v] of Object.entries(fe)) {
          if (k === field || k === 'components' || k === 'description') placed[k] = v;
          else rest.push(k === '_' ? v : `${k}: ${v}`);
        }
        fail(
          placed,
          rest.length
            ? rest.join('; ')
            : Object.keys(placed).length
              ? 'Please fix the fields marked below.'
              : err.message,
        );
      } else fail({}, String(err));
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
      <fieldset className="sps-fieldset">
        <legend>Type</legend>
        <label className="sps-check">
          <input
            type="radio"
            name="sps-type"
            value="email"
            checked={type === 'email'}
            onChange={() => {
              setType('email');
              setErrors({});
            }}
          />{' '}
          E-mail
        </label>
        <label className="sps-check">
          <input
            type="radio"
            name="sps-type"
            value="webhook"
            checked={type === 'webhook'}
            onChange={() => {
              setType('webhook');
              setErrors({});
            }}
          />{' '}
          Webhook
        </label>
      </fieldset>
      {type === 'email' ? (
        <Field
          def={{
            name: 'email',
            label: 'E-mail address',
            type: 'email',
            required: true,
            help: 'They get a confirmation link first, unless they already agreed.',
          }}
          value={address}
          error={errors.email}
          disabled={busy}
          onChange={setAddress}
        />
      ) : (
        <>
          <Field
            def={{
              name: 'url',
              label: 'Webhook URL',
              type: 'url',
              required: true,
              help: 'Receives a Statuspage-shaped JSON POST, signed per Standard Webhooks, retried on failure.',
            }}
            value={address}
            error={errors.url}
            disabled={busy}
            onChange={setAddress}
          />
          <Field
            def={{ name: 'description', label: 'Description', help: 'Who owns it, e.g. “support chat bot”.' }}
            value={description}
            error={errors.description}
            disabled={busy}
            onChange={setDescription}
          />
        </>
      )}
      {props.components.length ? (
        <fieldset
          className={`sps-fieldset${errors.components ? ' field-invalid' : ''}`}
          aria-describedby={
            errors.components ? 'sps-components-help sps-components-err' : 'sps-components-help'
          }
        >
          <legend>Components</legend>
          <p id="sps-components-help" className="help">
            None checked: every component and page-wide notices.
          </p>
          {props.components.map((c) => (
            <label key={c.key} className="sps-check">
              <input
                type="checkbox"
                value={c.key}
                checked={chosen.includes(c.key)}
                disabled={busy}
                onChange={(e) =>
                  setChosen((s) => (e.target.checked ? [...s, c.key] : s.filter((k) => k !== c.key)))
                }
              />{' '}
              {c.name}
            </label>
          ))}
          {errors.components ? (
            <p id="sps-components-err" className="field-error">
              {errors.components}
            </p>
          ) : null}
        </fieldset>
      ) : null}
      {type === 'email' ? (
        <label className="sps-check">
          <input
            type="checkbox"
            checked={agreed}
            disabled={busy}
            onChange={(e) => setAgreed(e.target.checked)}
          />{' '}
          They already agreed (skip the confirmation mail)
        </label>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add subscriber'}
        </button>
      </div>
    </form>
  );
}
