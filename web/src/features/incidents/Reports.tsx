/**
 * `/incidents/reports`: MTTA / MTTR per severity, service or team over a period, incidents per week,
 * response-target compliance and breaches, postmortems due or overdue and overdue action items.
 * Definitions are the API's (docs/incidents.md "Reports: definitions").
 */
import { useMemo } from 'react';
import { withQuery } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { Badge, EmptyState, ErrorBanner, Loading, PageHeader, Time, useApi } from '../../ui/components.tsx';
import { type Column, SimpleTable } from '../../ui/table.tsx';
import { type ActionItem, formatDuration, type Incident, incidentPath } from './model.ts';
import { SeverityBadge, StatusBadge, useSeverities } from './shared.tsx';

interface Row {
  group: string;
  incidents: number;
  acknowledged: number;
  resolved: number;
  mtta_ms: number | null;
  mttr_ms: number | null;
  mttr_p50_ms: number | null;
  response_target_met: number;
  response_target_total: number;
  response_target_compliance: number | null;
  alerts: number;
  alerts_per_incident: number | null;
  auto_resolved_within_5m: number;
}
interface Report {
  from: string;
  to: string;
  group_by: string;
  totals: Row;
  groups: Row[];
  per_week: Array<{ week: string; incidents: number }>;
}
interface PostmortemRow {
  incident_id: string;
  human_id: string;
  title: string;
  status: string;
  required: boolean;
  due_at: string | null;
}

