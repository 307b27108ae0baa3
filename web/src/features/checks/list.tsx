/** /checks: every probe and heartbeat with its state, filtered and paginated by the server. */
import { useEffect, useState } from 'react';
import { type CatalogObject, roleAtLeast } from '../../api.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { EmptyState, PageHeader, Time, useApi } from '../../ui/components.tsx';
import { type Column, DataTable, usePaged } from '../../ui/table.tsx';
import { Sparkline, UptimeBar } from './charts.tsx';
import {
  type CheckState,
  fmtMs,
  fmtPct,
  LIVE_TYPES,
  PROBE_TYPES,
  pathOf,
  STATES,
  StateBadge,
  stateText,
  useThrottledLive,
} from './common.tsx';

const PROBLEMS = 'down,not_running,late,degraded';
const FILTERS = ['q', 'type', 'state', 'service', 'label'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

function fromQuery(q: URLSearchParams): Filters {
  const out: Filters = {};
  for (const f of FILTERS) {
    const v = q.get(f);
    if (v) out[f] = v;
  }
  return out;
}

/** Keeps `value` until it has not changed for `ms` (search-as-you-type without a request per key). */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(t);
  }, [value, ms]);
  return v;
}

const columns: Column<CheckState>[] = [
  {
    header: 'Check',
    cell: (s) => (
      <div className="ck-name">
        <Link to={pathOf(s.kind, s.key)}>{s.name}</Link>
        <code className="muted">{s.key}</code>
      </div>
    ),
  },
  { header: 'State', cell: (s) => <StateBadge state={s.state} /> },
  {
    header: 'Type',
    cell: (s) => (
      <span className="ck-nowrap">{s.kind === 'heartbeat' ? 'heartbeat' : s.type.toUpperCase()}</span>
    ),
  },
  {
    header: 'Service',
    cell: (s) =>
      s.service ? (
        <Link className="ck-nowrap" to={`/services/${encodeURIComponent(s.service)}`}>
          {s.service}
        </Link>
      ) : (
        '—'
      ),
  },
  {
    header: 'Last run',
    cell: (s) => (
      <div>
        <Time iso={s.last_run_at} />
        {s.last_error ? (
          <div className="ck-err" title={s.last_error}>
            {s.last_error_class ? <span className="ck-class">{s.last_error_class}</span> : null}{' '}
            {s.last_error}
          </div>
        ) : null}
      </div>
    ),
  },
  {
    header: 'Latency (24 h)',
    cell: (s) =>
      s.kind === 'heartbeat' ? (
        <span title="Duration of the last run">
          {s.last_latency_ms !== null ? `run ${fmtMs(s.last_latency_ms)}` : '—'}
        </span>
      ) : (
        <div className="ck-lat">
          <span>{fmtMs(s.last_latency_ms)}</span>
          {s.latency_24h ? <Sparkline values={s.latency_24h} label={s.name} /> : null}
        </div>
      ),
  },
  { header: '24 h', className: 'num', cell: (s) => (s.kind === 'check' ? fmtPct(s.uptime_24h) : '—') },
  {
    header: '90 days',
    className: 'ck-col-bar',
    cell: (s) =>
      s.uptime_daily ? (
        <UptimeBar days={s.uptime_daily} label={`${s.name} uptime`} compact />
      ) : (
        <span className="muted">{s.kind === 'heartbeat' ? 'heartbeat' : '—'}</span>
      ),
  },
];

