/** `/status-pages/<key>/maintenance`: scheduled maintenance (own and from alerting windows) and the schedule form. */
import { useId, useState } from 'react';
import { api, encodeKey } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link } from '../../router.tsx';
import { EmptyState, ErrorBanner, Time, useApi } from '../../ui/components.tsx';
import { DataTable, SimpleTable, usePaged } from '../../ui/table.tsx';
import { useToast } from '../../ui/toast.tsx';
import { STATUS_EVENTS } from './Overview.tsx';
import {
  can,
  errorsByPath,
  messageOf,
  PageFrame,
  pagePath,
  type SpIncident,
  StatusBadge,
  type StatusPageObject,
  toLocalInput,
  usePageObject,
} from './shared.tsx';

interface SpDocMaintenance {
  id: string;
  name: string;
  status: string;
  scheduled_for: string;
  scheduled_until: string;
  components: Array<{ id: string; name: string }>;
}

function ScheduleForm({ page, onDone }: { page: StatusPageObject; onDone: () => void }) {
  const toast = useToast();
  const hour = 3_600_000;
  const start0 = Math.ceil(Date.now() / hour) * hour + 24 * hour;
  const [v, setV] = useState({
    name: '',
    body: '',
    start: toLocalInput(start0),
    end: toLocalInput(start0 + hour),
    components: [] as string[],
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!v.name.trim()) local.name = 'Title is required.';
    if (!v.body.trim()) local.body = 'Message is required.';
    const s = Date.parse(v.start);
    const en = Date.parse(v.end);
    if (Number.isNaN(s)) local.scheduled_for = 'Pick a start time.';
    if (Number.isNaN(en)) local.scheduled_until = 'Pick an end time.';
    else if (!Number.isNaN(s) && en <= s) local.scheduled_until = 'The end must be after the start.';
    if (v.components.length === 0) local.components = 'Pick at least one component.';
    setErrors(local);
    if (Object.keys(local).length) {
      setFormError('Please fix the fields marked below.');
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      await api('POST', `/api/v1/status-pages/${encodeKey(page.key)}/maintenances`, {
        body: {
          name: v.name.trim(),
          body: v.body.trim(),
          scheduled_for: new Date(s).toISOString(),
          scheduled_until: new Date(en).toISOString(),
          components: v.components,
        },
      });
      toast.show(`Scheduled “${v.name.trim()}”.`);
      setV({ ...v, name: '', body: '', components: [] });
      onDone();
    } catch (err) {
      const fe = errorsByPath(err);
      setErrors(fe);
      setFormError(Object.keys(fe).length ? 'Please fix the fields marked below.' : messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const field = (name: string, label: string, input: React.ReactNode, help?: string) => (
    <div className={`field${errors[name] ? ' field-invalid' : ''}`}>
      <label htmlFor={`${id}-${name}`}>{label}</label>
      {input}
      {help ? (
        <p id={`${id}-${name}-h`} className="help">
          {help}
        </p>
      ) : null}
      {errors[name] ? (
        <p id={`${id}-${name}-e`} className="field-error">
          {errors[name]}
        </p>
      ) : null}
    </div>
  );
  const aria = (name: string, help = false) => ({
    id: `${id}-${name}`,
    'aria-invalid': errors[name] ? true : undefined,
    'aria-describedby':
      [help ? `${id}-${name}-h` : '', errors[name] ? `${id}-${name}-e` : ''].filter(Boolean).join(' ') ||
      undefined,
  });
  return (
    <form className="form" onSubmit={submit} noValidate aria-label="Schedule maintenance">
      {formError ? (
        <div className="banner banner-error" role="alert">
          {formError}
        </div>
      ) : null}
      {field(
        'name',
        'Title (required)',
        <input {...aria('name')} value={v.name} onChange={(e) => setV({ ...v, name: e.target.value })} />,
      )}
      {field(
        'body',
        'Message (required)',
        <textarea
          {...aria('body')}
          rows={3}
          value={v.body}
          onChange={(e) => setV({ ...v, body: e.target.value })}
        />,
      )}
      <div className="sp-grid">
        {field(
          'scheduled_for',
          'Starts',
          <input
            {...aria('scheduled_for', true)}
            type="datetime-local"
            value={v.start}
            onChange={(e) => setV({ ...v, start: e.target.value })}
          />,
          'Your local time.',
        )}
        {field(
          'scheduled_until',
          'Ends',
          <input
            {...aria('scheduled_until')}
            type="datetime-local"
            value={v.end}
            onChange={(e) => setV({ ...v, end: e.target.value })}
          />,
        )}
      </div>
      <fieldset
        className={errors.components ? 'field-invalid' : undefined}
        aria-describedby={errors.components ? `${id}-comp-e` : undefined}
      >
        <legend>Components under maintenance</legend>
        {page.components.map((c) => (
          <label key={c.key} className="sp-check">
            <input
              type="checkbox"
              checked={v.components.includes(c.key)}
              onChange={(e) =>
                setV({
                  ...v,
                  components: e.target.checked
                    ? [...v.components, c.key]
                    : v.components.filter((k) => k !== c.key),
                })
              }
            />{' '}
            {c.name}
          </label>
        ))}
        {errors.components ? (
          <p id={`${id}-comp-e`} className="field-error">
            {errors.components}
          </p>
        ) : null}
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Scheduling…' : 'Schedule maintenance'}
        </button>
      </div>
    </form>
  );
}

export function MaintenancePage({ pageKey, role }: { pageKey: string; role: string }) {
  const page = usePageObject(pageKey);
  const k = encodeKey(pageKey);
  const paged = usePaged<SpIncident>(`/api/v1/status-pages/${k}/incidents`, { kind: 'maintenance' }, 20);
  const doc = useApi<{ scheduled_maintenances: SpDocMaintenance[] }>(`/api/v1/status-pages/${k}/summary`);
  const reload = () => {
    paged.reload();
    doc.reload();
  };
  useLiveEvents(
    [
      ...STATUS_EVENTS,
      'maintenance_window.created',
      'maintenance_window.updated',
      'maintenance_window.deleted',
    ],
    reload,
  );
  const windows = (doc.data?.scheduled_maintenances ?? []).filter((m) => m.id.startsWith('mw-'));
  const base = pagePath(pageKey);
  return (
    <PageFrame pageKey={pageKey} tab="maintenance" page={page} title="maintenance">
      <p className="muted">
        Scheduled maintenance starts and completes by itself at its times; its components show “Under
        maintenance” meanwhile. Readers can subscribe to the{' '}
        <a href={`/status/${k}/maintenance.ics`}>maintenance calendar</a>.
      </p>
      <DataTable
        caption="Scheduled maintenance"
        paged={paged}
        rowKey={(m) => m.id}
        empty={<EmptyState title="No maintenance scheduled on this page." />}
        columns={[
          {
            header: 'Maintenance',
            cell: (m) => <Link to={`${base}/incidents/${encodeKey(m.id)}`}>{m.name}</Link>,
          },
          { header: 'Status', cell: (m) => <StatusBadge status={m.status} /> },
          {
            header: 'Window',
            cell: (m) => (
              <>
                <Time iso={m.scheduled_for} /> – <Time iso={m.scheduled_until} />
              </>
            ),
          },
          { header: 'Components', cell: (m) => Object.keys(m.components).join(', ') },
        ]}
      />
      <section aria-labelledby="sp-windows">
        <h2 id="sp-windows">From alerting maintenance windows</h2>
        <p className="muted">
          Maintenance windows of the services behind this page’s components appear on it automatically from
          their announce time. Manage them under <Link to="/alerts/maintenance">Alerts › Maintenance</Link>.
        </p>
        {doc.error ? <ErrorBanner error={doc.error} /> : null}
        <SimpleTable
          caption="Maintenance windows shown on the page"
          rows={windows}
          rowKey={(m) => m.id}
          empty={<EmptyState title="No announced maintenance windows for these components." />}
          columns={[
            { header: 'Window', cell: (m) => m.name },
            { header: 'Status', cell: (m) => <StatusBadge status={m.status} /> },
            {
              header: 'When',
              cell: (m) => (
                <>
                  <Time iso={m.scheduled_for} /> – <Time iso={m.scheduled_until} />
                </>
              ),
            },
            { header: 'Components', cell: (m) => m.components.map((c) => c.name).join(', ') },
          ]}
        />
      </section>
      {page.data && can(role, 'operate') ? (
        <section className="card" aria-labelledby="sp-sched">
          <h2 id="sp-sched">Schedule maintenance</h2>
          <ScheduleForm page={page.data} onDone={reload} />
        </section>
      ) : page.data ? (
        <p className="muted">Scheduling maintenance needs the operator role.</p>
      ) : null}
    </PageFrame>
  );
}
