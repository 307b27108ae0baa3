/** `/status-pages/<key>`: the page's current status, each component's status and manual overrides. */
import { useState } from 'react';
import { api, encodeKey, type Page } from '../../api.ts';
import { catalogTypes, useLiveEvents } from '../../live.ts';
import { Link } from '../../router.tsx';
import { EmptyState, ErrorBanner, Loading, Time, useApi } from '../../ui/components.tsx';
import { SimpleTable } from '../../ui/table.tsx';
import { useToast } from '../../ui/toast.tsx';
import {
  COMPONENT_STATUSES,
  type ComponentRow,
  can,
  messageOf,
  PageFrame,
  pagePath,
  type SpIncident,
  STATUS_LABEL,
  StatusBadge,
  usePageObject,
} from './shared.tsx';

export const STATUS_EVENTS = [
  'statuspage.component_changed',
  'statuspage.incident_updated',
  'statuspage.maintenance_updated',
  'statuspage.maintenance_scheduled',
  ...catalogTypes('status_page'),
];

function Override({ row, pageKey, onDone }: { row: ComponentRow; pageKey: string; onDone: () => void }) {
  const toast = useToast();
  const [value, setValue] = useState(row.manual_status ?? 'auto');
  const [busy, setBusy] = useState(false);
  const apply = async (status: string) => {
    setBusy(true);
    try {
      await api('PUT', `/api/v1/status-pages/${encodeKey(pageKey)}/components/${encodeKey(row.key)}`, {
        body: { status },
      });
      toast.show(
        status === 'auto'
          ? `${row.name}: override cleared, automatic status applies.`
          : `${row.name} set to ${STATUS_LABEL[status]}.`,
      );
      onDone();
    } catch (err) {
      toast.show(messageOf(err), 'error');
    } finally {
      setBusy(false);
    }
  };
  const id = `ovr-${row.key}`;
  return (
    <form
      className="sp-override"
      onSubmit={(e) => {
        e.preventDefault();
        void apply(value);
      }}
    >
      <label htmlFor={id} className="sr-only">
        Override for {row.name}
      </label>
      <select id={id} value={value} onChange={(e) => setValue(e.target.value)} disabled={busy}>
        <option value="auto">Automatic</option>
        {COMPONENT_STATUSES.map((s) => (
          <option key={s} value={s}>
            {STATUS_LABEL[s]}
          </option>
        ))}
      </select>
      <button
        type="submit"
        className="btn btn-small"
        disabled={busy || value === (row.manual_status ?? 'auto')}
      >
        Set<span className="sr-only"> override for {row.name}</span>
      </button>
      {row.manual_status ? (
        <button type="button" className="btn btn-small" disabled={busy} onClick={() => void apply('auto')}>
          Clear<span className="sr-only"> override for {row.name}</span>
        </button>
      ) : null}
    </form>
  );
}

