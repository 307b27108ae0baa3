/** `/incidents/<id>`: header, runbooks, response target, actions, timeline with notes, linked alerts. */
import type { ReactNode } from 'react';
import { ApiError, api, roleAtLeast } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link, navigate } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import {
  Badge,
  EmptyState,
  ErrorBanner,
  Facts,
  Loading,
  PageHeader,
  Time,
  useApi,
} from '../../ui/components.tsx';
import { SimpleTable } from '../../ui/table.tsx';
import { useToast } from '../../ui/toast.tsx';
import { AttachAlert, ManageIncident, PrimaryActions, useRun } from './Manage.tsx';
import { Markdown } from './markdown.tsx';
import {
  type AlertLink,
  formatDuration,
  INCIDENT_EVENTS,
  type Incident,
  incidentPath,
  type Postmortem,
  type TimelineEvent,
  who,
} from './model.ts';
import { responseState, SeverityBadge, StatusBadge, useKeys, useNow, useSeverities } from './shared.tsx';
import { IncidentTimeline } from './Timeline.tsx';

function ResponseTarget({ inc }: { inc: Incident }) {
  const now = useNow(1000);
  const r = responseState(inc, now);
  return (
    <div className={`inc-target inc-tone-${r.tone}`} role="status" aria-live="off">
      <strong>{r.text}</strong>
      {r.detail ? <span className="muted"> · {r.detail}</span> : null}
      {inc.response_due_at && r.counting ? (
        <span className="muted">
          {' '}
          · due <Time iso={inc.response_due_at} />
        </span>
      ) : null}
    </div>
  );
}

/** The postmortem's state, or a button to start one. */
function PostmortemLink({ inc, canWrite }: { inc: Incident; canWrite: boolean }) {
  const toast = useToast();
  const { data, error, reload } = useApi<Postmortem>(
    `/api/v1/incidents/${encodeURIComponent(inc.id)}/postmortem`,
  );
  useLiveEvents(
    [
      'incident.postmortem_due',
      'incident.postmortem_started',
      'incident.postmortem_status_changed',
      'incident.resolved',
    ],
    (e) => e.subject.key === inc.id && reload(),
  );
  const path = `${incidentPath(inc)}/postmortem`;
  if (error instanceof ApiError && error.status === 404) {
    if (!canWrite) return <p className="muted">No postmortem has been started.</p>;
    return (
      <button
        type="button"
        className="btn"
        onClick={async () => {
          try {
            await api('POST', `/api/v1/incidents/${encodeURIComponent(inc.id)}/postmortem`);
            navigate(path);
          } catch (err) {
            toast.show(`Could not start the postmortem: ${(err as Error).message}`, 'error');
          }
        }}
      >
        Start postmortem
      </button>
    );
  }
  if (error) return <ErrorBanner error={error} />;
  if (!data) return <Loading />;
  const overdue = data.status !== 'published' && data.due_at && Date.parse(data.due_at) < Date.now();
  return (
    <p className="inc-pm-line">
      <Badge tone={data.status === 'published' ? 'ok' : overdue ? 'danger' : 'warn'}>
        Postmortem: {data.status.replace('_', ' ')}
      </Badge>{' '}
      {data.due_at && data.status !== 'published' ? (
        <span className={overdue ? 'inc-overdue' : 'muted'}>
          {overdue ? 'overdue since' : 'due'} <Time iso={data.due_at} />{' '}
        </span>
      ) : null}
      <Link to={path} className="btn btn-small">
        {data.status === 'published' || !canWrite ? 'Read postmortem' : 'Edit postmortem'}
      </Link>
    </p>
  );
}

