/**
 * `/oncall/me`: the signed-in user's upcoming shifts and calendar feed, their contact methods
 * (add, remove, urgency rules) and a "send test notification" button that follows the delivery to
 * its result.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api, type CatalogObject, type Page, roleAtLeast } from '../../api.ts';
import { catalogTypes, useLiveEvents } from '../../live.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { EmptyState, ErrorBanner, Loading, ManagedBadge, PageHeader, useApi } from '../../ui/components.tsx';
import { SimpleTable } from '../../ui/table.tsx';
import { useToast } from '../../ui/toast.tsx';
import { CopyField } from './CopyField.tsx';
import { type Delivery, DeliveryStatus, type ShiftsOut, ZTime } from './common.tsx';

type Method = {
  type: string;
  url?: string;
  secret?: string;
  to?: string[];
  topic?: string;
  server?: string;
  routing_key?: string;
  urgency?: Array<'high' | 'low'>;
  /** Sent this long after the page (a second reminder), e.g. `5m`; cancelled on acknowledge. */
  delay?: string;
};

const TYPES: Array<{ value: string; label: string }> = [
  { value: 'email', label: 'E-mail' },
  { value: 'slack', label: 'Slack incoming webhook' },
  { value: 'webhook', label: 'Webhook (Standard Webhooks signed)' },
  { value: 'ntfy', label: 'ntfy topic (phone push)' },
  { value: 'teams', label: 'Microsoft Teams webhook' },
];
const TYPE_LABEL = Object.fromEntries(TYPES.map((t) => [t.value, t.label]));

function destination(m: Method): string {
  if (m.type === 'email') return (m.to ?? []).join(', ');
  if (m.type === 'ntfy') return `${m.server ?? 'https://ntfy.sh'}/${m.topic ?? ''}`;
  if (m.type === 'pagerduty') return 'PagerDuty routing key';
  return m.url ?? '';
}

interface TestRun {
  method: number | null;
  deliveries: Array<{ id: string; channel: { type: string }; method: number | null; d?: Delivery }>;
}

/** Follows test deliveries until each is sent or failed (or 30 s pass). */
function useFollow(run: TestRun | null, update: (r: TestRun) => void) {
  useEffect(() => {
    if (!run || run.deliveries.every((x) => x.d && x.d.status !== 'pending')) return;
    let stop = false;
    let tries = 0;
    const poll = async () => {
      tries++;
      const next = await Promise.all(
        run.deliveries.map(async (x) =>
          x.d && x.d.status !== 'pending'
            ? x
            : { ...x, d: await api<Delivery>('GET', `/api/v1/deliveries/${encodeURIComponent(x.id)}`) },
        ),
      ).catch(() => run.deliveries);
      if (stop) return;
      update({ ...run, deliveries: next });
    };
    const id = window.setTimeout(() => void poll(), tries === 0 ? 700 : 1500);
    return () => {
      stop = true;
      window.clearTimeout(id);
    };
  }, [run, update]);
}

