/**
 * `/oncall/policies`: escalation policies (levels, delays, repeat, severity behaviour, where they
 * are routed) and `/oncall/policies/new` | `/oncall/policies/<key>`: the editor. Plan-managed
 * policies are read-only with the managed badge; writes need the operator role and send If-Match.
 */
import { type FormEvent, useState } from 'react';
import { ApiError, api, type CatalogObject, type Page, roleAtLeast } from '../../api.ts';
import { catalogTypes, useLiveEvents } from '../../live.ts';
import { Link, navigate } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { EmptyState, ErrorBanner, Loading, ManagedBadge, PageHeader, useApi } from '../../ui/components.tsx';
import { SimpleTable } from '../../ui/table.tsx';
import { useToast } from '../../ui/toast.tsx';
import { TargetLink, targetText, usePeople } from './common.tsx';

interface Level {
  targets: string[];
  delay: string;
}
interface SevRule {
  severity: string;
  page: boolean;
  urgency: 'high' | 'low';
  also_notify: string[];
  channels: string[];
  ticket: string;
}
interface Draft {
  key: string;
  name: string;
  levels: Level[];
  repeat: string;
  ack_timeout: string;
  rules: SevRule[];
}

const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const KEY = /^[a-z0-9][a-z0-9-]{0,62}$/;

function toDraft(p: CatalogObject | undefined): Draft {
  if (!p)
    return {
      key: '',
      name: '',
      levels: [{ targets: [], delay: '5m' }],
      repeat: '0',
      ack_timeout: '',
      rules: [],
    };
  const overrides = (p.severity_overrides ?? {}) as Record<
    string,
    {
      page?: boolean;
      urgency?: 'high' | 'low';
      also_notify?: unknown[];
      channels?: string[];
      ticket?: string;
    }
  >;
  return {
    key: p.key,
    name: String(p.name ?? ''),
    levels: ((p.levels as Array<{ targets: unknown[]; delay: string }>) ?? []).map((l) => ({
      targets: l.targets.map(targetText),
      delay: l.delay,
    })),
    repeat: String(p.repeat ?? 0),
    ack_timeout: String(p.ack_timeout ?? ''),
    rules: Object.entries(overrides).map(([severity, r]) => ({
      severity,
      page: r.page !== false,
      urgency: r.urgency === 'low' ? 'low' : 'high',
      also_notify: (r.also_notify ?? []).map(targetText),
      channels: r.channels ?? [],
      ticket: r.ticket ?? '',
    })),
  };
}

function toSpec(d: Draft): Record<string, unknown> {
  const severity_overrides: Record<string, unknown> = {};
  for (const r of d.rules) {
    severity_overrides[r.severity] = {
      ...(r.page ? {} : { page: false }),
      ...(r.page && r.urgency === 'low' ? { urgency: 'low' } : {}),
      ...(r.also_notify.length && r.page ? { also_notify: r.also_notify } : {}),
      ...(r.channels.length ? { channels: r.channels } : {}),
      ...(r.ticket ? { ticket: r.ticket } : {}),
    };
  }
  return {
    ...(d.name.trim() ? { name: d.name.trim() } : {}),
    levels: d.levels.map((l) => ({ targets: l.targets, delay: l.delay.trim() })),
    ...(Number(d.repeat) ? { repeat: Number(d.repeat) } : {}),
    ...(d.ack_timeout.trim() ? { ack_timeout: d.ack_timeout.trim() } : {}),
    ...(d.rules.length ? { severity_overrides } : {}),
  };
}

/** Local checks mirroring the server's schema; keys are field ids used in the form. */
function check(d: Draft, creating: boolean): Record<string, string> {
  const e: Record<string, string> = {};
  if (creating && !KEY.test(d.key))
    e.key = 'Use lower-case letters, digits and dashes (e.g. platform-paging).';
  if (!d.levels.length) e.levels = 'Add at least one level.';
  d.levels.forEach((l, i) => {
    if (!l.targets.length) e[`level-${i}-targets`] = 'Add at least one target.';
    if (!DURATION.test(l.delay.trim())) e[`level-${i}-delay`] = 'A duration such as 5m, 1h or 1h30m.';
  });
  if (!/^\d{1,3}$/.test(d.repeat) || Number(d.repeat) > 100) e.repeat = 'A whole number from 0 to 100.';
  if (d.ack_timeout.trim() && !DURATION.test(d.ack_timeout.trim()))
    e.ack_timeout = 'A duration such as 30m or 2h.';
  const seen = new Set<string>();
  d.rules.forEach((r, i) => {
    if (!r.severity) e[`rule-${i}-severity`] = 'Choose a severity.';
    else if (seen.has(r.severity)) e[`rule-${i}-severity`] = 'This severity already has a rule.';
    seen.add(r.severity);
  });
  return e;
}

