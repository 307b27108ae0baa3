/** Changes which components a subscriber hears about (PATCH; none checked = every component). */
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api } from '../../api.ts';
import { type ComponentDef, type Subscriber, subscribersPath } from './types.ts';

export function EditComponents(props: {
  slug: string;
  subscriber: Subscriber;
  components: ComponentDef[];
  onDone: (saved: Subscriber | null) => void;
}) {
  const s = props.subscriber;
  const [chosen, setChosen] = useState<string[]>(s.components ?? []);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  // Move the keyboard to the editor when it opens.
  useEffect(() => heading.current?.focus(), []);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = await api<Subscriber>(
        'PATCH',
        `${subscribersPath(props.slug)}/${encodeURIComponent(s.id)}`,
        {
          body: { components: chosen },
        },
      );
      props.onDone(saved);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="sps-edit-h">
      <h2 id="sps-edit-h" ref={heading} tabIndex={-1}>
        Components for {s.address}
      </h2>
      <form className="form" onSubmit={save}>
        {error ? (
          <div className="banner banner-error" role="alert">
            {error}
          </div>
        ) : null}
        <fieldset className="sps-fieldset">
          <legend>Notify about</legend>
          <p className="help">None checked: every component and page-wide notices.</p>
          {props.components.map((c) => (
            <label key={c.key} className="sps-check">
              <input
                type="checkbox"
                checked={chosen.includes(c.key)}
                disabled={busy}
                onChange={(e) =>
                  setChosen((v) => (e.target.checked ? [...v, c.key] : v.filter((k) => k !== c.key)))
                }
              />{' '}
              {c.name}
            </label>
          ))}
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save components'}
          </button>
          <button type="button" className="btn" disabled={busy} onClick={() => props.onDone(null)}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