export function IncidentPage({ id }: { id: string }) {
  const { user } = useSession();
  const ladder = useSeverities();
  const services = useKeys('services', 'service');
  const users = useKeys('users', 'user');
  const { data: inc, error, reload } = useApi<Incident>(`/api/v1/incidents/${encodeURIComponent(id)}`);
  const tl = useApi<{ items: TimelineEvent[] }>(
    inc ? `/api/v1/incidents/${encodeURIComponent(inc.id)}/timeline` : null,
  );
  const reloadAll = () => {
    reload();
    tl.reload();
  };
  useLiveEvents(INCIDENT_EVENTS, (e) => {
    if (inc && e.subject.key === inc.id) reloadAll();
  });
  const { run, busy } = useRun(inc ?? ({ id, version: 0, human_id: id } as Incident), reloadAll);
  if (error) {
    return (
      <>
        <PageHeader
          title={error instanceof ApiError && error.status === 404 ? 'Incident not found' : 'Incident'}
        />
        <ErrorBanner error={error} />
        <Link to="/incidents">All incidents</Link>
      </>
    );
  }
  if (!inc) return <Loading what="Loading the incident" />;
  const canWrite = roleAtLeast(user?.role, 'responder');
  const runbooks = inc.links;
  // Rows that only matter for some incidents are left out when empty.
  const optional: Array<[string, ReactNode]> = [];
  if (inc.reopen_count) optional.push(['Re-opened', `${inc.reopen_count}×`]);
  if (inc.source) optional.push(['Source', `${inc.source.kind} ${inc.source.key}`]);
  if (inc.dedup_key) optional.push(['Dedup key', <code key="dedup">{inc.dedup_key}</code>]);
  return (
    <>
      <nav aria-label="Breadcrumb" className="inc-crumbs">
        <Link to="/incidents">Incidents</Link> <span aria-hidden="true">›</span> {inc.human_id}
      </nav>
      <PageHeader
        title={`${inc.human_id}: ${inc.title}`}
        actions={canWrite ? <PrimaryActions inc={inc} run={run} busy={busy} /> : null}
      >
        <StatusBadge status={inc.status} /> <SeverityBadge severity={inc.severity} ladder={ladder} />{' '}
        <span>
          service <strong>{inc.service}</strong>
        </span>
        {' · '}
        commander{' '}
        {inc.commander ? (
          <strong>{inc.commander}</strong>
        ) : (
          <span className={inc.commander_required ? 'inc-overdue' : ''}>not assigned</span>
        )}
      </PageHeader>
      {runbooks.length ? (
        <section className="inc-runbooks" aria-labelledby="inc-runbooks-h">
          <h2 id="inc-runbooks-h">Runbooks and links</h2>
          <ul>
            {runbooks.map((l) => (
              <li key={l.url}>
                <a href={l.url} target="_blank" rel="noreferrer noopener">
                  {l.title}
                </a>{' '}
                <span className="muted inc-url">{l.url}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {inc.merged_into ? (
        <p className="banner banner-info">
          Merged into{' '}
          <Link to={`/incidents/${encodeURIComponent(inc.merged_into)}`}>the surviving incident</Link>; follow
          it there.
        </p>
      ) : null}
      <ResponseTarget inc={inc} />
      <div className="grid-2 grid-wide-left">
        <section className="card" aria-labelledby="inc-facts-h">
          <h2 id="inc-facts-h">Details</h2>
          <Facts
            rows={[
              ['Affected services', inc.services.join(', ')],
              ['Communications lead', inc.communications_lead],
              ['Responders', inc.responders.join(', ')],
              [
                'Opened',
                <>
                  <Time iso={inc.opened_at} /> <span className="muted">by {who(inc.opened_by)}</span>
                </>,
              ],
              [
                'Acknowledged',
                inc.acknowledged_at ? (
                  <>
                    <Time iso={inc.acknowledged_at} />{' '}
                    <span className="muted">
                      by {who(inc.acknowledged_by)}, after {formatDuration(inc.time_to_acknowledge_ms)}
                    </span>
                  </>
                ) : null,
              ],
              [
                'Resolved',
                inc.resolved_at ? (
                  <>
                    <Time iso={inc.resolved_at} />{' '}
                    <span className="muted">
                      by {who(inc.resolved_by)}, after {formatDuration(inc.time_to_resolve_ms)}
                    </span>
                  </>
                ) : null,
              ],
              ...optional,
            ]}
          />
          {inc.summary ? (
            <>
              <h3 className="inc-sub-h">Summary</h3>
              <Markdown text={inc.summary} />
            </>
          ) : null}
          <h3 className="inc-sub-h">Postmortem</h3>
          <PostmortemLink inc={inc} canWrite={canWrite} />
        </section>
        <section className="card" aria-labelledby="inc-alerts-h">
          <h2 id="inc-alerts-h">Linked alerts</h2>
          <SimpleTable<AlertLink>
            caption="Linked alerts"
            rows={inc.alerts ?? []}
            rowKey={(a) => a.key}
            columns={[
              {
                header: 'Alert',
                cell: (a) => (
                  <>
                    <code>{a.key}</code>
                    {a.title ? <div>{a.title}</div> : null}
                  </>
                ),
              },
              {
                header: 'State',
                cell: (a) => <Badge tone={a.status === 'firing' ? 'danger' : 'ok'}>{a.status}</Badge>,
              },
              { header: 'Since', cell: (a) => <Time iso={a.resolved_at ?? a.attached_at} /> },
            ]}
            empty={
              <EmptyState title="No alerts linked.">
                Declared by hand; alerts that join it show up here.
              </EmptyState>
            }
          />
          {canWrite && inc.next_statuses.length ? <AttachAlert run={run} busy={busy} /> : null}
        </section>
      </div>
      <section className="card" aria-labelledby="inc-tl-h">
        <h2 id="inc-tl-h">Timeline</h2>
        <IncidentTimeline
          incident={inc}
          events={tl.data?.items}
          error={tl.error}
          canWrite={canWrite}
          onChange={tl.reload}
        />
      </section>
      {canWrite ? (
        <section className="card" aria-labelledby="inc-manage-h">
          <h2 id="inc-manage-h">Manage</h2>
          <ManageIncident inc={inc} run={run} busy={busy} ladder={ladder} services={services} users={users} />
        </section>
      ) : null}
    </>
  );
}
