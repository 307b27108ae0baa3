/**
 * Status-page incidents: the list (`/status-pages/<key>/incidents`), the composer with a live preview
 * of the public rendering (`…/incidents/new`), and an incident's page with its updates and the
 * composer for the next update (`…/incidents/<id>`), which also serves maintenance entries.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { api, encodeKey, withQuery } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { EmptyState, ErrorBanner, Facts, Loading, PageHeader, Time, useApi } from '../../ui/components.tsx';
import { DataTable, usePaged } from '../../ui/table.tsx';
import { useToast } from '../../ui/toast.tsx';
import { STATUS_EVENTS } from './Overview.tsx';
import {
  COMPONENT_STATUSES,
  type ComponentStatus,
  can,
  errorsByPath,
  INCIDENT_STATUSES,
  messageOf,
  PageFrame,
  pagePath,
  type SpIncident,
  STATUS_LABEL,
  StatusBadge,
  type StatusPageObject,
  usePageObject,
} from './shared.tsx';

const MAINT_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;

export function IncidentList({ pageKey, role }: { pageKey: string; role: string }) {
  const page = usePageObject(pageKey);
  const { query } = useLocation();
  const state = query.get('state') ?? 'all';
  const paged = usePaged<SpIncident>(
    `/api/v1/status-pages/${encodeKey(pageKey)}/incidents`,
    { kind: 'incident', state },
    20,
  );
  useLiveEvents(STATUS_EVENTS, paged.reload);
  const base = pagePath(pageKey);
  return (
    <PageFrame
      pageKey={pageKey}
      tab="incidents"
      page={page}
      title="incidents"
      actions={
        can(role, 'respond') ? (
          <Link to={`${base}/incidents/new`} className="btn btn-primary">
            Report an incident
          </Link>
        ) : null
      }
    >
      <div className="filters">
        <div className="filter">
          <label htmlFor="sp-state">Show</label>
          <select
            id="sp-state"
            value={state}
            onChange={(e) => navigate(withQuery(`${base}/incidents`, { state: e.target.value }), true)}
          >
            <option value="all">All incidents</option>
            <option value="open">Open</option>
            <option value="resolved">Resolved</option>
          </select>
        </div>
      </div>
      <DataTable
        caption="Status page incidents"
        paged={paged}
        rowKey={(i) => i.id}
        empty={
          <EmptyState title={state === 'open' ? 'No open incidents.' : 'No incidents yet.'}>
            {can(role, 'respond') ? (
              <p>
                When something breaks, <Link to={`${base}/incidents/new`}>report an incident</Link> so readers
                know you are on it.
              </p>
            ) : null}
          </EmptyState>
        }
        columns={[
          {
            header: 'Incident',
            cell: (i) => <Link to={`${base}/incidents/${encodeKey(i.id)}`}>{i.name}</Link>,
          },
          { header: 'Status', cell: (i) => <StatusBadge status={i.status} /> },
          { header: 'Impact', cell: (i) => <StatusBadge status={i.impact} /> },
          {
            header: 'Components',
            cell: (i) =>
              Object.keys(i.components).length ? (
                Object.keys(i.components).join(', ')
              ) : (
                <span className="muted">none</span>
              ),
          },
          { header: 'Started', cell: (i) => <Time iso={i.created_at} /> },
          { header: 'Resolved', cell: (i) => <Time iso={i.resolved_at} /> },
        ]}
      />
    </PageFrame>
  );
}

interface Draft {
  name: string;
  status: string;
  body: string;
  components: Record<string, ComponentStatus | ''>;
  incident_id: string;
  impact: string;
}

/** The public page with a draft applied, rendered by the server (nothing is stored). */
function Preview({ pageKey, draft, id }: { pageKey: string; draft: Draft; id?: string }) {
  const [html, setHtml] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const key = JSON.stringify(draft);
  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for draft
  useEffect(() => {
    let live = true;
    const t = window.setTimeout(() => {
      api<{ html: string }>('POST', `/api/v1/status-pages/${encodeKey(pageKey)}/preview`, {
        body: {
          ...(id ? { id } : { name: draft.name || 'Untitled incident' }),
          status: draft.status,
          body: draft.body || '(no message yet)',
          components: cleanComponents(draft.components),
          ...(!id && draft.impact ? { impact: draft.impact } : {}),
        },
      })
        .then((r) => {
          if (!live) return;
          setHtml(r.html);
          setError(null);
        })
        .catch((e) => live && setError(e));
    }, 300);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
  }, [pageKey, key, id]);
  return (
    <section className="sp-preview" aria-labelledby="sp-preview-h">
      <h2 id="sp-preview-h">Preview of the public page</h2>
      {error ? <ErrorBanner error={error} /> : null}
      {html === null ? (
        <Loading what="Rendering the preview" />
      ) : (
        <iframe
          title="Preview of the public status page"
          sandbox=""
          srcDoc={html}
          className="sp-preview-frame"
        />
      )}
    </section>
  );
}

