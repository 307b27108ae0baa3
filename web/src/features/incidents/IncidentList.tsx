/** `/incidents`: open incidents first, then the rest newest first; filters live in the URL. */
import { useMemo } from 'react';
import { roleAtLeast } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { Badge, EmptyState, PageHeader, Time } from '../../ui/components.tsx';
import { type Column, DataTable, usePaged } from '../../ui/table.tsx';
import { INCIDENT_EVENTS, type Incident, incidentPath, STATUS_LABEL, STATUSES } from './model.ts';
import { responseState, SeverityBadge, StatusBadge, useKeys, useNow, useSeverities } from './shared.tsx';

const FILTERS = ['state', 'severity', 'service', 'commander', 'opened', 'q'] as const;
type FilterName = (typeof FILTERS)[number];

const PERIODS: Array<{ value: string; label: string; ms: number }> = [
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { value: '90d', label: 'Last 90 days', ms: 90 * 86_400_000 },
];

/** API filters for the list's URL query (`state=open|closed|<status>`, `opened=7d`, …). */
function apiFilters(f: Record<FilterName, string>): Record<string, string | undefined> {
  const period = PERIODS.find((p) => p.value === f.opened);
  return {
    order: 'open_first',
    open: f.state === 'open' ? 'true' : f.state === 'closed' ? 'false' : undefined,
    status: f.state && f.state !== 'open' && f.state !== 'closed' ? f.state : undefined,
    severity: f.severity || undefined,
    service: f.service || undefined,
    commander: f.commander.trim() || undefined,
    q: f.q.trim() || undefined,
    // Rounded to the minute so the filter is stable while the page is open.
    from: period ? new Date(Math.floor((Date.now() - period.ms) / 60_000) * 60_000).toISOString() : undefined,
  };
}

export function IncidentList() {
  const { user } = useSession();
  const { query } = useLocation();
  const ladder = useSeverities();
  const services = useKeys('services', 'service');
  const users = useKeys('users', 'user');
  const now = useNow(15_000);
  const f = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? ''])) as Record<FilterName, string>;
  const key = JSON.stringify(f);
  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for f
  const filters = useMemo(() => apiFilters(f), [key]);
  const paged = usePaged<Incident>('/api/v1/incidents', filters, 25);
  useLiveEvents(INCIDENT_EVENTS, paged.reload);
  const set = (name: FilterName, value: string) => {
    const q = new URLSearchParams(location.search);
    if (value) q.set(name, value);
    else q.delete(name);
    const s = q.toString();
    navigate(`/incidents${s ? `?${s}` : ''}`, true);
  };
  const filtered = Object.values(f).some(Boolean);
  const canWrite = roleAtLeast(user?.role, 'responder');
  const columns: Column<Incident>[] = [
    {
      header: 'Incident',
      cell: (i) => (
        <>
          <Link to={incidentPath(i)} className="inc-id">
            {i.human_id}
          </Link>
          <div className="inc-title">{i.title}</div>
        </>
      ),
    },
    { header: 'Severity', cell: (i) => <SeverityBadge severity={i.severity} ladder={ladder} /> },
    { header: 'State', cell: (i) => <StatusBadge status={i.status} /> },
    { header: 'Service', cell: (i) => i.service },
    { header: 'Commander', cell: (i) => i.commander ?? <span className="muted">—</span> },
    { header: 'Opened', cell: (i) => <Time iso={i.opened_at} /> },
    {
      header: 'Response',
      cell: (i) => {
        const r = responseState(i, now);
        if (!r.counting && r.tone === 'neutral') return <span className="muted">—</span>;
        return (
          <Badge tone={r.tone}>
            {r.counting
              ? r.text.replace('Acknowledge within', 'ack in')
              : r.tone === 'ok'
                ? 'met'
                : 'breached'}
          </Badge>
        );
      },
    },
  ];
  return (
    <>
      <PageHeader
        title="Incidents"
        actions={
          <>
            <Link className="btn" to="/incidents/reports">
              Reports
            </Link>
            {canWrite ? (
              <Link className="btn btn-primary" to="/incidents/new">
                Declare incident
              </Link>
            ) : null}
          </>
        }
      >
        Open incidents first, then the rest, newest first. Filters stay in the address, so a filtered list can
        be shared.
      </PageHeader>
      <form
        className="filters inc-filters"
        aria-label="Filter incidents"
        onSubmit={(e) => e.preventDefault()}
      >
        <div className="filter inc-filter-q">
          <label htmlFor="inc-f-q">Search</label>
          <input
            id="inc-f-q"
            type="search"
            placeholder="Title or INC id"
            value={f.q}
            onChange={(e) => set('q', e.target.value)}
          />
        </div>
        <div className="filter">
          <label htmlFor="inc-f-state">State</label>
          <select id="inc-f-state" value={f.state} onChange={(e) => set('state', e.target.value)}>
            <option value="">Any</option>
            <option value="open">Open (not resolved)</option>
            <option value="closed">Closed</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="inc-f-severity">Severity</label>
          <select id="inc-f-severity" value={f.severity} onChange={(e) => set('severity', e.target.value)}>
            <option value="">Any</option>
            {ladder.map((s) => (
              <option key={s.key} value={s.key}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="inc-f-service">Service</label>
          <select id="inc-f-service" value={f.service} onChange={(e) => set('service', e.target.value)}>
            <option value="">Any</option>
            {services.map((s) => (
              <option key={s.key} value={s.key}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="inc-f-commander">Commander</label>
          <input
            id="inc-f-commander"
            type="search"
            list="inc-users"
            placeholder="email"
            value={f.commander}
            onChange={(e) => set('commander', e.target.value)}
          />
          <datalist id="inc-users">
            {users.map((u) => (
              <option key={u.key} value={u.key}>
                {u.name}
              </option>
            ))}
          </datalist>
        </div>
        <div className="filter">
          <label htmlFor="inc-f-opened">Opened</label>
          <select id="inc-f-opened" value={f.opened} onChange={(e) => set('opened', e.target.value)}>
            <option value="">Any time</option>
            {PERIODS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        {filtered ? (
          <div className="filter inc-filter-clear">
            <button type="button" className="btn" onClick={() => navigate('/incidents', true)}>
              Clear filters
            </button>
          </div>
        ) : null}
      </form>
      <DataTable
        caption="Incidents"
        columns={columns}
        paged={paged}
        rowKey={(i) => i.id}
        empty={
          <EmptyState title={filtered ? 'No incidents match these filters.' : 'No incidents yet.'}>
            {filtered
              ? 'Clear or widen the filters.'
              : canWrite
                ? 'Alerts open incidents through their routes; declare one by hand with “Declare incident”.'
                : 'Alerts open incidents through their routes; responders can declare one by hand.'}
          </EmptyState>
        }
      />
    </>
  );
}
