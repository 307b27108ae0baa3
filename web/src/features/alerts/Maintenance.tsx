/**
 * `/alerts/maintenance`: the maintenance calendar (month and week views of window occurrences,
 * in progress / upcoming / past lists) and the window definitions; `/alerts/maintenance/<key>`
 * one window; `/alerts/maintenance/new` and `…/<key>/edit` the form (plan-managed windows are
 * read-only).
 */
import { type FormEvent, type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import { RRule } from 'rrule';
import { ApiError, api, type CatalogObject, roleAtLeast, withQuery } from '../../api.ts';
import { catalogTypes, useLiveEvents } from '../../live.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import {
  Badge,
  EmptyState,
  ErrorBanner,
  Facts,
  Loading,
  ManagedBadge,
  PageHeader,
  Time,
  useApi,
} from '../../ui/components.tsx';
import { useToast } from '../../ui/toast.tsx';
import { shortDuration, useConfirm } from './shared.tsx';

interface Occurrence {
  key: string;
  title: string;
  description: string | null;
  services: string[];
  start: string;
  end: string;
  announce_at: string;
  emergency: boolean;
  recurring: boolean;
}

interface WindowObject extends CatalogObject {
  title: string;
  description?: string;
  services?: string[];
  matchers?: string[];
  start: string;
  end?: string;
  duration?: string;
  time_zone?: string;
  rrule?: string;
  notice?: string;
  emergency?: boolean;
}

const DAY = 86_400_000;
const WINDOW_EVENTS = catalogTypes('maintenance_window');

/** Human text of an RRULE ("every month on the 1st Sunday"), or the rule itself when it does not parse. */
export function recurrenceText(rrule: string | undefined): string {
  if (!rrule) return 'once';
  try {
    return RRule.fromString(rrule.replace(/^RRULE:/i, '')).toText();
  } catch {
    return rrule;
  }
}

function startOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}
/** Monday of the week containing `d` (local time). */
function startOfWeek(d: Date): Date {
  const s = startOfDay(d);
  const dow = (s.getDay() + 6) % 7;
  return new Date(s.getFullYear(), s.getMonth(), s.getDate() - dow);
}
function addDays(d: Date, n: number): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
}
function ymd(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
function parseYmd(s: string | null): Date | null {
  const m = s ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(s) : null;
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
}
function hm(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

type Phase = 'past' | 'now' | 'upcoming';
function phaseOf(o: Occurrence, now: number): Phase {
  if (Date.parse(o.end) <= now) return 'past';
  return Date.parse(o.start) <= now ? 'now' : 'upcoming';
}
const PHASE_TEXT: Record<Phase, string> = { past: 'past', now: 'in progress', upcoming: 'upcoming' };
const PHASE_TONE: Record<Phase, string> = { past: 'neutral', now: 'warn', upcoming: 'accent' };

export function Maintenance() {
  const { user } = useSession();
  const { query } = useLocation();
  const view = query.get('view') === 'week' ? 'week' : 'month';
  const anchor = parseYmd(query.get('date')) ?? startOfDay(new Date());
  const canWrite = roleAtLeast(user?.role, 'operator');

  const gridStart =
    view === 'month'
      ? startOfWeek(new Date(anchor.getFullYear(), anchor.getMonth(), 1))
      : startOfWeek(anchor);
  const days = view === 'month' ? 42 : 7;
  const gridEnd = addDays(gridStart, days);
  const cal = useApi<{ windows: Occurrence[] }>(
    withQuery('/api/v1/maintenance/calendar', { from: gridStart.toISOString(), to: gridEnd.toISOString() }),
  );
  // Lists: the last 30 days and the next 90.
  const [now] = useState(() => Date.now());
  const around = useApi<{ windows: Occurrence[] }>(
    withQuery('/api/v1/maintenance/calendar', {
      from: new Date(now - 30 * DAY).toISOString(),
      to: new Date(now + 90 * DAY).toISOString(),
    }),
  );
  const defs = useApi<{ items: WindowObject[] }>('/api/v1/maintenance-windows?limit=500');
  useLiveEvents(WINDOW_EVENTS, () => {
    cal.reload();
    around.reload();
    defs.reload();
  });

  const go = (date: Date, v = view) => navigate(`/alerts/maintenance?view=${v}&date=${ymd(date)}`, true);
  const step = (n: number) =>
    go(view === 'month' ? new Date(anchor.getFullYear(), anchor.getMonth() + n, 1) : addDays(anchor, 7 * n));
  const title =
    view === 'month'
      ? anchor.toLocaleDateString(undefined, { month: 'long', year: 'numeric' })
      : `Week of ${gridStart.toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' })}`;

  const occ = around.data?.windows ?? [];
  const inProgress = occ.filter((o) => phaseOf(o, now) === 'now');
  const upcoming = occ.filter((o) => phaseOf(o, now) === 'upcoming').slice(0, 20);
  const past = occ
    .filter((o) => phaseOf(o, now) === 'past')
    .reverse()
    .slice(0, 20);

  return (
    <>
      <PageHeader
        title="Maintenance"
        actions={
          canWrite ? (
            <Link className="btn btn-primary" to="/alerts/maintenance/new">
              New window
            </Link>
          ) : null
        }
      >
        During a window, alerts for its services are recorded and muted; the status page announces it.
      </PageHeader>
      {inProgress.length ? (
        <div className="banner banner-info" role="status">
          In progress:{' '}
          {inProgress.map((o, i) => (
            <span key={`${o.key}${o.start}`}>
              {i ? ', ' : ''}
              <Link to={`/alerts/maintenance/${encodeURIComponent(o.key)}`}>{o.title}</Link> until{' '}
              <Time iso={o.end} />
            </span>
          ))}
        </div>
      ) : null}
      <section className="card" aria-labelledby="mc-title">
        <div className="mc-toolbar">
          <h2 id="mc-title" aria-live="polite">
            {title}
          </h2>
          <div className="mc-nav">
            <button type="button" className="btn btn-small" onClick={() => step(-1)}>
              ← Previous<span className="sr-only"> {view}</span>
            </button>
            <button type="button" className="btn btn-small" onClick={() => go(startOfDay(new Date()))}>
              Today
            </button>
            <button type="button" className="btn btn-small" onClick={() => step(1)}>
              Next<span className="sr-only"> {view}</span> →
            </button>
            <fieldset className="al-seg">
              <legend className="sr-only">View</legend>
              {(['month', 'week'] as const).map((v) => (
                <button
                  key={v}
                  type="button"
                  className={`btn btn-small${v === view ? ' al-seg-on' : ''}`}
                  aria-pressed={v === view}
                  onClick={() => go(anchor, v)}
                >
                  {v === 'month' ? 'Month' : 'Week'}
                </button>
              ))}
            </fieldset>
          </div>
        </div>
        <ErrorBanner error={cal.error} />
        {!cal.data && !cal.error ? <Loading what="Loading the calendar" /> : null}
        {cal.data ? (
          <CalendarGrid
            start={gridStart}
            days={days}
            month={view === 'month' ? anchor.getMonth() : null}
            occurrences={cal.data.windows}
            now={now}
          />
        ) : null}
      </section>
      <div className="grid-2">
        <OccurrenceList
          title="Upcoming (next 90 days)"
          items={upcoming}
          now={now}
          empty="Nothing scheduled."
        />
        <OccurrenceList
          title="Recently ended (30 days)"
          items={past}
          now={now}
          empty="None in the last 30 days."
        />
      </div>
      <section className="card" aria-labelledby="mw-defs">
        <h2 id="mw-defs">Windows</h2>
        <ErrorBanner error={defs.error} />
        {!defs.data ? (
          defs.error ? null : (
            <Loading />
          )
        ) : defs.data.items.length === 0 ? (
          <EmptyState title="No maintenance windows yet.">
            Declare them under <code>routing.maintenance_windows</code> in vigil.yaml
            {canWrite ? ', or create one with “New window”.' : '.'}
          </EmptyState>
        ) : (
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
          <section className="table-wrap" tabIndex={0} aria-label="Maintenance windows">
            <table>
              <caption className="sr-only">Maintenance windows</caption>
              <thead>
                <tr>
                  <th scope="col">Window</th>
                  <th scope="col">Scope</th>
                  <th scope="col">When</th>
                  <th scope="col">Recurrence</th>
                </tr>
              </thead>
              <tbody>
                {defs.data.items.map((w) => (
                  <tr key={w.key}>
                    <td>
                      <Link to={`/alerts/maintenance/${encodeURIComponent(w.key)}`}>{w.title}</Link>
                      <div className="muted al-small">
                        {w.key} {w.emergency ? <Badge tone="danger">emergency</Badge> : null}
                      </div>
                      <ManagedBadge obj={w} />
                    </td>
                    <td>{scopeText(w)}</td>
                    <td>
                      {w.start.replace('T', ' ')} {w.time_zone ?? 'UTC'} · {lengthText(w)}
                      {w.notice ? <div className="muted al-small">announced {w.notice} before</div> : null}
                    </td>
                    <td>{recurrenceText(w.rrule)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      </section>
    </>
  );
}

function scopeText(w: { services?: string[]; matchers?: string[] }): ReactNode {
  const parts = [...(w.services ?? []).map((s) => `service ${s}`), ...(w.matchers ?? [])];
  return parts.length ? parts.join(', ') : <span className="muted">all alerts</span>;
}
function lengthText(w: WindowObject): string {
  return w.duration ?? (w.end ? `until ${w.end.replace('T', ' ')}` : '');
}

function CalendarGrid({
  start,
  days,
  month,
  occurrences,
  now,
}: {
  start: Date;
  days: number;
  month: number | null;
  occurrences: Occurrence[];
  now: number;
}) {
  const today = ymd(new Date());
  const weeks: Date[][] = [];
  for (let i = 0; i < days; i += 7) weeks.push(Array.from({ length: 7 }, (_, j) => addDays(start, i + j)));
  const names = weeks[0].map((d) => d.toLocaleDateString(undefined, { weekday: 'short' }));
  const on = (d: Date) => {
    const a = d.getTime();
    const b = addDays(d, 1).getTime();
    return occurrences.filter((o) => Date.parse(o.start) < b && Date.parse(o.end) > a);
  };
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="mc-wrap" tabIndex={0} aria-label="Calendar">
      <table className={`mc-grid${month === null ? ' mc-week' : ''}`}>
        <caption className="sr-only">Maintenance occurrences by day</caption>
        <thead>
          <tr>
            {names.map((n) => (
              <th key={n} scope="col">
                {n}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((w) => (
            <tr key={ymd(w[0])}>
              {w.map((d) => {
                const list = on(d);
                const outside = month !== null && d.getMonth() !== month;
                return (
                  <td
                    key={ymd(d)}
                    className={`mc-day${outside ? ' mc-outside' : ''}${ymd(d) === today ? ' mc-today' : ''}`}
                  >
                    <div className="mc-date">
                      <span className="sr-only">
                        {d.toLocaleDateString(undefined, { dateStyle: 'full' })}
                      </span>
                      <span aria-hidden="true">{d.getDate()}</span>
                      {ymd(d) === today ? <span className="sr-only"> (today)</span> : null}
                    </div>
                    {list.length ? (
                      <ul className="mc-items">
                        {list.map((o) => {
                          const ph = phaseOf(o, now);
                          return (
                            <li key={`${o.key}${o.start}`} className={`mc-item mc-${ph}`}>
                              <Link to={`/alerts/maintenance/${encodeURIComponent(o.key)}`}>
                                {hm(o.start)} {o.title}
                                <span className="sr-only">
                                  {' '}
                                  ({PHASE_TEXT[ph]}, until {new Date(o.end).toLocaleString()})
                                </span>
                              </Link>
                            </li>
                          );
                        })}
                      </ul>
                    ) : null}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function OccurrenceList({
  title,
  items,
  now,
  empty,
}: {
  title: string;
  items: Occurrence[];
  now: number;
  empty: string;
}) {
  const id = `ol-${title.replace(/\W+/g, '-')}`;
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {items.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <ul className="mc-list">
          {items.map((o) => {
            const ph = phaseOf(o, now);
            return (
              <li key={`${o.key}${o.start}`}>
                <Link to={`/alerts/maintenance/${encodeURIComponent(o.key)}`}>{o.title}</Link>{' '}
                <Badge tone={PHASE_TONE[ph]}>{PHASE_TEXT[ph]}</Badge>
                {o.emergency ? <Badge tone="danger">emergency</Badge> : null}
                {o.recurring ? <Badge>recurring</Badge> : null}
                <div className="muted al-small">
                  <Time iso={o.start} /> – <Time iso={o.end} /> (
                  {shortDuration(Date.parse(o.end) - Date.parse(o.start))})
                  {o.services.length ? ` · ${o.services.join(', ')}` : ' · all alerts'}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

export function WindowDetail({ k }: { k: string }) {
  const { user } = useSession();
  const toast = useToast();
  const [confirmNode, ask] = useConfirm();
  const obj = useApi<WindowObject>(`/api/v1/maintenance-windows/${encodeURIComponent(k)}`);
  const [now] = useState(() => Date.now());
  const cal = useApi<{ windows: Occurrence[] }>(
    withQuery('/api/v1/maintenance/calendar', {
      from: new Date(now - 60 * DAY).toISOString(),
      to: new Date(now + 365 * DAY).toISOString(),
    }),
  );
  useLiveEvents(WINDOW_EVENTS, (e) => {
    if (e.subject.key === k) {
      obj.reload();
      cal.reload();
    }
  });
  if (obj.error) {
    return (
      <>
        <PageHeader title="Maintenance window" />
        <ErrorBanner error={obj.error} />
        <Link to="/alerts/maintenance">Back to the calendar</Link>
      </>
    );
  }
  const w = obj.data;
  if (!w) return <Loading what="Loading the window" />;
  const mine = (cal.data?.windows ?? []).filter((o) => o.key === k);
  const next = mine.filter((o) => Date.parse(o.end) > now).slice(0, 8);
  const prev = mine.filter((o) => Date.parse(o.end) <= now).slice(-3);
  const canWrite = roleAtLeast(user?.role, 'operator') && !w.managed;
  const remove = async () => {
    if (
      !(await ask(
        `Delete the maintenance window “${w.title}”? Its occurrences stop muting alerts.`,
        'Delete window',
      ))
    )
      return;
    try {
      await api('DELETE', `/api/v1/maintenance-windows/${encodeURIComponent(k)}`, { version: w.version });
      toast.show(`Deleted maintenance window ${k}.`);
      navigate('/alerts/maintenance');
    } catch (e) {
      toast.show(e instanceof Error ? e.message : String(e), 'error');
    }
  };
  return (
    <>
      <nav aria-label="Breadcrumb" className="al-crumbs">
        <Link to="/alerts/maintenance">Maintenance</Link> <span aria-hidden="true">/</span> {k}
      </nav>
      <PageHeader
        title={w.title}
        actions={
          canWrite ? (
            <>
              <Link className="btn" to={`/alerts/maintenance/${encodeURIComponent(k)}/edit`}>
                Edit
              </Link>
              <button type="button" className="btn btn-danger" onClick={() => void remove()}>
                Delete
              </button>
            </>
          ) : null
        }
      >
        {w.description}
      </PageHeader>
      {confirmNode}
      <ManagedBadge obj={w} />
      {w.managed ? (
        <p className="muted">
          Declared in the ops plan{w.source ? ` at ${w.source}` : ''}: change it there and apply.
        </p>
      ) : null}
      <section className="card" aria-labelledby="wd-facts">
        <h2 id="wd-facts">Schedule</h2>
        <Facts
          rows={[
            ['Key', <code key="k">{w.key}</code>],
            ['Scope', scopeText(w)],
            ['First start', `${w.start.replace('T', ' ')} (${w.time_zone ?? 'UTC'})`],
            ['Length', lengthText(w)],
            ['Recurrence', w.rrule ? `${recurrenceText(w.rrule)} (${w.rrule})` : 'once'],
            ['Notice', w.notice ? `announced ${w.notice} before the start` : null],
            ['Emergency', w.emergency ? 'yes' : 'no'],
            ['Updated', <Time key="u" iso={w.updated_at} />],
          ]}
        />
      </section>
      <div className="grid-2">
        <OccurrenceList
          title="Next occurrences"
          items={next}
          now={now}
          empty="No further occurrence in the next year."
        />
        <OccurrenceList
          title="Previous occurrences"
          items={prev.reverse()}
          now={now}
          empty="None in the last 60 days."
        />
      </div>
    </>
  );
}

type Repeat = 'none' | 'daily' | 'weekly' | 'monthly-nth' | 'custom';
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

/** The RRULE a preset means for a window starting at `start` (local wall time `YYYY-MM-DDTHH:MM`). */
function presetRule(repeat: Repeat, start: string, custom: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(start);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  const wd = d ? WEEKDAYS[(d.getUTCDay() + 6) % 7] : 'MO';
  const nth = d ? Math.ceil(d.getUTCDate() / 7) : 1;
  switch (repeat) {
    case 'none':
      return undefined;
    case 'daily':
      return 'FREQ=DAILY';
    case 'weekly':
      return `FREQ=WEEKLY;BYDAY=${wd}`;
    case 'monthly-nth':
      return `FREQ=MONTHLY;BYDAY=${nth}${wd}`;
    default:
      return custom.trim() || undefined;
  }
}

function repeatOf(rrule: string | undefined, start: string): Repeat {
  if (!rrule) return 'none';
  for (const r of ['daily', 'weekly', 'monthly-nth'] as const)
    if (presetRule(r, start, '') === rrule) return r;
  return 'custom';
}

const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const KEY_RE = /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/;

/** Places the server's messages ("time_zone …", "rrule …", "start …") under their fields. */
function placeProblem(message: string): string {
  const m = /^(?:body\.)?(time_zone|rrule|start|end|duration|notice|title|services|matchers|key)\b/.exec(
    message,
  );
  if (m) return m[1] === 'end' ? 'duration' : m[1];
  if (/end or duration|must end after/.test(message)) return 'duration';
  return '_';
}

export function WindowForm({ k }: { k?: string }) {
  const { user } = useSession();
  const toast = useToast();
  const existing = useApi<WindowObject>(k ? `/api/v1/maintenance-windows/${encodeURIComponent(k)}` : null);
  const services = useApi<{ items: CatalogObject[] }>('/api/v1/services?limit=500');
  const zones = useMemo(() => {
    try {
      return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
    } catch {
      return ['UTC'];
    }
  }, []);
  const [v, setV] = useState<Record<string, string>>({
    key: '',
    title: '',
    description: '',
    matchers: '',
    start: '',
    duration: '1h',
    time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    notice: '',
    custom: '',
  });
  const [svc, setSvc] = useState<string[]>([]);
  const [repeat, setRepeat] = useState<Repeat>('none');
  const [emergency, setEmergency] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const loadedFor = useRef<number | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  const w = existing.data;
  useEffect(() => {
    if (!w || loadedFor.current === w.version) return;
    loadedFor.current = w.version;
    setV({
      key: w.key,
      title: w.title,
      description: w.description ?? '',
      matchers: (w.matchers ?? []).join('\n'),
      start: w.start.slice(0, 16),
      duration: w.duration ?? '',
      end: w.end ?? '',
      time_zone: w.time_zone ?? 'UTC',
      notice: w.notice ?? '',
      custom: w.rrule ?? '',
    });
    setSvc(w.services ?? []);
    setRepeat(repeatOf(w.rrule, w.start));
    setEmergency(Boolean(w.emergency));
  }, [w]);
  useEffect(() => {
    if (Object.keys(errors).length)
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  if (!roleAtLeast(user?.role, 'operator')) {
    return (
      <>
        <PageHeader title="Maintenance window" />
        <EmptyState title="Changing maintenance windows needs the operator role." />
      </>
    );
  }
  if (k && existing.error) return <ErrorBanner error={existing.error} />;
  if (k && !w) return <Loading what="Loading the window" />;
  const readOnly = Boolean(w?.managed);
  const rrule = presetRule(repeat, v.start, v.custom);
  const set = (name: string) => (e: { target: { value: string } }) =>
    setV((s) => ({ ...s, [name]: e.target.value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!k && !KEY_RE.test(v.key))
      local.key = 'Use lower-case letters, digits and dashes (e.g. db-patching).';
    if (!v.title.trim()) local.title = 'Title is required.';
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v.start)) local.start = 'Pick the start date and time.';
    if (!v.end && !DURATION_RE.test(v.duration.trim())) local.duration = 'Use a duration such as 1h or 90m.';
    if (v.notice.trim() && !DURATION_RE.test(v.notice.trim())) local.notice = 'Use a duration such as 1h.';
    if (repeat === 'custom' && !v.custom.trim()) local.rrule = 'Enter an RRULE, e.g. FREQ=MONTHLY;BYDAY=1SU.';
    setErrors(local);
    setFormError(Object.keys(local).length ? 'Please fix the fields marked below.' : null);
    if (Object.keys(local).length) return;
    const spec: Record<string, unknown> = {
      title: v.title.trim(),
      start: v.start,
      time_zone: v.time_zone.trim() || 'UTC',
      emergency,
    };
    if (v.description.trim()) spec.description = v.description.trim();
    if (svc.length) spec.services = svc;
    const ms = v.matchers
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
    if (ms.length) spec.matchers = ms;
    if (v.end) spec.end = v.end;
    else spec.duration = v.duration.trim();
    if (rrule) spec.rrule = rrule;
    if (v.notice.trim()) spec.notice = v.notice.trim();
    setBusy(true);
    try {
      if (k) {
        await api('PUT', `/api/v1/maintenance-windows/${encodeURIComponent(k)}`, {
          body: spec,
          version: w?.version,
        });
        toast.show(`Saved maintenance window ${k}.`);
        navigate(`/alerts/maintenance/${encodeURIComponent(k)}`);
      } else {
        await api('POST', '/api/v1/maintenance-windows', { body: { key: v.key, ...spec } });
        toast.show(`Created maintenance window ${v.key}.`);
        navigate(`/alerts/maintenance/${encodeURIComponent(v.key)}`);
      }
    } catch (err) {
      if (err instanceof ApiError) {
        const placed: Record<string, string> = {};
        const rest: string[] = [];
        const msgs = err.problem.errors?.length
          ? err.problem.errors.map((x) =>
              x.path && x.path !== '(root)' ? `${x.path.replace(/^body\.?/, '')} ${x.message}` : x.message,
            )
          : [err.message];
        for (const m of msgs) {
          const f = placeProblem(m);
          if (f === '_') rest.push(m);
          else placed[f === 'rrule' && repeat !== 'custom' ? 'repeat' : f] = m;
        }
        if (err.status === 412)
          rest.push('Someone changed this window meanwhile; reload to see their version.');
        setErrors(placed);
        setFormError(rest.length ? rest.join('; ') : 'Please fix the fields marked below.');
      } else setFormError(String(err));
    } finally {
      setBusy(false);
    }
  };

  const field = (name: string, label: string, control: ReactNode, help?: string, required = false) => (
    <div className={`field${errors[name] ? ' field-invalid' : ''}`}>
      <label htmlFor={`wf-${name}`}>
        {label}
        {required ? <span className="req"> (required)</span> : null}
      </label>
      {control}
      {help ? (
        <p id={`wf-${name}-help`} className="help">
          {help}
        </p>
      ) : null}
      {errors[name] ? (
        <p id={`wf-${name}-err`} className="field-error">
          {errors[name]}
        </p>
      ) : null}
    </div>
  );
  const aria = (name: string, help = true) => ({
    id: `wf-${name}`,
    'aria-invalid': errors[name] ? true : undefined,
    'aria-describedby':
      [help ? `wf-${name}-help` : '', errors[name] ? `wf-${name}-err` : ''].filter(Boolean).join(' ') ||
      undefined,
    disabled: readOnly || busy,
  });

  return (
    <>
      <nav aria-label="Breadcrumb" className="al-crumbs">
        <Link to="/alerts/maintenance">Maintenance</Link> <span aria-hidden="true">/</span>{' '}
        {k ? `${k} / edit` : 'new'}
      </nav>
      <PageHeader title={k ? `Edit ${w?.title ?? k}` : 'New maintenance window'}>
        Alerts for the scope are recorded and muted while an occurrence is in progress.
      </PageHeader>
      {w ? <ManagedBadge obj={w} /> : null}
      {readOnly ? (
        <div className="banner banner-info" role="status">
          This window is declared in the ops plan{w?.source ? ` at ${w.source}` : ''}; it is read-only here.
          Change it in vigil.yaml and apply.
        </div>
      ) : null}
      <form ref={formRef} className="form" onSubmit={submit} noValidate aria-label="Maintenance window">
        {formError ? (
          <div className="banner banner-error" role="alert">
            {formError}
          </div>
        ) : null}
        {field(
          'key',
          'Key',
          <input
            {...aria('key')}
            value={v.key}
            onChange={set('key')}
            disabled={Boolean(k) || readOnly || busy}
          />,
          'A slug that never changes, e.g. db-patching.',
          true,
        )}
        {field(
          'title',
          'Title',
          <input {...aria('title', false)} value={v.title} onChange={set('title')} />,
          undefined,
          true,
        )}
        {field(
          'description',
          'Description',
          <textarea {...aria('description')} rows={2} value={v.description} onChange={set('description')} />,
          'Shown on the status page with the window.',
        )}
        <fieldset
          className={`field al-fieldset${errors.services ? ' field-invalid' : ''}`}
          disabled={readOnly || busy}
        >
          <legend>Services</legend>
          <p className="help" id="wf-services-help">
            Alerts with one of these <code>service</code> labels are muted. None and no matchers: every alert.
          </p>
          <div className="al-checks">
            {(services.data?.items ?? []).map((s) => (
              <label key={s.key} className="al-check">
                <input
                  type="checkbox"
                  checked={svc.includes(s.key)}
                  onChange={(e) =>
                    setSvc((list) => (e.target.checked ? [...list, s.key] : list.filter((x) => x !== s.key)))
                  }
                />{' '}
                {String(s.name ?? s.key)}
              </label>
            ))}
          </div>
          {errors.services ? <p className="field-error">{errors.services}</p> : null}
        </fieldset>
        {field(
          'matchers',
          'Label matchers',
          <textarea
            {...aria('matchers')}
            rows={2}
            value={v.matchers}
            onChange={set('matchers')}
            spellCheck={false}
          />,
          'Optional, one per line (e.g. component=storage): narrows the scope further.',
        )}
        <div className="al-row">
          {field(
            'start',
            'Start (local time of the zone)',
            <input {...aria('start')} type="datetime-local" value={v.start} onChange={set('start')} />,
            'The first occurrence, as a wall-clock time in the time zone below.',
            true,
          )}
          {field(
            'time_zone',
            'Time zone',
            <>
              <input {...aria('time_zone')} list="wf-zones" value={v.time_zone} onChange={set('time_zone')} />
              <datalist id="wf-zones">
                {zones.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            </>,
            'IANA name, e.g. Europe/Berlin. Occurrences keep their local time across DST changes.',
          )}
        </div>
        {field(
          'duration',
          'Duration',
          <input
            {...aria('duration')}
            value={v.duration}
            onChange={set('duration')}
            disabled={Boolean(v.end) || readOnly || busy}
          />,
          v.end ? `Ends at ${v.end.replace('T', ' ')} (from the plan).` : 'e.g. 1h, 90m, 2h30m.',
          !v.end,
        )}
        {field(
          'repeat',
          'Repeats',
          <select {...aria('repeat')} value={repeat} onChange={(e) => setRepeat(e.target.value as Repeat)}>
            <option value="none">Does not repeat</option>
            <option value="daily">Every day</option>
            <option value="weekly">Every week on this weekday</option>
            <option value="monthly-nth">Every month on this nth weekday</option>
            <option value="custom">Custom RRULE…</option>
          </select>,
          rrule
            ? `${recurrenceText(rrule)} — ${rrule}`
            : v.start
              ? `Once, on ${v.start.replace('T', ' ')}.`
              : 'Pick a start first.',
        )}
        {repeat === 'custom'
          ? field(
              'rrule',
              'RRULE',
              <input {...aria('rrule')} value={v.custom} onChange={set('custom')} spellCheck={false} />,
              'RFC 5545, without DTSTART: e.g. FREQ=MONTHLY;BYDAY=1SU or FREQ=WEEKLY;INTERVAL=2;BYDAY=SU.',
              true,
            )
          : null}
        {field(
          'notice',
          'Notice',
          <input {...aria('notice')} value={v.notice} onChange={set('notice')} />,
          'Optional: announce the window this long before it starts (status page), e.g. 1h or 3d.',
        )}
        <label className="al-check">
          <input
            type="checkbox"
            checked={emergency}
            disabled={readOnly || busy}
            onChange={(e) => setEmergency(e.target.checked)}
          />{' '}
          Emergency maintenance
        </label>
        {readOnly ? null : (
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? 'Saving…' : k ? 'Save changes' : 'Create window'}
            </button>
            <Link
              className="btn"
              to={k ? `/alerts/maintenance/${encodeURIComponent(k)}` : '/alerts/maintenance'}
            >
              Cancel
            </Link>
          </div>
        )}
      </form>
    </>
  );
}