export function Overview({ pageKey, role }: { pageKey: string; role: string }) {
  const page = usePageObject(pageKey);
  const k = encodeKey(pageKey);
  const comps = useApi<{ items: ComponentRow[] }>(`/api/v1/status-pages/${k}/components`);
  const status = useApi<{ status: { indicator: string; description: string } }>(
    `/api/v1/status-pages/${k}/summary`,
  );
  const open = useApi<Page<SpIncident>>(`/api/v1/status-pages/${k}/incidents?state=open&limit=50`);
  useLiveEvents(STATUS_EVENTS, () => {
    page.reload();
    comps.reload();
    status.reload();
    open.reload();
  });
  const incidents = (open.data?.items ?? []).filter((i) => i.kind === 'incident');
  const maint = (open.data?.items ?? []).filter((i) => i.kind === 'maintenance');
  const responder = can(role, 'respond');
  return (
    <PageFrame
      pageKey={pageKey}
      tab="overview"
      page={page}
      actions={
        responder ? (
          <Link to={`${pagePath(pageKey)}/incidents/new`} className="btn btn-primary">
            Report an incident
          </Link>
        ) : null
      }
    >
      <section className="card" aria-labelledby="sp-now">
        <h2 id="sp-now">Right now</h2>
        {status.error ? <ErrorBanner error={status.error} /> : null}
        {status.data ? (
          <p className={`sp-overall sp-overall-${status.data.status.indicator}`} role="status">
            <StatusBadge status={status.data.status.indicator} /> {status.data.status.description}
          </p>
        ) : (
          <Loading />
        )}
        {incidents.length ? (
          <ul className="sp-list">
            {incidents.map((i) => (
              <li key={i.id}>
                <Link to={`${pagePath(pageKey)}/incidents/${encodeKey(i.id)}`}>{i.name}</Link>{' '}
                <StatusBadge status={i.status} /> <span className="muted">since</span>{' '}
                <Time iso={i.created_at} />
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No open incidents.</p>
        )}
        {maint.length ? (
          <>
            <h3>Maintenance</h3>
            <ul className="sp-list">
              {maint.map((m) => (
                <li key={m.id}>
                  <Link to={`${pagePath(pageKey)}/incidents/${encodeKey(m.id)}`}>{m.name}</Link>{' '}
                  <StatusBadge status={m.status} /> <Time iso={m.scheduled_for} /> –{' '}
                  <Time iso={m.scheduled_until} />
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>
      <section aria-labelledby="sp-comps">
        <h2 id="sp-comps">Components</h2>
        <p className="muted">
          A component follows its checks automatically (after the page's hold-down) and the incidents that
          affect it. An override wins until it is cleared.
        </p>
        {comps.error ? <ErrorBanner error={comps.error} /> : null}
        {!comps.data ? (
          comps.error ? null : (
            <Loading />
          )
        ) : (
          <SimpleTable
            caption="Components and their status"
            rows={comps.data.items}
            rowKey={(r) => r.key}
            empty={
              <EmptyState title="This page has no components yet.">
                <Link to={`${pagePath(pageKey)}/components`}>Add components</Link> to show what your customers
                use.
              </EmptyState>
            }
            columns={[
              {
                header: 'Component',
                cell: (r) => (
                  <>
                    <strong>{r.name}</strong> <code className="muted">{r.key}</code>
                    {r.group ? <div className="muted">in {r.group}</div> : null}
                    {r.services.length ? (
                      <div className="muted">
                        services:{' '}
                        {r.services.map((k, i) => (
                          <span key={k}>
                            {i ? ', ' : ''}
                            <Link to={`/services/${encodeKey(k)}`}>{k}</Link>
                          </span>
                        ))}
                      </div>
                    ) : null}
                  </>
                ),
              },
              { header: 'Shown', cell: (r) => <StatusBadge status={r.status} /> },
              {
                header: 'Automatic',
                cell: (r) =>
                  r.checks.length ? (
                    <>
                      <StatusBadge status={r.automatic_status ?? 'operational'} />
                      <div className="muted">
                        from{' '}
                        {r.checks.map((c, i) => (
                          <span key={c}>
                            {i ? ', ' : ''}
                            <Link to={`/checks/${encodeKey(c)}`}>{c}</Link>
                          </span>
                        ))}
                      </div>
                    </>
                  ) : (
                    <span className="muted">no checks linked</span>
                  ),
              },
              {
                header: 'Override',
                cell: (r) =>
                  responder ? (
                    <Override
                      key={`${r.key}:${r.manual_status}`}
                      row={r}
                      pageKey={pageKey}
                      onDone={comps.reload}
                    />
                  ) : r.manual_status ? (
                    <StatusBadge status={r.manual_status} />
                  ) : (
                    <span className="muted">none</span>
                  ),
              },
              { header: 'Changed', cell: (r) => <Time iso={r.updated_at} /> },
            ]}
          />
        )}
      </section>
    </PageFrame>
  );
}