function summary(p: CatalogObject): string {
  const levels = (p.levels as Array<{ delay: string }>) ?? [];
  return levels.map((l) => l.delay).join(' → ');
}

export function PoliciesPage() {
  const { user } = useSession();
  const canWrite = roleAtLeast(user?.role, 'operator');
  const list = useApi<Page<CatalogObject>>('/api/v1/escalation-policies?limit=500');
  const paging = useApi<CatalogObject>('/api/v1/paging');
  const { names } = usePeople();
  useLiveEvents(catalogTypes('escalation_policy', 'paging'), () => {
    list.reload();
    paging.reload();
  });
  const routes = (paging.data ?? {}) as {
    default_policy?: string;
    teams?: Record<string, string>;
    services?: Record<string, string>;
  };
  const usedBy = (key: string) => [
    ...(routes.default_policy === key ? ['default'] : []),
    ...Object.entries(routes.teams ?? {})
      .filter(([, p]) => p === key)
      .map(([t]) => `team ${t}`),
    ...Object.entries(routes.services ?? {})
      .filter(([, p]) => p === key)
      .map(([s]) => `service ${s}`),
  ];
  return (
    <>
      <PageHeader
        title="Escalation policies"
        actions={
          canWrite ? (
            <Link className="btn btn-primary" to="/oncall/policies/new">
              New escalation policy
            </Link>
          ) : null
        }
      >
        Who is paged when an incident opens, and who next if nobody acknowledges.
      </PageHeader>
      <ErrorBanner error={list.error} />
      {!list.data ? (
        list.error ? null : (
          <Loading />
        )
      ) : (
        <SimpleTable
          caption="Escalation policies"
          rows={list.data.items}
          rowKey={(p) => p.key}
          columns={[
            {
              header: 'Policy',
              cell: (p) => (
                <>
                  <Link to={`/oncall/policies/${encodeURIComponent(p.key)}`}>{String(p.name ?? p.key)}</Link>{' '}
                  <ManagedBadge obj={p} />
                </>
              ),
            },
            {
              header: 'Level 1',
              cell: (p) => (
                <ul className="oc-inline-list">
                  {(((p.levels as Array<{ targets: unknown[] }>) ?? [])[0]?.targets ?? []).map((t) => (
                    <li key={targetText(t)}>
                      <TargetLink t={t} names={names} />
                    </li>
                  ))}
                </ul>
              ),
            },
            {
              header: 'Levels (delays)',
              cell: (p) => `${((p.levels as unknown[]) ?? []).length} (${summary(p)})`,
            },
            { header: 'Repeat', cell: (p) => String(p.repeat ?? 0) },
            {
              header: 'Severity rules',
              cell: (p) =>
                Object.keys((p.severity_overrides as object) ?? {}).join(', ') || (
                  <span className="muted">—</span>
                ),
            },
            {
              header: 'Routed from',
              cell: (p) => usedBy(p.key).join(', ') || <span className="muted">not routed</span>,
            },
          ]}
          empty={
            <EmptyState title="No escalation policies yet.">
              Declare them under <code>escalation_policies:</code> in vigil.yaml and apply
              {canWrite ? ', or create one with “New escalation policy”.' : '.'}
            </EmptyState>
          }
        />
      )}
    </>
  );
}