function cleanComponents(c: Draft['components']): Record<string, ComponentStatus> {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== '')) as Record<string, ComponentStatus>;
}

/** The fields of a new incident or an update: status, message, affected components. */
function Composer(props: {
  page: StatusPageObject;
  incident?: SpIncident;
  onPublished: (i: SpIncident) => void;
  initialTemplate?: string | null;
}) {
  const { page, incident } = props;
  const toast = useToast();
  const maintenance = incident?.kind === 'maintenance';
  const statuses: readonly string[] = maintenance ? MAINT_STATUSES : INCIDENT_STATUSES;
  const template = page.templates?.find((t) => t.key === props.initialTemplate);
  const [draft, setDraft] = useState<Draft>(() => ({
    name: template?.title ?? '',
    status: template?.status ?? (incident ? incident.status : 'investigating'),
    body: template?.body ?? '',
    components: incident && !maintenance ? { ...incident.components } : {},
    incident_id: '',
    impact: '',
  }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { name: useId(), status: useId(), body: useId(), tpl: useId(), link: useId(), impact: useId() };
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (Object.keys(errors).length)
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);
  // Editing a field clears its message; the banner goes with the last one.
  const edit = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    const left = { ...errors };
    for (const k of Object.keys(patch)) delete left[k];
    if (Object.keys(left).length !== Object.keys(errors).length) {
      setErrors(left);
      if (Object.keys(left).length === 0) setFormError(null);
    }
  };
  const applyTemplate = (key: string) => {
    const t = page.templates?.find((x) => x.key === key);
    if (!t) return;
    setDraft((d) => ({
      ...d,
      name: incident ? d.name : (t.title ?? d.name),
      status: t.status ?? d.status,
      body: t.body,
    }));
  };
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!incident && !draft.name.trim()) local.name = 'Title is required.';
    if (!draft.body.trim()) local.body = 'Message is required.';
    setErrors(local);
    if (Object.keys(local).length) {
      setFormError('Please fix the fields marked below.');
      return;
    }
    if (
      (draft.status === 'resolved' || draft.status === 'completed') &&
      !window.confirm(
        `Mark “${incident?.name ?? draft.name}” as ${STATUS_LABEL[draft.status].toLowerCase()}? It cannot be reopened.`,
      )
    )
      return;
    setBusy(true);
    setFormError(null);
    try {
      const components = cleanComponents(draft.components);
      const saved = incident
        ? await api<SpIncident>('POST', `/api/v1/status-incidents/${encodeKey(incident.id)}/updates`, {
            body: { status: draft.status, body: draft.body.trim(), ...(maintenance ? {} : { components }) },
          })
        : await api<SpIncident>('POST', `/api/v1/status-pages/${encodeKey(page.key)}/incidents`, {
            body: {
              name: draft.name.trim(),
              status: draft.status,
              body: draft.body.trim(),
              components,
              ...(draft.incident_id.trim() ? { incident_id: draft.incident_id.trim() } : {}),
              ...(draft.impact ? { impact: draft.impact } : {}),
            },
          });
      toast.show(incident ? 'Update published.' : `Published “${saved.name}”.`);
      props.onPublished(saved);
    } catch (err) {
      const fe = errorsByPath(err);
      setErrors(fe);
      setFormError(Object.keys(fe).length ? 'Please fix the fields marked below.' : messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const fieldProps = (name: string, id: string) => ({
    id,
    'aria-invalid': errors[name] ? true : undefined,
    'aria-describedby': errors[name] ? `${id}-e` : undefined,
  });
  const err = (name: string, id: string) =>
    errors[name] ? (
      <p id={`${id}-e`} className="field-error">
        {errors[name]}
      </p>
    ) : null;
  return (
    <div className="sp-compose">
      <form
        ref={formRef}
        className="form"
        onSubmit={submit}
        noValidate
        aria-label={incident ? 'Post an update' : 'New incident'}
      >
        {formError ? (
          <div className="banner banner-error" role="alert">
            {formError}
          </div>
        ) : null}
        {page.templates?.length && !maintenance ? (
          <div className="field">
            <label htmlFor={ids.tpl}>Template</label>
            <select
              id={ids.tpl}
              defaultValue={template?.key ?? ''}
              onChange={(e) => applyTemplate(e.target.value)}
            >
              <option value="">— none —</option>
              {page.templates.map((t) => (
                <option key={t.key} value={t.key}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {incident ? null : (
          <div className={`field${errors.name ? ' field-invalid' : ''}`}>
            <label htmlFor={ids.name}>
              Title<span className="req"> (required)</span>
            </label>
            <input
              {...fieldProps('name', ids.name)}
              value={draft.name}
              onChange={(e) => edit({ name: e.target.value })}
            />
            {err('name', ids.name)}
          </div>
        )}
        <div className={`field${errors.status ? ' field-invalid' : ''}`}>
          <label htmlFor={ids.status}>Status</label>
          <select
            {...fieldProps('status', ids.status)}
            value={draft.status}
            onChange={(e) => edit({ status: e.target.value })}
          >
            {statuses.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
          {err('status', ids.status)}
        </div>
        <div className={`field${errors.body ? ' field-invalid' : ''}`}>
          <label htmlFor={ids.body}>
            Message<span className="req"> (required)</span>
          </label>
          <textarea
            {...fieldProps('body', ids.body)}
            rows={5}
            value={draft.body}
            aria-describedby={[`${ids.body}-h`, errors.body ? `${ids.body}-e` : ''].filter(Boolean).join(' ')}
            onChange={(e) => edit({ body: e.target.value })}
          />
          <p id={`${ids.body}-h`} className="help">
            Plain text shown to readers. {'{{components}}'} and {'{{page}}'} are filled in.
          </p>
          {err('body', ids.body)}
        </div>
        {maintenance ? null : (
          <fieldset className={`sp-affected${errors.components ? ' field-invalid' : ''}`}>
            <legend>Affected components</legend>
            {page.components.length === 0 ? <p className="muted">This page has no components.</p> : null}
            {page.components.map((c) => (
              <div key={c.key} className="sp-affected-row">
                <label htmlFor={`${ids.body}-c-${c.key}`}>{c.name}</label>
                <select
                  id={`${ids.body}-c-${c.key}`}
                  value={draft.components[c.key] ?? ''}
                  onChange={(e) =>
                    setDraft({
                      ...draft,
                      components: { ...draft.components, [c.key]: e.target.value as ComponentStatus | '' },
                    })
                  }
                >
                  <option value="">Not affected</option>
                  {COMPONENT_STATUSES.filter((s) => s !== 'under_maintenance').map((s) => (
                    <option key={s} value={s}>
                      {STATUS_LABEL[s]}
                    </option>
                  ))}
                </select>
              </div>
            ))}
            {errors.components ? <p className="field-error">{errors.components}</p> : null}
          </fieldset>
        )}
        {incident ? null : (
          <div className="field">
            <label htmlFor={ids.impact}>Impact</label>
            <select
              id={ids.impact}
              value={draft.impact}
              aria-describedby={`${ids.impact}-h`}
              onChange={(e) => edit({ impact: e.target.value })}
            >
              <option value="">Automatic (from the affected components)</option>
              <option value="none">None</option>
              <option value="minor">Minor</option>
              <option value="major">Major</option>
              <option value="critical">Critical</option>
            </select>
            <p id={`${ids.impact}-h`} className="help">
              Sets the page’s overall indicator while the incident is open; it only ever rises with later
              updates.
            </p>
          </div>
        )}
        {incident ? null : (
          <div className={`field${errors.incident_id ? ' field-invalid' : ''}`}>
            <label htmlFor={ids.link}>Vigil incident (optional)</label>
            <input
              {...fieldProps('incident_id', ids.link)}
              value={draft.incident_id}
              aria-describedby={[`${ids.link}-h`, errors.incident_id ? `${ids.link}-e` : '']
                .filter(Boolean)
                .join(' ')}
              onChange={(e) => edit({ incident_id: e.target.value })}
            />
            <p id={`${ids.link}-h`} className="help">
              The id of an internal incident: each public update also lands on its timeline.
            </p>
            {err('incident_id', ids.link)}
          </div>
        )}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Publishing…' : incident ? 'Publish update' : 'Publish incident'}
          </button>
        </div>
      </form>
      {maintenance ? null : <Preview pageKey={page.key} draft={draft} id={incident?.id} />}
    </div>
  );
}

export function NewIncident({ pageKey, role }: { pageKey: string; role: string }) {
  const page = usePageObject(pageKey);
  const { query } = useLocation();
  if (!can(role, 'respond'))
    return (
      <>
        <PageHeader title="Report an incident" />
        <EmptyState title="Publishing incidents needs the responder role." />
      </>
    );
  return (
    <PageFrame pageKey={pageKey} tab="incidents" page={page} title="new incident">
      {page.data ? (
        <Composer
          page={page.data}
          initialTemplate={query.get('template')}
          onPublished={(i) => navigate(`${pagePath(pageKey)}/incidents/${encodeKey(i.id)}`)}
        />
      ) : null}
    </PageFrame>
  );
}

export function IncidentDetail({ pageKey, id, role }: { pageKey: string; id: string; role: string }) {
  const page = usePageObject(pageKey);
  const inc = useApi<SpIncident>(`/api/v1/status-incidents/${encodeKey(id)}`);
  useLiveEvents(STATUS_EVENTS, (e) => {
    if ((e.data as { id?: string } | null)?.id === id) inc.reload();
  });
  const i = inc.data;
  const name = (code: string) => page.data?.components.find((c) => c.key === code)?.name ?? code;
  const done = i?.resolved_at !== null && i?.resolved_at !== undefined;
  return (
    <PageFrame
      pageKey={pageKey}
      tab={i?.kind === 'maintenance' ? 'maintenance' : 'incidents'}
      page={page}
      title={i ? i.name : 'incident'}
    >
      {inc.error ? <ErrorBanner error={inc.error} /> : null}
      {!i ? (
        inc.error ? null : (
          <Loading />
        )
      ) : (
        <>
          <section className="card">
            <Facts
              rows={[
                ['Status', <StatusBadge key="s" status={i.status} />],
                ['Impact', <StatusBadge key="i" status={i.impact} />],
                [
                  'Components',
                  Object.entries(i.components).length ? (
                    <ul className="sp-plain" key="c">
                      {Object.entries(i.components).map(([k, s]) => (
                        <li key={k}>
                          {name(k)} <StatusBadge status={s} />
                        </li>
                      ))}
                    </ul>
                  ) : null,
                ],
                ...(i.kind === 'maintenance'
                  ? ([
                      [
                        'Window',
                        <span key="w">
                          <Time iso={i.scheduled_for} /> – <Time iso={i.scheduled_until} />
                        </span>,
                      ],
                    ] as Array<[string, React.ReactNode]>)
                  : []),
                ['Started', <Time key="t" iso={i.created_at} />],
                ['Resolved', <Time key="r" iso={i.resolved_at} />],
                [
                  'Vigil incident',
                  i.incident_id ? (
                    <Link key="v" to={`/incidents/${encodeKey(i.incident_id)}`}>
                      {i.incident_id}
                    </Link>
                  ) : null,
                ],
              ]}
            />
          </section>
          <section aria-labelledby="sp-updates">
            <h2 id="sp-updates">Updates</h2>
            <ol className="sp-timeline">
              {i.updates.map((u) => (
                <li key={u.id}>
                  <div className="sp-inline">
                    <StatusBadge status={u.status} /> <Time iso={u.created_at} />
                  </div>
                  <p className="sp-body">{u.body}</p>
                  {u.affected.length ? (
                    <ul className="sp-plain muted">
                      {u.affected.map((a) => (
                        <li key={a.code}>
                          {name(a.code)}: {STATUS_LABEL[a.old_status] ?? a.old_status} →{' '}
                          {STATUS_LABEL[a.new_status] ?? a.new_status}
                        </li>
                      ))}
                    </ul>
                  ) : null}
                </li>
              ))}
            </ol>
          </section>
          {done ? (
            <p className="muted">
              This {i.kind === 'maintenance' ? 'maintenance' : 'incident'} is{' '}
              {STATUS_LABEL[i.status]?.toLowerCase()}; open a new one for anything further.
            </p>
          ) : can(role, 'respond') && page.data && (i.kind === 'incident' || can(role, 'operate')) ? (
            <section className="card" aria-labelledby="sp-next">
              <h2 id="sp-next">Post an update</h2>
              <Composer
                key={i.updates.length}
                page={page.data}
                incident={i}
                onPublished={() => inc.reload()}
              />
            </section>
          ) : null}
        </>
      )}
    </PageFrame>
  );
}
