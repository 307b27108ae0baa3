/**
 * `/alerts/silences`: active, pending and expired silences with the alerts they affect; expire
 * (confirmed). `/alerts/silences/new`: matchers (pre-filled from an alert), duration or end, start,
 * comment — with a preview of the firing alerts it would silence.
 */
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api, roleAtLeast } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { Badge, EmptyState, ErrorBanner, Loading, PageHeader, Time, useApi } from '../../ui/components.tsx';
import { useToast } from '../../ui/toast.tsx';
import {
  ago,
  matches,
  parseMatcher,
  type Silence,
  type StoredAlert,
  shortDuration,
  splitMatchers,
  useConfirm,
} from './shared.tsx';

type State = 'active' | 'pending' | 'expired';
const STATES: Array<{ id: State; label: string }> = [
  { id: 'active', label: 'Active' },
  { id: 'pending', label: 'Pending' },
  { id: 'expired', label: 'Expired' },
];

export function Silences() {
  const { user } = useSession();
  const { query } = useLocation();
  const toast = useToast();
  const [confirmNode, ask] = useConfirm();
  const state = (STATES.some((s) => s.id === query.get('state')) ? query.get('state') : 'active') as State;
  const list = useApi<{ silences: Silence[] }>(`/api/v1/silences?state=${state}`);
  const all = useApi<{ silences: Silence[] }>('/api/v1/silences');
  const firing = useApi<{ alerts: StoredAlert[] }>('/api/v1/alerting/alerts?state=firing&limit=1000');
  useLiveEvents(['silence.created', 'silence.expired', 'alert.status_changed', 'alert.routed'], () => {
    list.reload();
    all.reload();
    firing.reload();
  });
  const canWrite = roleAtLeast(user?.role, 'responder');
  const [busy, setBusy] = useState<string | null>(null);

  const affected = (s: Silence): StoredAlert[] => {
    try {
      const ms = s.matchers.map(parseMatcher);
      return (firing.data?.alerts ?? []).filter((a) => ms.every((m) => matches(m, a.labels)));
    } catch {
      return [];
    }
  };

  const expire = async (s: Silence) => {
    const ok = await ask(
      `Expire the silence ${s.matchers.join(', ')} now? Alerts it silences are sent at their group's next flush.`,
      'Expire silence',
    );
    if (!ok) return;
    setBusy(s.id);
    try {
      await api('DELETE', `/api/v1/silences/${encodeURIComponent(s.id)}`);
      toast.show('Silence expired.');
      list.reload();
      all.reload();
    } catch (e) {
      toast.show(e instanceof Error ? e.message : String(e), 'error');
    } finally {
      setBusy(null);
    }
  };

  const count = (st: State) => all.data?.silences.filter((s) => s.state === st).length;
  return (
    <>
      <PageHeader
        title="Silences"
        actions={
          canWrite ? (
            <Link className="btn btn-primary" to="/alerts/silences/new">
              New silence
            </Link>
          ) : null
        }
      >
        A silence mutes alerts whose labels match, for a while. Silenced alerts are still recorded.
      </PageHeader>
      {confirmNode}
      <nav className="al-tabs" aria-label="Silence states">
        {STATES.map((s) => (
          <Link
            key={s.id}
            to={`/alerts/silences?state=${s.id}`}
            className={`al-tab${s.id === state ? ' al-tab-current' : ''}`}
            aria-current={s.id === state ? 'page' : undefined}
          >
            {s.label}
            {count(s.id) !== undefined ? <span className="al-count"> {count(s.id)}</span> : null}
          </Link>
        ))}
      </nav>
      <ErrorBanner error={list.error} />
      {!list.data ? (
        list.error ? null : (
          <Loading what="Loading silences" />
        )
      ) : list.data.silences.length === 0 ? (
        <EmptyState title={`No ${state} silences.`}>
          {canWrite
            ? 'Create one with “New silence”, or from an alert’s “Silence” button (it fills in the labels).'
            : 'Responders create silences from an alert or with vigil silence add.'}
        </EmptyState>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
        <section className="table-wrap" tabIndex={0} aria-label={`${state} silences`}>
          <table className="al-table">
            <caption className="sr-only">{state} silences</caption>
            <thead>
              <tr>
                <th scope="col">Matchers</th>
                <th scope="col">Comment</th>
                <th scope="col">{state === 'pending' ? 'Starts' : state === 'active' ? 'Ends' : 'Ended'}</th>
                <th scope="col">Created by</th>
                <th scope="col">Silences now</th>
                {canWrite && state !== 'expired' ? (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {list.data.silences.map((s) => {
                const hit = state === 'expired' ? [] : affected(s);
                return (
                  <tr key={s.id}>
                    <td>
                      <span className="al-chips">
                        {s.matchers.map((m) => (
                          <code key={m} className="al-chip">
                            {m}
                          </code>
                        ))}
                      </span>
                    </td>
                    <td>{s.comment}</td>
                    <td>
                      <Time iso={state === 'pending' ? s.starts_at : s.ends_at} />
                      <div className="muted al-small">
                        {ago(state === 'pending' ? s.starts_at : s.ends_at)} · lasts{' '}
                        {shortDuration(Date.parse(s.ends_at) - Date.parse(s.starts_at))}
                      </div>
                    </td>
                    <td>{s.created_by}</td>
                    <td>
                      {state === 'expired' ? (
                        <span className="muted">—</span>
                      ) : hit.length ? (
                        <ul className="al-mini-list">
                          {hit.slice(0, 4).map((a) => (
                            <li key={a.fingerprint}>
                              <Link to={`/alerts/${a.fingerprint}`}>
                                {a.labels.alertname ?? a.fingerprint}
                              </Link>
                            </li>
                          ))}
                          {hit.length > 4 ? <li className="muted">and {hit.length - 4} more</li> : null}
                        </ul>
                      ) : (
                        <span className="muted">no firing alert</span>
                      )}
                    </td>
                    {canWrite && state !== 'expired' ? (
                      <td>
                        <button
                          type="button"
                          className="btn btn-small btn-danger"
                          disabled={busy === s.id}
                          onClick={() => void expire(s)}
                        >
                          Expire
                        </button>
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}

const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const PRESETS = ['30m', '1h', '2h', '4h', '8h', '1d', '3d', '1w'];

export function NewSilence() {
  const { user } = useSession();
  const { query } = useLocation();
  const toast = useToast();
  const [matchersText, setMatchersText] = useState(() => query.getAll('matcher').join('\n'));
  const [duration, setDuration] = useState('2h');
  const [startsAt, setStartsAt] = useState('');
  const [comment, setComment] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const lines = useMemo(() => splitMatchers(matchersText.replace(/\n/g, ' ')), [matchersText]);
  const lineProblem = useMemo(() => {
    for (const l of lines) {
      try {
        parseMatcher(l);
      } catch (e) {
        return (e as Error).message;
      }
    }
    return null;
  }, [lines]);

  // Preview: the firing alerts these matchers silence (once they parse).
  const [preview, setPreview] = useState<{ alerts: StoredAlert[]; more: boolean } | null>(null);
  useEffect(() => {
    if (!lines.length || lineProblem) {
      setPreview(null);
      return;
    }
    let live = true;
    const q = new URLSearchParams({ state: 'firing', limit: '20' });
    for (const l of lines) q.append('label', l);
    const t = window.setTimeout(() => {
      api<{ alerts: StoredAlert[]; next_cursor: string | null }>(
        'GET',
        `/api/v1/alerting/alerts?${q.toString()}`,
      )
        .then((r) => live && setPreview({ alerts: r.alerts, more: Boolean(r.next_cursor) }))
        .catch(() => live && setPreview(null));
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
  }, [lines, lineProblem]);

  useEffect(() => {
    if (Object.keys(errors).length)
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  if (!roleAtLeast(user?.role, 'responder')) {
    return (
      <>
        <PageHeader title="New silence" />
        <EmptyState title="Creating silences needs the responder role." />
      </>
    );
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!lines.length) local.matchers = 'Give at least one matcher, e.g. service=api.';
    else if (lineProblem) local.matchers = lineProblem;
    if (!DURATION_RE.test(duration.trim())) local.duration = 'Use a duration such as 30m, 2h or 1d.';
    if (!comment.trim()) local.comment = 'Say why (the comment is shown with every silenced alert).';
    if (startsAt && !Number.isFinite(Date.parse(startsAt))) local.starts_at = 'Not a valid time.';
    setErrors(local);
    setFormError(Object.keys(local).length ? 'Please fix the fields marked below.' : null);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const s = await api<Silence>('POST', '/api/v1/silences', {
        body: {
          matchers: lines,
          duration: duration.trim(),
          comment: comment.trim(),
          ...(startsAt ? { starts_at: new Date(startsAt).toISOString() } : {}),
        },
      });
      toast.show(`Silence created until ${new Date(s.ends_at).toLocaleString()}.`);
      navigate(`/alerts/silences?state=${s.state}`);
    } catch (err) {
      if (err instanceof ApiError) {
        const fe = err.fieldErrors();
        const placed: Record<string, string> = {};
        for (const [k, v] of Object.entries(fe)) {
          const f = k === 'ends_at' ? 'duration' : k;
          if (['matchers', 'duration', 'comment', 'starts_at'].includes(f)) placed[f] = v;
        }
        setErrors(placed);
        setFormError(Object.keys(placed).length ? 'Please fix the fields marked below.' : err.message);
      } else setFormError(String(err));
    } finally {
      setBusy(false);
    }
  };

  const err = (f: string) =>
    errors[f] ? (
      <p id={`sf-${f}-err`} className="field-error">
        {errors[f]}
      </p>
    ) : null;
  const described = (f: string, help = true) =>
    [help ? `sf-${f}-help` : '', errors[f] ? `sf-${f}-err` : ''].filter(Boolean).join(' ') || undefined;

  return (
    <>
      <nav aria-label="Breadcrumb" className="al-crumbs">
        <Link to="/alerts/silences">Silences</Link> <span aria-hidden="true">/</span> new
      </nav>
      <PageHeader title="New silence">
        Silenced alerts are still recorded, with this comment as the reason.
      </PageHeader>
      <div className="grid-2 grid-wide-left">
        <form ref={formRef} className="form" onSubmit={submit} noValidate aria-label="New silence">
          {formError ? (
            <div className="banner banner-error" role="alert">
              {formError}
            </div>
          ) : null}
          <div className={`field${errors.matchers ? ' field-invalid' : ''}`}>
            <label htmlFor="sf-matchers">
              Matchers<span className="req"> (required)</span>
            </label>
            <textarea
              id="sf-matchers"
              rows={4}
              value={matchersText}
              onChange={(e) => setMatchersText(e.target.value)}
              aria-invalid={errors.matchers ? true : undefined}
              aria-describedby={described('matchers')}
              spellCheck={false}
            />
            <p id="sf-matchers-help" className="help">
              One per line: <code>service=api</code>, <code>severity!=p3</code>,{' '}
              <code>instance=~"db-.*"</code>. All must match.
            </p>
            {err('matchers')}
          </div>
          <div className={`field${errors.duration ? ' field-invalid' : ''}`}>
            <label htmlFor="sf-duration">
              Duration<span className="req"> (required)</span>
            </label>
            <input
              id="sf-duration"
              value={duration}
              onChange={(e) => setDuration(e.target.value)}
              aria-invalid={errors.duration ? true : undefined}
              aria-describedby={described('duration')}
            />
            <p id="sf-duration-help" className="help">
              How long from the start, e.g. 30m, 2h, 1d (at most 366 days).
            </p>
            <fieldset className="al-presets">
              <legend className="sr-only">Duration presets</legend>
              {PRESETS.map((p) => (
                <button
                  key={p}
                  type="button"
                  className={`btn btn-small${p === duration ? ' al-seg-on' : ''}`}
                  aria-pressed={p === duration}
                  onClick={() => setDuration(p)}
                >
                  {p}
                </button>
              ))}
            </fieldset>
            {err('duration')}
          </div>
          <div className={`field${errors.starts_at ? ' field-invalid' : ''}`}>
            <label htmlFor="sf-start">Starts at</label>
            <input
              id="sf-start"
              type="datetime-local"
              value={startsAt}
              onChange={(e) => setStartsAt(e.target.value)}
              aria-invalid={errors.starts_at ? true : undefined}
              aria-describedby={described('starts_at')}
            />
            <p id="sf-starts_at-help" className="help">
              Empty: now. A later start makes the silence pending until then (your local time).
            </p>
            {err('starts_at')}
          </div>
          <div className={`field${errors.comment ? ' field-invalid' : ''}`}>
            <label htmlFor="sf-comment">
              Comment<span className="req"> (required)</span>
            </label>
            <textarea
              id="sf-comment"
              rows={2}
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              aria-invalid={errors.comment ? true : undefined}
              aria-describedby={described('comment')}
            />
            <p id="sf-comment-help" className="help">
              Why: a deploy, a known issue, a ticket link.
            </p>
            {err('comment')}
          </div>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? 'Creating…' : 'Create silence'}
            </button>
            <Link className="btn" to="/alerts/silences">
              Cancel
            </Link>
          </div>
        </form>
        <section className="card" aria-labelledby="sf-preview" aria-live="polite">
          <h2 id="sf-preview">Affected alerts</h2>
          {!lines.length ? (
            <p className="muted">Enter matchers to see which firing alerts this silence would mute.</p>
          ) : lineProblem ? (
            <p className="muted">Fix the matchers to see a preview.</p>
          ) : !preview ? (
            <Loading what="Looking" />
          ) : preview.alerts.length === 0 ? (
            <p className="muted">No firing alert matches right now; the silence still applies to new ones.</p>
          ) : (
            <>
              <p>
                Silences {preview.alerts.length}
                {preview.more ? '+' : ''} firing alert{preview.alerts.length === 1 ? '' : 's'} now:
              </p>
              <ul className="al-mini-list">
                {preview.alerts.map((a) => (
                  <li key={a.fingerprint}>
                    <Link to={`/alerts/${a.fingerprint}`}>{a.labels.alertname ?? a.fingerprint}</Link>{' '}
                    <Badge>{a.labels.service ?? a.source}</Badge>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      </div>
    </>
  );
}