/** A target picker: type + key from the known users, schedules and teams. */
function TargetAdder({
  id,
  label,
  onAdd,
  disabled,
  options,
}: {
  id: string;
  label: string;
  onAdd: (t: string) => void;
  disabled: boolean;
  options: Record<'user' | 'schedule' | 'team', Array<{ key: string; name: string }>>;
}) {
  const [type, setType] = useState<'user' | 'schedule' | 'team'>('schedule');
  const [key, setKey] = useState('');
  return (
    <div className="oc-row-fields">
      <div className="field">
        <label htmlFor={`${id}-type`}>{label}: type</label>
        <select
          id={`${id}-type`}
          value={type}
          disabled={disabled}
          onChange={(e) => {
            setType(e.target.value as 'user');
            setKey('');
          }}
        >
          <option value="schedule">schedule (whoever is on call)</option>
          <option value="user">user</option>
          <option value="team">team (every member)</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-key`}>{label}: who</label>
        <select id={`${id}-key`} value={key} disabled={disabled} onChange={(e) => setKey(e.target.value)}>
          <option value="">Choose…</option>
          {options[type].map((o) => (
            <option key={o.key} value={o.key}>
              {o.name}
            </option>
          ))}
        </select>
      </div>
      <button
        type="button"
        className="btn"
        disabled={disabled || !key}
        onClick={() => {
          onAdd(`${type}:${key}`);
          setKey('');
        }}
      >
        Add {label.toLowerCase()}
      </button>
    </div>
  );
}

function Chips({
  items,
  onRemove,
  disabled,
  names,
  label,
}: {
  items: string[];
  onRemove: (i: number) => void;
  disabled: boolean;
  names: Map<string, string>;
  label: string;
}) {
  if (!items.length) return <p className="muted">None yet.</p>;
  return (
    <ul className="oc-targets" aria-label={label}>
      {items.map((t, i) => (
        <li key={t} className="oc-chip">
          <TargetLink t={t} names={names} />
          {disabled ? null : (
            <button type="button" className="btn-icon" aria-label={`Remove ${t}`} onClick={() => onRemove(i)}>
              ×
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

export function PolicyEditor({ k }: { k?: string }) {
  const { user } = useSession();
  const toast = useToast();
  const existing = useApi<CatalogObject>(k ? `/api/v1/escalation-policies/${encodeURIComponent(k)}` : null);
  const schedules = useApi<Page<CatalogObject>>('/api/v1/schedules?limit=500');
  const teams = useApi<Page<CatalogObject>>('/api/v1/teams?limit=500');
  const severities = useApi<Page<CatalogObject>>('/api/v1/severities?limit=100');
  const channels = useApi<Page<CatalogObject>>('/api/v1/notification-channels?limit=500');
  const { names, users } = usePeople();
  if (existing.error) return <ErrorBanner error={existing.error} />;
  if (k && !existing.data) return <Loading />;
  const obj = existing.data;
  const canWrite = roleAtLeast(user?.role, 'operator');
  const readOnly = Boolean(obj?.managed) || !canWrite;
  const options = {
    user: users.map((u) => ({ key: u.key, name: `${String(u.name ?? u.key)} (${u.key})` })),
    schedule: (schedules.data?.items ?? []).map((s) => ({ key: s.key, name: String(s.name ?? s.key) })),
    team: (teams.data?.items ?? []).map((t) => ({ key: t.key, name: String(t.name ?? t.key) })),
  };
  return (
    <>
      <PageHeader
        title={obj ? String(obj.name ?? obj.key) : 'New escalation policy'}
        actions={
          <Link className="btn" to="/oncall/policies">
            ← All policies
          </Link>
        }
      >
        {obj ? (
          <>
            <span className="kind-tag">escalation policy</span> <code>{obj.key}</code>{' '}
            <ManagedBadge obj={obj} />
          </>
        ) : (
          'Levels are paged in order; each waits its delay for an acknowledgement before the next.'
        )}
      </PageHeader>
      {obj?.managed ? (
        <div className="banner banner-info" role="note">
          This policy is declared in the ops plan{obj.source ? ` at ${obj.source}` : ''}. Change it there and
          apply; the console shows it read-only.
        </div>
      ) : !canWrite ? (
        <div className="banner banner-info" role="note">
          Changing escalation policies needs the operator role.
        </div>
      ) : null}
      <PolicyForm
        key={`${obj?.key ?? 'new'}-${obj?.version ?? 0}`}
        obj={obj}
        readOnly={readOnly}
        options={options}
        names={names}
        severities={(severities.data?.items ?? []).map((s) => ({
          key: s.key,
          label: String(s.label ?? s.key),
        }))}
        channels={(channels.data?.items ?? []).map((c) => ({
          key: c.key,
          name: String(c.name ?? c.key),
          type: String(c.type),
        }))}
        onSaved={(saved, created) => {
          toast.show(`${created ? 'Created' : 'Saved'} escalation policy ${saved.key}.`);
          if (created) navigate(`/oncall/policies/${encodeURIComponent(saved.key)}`);
          else existing.reload();
        }}
        onDeleted={(key) => {
          toast.show(`Deleted escalation policy ${key}.`);
          navigate('/oncall/policies');
        }}
      />
    </>
  );
}

function PolicyForm(props: {
  obj: CatalogObject | undefined;
  readOnly: boolean;
  options: Record<'user' | 'schedule' | 'team', Array<{ key: string; name: string }>>;
  names: Map<string, string>;
  severities: Array<{ key: string; label: string }>;
  channels: Array<{ key: string; name: string; type: string }>;
  onSaved: (o: CatalogObject, created: boolean) => void;
  onDeleted: (key: string) => void;
}) {
  const { obj, readOnly, names } = props;
  const [d, setD] = useState<Draft>(() => toDraft(obj));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Draft>) => setD((x) => ({ ...x, ...patch }));
  const setLevel = (i: number, patch: Partial<Level>) =>
    set({ levels: d.levels.map((l, j) => (j === i ? { ...l, ...patch } : l)) });
  const setRule = (i: number, patch: Partial<SevRule>) =>
    set({ rules: d.rules.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  const move = (i: number, by: number) => {
    const levels = [...d.levels];
    const [l] = levels.splice(i, 1);
    levels.splice(i + by, 0, l);
    set({ levels });
  };
  const deadline = (i: number) => {
    // Deadlines from the start: level 1 at once, level n after the delays of the levels before it.
    let ms = 0;
    for (let j = 0; j < i; j++) ms += parseDur(d.levels[j].delay);
    return ms;
  };
  const err = (id: string) =>
    errors[id] ? (
      <p id={`${id}-err`} className="field-error">
        {errors[id]}
      </p>
    ) : null;
  const aria = (id: string) => ({
    'aria-invalid': errors[id] ? true : undefined,
    'aria-describedby': errors[id] ? `${id}-err` : undefined,
  });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const local = check(d, !obj);
    setErrors(local);
    if (Object.keys(local).length) {
      setFormError('Please fix the fields marked below.');
      return;
    }
    setFormError(null);
    setBusy(true);
    try {
      const spec = toSpec(d);
      const saved = obj
        ? await api<CatalogObject>('PUT', `/api/v1/escalation-policies/${encodeURIComponent(obj.key)}`, {
            body: spec,
            version: obj.version,
          })
        : await api<CatalogObject>('POST', '/api/v1/escalation-policies', { body: { key: d.key, ...spec } });
      props.onSaved(saved, !obj);
    } catch (err) {
      if (err instanceof ApiError) {
        const fe = err.fieldErrors();
        const placed: Record<string, string> = {};
        const rest: string[] = [];
        for (const [k, v] of Object.entries(fe)) {
          if (k === 'key' || k === 'repeat' || k === 'ack_timeout' || k === 'name') placed[k] = v;
          else rest.push(k === '_' ? v : `${k}: ${v}`);
        }
        setErrors(placed);
        setFormError(
          err.status === 412
            ? 'Someone changed this policy since you opened it. Reload the page to see their version.'
            : rest.join('; ') || err.message,
        );
      } else setFormError(String(err));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!obj || !window.confirm(`Delete escalation policy ${obj.key}? Incidents routed to it will not page.`))
      return;
    try {
      await api('DELETE', `/api/v1/escalation-policies/${encodeURIComponent(obj.key)}`, {
        version: obj.version,
      });
      props.onDeleted(obj.key);
    } catch (err) {
      setFormError((err as Error).message);
    }
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-label="Escalation policy">
      {formError ? (
        <div className="banner banner-error" role="alert">
          {formError}
        </div>
      ) : null}
      <section className="card" aria-labelledby="oc-p-basics">
        <h2 id="oc-p-basics">Basics</h2>
        <div className="oc-row-fields">
          <div className={`field${errors.key ? ' field-invalid' : ''}`}>
            <label htmlFor="key">
              Key<span className="req"> (required)</span>
            </label>
            <input
              id="key"
              value={d.key}
              disabled={readOnly || Boolean(obj)}
              onChange={(e) => set({ key: e.target.value })}
              {...aria('key')}
            />
            {err('key')}
          </div>
          <div className="field">
            <label htmlFor="name">Name</label>
            <input
              id="name"
              value={d.name}
              disabled={readOnly}
              onChange={(e) => set({ name: e.target.value })}
            />
          </div>
          <div className={`field${errors.repeat ? ' field-invalid' : ''}`}>
            <label htmlFor="repeat">Repeat the ladder (times)</label>
            <input
              id="repeat"
              type="number"
              min={0}
              max={100}
              value={d.repeat}
              disabled={readOnly}
              onChange={(e) => set({ repeat: e.target.value })}
              {...aria('repeat')}
            />
            {err('repeat')}
          </div>
          <div className={`field${errors.ack_timeout ? ' field-invalid' : ''}`}>
            <label htmlFor="ack_timeout">Re-page if acknowledged but open after</label>
            <input
              id="ack_timeout"
              placeholder="off"
              value={d.ack_timeout}
              disabled={readOnly}
              onChange={(e) => set({ ack_timeout: e.target.value })}
              {...aria('ack_timeout')}
            />
            {err('ack_timeout')}
          </div>
        </div>
      </section>
      <section className="card" aria-labelledby="oc-p-levels">
        <h2 id="oc-p-levels">Levels</h2>
        {errors.levels ? <p className="field-error">{errors.levels}</p> : null}
        <ol className="oc-levels">
          {d.levels.map((l, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: levels are positional
            <li key={i} className="oc-level">
              <div className="oc-level-head">
                <h3>
                  Level {i + 1}{' '}
                  <span className="muted">
                    — paged {i === 0 ? 'at once' : `after ${fmtDur(deadline(i))} without acknowledgement`}
                  </span>
                </h3>
                {readOnly ? null : (
                  <div className="actions">
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={i === 0}
                      onClick={() => move(i, -1)}
                      aria-label={`Move level ${i + 1} up`}
                    >
                      ↑ Up
                    </button>
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={i === d.levels.length - 1}
                      onClick={() => move(i, 1)}
                      aria-label={`Move level ${i + 1} down`}
                    >
                      ↓ Down
                    </button>
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      disabled={d.levels.length === 1}
                      onClick={() => set({ levels: d.levels.filter((_, j) => j !== i) })}
                      aria-label={`Remove level ${i + 1}`}
                    >
                      Remove
                    </button>
                  </div>
                )}
              </div>
              <Chips
                items={l.targets}
                names={names}
                disabled={readOnly}
                label={`Level ${i + 1} targets`}
                onRemove={(j) => setLevel(i, { targets: l.targets.filter((_, x) => x !== j) })}
              />
              {err(`level-${i}-targets`)}
              {readOnly ? null : (
                <TargetAdder
                  id={`level-${i}`}
                  label={`Level ${i + 1} target`}
                  disabled={readOnly}
                  options={props.options}
                  onAdd={(t) => !l.targets.includes(t) && setLevel(i, { targets: [...l.targets, t] })}
                />
              )}
              <div className={`field${errors[`level-${i}-delay`] ? ' field-invalid' : ''}`}>
                <label htmlFor={`level-${i}-delay`}>Level {i + 1}: wait before the next level</label>
                <input
                  id={`level-${i}-delay`}
                  value={l.delay}
                  disabled={readOnly}
                  onChange={(e) => setLevel(i, { delay: e.target.value })}
                  {...aria(`level-${i}-delay`)}
                />
                {err(`level-${i}-delay`)}
              </div>
            </li>
          ))}
        </ol>
        {readOnly ? null : (
          <button
            type="button"
            className="btn"
            onClick={() => set({ levels: [...d.levels, { targets: [], delay: '10m' }] })}
          >
            Add level
          </button>
        )}
        <p className="muted">
          {Number(d.repeat) > 0
            ? `When nobody acknowledges, the whole ladder runs ${Number(d.repeat)} more time${Number(d.repeat) === 1 ? '' : 's'}.`
            : 'When nobody acknowledges after the last level, the escalation is exhausted.'}
        </p>
      </section>
      <section className="card" aria-labelledby="oc-p-sev">
        <h2 id="oc-p-sev">Severity-specific behaviour</h2>
        <p className="muted">
          For a severity: no ladder at all (“page” off), people told at once next to level 1, channels posted
          to, a ticket opened.
        </p>
        {d.rules.length === 0 ? (
          <p className="muted">No severity rules: every severity runs the ladder.</p>
        ) : null}
        <ul className="oc-levels">
          {d.rules.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rules are positional while edited
            <li key={i} className="oc-level">
              <div className="oc-level-head">
                <h3>{r.severity || 'New rule'}</h3>
                {readOnly ? null : (
                  <button
                    type="button"
                    className="btn btn-small btn-danger"
                    onClick={() => set({ rules: d.rules.filter((_, j) => j !== i) })}
                    aria-label={`Remove the rule for ${r.severity || 'new severity'}`}
                  >
                    Remove
                  </button>
                )}
              </div>
              <div className="oc-row-fields">
                <div className={`field${errors[`rule-${i}-severity`] ? ' field-invalid' : ''}`}>
                  <label htmlFor={`rule-${i}-severity`}>Severity</label>
                  <select
                    id={`rule-${i}-severity`}
                    value={r.severity}
                    disabled={readOnly}
                    onChange={(e) => setRule(i, { severity: e.target.value })}
                    {...aria(`rule-${i}-severity`)}
                  >
                    <option value="">Choose…</option>
                    {props.severities.map((s) => (
                      <option key={s.key} value={s.label}>
                        {s.label}
                      </option>
                    ))}
                    {r.severity && !props.severities.some((s) => s.label === r.severity) ? (
                      <option value={r.severity}>{r.severity}</option>
                    ) : null}
                  </select>
                  {err(`rule-${i}-severity`)}
                </div>
                <div className="field">
                  <label htmlFor={`rule-${i}-page`}>
                    <input
                      id={`rule-${i}-page`}
                      type="checkbox"
                      checked={r.page}
                      disabled={readOnly}
                      onChange={(e) => setRule(i, { page: e.target.checked })}
                    />{' '}
                    Page (run the ladder)
                  </label>
                </div>
                {r.page ? (
                  <div className="field">
                    <label htmlFor={`rule-${i}-urgency`}>Urgency</label>
                    <select
                      id={`rule-${i}-urgency`}
                      value={r.urgency}
                      disabled={readOnly}
                      onChange={(e) => setRule(i, { urgency: e.target.value === 'low' ? 'low' : 'high' })}
                    >
                      <option value="high">High: every high-urgency contact method</option>
                      <option value="low">Low: low-urgency contact methods only</option>
                    </select>
                  </div>
                ) : null}
                <div className="field">
                  <label htmlFor={`rule-${i}-ticket`}>Open a ticket via</label>
                  <select
                    id={`rule-${i}-ticket`}
                    value={r.ticket}
                    disabled={readOnly}
                    onChange={(e) => setRule(i, { ticket: e.target.value })}
                  >
                    <option value="">— none</option>
                    {props.channels.map((c) => (
                      <option key={c.key} value={c.key}>
                        {c.name} ({c.type})
                      </option>
                    ))}
                  </select>
                </div>
              </div>
              <fieldset className="oc-fieldset">
                <legend>Post to channels</legend>
                {props.channels.length === 0 ? (
                  <p className="muted">
                    No notification channels: declare them under <code>notification_channels:</code>.
                  </p>
                ) : (
                  props.channels.map((c) => (
                    <label key={c.key} className="oc-check">
                      <input
                        type="checkbox"
                        checked={r.channels.includes(c.key)}
                        disabled={readOnly}
                        onChange={(e) =>
                          setRule(i, {
                            channels: e.target.checked
                              ? [...r.channels, c.key]
                              : r.channels.filter((x) => x !== c.key),
                          })
                        }
                      />{' '}
                      {c.name} ({c.type})
                    </label>
                  ))
                )}
              </fieldset>
              {r.page ? (
                <>
                  <h4>Also notify at once</h4>
                  <Chips
                    items={r.also_notify}
                    names={names}
                    disabled={readOnly}
                    label={`Also notify for ${r.severity}`}
                    onRemove={(j) => setRule(i, { also_notify: r.also_notify.filter((_, x) => x !== j) })}
                  />
                  {readOnly ? null : (
                    <TargetAdder
                      id={`rule-${i}-also`}
                      label="Also-notify target"
                      disabled={readOnly}
                      options={props.options}
                      onAdd={(t) =>
                        !r.also_notify.includes(t) && setRule(i, { also_notify: [...r.also_notify, t] })
                      }
                    />
                  )}
                </>
              ) : (
                <p className="muted">No page for this severity: nobody is woken up.</p>
              )}
            </li>
          ))}
        </ul>
        {readOnly ? null : (
          <button
            type="button"
            className="btn"
            onClick={() =>
              set({
                rules: [
                  ...d.rules,
                  { severity: '', page: true, urgency: 'high', also_notify: [], channels: [], ticket: '' },
                ],
              })
            }
          >
            Add severity rule
          </button>
        )}
      </section>
      {readOnly ? null : (
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : obj ? 'Save policy' : 'Create policy'}
          </button>
          {obj ? (
            <button type="button" className="btn btn-danger" onClick={() => void remove()}>
              Delete policy
            </button>
          ) : null}
        </div>
      )}
    </form>
  );
}

const UNIT: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

function parseDur(s: string): number {
  let ms = 0;
  for (const m of s.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) ms += Number(m[1]) * UNIT[m[2]];
  return ms;
}

function fmtDur(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}
