/**
 * The overview's "Right now" block: open incidents, firing alerts, checks with problems, who is on
 * call and overdue postmortem action items — one look at the state of operations. Each part reads
 * its module's public API; a module that is not loaded simply leaves its part out.
 */
import { ApiError, type Page } from '../api.ts';
import { useLiveEvents } from '../live.ts';
import { Link } from '../router.tsx';
import { Badge, EmptyState, Time, useApi } from '../ui/components.tsx';
import { SimpleTable } from '../ui/table.tsx';

interface Incident {
  id: string;
  human_id: string;
  title: string;
  severity: string;
  status: string;
  service: string;
  opened_at: string;
  response_target_breached: boolean;
}
interface CheckState {
  key: string;
  kind: string;
  name: string;
  state: string;
  changed_at: string | null;
  last_error: string | null;
}
interface OnCall {
  schedule: string;
  name?: string;
  user: string | null;
  next_handoff?: { at: string; to: string | null } | null;
}
interface ActionItem {
  id: string;
  incident_id: string;
  title: string;
  owner: string | null;
  due_at: string | null;
}
interface AlertCounts {
  firing: number;
  silenced: number;
  inhibited: number;
}

// The checks page's "Problems" filter.
const PROBLEM_STATES = 'down,not_running,late,degraded';
const absent = (e: unknown) => e instanceof ApiError && e.status === 404;

/** Open incidents, firing alerts, problem checks, on-call now and overdue action items. */
export function OverviewNow() {
  const incidents = useApi<Page<Incident>>('/api/v1/incidents?open=true&order=open_first&limit=5');
  const alerts = useApi<AlertCounts>('/api/v1/alerting/counts');
  const checks = useApi<Page<CheckState>>(`/api/v1/check-states?state=${PROBLEM_STATES}&limit=5`);
  const oncall = useApi<{ items: OnCall[] }>('/api/v1/oncall/now');
  const items = useApi<{ items: ActionItem[] }>('/api/v1/action-items?overdue=true');
  useLiveEvents(
    [
      'incident.opened',
      'incident.status_changed',
      'incident.acknowledged',
      'incident.resolved',
      'alert.status_changed',
      'check.state_changed',
    ],
    (e) => {
      if (e.type.startsWith('incident.')) {
        incidents.reload();
        items.reload();
      }
      if (e.type.startsWith('alert.')) alerts.reload();
      if (e.type.startsWith('check.')) checks.reload();
    },
  );
  const openCount = incidents.data
    ? `${incidents.data.items.length}${incidents.data.next_cursor ? '+' : ''}`
    : '…';
  const problemCount = checks.data ? `${checks.data.items.length}${checks.data.next_cursor ? '+' : ''}` : '…';
  const stats: Array<{ label: string; value: string; to: string; hidden: boolean; alarm: boolean }> = [
    {
      label: 'Open incidents',
      value: openCount,
      to: '/incidents',
      hidden: absent(incidents.error),
      alarm: Boolean(incidents.data?.items.length),
    },
    {
      label: 'Firing alerts',
      value: alerts.data ? String(alerts.data.firing) : '…',
      to: '/alerts',
      hidden: absent(alerts.error),
      alarm: Boolean(alerts.data?.firing),
    },
    {
      label: 'Checks with problems',
      value: problemCount,
      to: `/checks?state=${encodeURIComponent(PROBLEM_STATES)}`,
      hidden: absent(checks.error),
      alarm: Boolean(checks.data?.items.length),
    },
    {
      label: 'Overdue action items',
      value: items.data ? String(items.data.items.length) : '…',
      to: '/incidents/reports',
      hidden: absent(items.error),
      alarm: Boolean(items.data?.items.length),
    },
  ];
  return (
    <section className="card" aria-labelledby="ov-now">
      <h2 id="ov-now">Right now</h2>
      <ul className="stats" aria-label="Operations right now">
        {stats
          .filter((s) => !s.hidden)
          .map((s) => (
            <li key={s.label} className={s.alarm ? 'stat stat-alarm' : 'stat'}>
              <Link to={s.to}>
                <span className="stat-value">{s.value}</span>
                <span className="stat-label">{s.label}</span>
              </Link>
            </li>
          ))}
      </ul>
      <div className="grid-2">
        {incidents.data && incidents.data.items.length > 0 ? (
          <div>
            <h3>Open incidents</h3>
            <SimpleTable
              caption="Open incidents"
              empty={null}
              rows={incidents.data.items}
              rowKey={(i) => i.id}
              columns={[
                {
                  header: 'Incident',
                  cell: (i) => <Link to={`/incidents/${i.human_id}`}>{i.human_id}</Link>,
                },
                { header: 'Title', cell: (i) => i.title },
                {
                  header: 'Severity',
                  cell: (i) => (
                    <>
                      <Badge tone="warn">{i.severity}</Badge>{' '}
                      {i.response_target_breached ? <Badge tone="danger">target breached</Badge> : null}
                    </>
                  ),
                },
                { header: 'State', cell: (i) => i.status },
                { header: 'Opened', cell: (i) => <Time iso={i.opened_at} /> },
              ]}
            />
          </div>
        ) : null}
        {checks.data && checks.data.items.length > 0 ? (
          <div>
            <h3>Checks with problems</h3>
            <SimpleTable
              caption="Checks with problems"
              empty={null}
              rows={checks.data.items}
              rowKey={(c) => `${c.kind}:${c.key}`}
              columns={[
                {
                  header: 'Check',
                  cell: (c) => (
                    <Link to={c.kind === 'heartbeat' ? `/checks/heartbeats/${c.key}` : `/checks/${c.key}`}>
                      {c.name || c.key}
                    </Link>
                  ),
                },
                { header: 'State', cell: (c) => <Badge tone="danger">{c.state}</Badge> },
                { header: 'Since', cell: (c) => <Time iso={c.changed_at} /> },
                { header: 'Last error', cell: (c) => c.last_error ?? '—' },
              ]}
            />
          </div>
        ) : null}
        {oncall.data ? (
          <div>
            <h3>On call now</h3>
            <SimpleTable
              caption="On call now"
              rows={oncall.data.items}
              rowKey={(o) => o.schedule}
              columns={[
                {
                  header: 'Schedule',
                  cell: (o) => <Link to={`/oncall/schedules/${o.schedule}`}>{o.name ?? o.schedule}</Link>,
                },
                {
                  header: 'On call',
                  cell: (o) => o.user ?? <Badge tone="danger">nobody</Badge>,
                },
                {
                  header: 'Next hand-off',
                  cell: (o) => (o.next_handoff ? <Time iso={o.next_handoff.at} /> : '—'),
                },
              ]}
              empty={<EmptyState title="No on-call schedules yet." />}
            />
          </div>
        ) : null}
        {items.data && items.data.items.length > 0 ? (
          <div>
            <h3>Overdue action items</h3>
            <SimpleTable
              caption="Overdue postmortem action items"
              empty={null}
              rows={items.data.items.slice(0, 8)}
              rowKey={(a) => a.id}
              columns={[
                {
                  header: 'Action item',
                  cell: (a) => <Link to={`/incidents/${a.incident_id}/postmortem`}>{a.title}</Link>,
                },
                { header: 'Owner', cell: (a) => a.owner ?? 'unassigned' },
                { header: 'Due', cell: (a) => <Time iso={a.due_at} /> },
              ]}
            />
          </div>
        ) : null}
      </div>
    </section>
  );
}
