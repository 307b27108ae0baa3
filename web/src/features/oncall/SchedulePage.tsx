/**
 * `/oncall/schedules/<key>`: the computed timeline of a schedule for the coming weeks — each layer's
 * turns, the overrides and the final result with gaps highlighted — plus overrides (create/delete)
 * and the iCalendar feed links.
 */
import { type FormEvent, useMemo, useState } from 'react';
import { ApiError, api, type CatalogObject, roleAtLeast } from '../../api.ts';
import { catalogTypes, useLiveEvents } from '../../live.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import {
  EmptyState,
  ErrorBanner,
  Facts,
  Loading,
  ManagedBadge,
  PageHeader,
  useApi,
} from '../../ui/components.tsx';
import { SimpleTable } from '../../ui/table.tsx';
import { useToast } from '../../ui/toast.tsx';
import { CopyField } from './CopyField.tsx';
import {
  addDays,
  dateIn,
  fmtIn,
  midnightIn,
  type OverrideOut,
  Person,
  type ShiftsOut,
  toLocalInput,
  usePeople,
  ZTime,
} from './common.tsx';

const SPANS = [7, 14, 28];
const COLOURS = 6;

interface Segment {
  start: number;
  end: number;
  user: string | null;
  note?: string;
}

/** One horizontal track: positioned segments over [from, to). */
function Track({
  label,
  segments,
  from,
  to,
  colour,
  names,
  zone,
  kind,
}: {
  label: string;
  segments: Segment[];
  from: number;
  to: number;
  colour: (u: string | null) => number;
  names: Map<string, string>;
  zone: string;
  kind: 'final' | 'layer' | 'override';
}) {
  const span = to - from;
  return (
    <div className={`oc-row oc-row-${kind}`}>
      <div className="oc-row-label">{label}</div>
      <div className="oc-track">
        {segments.map((s) => {
          const left = ((Math.max(s.start, from) - from) / span) * 100;
          const width = ((Math.min(s.end, to) - Math.max(s.start, from)) / span) * 100;
          if (width <= 0) return null;
          const who = s.user === null ? 'nobody' : (names.get(s.user) ?? s.user);
          const cls = s.user === null ? 'oc-seg oc-gap' : `oc-seg oc-c${colour(s.user)}`;
          return (
            <div
              key={`${s.start}-${s.user}`}
              className={cls}
              style={{ left: `${left}%`, width: `${width}%` }}
              title={`${who}: ${fmtIn(new Date(s.start).toISOString(), zone)} → ${fmtIn(new Date(s.end).toISOString(), zone)}${s.note ? ` (${s.note})` : ''}`}
            >
              <span className="oc-seg-text">{s.user === null ? 'gap' : who}</span>
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** The day ruler above the tracks: the schedule zone's midnights. */
function Ruler({
  day,
  days,
  from,
  to,
  zone,
}: {
  day: string;
  days: number;
  from: number;
  to: number;
  zone: string;
}) {
  const every = days > 14 ? 2 : 1;
  const ticks = Array.from({ length: days }, (_, i) => addDays(day, i))
    .filter((_, i) => i % every === 0)
    .map((d) => ({ d, at: midnightIn(d, zone) }));
  return (
    <div className="oc-row oc-ruler">
      <div className="oc-row-label" />
      <div className="oc-track">
        {ticks.map((t) => (
          <span key={t.d} className="oc-tick" style={{ left: `${((t.at - from) / (to - from)) * 100}%` }}>
            {new Date(`${t.d}T12:00:00Z`).toLocaleDateString(undefined, {
              timeZone: 'UTC',
              weekday: 'short',
              day: 'numeric',
            })}
          </span>
        ))}
      </div>
    </div>
  );
}

export function SchedulePage({ k }: { k: string }) {
  const { user } = useSession();
  const toast = useToast();
  const canOverride = roleAtLeast(user?.role, 'responder');
  const enc = encodeURIComponent(k);
  const sched = useApi<CatalogObject>(`/api/v1/schedules/${enc}`);
  // The range is whole days in the schedule's zone, starting today there.
  const zone = sched.data ? String(sched.data.time_zone ?? 'UTC') : null;
  const [chosenDay, setDay] = useState<string | null>(null);
  const [days, setDays] = useState(14);
  const day = chosenDay ?? (zone ? dateIn(Date.now(), zone) : '1970-01-01');
  const from = zone ? midnightIn(day, zone) : 0;
  const to = zone ? midnightIn(addDays(day, days), zone) : 0;
  const shifts = useApi<ShiftsOut>(
    zone
      ? `/api/v1/schedules/${enc}/shifts?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&layers=true`
      : null,
  );
  const apiOverrides = useApi<{ items: OverrideOut[] }>(`/api/v1/schedules/${enc}/overrides`);
  const feed = useApi<{ url: string }>(`/api/v1/schedules/${enc}/calendar-url`);
  const myFeed = useApi<{ url: string }>(
    user ? `/api/v1/oncall/users/${encodeURIComponent(user.email)}/calendar-url` : null,
  );
  const { names, users } = usePeople();
  const reloadAll = () => {
    sched.reload();
    shifts.reload();
    apiOverrides.reload();
  };
  useLiveEvents(
    [...catalogTypes('schedule'), 'schedule.override_created', 'schedule.override_deleted'],
    (e) => e.subject.key === k && reloadAll(),
  );

  const data = shifts.data;
  const colour = useMemo(() => {
    const order = new Map<string, number>();
    for (const l of data?.layers ?? [])
      for (const s of l.items) if (!order.has(s.user)) order.set(s.user, order.size);
    for (const s of data?.items ?? []) if (s.user && !order.has(s.user)) order.set(s.user, order.size);
    return (u: string | null) => (u === null ? 0 : (order.get(u) ?? 0) % COLOURS);
  }, [data]);

  if (sched.error) return <ErrorBanner error={sched.error} />;
  if (!sched.data) return <Loading />;
  const s = sched.data;
  const tz = zone ?? 'UTC';
  const layers =
    (s.layers as Array<{
      key: string;
      name?: string;
      participants: string[];
      turn: string;
      handoff?: string;
      time_zone?: string;
      restrictions?: unknown[];
    }>) ?? [];
  const apiIds = new Set((apiOverrides.data?.items ?? []).map((o) => o.id));
  const gaps = (data?.items ?? []).filter((x) => x.user === null);
  const gapHours = gaps.reduce((n, g) => n + (Date.parse(g.end) - Date.parse(g.start)), 0) / 3_600_000;
  const ms = (iso: string) => Date.parse(iso);

  const remove = async (o: OverrideOut) => {
    const who = o.user === null ? 'nobody' : (names.get(o.user) ?? o.user);
    if (!window.confirm(`Delete the override for ${who} (${fmtIn(o.start, tz)} → ${fmtIn(o.end, tz)})?`))
      return;
    try {
      await api('DELETE', `/api/v1/schedules/${enc}/overrides/${encodeURIComponent(o.id ?? '')}`);
      toast.show('Override deleted.');
      reloadAll();
    } catch (err) {
      toast.show((err as Error).message, 'error');
    }
  };

  return (
    <>
      <PageHeader
        title={String(s.name ?? s.key)}
        actions={
          <Link className="btn" to="/oncall">
            ← On call now
          </Link>
        }
      >
        <span className="kind-tag">schedule</span> <code>{s.key}</code> <ManagedBadge obj={s} /> · times in{' '}
        {tz}
      </PageHeader>

      <section className="card" aria-labelledby="oc-tl-h">
        <h2 id="oc-tl-h">Timeline</h2>
        <form className="filters" aria-label="Time range" onSubmit={(e) => e.preventDefault()}>
          <div className="filter">
            <label htmlFor="oc-from">From</label>
            <input
              id="oc-from"
              type="date"
              value={day}
              onChange={(e) => e.target.value && setDay(e.target.value)}
            />
          </div>
          <div className="filter">
            <label htmlFor="oc-span">Show</label>
            <select id="oc-span" value={days} onChange={(e) => setDays(Number(e.target.value))}>
              {SPANS.map((d) => (
                <option key={d} value={d}>
                  {d} days
                </option>
              ))}
            </select>
          </div>
          <div className="oc-range-buttons">
            <button type="button" className="btn" onClick={() => setDay(addDays(day, -days))}>
              ← Earlier
            </button>
            <button type="button" className="btn" onClick={() => setDay(null)}>
              Today
            </button>
            <button type="button" className="btn" onClick={() => setDay(addDays(day, days))}>
              Later →
            </button>
          </div>
        </form>
        <ErrorBanner error={shifts.error} />
        {!data ? (
          <Loading />
        ) : (
          <>
            {gaps.length ? (
              <div className="banner banner-error" role="note">
                {gaps.length} gap{gaps.length === 1 ? '' : 's'} in this range ({gapHours.toFixed(1)} h with
                nobody on call). Add a layer or an override to cover {gaps.length === 1 ? 'it' : 'them'}.
              </div>
            ) : (
              <p className="muted">No gaps in this range: someone is on call at every moment.</p>
            )}
            <div className="oc-timeline" aria-hidden="true">
              <Ruler day={day} days={days} from={from} to={to} zone={tz} />
              <Track
                label="Final"
                kind="final"
                from={from}
                to={to}
                zone={tz}
                names={names}
                colour={colour}
                segments={data.items.map((x) => ({ start: ms(x.start), end: ms(x.end), user: x.user }))}
              />
              <Track
                label="Overrides"
                kind="override"
                from={from}
                to={to}
                zone={tz}
                names={names}
                colour={colour}
                segments={(data.overrides ?? []).map((o) => ({
                  start: ms(o.start),
                  end: ms(o.end),
                  user: o.user,
                  note: o.reason ?? undefined,
                }))}
              />
              {[...(data.layers ?? [])].reverse().map((l) => (
                <Track
                  key={l.key}
                  label={l.name ?? l.key}
                  kind="layer"
                  from={from}
                  to={to}
                  zone={tz}
                  names={names}
                  colour={colour}
                  segments={l.items.map((x) => ({ start: ms(x.start), end: ms(x.end), user: x.user }))}
                />
              ))}
            </div>
            <p className="muted oc-legend">
              Layers are listed by priority (top wins where it has someone); overrides win over every layer;
              the final row is who gets paged. Hatched red: nobody on call.
            </p>
            <details className="oc-details">
              <summary>Final shifts as a table ({data.items.length})</summary>
              <SimpleTable
                caption="Final shifts"
                rows={data.items}
                rowKey={(x) => x.start}
                columns={[
                  { header: 'From', cell: (x) => <ZTime iso={x.start} zone={tz} /> },
                  { header: 'To', cell: (x) => <ZTime iso={x.end} zone={tz} /> },
                  { header: 'On call', cell: (x) => <Person k={x.user} names={names} /> },
                  {
                    header: 'Source',
                    cell: (x) =>
                      x.override ? (
                        'override'
                      ) : x.layer ? (
                        `layer ${x.layer}`
                      ) : (
                        <span className="muted">gap</span>
                      ),
                  },
                ]}
                empty={<EmptyState title="Nothing in this range." />}
              />
            </details>
          </>
        )}
      </section>

      <div className="grid-2">
        <section className="card" aria-labelledby="oc-ov-h">
          <h2 id="oc-ov-h">Overrides</h2>
          <SimpleTable
            caption="Overrides in and after this range"
            rows={(data?.overrides ?? []).concat(
              (apiOverrides.data?.items ?? []).filter(
                (o) => !(data?.overrides ?? []).some((x) => x.id === o.id) && Date.parse(o.end) > Date.now(),
              ),
            )}
            rowKey={(o) => `${o.id}-${o.start}`}
            columns={[
              { header: 'Who', cell: (o) => <Person k={o.user} names={names} /> },
              {
                header: 'When',
                cell: (o) => (
                  <>
                    <ZTime iso={o.start} zone={tz} /> → <ZTime iso={o.end} zone={tz} />
                  </>
                ),
              },
              { header: 'Reason', cell: (o) => o.reason ?? <span className="muted">—</span> },
              {
                header: 'Actions',
                cell: (o) =>
                  o.id && apiIds.has(o.id) ? (
                    canOverride ? (
                      <button
                        type="button"
                        className="btn btn-small btn-danger"
                        aria-label={`Delete override for ${o.user === null ? 'nobody' : (names.get(o.user) ?? o.user)} from ${fmtIn(o.start, tz)}`}
                        onClick={() => void remove(o)}
                      >
                        Delete
                      </button>
                    ) : (
                      <span className="muted">—</span>
                    )
                  ) : (
                    <span className="badge badge-managed" title="declared in the ops plan">
                      in vigil.yaml
                    </span>
                  ),
              },
            ]}
            empty={<EmptyState title="No overrides in this range." />}
          />
          {canOverride ? (
            <OverrideForm
              k={k}
              zone={tz}
              users={users.map((u) => ({ key: u.key, name: String(u.name ?? u.key) }))}
              onCreated={reloadAll}
            />
          ) : (
            <p className="muted">Creating overrides needs the responder role.</p>
          )}
        </section>
        <section className="card" aria-labelledby="oc-cfg-h">
          <h2 id="oc-cfg-h">Configuration</h2>
          {s.managed ? (
            <p className="muted">
              Declared in the ops plan{s.source ? ` at ${s.source}` : ''}: change layers there and apply.
            </p>
          ) : null}
          <Facts
            rows={[
              ['Time zone', tz],
              ['Layers (bottom to top)', String(layers.length)],
            ]}
          />
          <SimpleTable
            caption="Layers"
            rows={layers}
            rowKey={(l) => l.key}
            columns={[
              { header: 'Layer', cell: (l) => l.name ?? l.key },
              {
                header: 'Participants',
                cell: (l) => (
                  <ol className="oc-inline-list">
                    {l.participants.map((p) => (
                      <li key={p}>
                        <Person k={p} names={names} />
                      </li>
                    ))}
                  </ol>
                ),
              },
              {
                header: 'Turn',
                cell: (l) =>
                  `${l.turn}, hand-off ${l.handoff ?? '00:00'} ${l.time_zone ?? tz}${l.restrictions?.length ? ' (restricted)' : ''}`,
              },
            ]}
            empty={<EmptyState title="No layers." />}
          />
          <h3>Calendar feeds</h3>
          <p className="muted">
            Subscribe in your calendar app (the link carries its own secret: share it carefully).
          </p>
          {feed.data ? (
            <CopyField label="This schedule (iCal)" value={feed.data.url} />
          ) : (
            <ErrorBanner error={feed.error} />
          )}
          {myFeed.data ? (
            <CopyField label="My shifts in every schedule (iCal)" value={myFeed.data.url} />
          ) : null}
        </section>
      </div>
    </>
  );
}

function OverrideForm({
  k,
  zone,
  users,
  onCreated,
}: {
  k: string;
  zone: string;
  users: Array<{ key: string; name: string }>;
  onCreated: () => void;
}) {
  const toast = useToast();
  const now = Date.now();
  const [who, setWho] = useState('');
  const [start, setStart] = useState(toLocalInput(Math.ceil(now / 3_600_000) * 3_600_000));
  const [end, setEnd] = useState(toLocalInput(Math.ceil(now / 3_600_000) * 3_600_000 + 4 * 3_600_000));
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!who) errs.user = 'Choose who covers, or “Nobody” for a deliberate gap.';
    if (!start) errs.start = 'Start is required.';
    if (!end) errs.end = 'End is required.';
    else if (start && new Date(end) <= new Date(start)) errs.end = 'End must be after start.';
    setErrors(errs);
    setFormError(Object.keys(errs).length ? 'Please fix the fields marked below.' : null);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      await api('POST', `/api/v1/schedules/${encodeURIComponent(k)}/overrides`, {
        body: {
          user: who === '__nobody__' ? null : who,
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
          ...(reason.trim() ? { reason: reason.trim() } : {}),
        },
      });
      toast.show('Override created.');
      setReason('');
      onCreated();
    } catch (err) {
      if (err instanceof ApiError) {
        const fe = err.fieldErrors();
        setErrors(fe);
        setFormError(fe._ ?? err.message);
      } else setFormError(String(err));
    } finally {
      setBusy(false);
    }
  };
  const field = (name: string) => ({
    'aria-invalid': errors[name] ? true : undefined,
    'aria-describedby': errors[name] ? `oc-ov-${name}-err` : undefined,
  });
  const err = (name: string) =>
    errors[name] ? (
      <p id={`oc-ov-${name}-err`} className="field-error">
        {errors[name]}
      </p>
    ) : null;
  return (
    <form className="form oc-override-form" onSubmit={submit} noValidate aria-labelledby="oc-new-ov-h">
      <h3 id="oc-new-ov-h">New override</h3>
      {formError ? (
        <div className="banner banner-error" role="alert">
          {formError}
        </div>
      ) : null}
      <div className={`field${errors.user ? ' field-invalid' : ''}`}>
        <label htmlFor="oc-ov-user">
          Who covers<span className="req"> (required)</span>
        </label>
        <select id="oc-ov-user" value={who} onChange={(e) => setWho(e.target.value)} {...field('user')}>
          <option value="">Choose…</option>
          {users.map((u) => (
            <option key={u.key} value={u.key}>
              {u.name} ({u.key})
            </option>
          ))}
          <option value="__nobody__">Nobody (a deliberate gap)</option>
        </select>
        {err('user')}
      </div>
      <div className={`field${errors.start ? ' field-invalid' : ''}`}>
        <label htmlFor="oc-ov-start">
          Start<span className="req"> (required)</span>
        </label>
        <input
          id="oc-ov-start"
          type="datetime-local"
          value={start}
          onChange={(e) => setStart(e.target.value)}
          {...field('start')}
        />
        {err('start')}
      </div>
      <div className={`field${errors.end ? ' field-invalid' : ''}`}>
        <label htmlFor="oc-ov-end">
          End<span className="req"> (required)</span>
        </label>
        <input
          id="oc-ov-end"
          type="datetime-local"
          value={end}
          onChange={(e) => setEnd(e.target.value)}
          {...field('end')}
        />
        {err('end')}
      </div>
      <p className="help">Times are in your browser’s zone; the schedule shows them in {zone}.</p>
      <div className="field">
        <label htmlFor="oc-ov-reason">Reason</label>
        <input id="oc-ov-reason" value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Create override'}
        </button>
      </div>
    </form>
  );
}