export function MePage() {
  const { user } = useSession();
  const toast = useToast();
  const email = user?.email ?? '';
  const enc = encodeURIComponent(email);
  const canWrite = roleAtLeast(user?.role, 'responder');
  const contact = useApi<CatalogObject>(email ? `/api/v1/contacts/${enc}` : null);
  const feed = useApi<{ url: string }>(email ? `/api/v1/oncall/users/${enc}/calendar-url` : null);
  const verifications = useApi<{ items: Verification[] }>(email ? '/api/v1/oncall/me/verifications' : null);
  const schedules = useApi<Page<CatalogObject>>('/api/v1/schedules?limit=500');
  const [shifts, setShifts] = useState<Array<{ schedule: CatalogObject; start: string; end: string }> | null>(
    null,
  );
  const [shiftError, setShiftError] = useState<unknown>(null);
  const [run, setRun] = useState<TestRun | null>(null);
  const [busy, setBusy] = useState(false);
  useLiveEvents(catalogTypes('contact'), (e) => {
    if (e.subject.key !== email) return;
    contact.reload();
    verifications.reload();
  });
  useLiveEvents([...catalogTypes('schedule'), 'schedule.override_created', 'schedule.override_deleted'], () =>
    schedules.reload(),
  );
  useFollow(run, setRun);

  useEffect(() => {
    const list = schedules.data?.items;
    if (!list || !email) return;
    let live = true;
    const from = new Date().toISOString();
    const to = new Date(Date.now() + 28 * 86_400_000).toISOString();
    Promise.all(
      list.map(async (s) => {
        const r = await api<ShiftsOut>(
          'GET',
          `/api/v1/schedules/${encodeURIComponent(s.key)}/shifts?from=${from}&to=${to}`,
        );
        return r.items
          .filter((x) => x.user === email)
          .map((x) => ({ schedule: s, start: x.start, end: x.end }));
      }),
    )
      .then((all) => live && setShifts(all.flat().sort((a, b) => a.start.localeCompare(b.start))))
      .catch((e) => live && setShiftError(e));
    return () => {
      live = false;
    };
  }, [schedules.data, email]);

  const missing = contact.error instanceof ApiError && contact.error.status === 404;
  const obj = missing ? undefined : contact.data;
  const methods = ((obj?.methods as Method[] | undefined) ?? []) as Method[];
  const readOnly = Boolean(obj?.managed) || !canWrite;

  const test = async (method?: number) => {
    setBusy(true);
    try {
      const r = await api<{
        items: Array<{ delivery_id: string; method: number | null; channel: { type: string } }>;
      }>('POST', '/api/v1/oncall/me/test-notification', { body: method === undefined ? {} : { method } });
      setRun({
        method: method ?? null,
        deliveries: r.items.map((x) => ({ id: x.delivery_id, channel: x.channel, method: x.method })),
      });
    } catch (err) {
      toast.show((err as Error).message, 'error');
    } finally {
      setBusy(false);
    }
  };

  const save = async (next: Method[]) => {
    if (next.length === 0 && obj) {
      await api('DELETE', `/api/v1/contacts/${enc}`, { version: obj.version });
    } else if (obj) {
      await api('PUT', `/api/v1/contacts/${enc}`, { body: { methods: next }, version: obj.version });
    } else {
      await api('POST', '/api/v1/contacts', { body: { key: email, methods: next } });
    }
    contact.reload();
    verifications.reload();
  };

  const remove = async (i: number) => {
    const m = methods[i];
    if (!window.confirm(`Remove ${TYPE_LABEL[m.type] ?? m.type} ${destination(m)}?`)) return;
    try {
      await save(methods.filter((_, j) => j !== i));
      toast.show('Contact method removed.');
    } catch (err) {
      toast.show((err as Error).message, 'error');
    }
  };

  const high = methods.filter((m) => !m.urgency || m.urgency.includes('high'));
  const low = methods.filter((m) => !m.urgency || m.urgency.includes('low'));

  return (
    <>
      <PageHeader
        title="My on-call"
        actions={
          <Link className="btn" to="/oncall">
            ← On call now
          </Link>
        }
      >
        Your shifts, how Vigil reaches you, and a test that shows whether it works.
      </PageHeader>
      <div className="grid-2">
        <section className="card" aria-labelledby="oc-my-shifts">
          <h2 id="oc-my-shifts">My shifts (next 4 weeks)</h2>
          <ErrorBanner error={schedules.error ?? shiftError} />
          {shifts === null && !schedules.error && !shiftError ? <Loading /> : null}
          {shifts ? (
            <SimpleTable
              caption="My upcoming shifts"
              rows={shifts}
              rowKey={(s) => `${s.schedule.key}-${s.start}`}
              columns={[
                {
                  header: 'Schedule',
                  cell: (s) => (
                    <Link to={`/oncall/schedules/${encodeURIComponent(s.schedule.key)}`}>
                      {String(s.schedule.name ?? s.schedule.key)}
                    </Link>
                  ),
                },
                {
                  header: 'From',
                  cell: (s) => <ZTime iso={s.start} zone={String(s.schedule.time_zone ?? 'UTC')} />,
                },
                {
                  header: 'To',
                  cell: (s) => <ZTime iso={s.end} zone={String(s.schedule.time_zone ?? 'UTC')} />,
                },
              ]}
              empty={<EmptyState title="You have no shifts in the next four weeks." />}
            />
          ) : null}
          {feed.data ? <CopyField label="My shifts as a calendar feed (iCal)" value={feed.data.url} /> : null}
        </section>
        <section className="card" aria-labelledby="oc-rules">
          <h2 id="oc-rules">Notification rules</h2>
          {methods.length === 0 ? (
            <p>
              You have no contact methods, so every page and notification goes to your e-mail address{' '}
              <strong>{email}</strong>.
            </p>
          ) : (
            <ul>
              <li>
                <strong>High urgency</strong> (pages from escalation levels):{' '}
                {high.length ? (
                  high.map((m) => TYPE_LABEL[m.type] ?? m.type).join(', ')
                ) : (
                  <em>no method — add one!</em>
                )}
                , all at once.
              </li>
              <li>
                <strong>Low urgency</strong> (FYI only; escalation pages always use the high-urgency methods):{' '}
                {low.length ? low.map((m) => TYPE_LABEL[m.type] ?? m.type).join(', ') : <em>none</em>}.
              </li>
            </ul>
          )}
          <p className="muted">
            An unacknowledged page is not repeated on your methods: the escalation policy moves to its next
            level (and repeats the ladder if it says so).
          </p>
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void test()}>
            {busy && run === null ? 'Sending…' : 'Send test notification'}
          </button>
          <TestResult run={run} methods={methods} />
        </section>
      </div>
      <section className="card" aria-labelledby="oc-methods">
        <h2 id="oc-methods">Contact methods</h2>
        {obj ? <ManagedBadge obj={obj} /> : null}
        {obj?.managed ? (
          <div className="banner banner-info" role="note">
            Your contact methods are declared in the ops plan{obj.source ? ` at ${obj.source}` : ''}. Change
            them there and apply.
          </div>
        ) : !canWrite ? (
          <div className="banner banner-info" role="note">
            Changing contact methods needs the responder role; ask an admin to add yours.
          </div>
        ) : null}
        {contact.error && !missing ? <ErrorBanner error={contact.error} /> : null}
        {!contact.data && !contact.error ? <Loading /> : null}
        {methods.length === 0 && (contact.data || missing) ? (
          <EmptyState title="No contact methods yet.">
            {readOnly
              ? 'Pages go to your e-mail address.'
              : 'Add one below: e-mail, Slack, a webhook or an ntfy topic.'}
          </EmptyState>
        ) : (
          <ul className="oc-methods" aria-label="My contact methods">
            {methods.map((m, i) => (
              <li key={`${m.type}-${destination(m)}-${m.delay ?? ''}`} className="oc-method">
                <div>
                  <strong>{TYPE_LABEL[m.type] ?? m.type}</strong>{' '}
                  {(m.urgency ?? ['high', 'low']).map((u) => (
                    <span key={u} className={`badge badge-${u === 'high' ? 'warn' : 'neutral'}`}>
                      {u} urgency
                    </span>
                  ))}
                  {m.delay && m.delay !== '0s' ? (
                    <span className="badge badge-neutral">after {m.delay}, unless acknowledged</span>
                  ) : null}
                  <VerifiedBadge v={verifications.data?.items[i]} />
                  <div className="oc-method-dest">{destination(m)}</div>
                  <VerifyPanel
                    index={i}
                    name={`${TYPE_LABEL[m.type] ?? m.type} ${destination(m)}`}
                    v={verifications.data?.items[i]}
                    onChange={verifications.reload}
                  />
                </div>
                <div className="actions">
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={busy}
                    onClick={() => void test(i)}
                    aria-label={`Test ${TYPE_LABEL[m.type] ?? m.type} ${destination(m)}`}
                  >
                    Test
                  </button>
                  {readOnly ? null : (
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      onClick={() => void remove(i)}
                      aria-label={`Remove ${TYPE_LABEL[m.type] ?? m.type} ${destination(m)}`}
                    >
                      Remove
                    </button>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
        {readOnly ? null : (
          <AddMethod
            email={email}
            onAdd={async (m) => {
              await save([...methods, m]);
              toast.show('Contact method added. Send a test to check that it works.');
            }}
          />
        )}
      </section>
    </>
  );
}

interface Verification {
  method: number;
  verified: boolean;
  verified_at: string | null;
  code_pending: boolean;
  code_expires_at: string | null;
}

function VerifiedBadge({ v }: { v: Verification | undefined }) {
  if (!v) return null;
  return v.verified ? (
    <span className="badge badge-ok" title={v.verified_at ? `verified ${v.verified_at}` : undefined}>
      verified
    </span>
  ) : (
    <span className="badge badge-warn">not verified</span>
  );
}

/** Sends a code through the method and confirms it. */
function VerifyPanel(props: {
  index: number;
  name: string;
  v: Verification | undefined;
  onChange: () => void;
}) {
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { index, v } = props;
  if (!v || (v.verified && !open)) return null;
  const base = `/api/v1/oncall/me/contact-methods/${index}/verification`;
  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', base);
      setOpen(true);
      toast.show('Verification code sent: check the message it delivers.');
      props.onChange();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    if (!/^\d{6}$/.test(code.trim())) {
      setError('Enter the six digits from the message.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api('POST', `${base}/confirm`, { body: { code: code.trim() } });
      toast.show('Contact method verified.');
      setOpen(false);
      setCode('');
      props.onChange();
    } catch (err) {
      setError(err instanceof ApiError ? (err.fieldErrors().code ?? err.message) : String(err));
    } finally {
      setBusy(false);
    }
  };
  const id = `oc-code-${index}`;
  if (!open && !v.code_pending)
    return (
      <button
        type="button"
        className="btn btn-small"
        disabled={busy}
        onClick={() => void send()}
        aria-label={`Verify ${props.name}`}
      >
        Verify
      </button>
    );
  return (
    <form className="oc-verify" onSubmit={confirm} noValidate aria-label={`Verify ${props.name}`}>
      <label htmlFor={id}>Code sent to this method</label>
      <div className="oc-copy-row">
        <input
          id={id}
          inputMode="numeric"
          autoComplete="one-time-code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-err` : undefined}
        />
        <button type="submit" className="btn btn-small btn-primary" disabled={busy}>
          Confirm
        </button>
        <button type="button" className="btn btn-small" disabled={busy} onClick={() => void send()}>
          Send a new code
        </button>
      </div>
      {error ? (
        <p id={`${id}-err`} className="field-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}

function TestResult({ run, methods }: { run: TestRun | null; methods: Method[] }) {
  if (!run) return null;
  return (
    <div className="oc-result" aria-live="polite">
      <h3>Test result</h3>
      <ul className="oc-methods">
        {run.deliveries.map((x) => {
          const m = x.method === null ? undefined : methods[x.method];
          const name = m
            ? `${TYPE_LABEL[m.type] ?? m.type} ${destination(m)}`
            : `${x.channel.type} (your e-mail address)`;
          return (
            <li key={x.id} className="oc-method" data-delivery={x.id}>
              <div>
                <strong>{name}</strong>
                <div className="muted oc-wrap">
                  {x.d ? (
                    <>
                      {x.d.status === 'sent'
                        ? 'Delivered'
                        : x.d.status === 'failed'
                          ? 'Failed'
                          : `Trying (attempt ${x.d.attempts + 1})`}
                      {x.d.last_detail ? `: ${x.d.last_detail}` : ''}
                    </>
                  ) : (
                    'Queued…'
                  )}
                </div>
              </div>
              <div>
                {x.d ? <DeliveryStatus status={x.d.status} /> : <span className="badge">queued</span>}
              </div>
            </li>
          );
        })}
      </ul>
      <p className="muted">
        See every attempt in the <Link to="/oncall/deliveries">delivery log</Link>.
      </p>
    </div>
  );
}

function AddMethod({ email, onAdd }: { email: string; onAdd: (m: Method) => Promise<void> }) {
  const [type, setType] = useState('email');
  const [to, setTo] = useState(email);
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [topic, setTopic] = useState('');
  const [server, setServer] = useState('');
  const [urg, setUrg] = useState<{ high: boolean; low: boolean }>({ high: true, low: true });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    const isUrl = (v: string) => /^https?:\/\/\S+$/.test(v);
    if (type === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to.trim()))
      errs.to = 'An e-mail address, e.g. you@example.com.';
    if (['slack', 'webhook', 'teams'].includes(type) && !isUrl(url.trim())) errs.url = 'An http(s) URL.';
    if (type === 'webhook' && secret && !/^whsec_[A-Za-z0-9+/=]+$/.test(secret.trim()))
      errs.secret = 'A Standard Webhooks secret starts with whsec_ followed by base64.';
    if (type === 'ntfy' && !/^[\w-]{1,64}$/.test(topic.trim()))
      errs.topic = 'Letters, digits, _ and - (the topic name).';
    if (type === 'ntfy' && server && !isUrl(server.trim())) errs.server = 'An http(s) URL.';
    if (!urg.high && !urg.low) errs.urgency = 'Choose at least one urgency.';
    setErrors(errs);
    setFormError(Object.keys(errs).length ? 'Please fix the fields marked below.' : null);
    if (Object.keys(errs).length) return;
    const m: Method = {
      type,
      ...(type === 'email' ? { to: [to.trim()] } : {}),
      ...(['slack', 'webhook', 'teams'].includes(type) ? { url: url.trim() } : {}),
      ...(type === 'webhook' && secret.trim() ? { secret: secret.trim() } : {}),
      ...(type === 'ntfy'
        ? { topic: topic.trim(), ...(server.trim() ? { server: server.trim() } : {}) }
        : {}),
      ...(urg.high && urg.low ? {} : { urgency: urg.high ? ['high'] : ['low'] }),
    };
    setBusy(true);
    try {
      await onAdd(m);
      setUrl('');
      setSecret('');
      setTopic('');
    } catch (err) {
      if (err instanceof ApiError) {
        // Server paths look like body.methods.2.url: place them under the field they name.
        const placed: Record<string, string> = {};
        for (const x of err.problem.errors ?? []) {
          const f =
            x.path
              .split(/[./[\]]/)
              .filter(Boolean)
              .pop() ?? '';
          if (['to', 'url', 'secret', 'topic', 'server'].includes(f)) placed[f] = x.message;
        }
        setErrors(placed);
        setFormError(err.message);
      } else setFormError(String(err));
    } finally {
      setBusy(false);
    }
  };
  const input = (
    name: string,
    label: string,
    value: string,
    set: (v: string) => void,
    opts: { required?: boolean; help?: string; type?: string } = {},
  ) => (
    <div className={`field${errors[name] ? ' field-invalid' : ''}`}>
      <label htmlFor={`oc-m-${name}`}>
        {label}
        {opts.required ? <span className="req"> (required)</span> : null}
      </label>
      <input
        id={`oc-m-${name}`}
        type={opts.type ?? 'text'}
        value={value}
        onChange={(e) => set(e.target.value)}
        aria-invalid={errors[name] ? true : undefined}
        aria-describedby={
          [opts.help ? `oc-m-${name}-help` : '', errors[name] ? `oc-m-${name}-err` : '']
            .filter(Boolean)
            .join(' ') || undefined
        }
      />
      {opts.help ? (
        <p id={`oc-m-${name}-help`} className="help">
          {opts.help}
        </p>
      ) : null}
      {errors[name] ? (
        <p id={`oc-m-${name}-err`} className="field-error">
          {errors[name]}
        </p>
      ) : null}
    </div>
  );
  return (
    <form className="form oc-override-form" onSubmit={submit} noValidate aria-labelledby="oc-add-m">
      <h3 id="oc-add-m">Add a contact method</h3>
      {formError ? (
        <div className="banner banner-error" role="alert">
          {formError}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor="oc-m-type">Type</label>
        <select id="oc-m-type" value={type} onChange={(e) => setType(e.target.value)}>
          {TYPES.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </select>
      </div>
      {type === 'email' ? input('to', 'E-mail address', to, setTo, { required: true, type: 'email' }) : null}
      {['slack', 'webhook', 'teams'].includes(type)
        ? input('url', 'Webhook URL', url, setUrl, {
            required: true,
            type: 'url',
            help:
              type === 'slack'
                ? 'Slack → Apps → Incoming Webhooks → the channel’s URL (https://hooks.slack.com/services/…).'
                : type === 'teams'
                  ? 'A Teams incoming webhook or Workflows URL.'
                  : 'Vigil POSTs JSON signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature).',
          })
        : null}
      {type === 'webhook'
        ? input('secret', 'Signing secret', secret, setSecret, {
            help: 'Optional: whsec_… shared with the receiver.',
          })
        : null}
      {type === 'ntfy'
        ? input('topic', 'ntfy topic', topic, setTopic, {
            required: true,
            help: 'Subscribe to it in the ntfy app; pick a hard-to-guess name.',
          })
        : null}
      {type === 'ntfy'
        ? input('server', 'ntfy server', server, setServer, { type: 'url', help: 'Default https://ntfy.sh.' })
        : null}
      <fieldset
        className={`oc-fieldset${errors.urgency ? ' field-invalid' : ''}`}
        aria-describedby={errors.urgency ? 'oc-m-urgency-err' : undefined}
      >
        <legend>Use for</legend>
        <label className="oc-check">
          <input
            type="checkbox"
            checked={urg.high}
            onChange={(e) => setUrg({ ...urg, high: e.target.checked })}
          />{' '}
          High urgency (pages)
        </label>
        <label className="oc-check">
          <input
            type="checkbox"
            checked={urg.low}
            onChange={(e) => setUrg({ ...urg, low: e.target.checked })}
          />{' '}
          Low urgency (FYI)
        </label>
        {errors.urgency ? (
          <p id="oc-m-urgency-err" className="field-error">
            {errors.urgency}
          </p>
        ) : null}
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Add contact method'}
        </button>
      </div>
    </form>
  );
}