/** The list page. */
export function ChecksList() {
  const { user } = useSession();
  const { query } = useLocation();
  const [filters, setFilters] = useState<Filters>(() => fromQuery(query));
  const debouncedQ = useDebounced(filters.q ?? '', 300);
  const services = useApi<{ items: CatalogObject[] }>('/api/v1/services?limit=500');
  const serverFilters: Record<string, string | undefined> = {
    q: debouncedQ.trim() || undefined,
    type: filters.type,
    state: filters.state,
    service: filters.service,
    label: filters.label?.trim() || undefined,
    summary: 'true',
  };
  const paged = usePaged<CheckState>('/api/v1/check-states', serverFilters, 50);
  useThrottledLive(LIVE_TYPES, paged.reload);
  // The filters live in the URL too, so a filtered list can be shared and survives a reload.
  useEffect(() => {
    const q = new URLSearchParams();
    for (const f of FILTERS) if (filters[f]) q.set(f, filters[f] as string);
    const next = `/checks${q.toString() ? `?${q}` : ''}`;
    if (`${location.pathname}${location.search}` !== next) history.replaceState(null, '', next);
  }, [filters]);
  const set = (f: keyof Filters, v: string) => setFilters((s) => ({ ...s, [f]: v || undefined }));
  const canWrite = roleAtLeast(user?.role, 'operator');
  const filtered = Object.values(filters).some(Boolean);
  return (
    <>
      <PageHeader
        title="Checks"
        actions={
          canWrite ? (
            <>
              <Link className="btn btn-primary" to="/checks/new">
                New check
              </Link>
              <Link className="btn" to="/checks/heartbeats/new">
                New heartbeat
              </Link>
            </>
          ) : null
        }
      >
        Probes Vigil runs against your endpoints, and heartbeats your jobs send to Vigil.
      </PageHeader>
      <form className="filters ck-filters" aria-label="Filter checks" onSubmit={(e) => e.preventDefault()}>
        <div className="filter">
          <label htmlFor="ck-q">Search</label>
          <input
            id="ck-q"
            type="search"
            placeholder="key or name"
            value={filters.q ?? ''}
            onChange={(e) => set('q', e.target.value)}
          />
        </div>
        <div className="filter">
          <label htmlFor="ck-type">Type</label>
          <select id="ck-type" value={filters.type ?? ''} onChange={(e) => set('type', e.target.value)}>
            <option value="">Any</option>
            {PROBE_TYPES.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
            <option value="heartbeat">Heartbeat</option>
          </select>
        </div>
        <div className="filter">
          <label htmlFor="ck-state">State</label>
          <select id="ck-state" value={filters.state ?? ''} onChange={(e) => set('state', e.target.value)}>
            <option value="">Any</option>
            <option value={PROBLEMS}>Problems (down, not running, late, degraded)</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {stateText(s)}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="ck-service">Service</label>
          <select
            id="ck-service"
            value={filters.service ?? ''}
            onChange={(e) => set('service', e.target.value)}
          >
            <option value="">Any</option>
            {(services.data?.items ?? []).map((s) => (
              <option key={s.key} value={s.key}>
                {String(s.name ?? s.key)}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="ck-label">Label</label>
          <input
            id="ck-label"
            type="search"
            placeholder="name or name=value"
            value={filters.label ?? ''}
            onChange={(e) => set('label', e.target.value)}
          />
        </div>
        {filtered ? (
          <button type="button" className="btn btn-ghost" onClick={() => setFilters({})}>
            Clear filters
          </button>
        ) : null}
      </form>
      <DataTable
        caption="Checks and heartbeats"
        columns={columns}
        paged={paged}
        rowKey={(s) => `${s.kind}:${s.key}`}
        empty={
          filtered ? (
            <EmptyState title="No checks match these filters.">
              <button type="button" className="btn" onClick={() => setFilters({})}>
                Clear filters
              </button>
            </EmptyState>
          ) : (
            <EmptyState title="No checks yet.">
              Declare <code>checks:</code> and <code>heartbeats:</code> in vigil.yaml and apply
              {canWrite ? (
                <>
                  , or{' '}
                  <button type="button" className="btn btn-small" onClick={() => navigate('/checks/new')}>
                    create a check
                  </button>
                </>
              ) : null}
              .
            </EmptyState>
          )
        }
      />
    </>
  );
}
