/** `/oncall`: who is on call now per schedule and per team, when the next hand-off is. */
import { useEffect, useRef, useState } from 'react';
import type { CatalogObject, Page } from '../../api.ts';
import { catalogTypes, useLiveEvents } from '../../live.ts';
import { Link } from '../../router.tsx';
import { EmptyState, ErrorBanner, Loading, PageHeader, useApi } from '../../ui/components.tsx';
import { SimpleTable } from '../../ui/table.tsx';
import { type NowItem, Person, relative, TargetLink, targetText, usePeople, ZTime } from './common.tsx';

/** Re-renders every `ms` (relative times, "now"). */
export function useTick(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(id);
  }, [ms]);
  return now;
}

export function NowPage() {
  const now = useTick(30_000);
  const current = useApi<{ at: string; items: NowItem[] }>('/api/v1/oncall/now');
  const teams = useApi<Page<CatalogObject>>('/api/v1/teams?limit=500');
  const policies = useApi<Page<CatalogObject>>('/api/v1/escalation-policies?limit=500');
  const paging = useApi<CatalogObject>('/api/v1/paging');
  const { names } = usePeople();
  const reload = current.reload;
  useLiveEvents(
    [
      ...catalogTypes('schedule', 'escalation_policy', 'paging', 'team'),
      'schedule.override_created',
      'schedule.override_deleted',
    ],
    () => {
      reload();
      policies.reload();
      paging.reload();
      teams.reload();
    },
  );
  // Hand-offs happen while the page is open: reload the answer every minute.
  const minute = Math.floor(now / 60_000);
  const firstMinute = useRef(minute);
  useEffect(() => {
    if (minute !== firstMinute.current) reload();
  }, [minute, reload]);

  const items = current.data?.items ?? [];
  const bySchedule = new Map(items.map((i) => [i.schedule, i]));
  const pol = new Map((policies.data?.items ?? []).map((p) => [p.key, p]));
  const routes = (paging.data ?? {}) as { teams?: Record<string, string>; default_policy?: string };
  const teamRows = (teams.data?.items ?? []).map((t) => {
    const policyKey = routes.teams?.[t.key] ?? routes.default_policy ?? null;
    const p = policyKey ? pol.get(policyKey) : undefined;
    const first = ((p?.levels as Array<{ targets: unknown[] }> | undefined) ?? [])[0];
    return { team: t, policyKey, routed: Boolean(routes.teams?.[t.key]), first: first?.targets ?? [] };
  });

  return (
    <>
      <PageHeader
        title="On call now"
        actions={
          <>
            <Link className="btn" to="/oncall/me">
              My on-call and contacts
            </Link>
            <Link className="btn" to="/oncall/policies">
              Escalation policies
            </Link>
          </>
        }
      >
        Who gets paged right now, per schedule and per team, and when the next hand-off is.
      </PageHeader>
      <section className="card" aria-labelledby="oc-now-h">
        <h2 id="oc-now-h">Schedules</h2>
        <ErrorBanner error={current.error} />
        {!current.data && !current.error ? <Loading /> : null}
        {current.data ? (
          <SimpleTable
            caption="Who is on call per schedule"
            rows={items}
            rowKey={(i) => i.schedule}
            columns={[
              {
                header: 'Schedule',
                cell: (i) => (
                  <>
                    <Link to={`/oncall/schedules/${encodeURIComponent(i.schedule)}`}>
                      {i.name ?? i.schedule}
                    </Link>
                    <div className="muted oc-small">{i.time_zone}</div>
                  </>
                ),
              },
              { header: 'On call now', cell: (i) => <Person k={i.user} names={names} /> },
              {
                header: 'Since',
                cell: (i) => <ZTime iso={i.shift.start} zone={i.time_zone} />,
              },
              {
                header: 'Until',
                cell: (i) => (
                  <>
                    <ZTime iso={i.shift.end} zone={i.time_zone} />{' '}
                    <span className="muted">({relative(i.shift.end, now)})</span>
                  </>
                ),
              },
              {
                header: 'Next hand-off',
                cell: (i) =>
                  i.next_handoff ? (
                    <>
                      <ZTime iso={i.next_handoff.at} zone={i.time_zone} /> →{' '}
                      <Person k={i.next_handoff.to} names={names} />
                    </>
                  ) : (
                    <span className="muted">none in the next two years</span>
                  ),
              },
            ]}
            empty={
              <EmptyState title="No on-call schedules yet.">
                Declare them under <code>schedules:</code> in vigil.yaml and apply (docs/oncall.md), or create
                one with <code>POST /api/v1/schedules</code>.
              </EmptyState>
            }
          />
        ) : null}
      </section>
      <section className="card" aria-labelledby="oc-teams-h">
        <h2 id="oc-teams-h">Teams</h2>
        <p className="muted">
          Which escalation policy pages for each team’s services (the paging routes) and who its first level
          reaches now.
        </p>
        <ErrorBanner error={teams.error ?? policies.error} />
        <SimpleTable
          caption="First responders per team"
          rows={teamRows}
          rowKey={(r) => r.team.key}
          columns={[
            {
              header: 'Team',
              cell: (r) => (
                <Link to={`/teams/${encodeURIComponent(r.team.key)}`}>
                  {String(r.team.name ?? r.team.key)}
                </Link>
              ),
            },
            {
              header: 'Escalation policy',
              cell: (r) =>
                r.policyKey ? (
                  <>
                    <Link to={`/oncall/policies/${encodeURIComponent(r.policyKey)}`}>{r.policyKey}</Link>
                    {r.routed ? null : <span className="muted"> (default)</span>}
                  </>
                ) : (
                  <span className="badge badge-warn">not routed</span>
                ),
            },
            {
              header: 'Level 1 now',
              cell: (r) =>
                r.first.length ? (
                  <ul className="oc-inline-list">
                    {r.first.map((t) => {
                      const text = targetText(t);
                      const sched = text.startsWith('schedule:') ? bySchedule.get(text.slice(9)) : undefined;
                      return (
                        <li key={text}>
                          {sched ? (
                            <>
                              <Person k={sched.user} names={names} />{' '}
                              <span className="muted">
                                via <TargetLink t={t} names={names} />
                              </span>
                            </>
                          ) : (
                            <TargetLink t={t} names={names} />
                          )}
                        </li>
                      );
                    })}
                  </ul>
                ) : (
                  <span className="muted">—</span>
                ),
            },
          ]}
          empty={<EmptyState title="No teams yet." />}
        />
      </section>
    </>
  );
}