const RANGES = [
  { value: '7d', label: 'Last 7 days', days: 7 },
  { value: '30d', label: 'Last 30 days', days: 30 },
  { value: '90d', label: 'Last 90 days', days: 90 },
  { value: '365d', label: 'Last 12 months', days: 365 },
];
const DAY = 86_400_000;
const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 1000) / 10} %`);

/** A value with a proportional bar (the bar is decoration; the number is the content). */
function Bar({ value, max, text }: { value: number; max: number; text: string }) {
  const w = max > 0 ? Math.max(2, Math.round((value / max) * 100)) : 0;
  return (
    <span className="inc-bar-cell">
      <span className="inc-bar" aria-hidden="true">
        <span style={{ width: `${w}%` }} />
      </span>
      <span>{text}</span>
    </span>
  );
}

/** The period of the URL query: `range=30d`, or `from=YYYY-MM-DD&to=YYYY-MM-DD` (to inclusive). */
function period(q: URLSearchParams): { from: string; to: string | undefined; label: string } {
  const from = q.get('from');
  const to = q.get('to');
  if (from && /^\d{4}-\d{2}-\d{2}$/.test(from)) {
    const end = to && /^\d{4}-\d{2}-\d{2}$/.test(to) ? new Date(`${to}T00:00:00`).getTime() + DAY : null;
    return {
      from: new Date(`${from}T00:00:00`).toISOString(),
      to: end === null ? undefined : new Date(end).toISOString(),
      label: `${from} – ${to || 'now'}`,
    };
  }
  const r = RANGES.find((x) => x.value === q.get('range')) ?? RANGES[1];
  // Up to now (the server's default end); the start is rounded to the minute so it stays stable.
  const start = Math.floor((Date.now() - r.days * DAY) / 60_000) * 60_000;
  return { from: new Date(start).toISOString(), to: undefined, label: r.label };
}

export function Reports() {
  const { query } = useLocation();
  const ladder = useSeverities();
  const group = ['severity', 'service', 'team'].includes(query.get('group') ?? '')
    ? (query.get('group') as string)
    : 'severity';
  const qs = query.toString();
  // biome-ignore lint/correctness/useExhaustiveDependencies: qs stands for the query
  const p = useMemo(() => period(query), [qs]);
  const reportPath = withQuery('/api/v1/reports/incidents', { from: p.from, to: p.to, group_by: group });
  const report = useApi<Report>(reportPath);
  const breaches = useApi<{ items: Incident[] }>(
    withQuery('/api/v1/incidents', { breached: 'true', from: p.from, to: p.to, limit: 50 }),
  );
  const pms = useApi<{ items: PostmortemRow[] }>('/api/v1/postmortems');
  const items = useApi<{ items: ActionItem[] }>('/api/v1/action-items?overdue=true');
  useLiveEvents(
    [
      'incident.opened',
      'incident.acknowledged',
      'incident.resolved',
      'incident.response_target_breached',
      'incident.postmortem_due',
      'incident.postmortem_overdue',
      'incident.postmortem_status_changed',
      'incident.action_item_added',
      'incident.action_item_updated',
    ],
    () => {
      report.reload();
      breaches.reload();
      pms.reload();
      items.reload();
    },
  );
  const set = (changes: Record<string, string | null>) => {
    const q = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(changes)) {
      if (v) q.set(k, v);
      else q.delete(k);
    }
    const s = q.toString();
    navigate(`/incidents/reports${s ? `?${s}` : ''}`, true);
  };
  const rep = report.data;
  const groupLabel = group === 'severity' ? 'Severity' : group === 'service' ? 'Service' : 'Team';
  const rows = rep ? [...rep.groups, rep.totals] : [];
  const maxMttr = Math.max(0, ...rows.map((r) => r.mttr_ms ?? 0));
  const maxMtta = Math.max(0, ...rows.map((r) => r.mtta_ms ?? 0));
  const columns: Column<Row>[] = [
    {
      header: groupLabel,
      cell: (r) =>
        r.group === '(all)' ? (
          <strong>All incidents</strong>
        ) : group === 'severity' ? (
          <SeverityBadge severity={r.group} ladder={ladder} />
        ) : (
          r.group
        ),
    },
    { header: 'Incidents', cell: (r) => `${r.incidents} (${r.resolved} resolved)` },
    {
      header: 'MTTA',
      cell: (r) => <Bar value={r.mtta_ms ?? 0} max={maxMtta} text={formatDuration(r.mtta_ms)} />,
    },
    {
      header: 'MTTR',
      cell: (r) => <Bar value={r.mttr_ms ?? 0} max={maxMttr} text={formatDuration(r.mttr_ms)} />,
    },
    { header: 'MTTR median', cell: (r) => formatDuration(r.mttr_p50_ms) },
    {
      header: 'Response target met',
      cell: (r) =>
        r.response_target_total ? (
          <>
            {pct(r.response_target_compliance)}{' '}
            <span className="muted">
              ({r.response_target_met}/{r.response_target_total})
            </span>
          </>
        ) : (
          <span className="muted">—</span>
        ),
    },
    {
      header: 'Alerts per incident',
      cell: (r) =>
        r.alerts_per_incident === null ? '—' : (Math.round(r.alerts_per_incident * 10) / 10).toString(),
    },
    { header: 'Auto-resolved ≤ 5 min', cell: (r) => r.auto_resolved_within_5m },
  ];
  const weekMax = Math.max(0, ...(rep?.per_week ?? []).map((w) => w.incidents));
  const openPms = (pms.data?.items ?? [])
    .filter((x) => x.status !== 'published')
    .sort((a, b) => (a.due_at ?? '9').localeCompare(b.due_at ?? '9'));
  const now = Date.now();
  const customFrom = query.get('from') ?? '';
  const customTo = query.get('to') ?? '';
  return (
    <>
      <nav aria-label="Breadcrumb" className="inc-crumbs">
        <Link to="/incidents">Incidents</Link> <span aria-hidden="true">›</span> Reports
      </nav>
      <PageHeader
        title="Incident reports"
        actions={
          <a
            className="btn"
            href={withQuery('/api/v1/reports/incidents', {
              from: p.from,
              to: p.to,
              group_by: group,
              format: 'csv',
            })}
            download="incident-report.csv"
          >
            Download CSV
          </a>
        }
      >
        Incidents opened in the period ({p.label}). MTTA: open → first acknowledge; MTTR: open → resolve;
        merged incidents are left out.
      </PageHeader>
      <form className="filters" aria-label="Report period and grouping" onSubmit={(e) => e.preventDefault()}>
        <div className="filter">
          <label htmlFor="inc-r-range">Period</label>
          <select
            id="inc-r-range"
            value={customFrom ? 'custom' : (query.get('range') ?? '30d')}
            onChange={(e) =>
              e.target.value === 'custom'
                ? set({ range: null, from: new Date(now - 30 * DAY).toISOString().slice(0, 10) })
                : set({ range: e.target.value, from: null, to: null })
            }
          >
            {RANGES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
            <option value="custom">Custom dates…</option>
          </select>
        </div>
        {customFrom ? (
          <>
            <div className="filter">
              <label htmlFor="inc-r-from">From</label>
              <input
                id="inc-r-from"
                type="date"
                value={customFrom}
                onChange={(e) => set({ from: e.target.value })}
              />
            </div>
            <div className="filter">
              <label htmlFor="inc-r-to">To (inclusive)</label>
              <input
                id="inc-r-to"
                type="date"
                value={customTo}
                onChange={(e) => set({ to: e.target.value })}
              />
            </div>
          </>
        ) : null}
        <div className="filter">
          <label htmlFor="inc-r-group">Group by</label>
          <select id="inc-r-group" value={group} onChange={(e) => set({ group: e.target.value })}>
            <option value="severity">Severity</option>
            <option value="service">Service</option>
            <option value="team">Team (service owner)</option>
          </select>
        </div>
      </form>
      {report.error ? <ErrorBanner error={report.error} /> : null}
      {!rep ? (
        report.error ? null : (
          <Loading what="Computing the report" />
        )
      ) : (
        <>
          <ul className="stats" aria-label="Totals">
            <li className="stat inc-stat">
              <span className="stat-value">{rep.totals.incidents}</span>
              <span className="stat-label">incidents</span>
            </li>
            <li className="stat inc-stat">
              <span className="stat-value">{formatDuration(rep.totals.mtta_ms)}</span>
              <span className="stat-label">MTTA</span>
            </li>
            <li className="stat inc-stat">
              <span className="stat-value">{formatDuration(rep.totals.mttr_ms)}</span>
              <span className="stat-label">MTTR</span>
            </li>
            <li className="stat inc-stat">
              <span className="stat-value">{pct(rep.totals.response_target_compliance)}</span>
              <span className="stat-label">response target met</span>
            </li>
          </ul>
          <section className="card" aria-labelledby="inc-r-groups-h">
            <h2 id="inc-r-groups-h">By {groupLabel.toLowerCase()}</h2>
            <SimpleTable
              caption={`MTTA and MTTR by ${groupLabel.toLowerCase()}`}
              columns={columns}
              rows={rep.totals.incidents ? rows : []}
              rowKey={(r) => r.group}
              empty={
                <EmptyState title="No incidents were opened in this period.">
                  Pick a longer period.
                </EmptyState>
              }
            />
          </section>
          <div className="grid-2">
            <section className="card" aria-labelledby="inc-r-weeks-h">
              <h2 id="inc-r-weeks-h">Incidents per week</h2>
              <SimpleTable
                caption="Incidents per week (weeks start on Monday)"
                columns={[
                  { header: 'Week of', cell: (w) => w.week },
                  {
                    header: 'Incidents',
                    cell: (w) => <Bar value={w.incidents} max={weekMax} text={String(w.incidents)} />,
                  },
                ]}
                rows={rep.per_week}
                rowKey={(w) => w.week}
                empty={<EmptyState title="No incidents in this period." />}
              />
            </section>
            <section className="card" aria-labelledby="inc-r-breach-h">
              <h2 id="inc-r-breach-h">Response-target breaches</h2>
              {breaches.error ? <ErrorBanner error={breaches.error} /> : null}
              <SimpleTable<Incident>
                caption="Incidents that breached their response target"
                columns={[
                  { header: 'Incident', cell: (i) => <Link to={incidentPath(i)}>{i.human_id}</Link> },
                  {
                    header: 'Severity',
                    cell: (i) => <SeverityBadge severity={i.severity} ladder={ladder} />,
                  },
                  { header: 'Breached', cell: (i) => <Time iso={i.breached_at} /> },
                  { header: 'State', cell: (i) => <StatusBadge status={i.status} /> },
                ]}
                rows={breaches.data?.items ?? []}
                rowKey={(i) => i.id}
                empty={<EmptyState title="No breaches in this period." />}
              />
            </section>
          </div>
        </>
      )}
      <div className="grid-2">
        <section className="card" aria-labelledby="inc-r-pm-h">
          <h2 id="inc-r-pm-h">Postmortems due</h2>
          {pms.error ? <ErrorBanner error={pms.error} /> : null}
          <SimpleTable<PostmortemRow>
            caption="Unpublished postmortems, soonest due first"
            columns={[
              {
                header: 'Incident',
                cell: (x) => (
                  <>
                    <Link to={`/incidents/${encodeURIComponent(x.human_id)}/postmortem`}>{x.human_id}</Link>
                    <div className="inc-title">{x.title}</div>
                  </>
                ),
              },
              { header: 'Status', cell: (x) => x.status.replace('_', ' ') },
              {
                header: 'Due',
                cell: (x) => (
                  <>
                    <Time iso={x.due_at} />{' '}
                    {x.due_at && Date.parse(x.due_at) < now ? <Badge tone="danger">overdue</Badge> : null}
                  </>
                ),
              },
            ]}
            rows={openPms}
            rowKey={(x) => x.incident_id}
            empty={
              <EmptyState title="No postmortems waiting.">Every started postmortem is published.</EmptyState>
            }
          />
        </section>
        <section className="card" aria-labelledby="inc-r-ai-h">
          <h2 id="inc-r-ai-h">Overdue action items</h2>
          {items.error ? <ErrorBanner error={items.error} /> : null}
          <SimpleTable<ActionItem>
            caption="Action items past their due date"
            columns={[
              { header: 'Action item', cell: (i) => i.title },
              { header: 'Owner', cell: (i) => i.owner ?? <span className="muted">unassigned</span> },
              { header: 'Due', cell: (i) => <Time iso={i.due_at} /> },
              {
                header: 'Incident',
                cell: (i) => (
                  <Link to={`/incidents/${encodeURIComponent(i.incident_id)}/postmortem`}>Postmortem</Link>
                ),
              },
            ]}
            rows={items.data?.items ?? []}
            rowKey={(i) => i.id}
            empty={<EmptyState title="No overdue action items." />}
          />
        </section>
      </div>
    </>
  );
}
