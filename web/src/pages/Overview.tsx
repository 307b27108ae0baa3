/** The overview: counts and short lists of what exists, recent audit and timeline events, engines. */
import { type CatalogObject, type Page, roleAtLeast } from '../api.ts';
import { catalogTypes, type LiveEvent, useLiveEvents } from '../live.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import {
  Badge,
  EmptyState,
  ErrorBanner,
  Loading,
  ManagedBadge,
  PageHeader,
  Time,
  useApi,
} from '../ui/components.tsx';
import { SimpleTable } from '../ui/table.tsx';
import type { AuditEntry } from './Audit.tsx';
import { ObjectLink } from './catalog.tsx';
import { OverviewNow } from './OverviewNow.tsx';

const KINDS = ['service', 'team', 'user', 'environment', 'severity'];
const PLURAL: Record<string, string> = {
  service: 'services',
  team: 'teams',
  user: 'users',
  environment: 'environments',
  severity: 'severities',
};

interface Engine {
  name: string;
  leader: boolean;
  runs: number;
  failures: number;
  consecutive_failures: number;
  last_run_at: string | null;
  last_error: string | null;
}

function useList(plural: string) {
  return useApi<Page<CatalogObject>>(`/api/v1/${plural}?limit=500`);
}

function count(p: Page<unknown> | undefined) {
  if (!p) return '…';
  return p.next_cursor ? `${p.items.length}+` : String(p.items.length);
}

/** The landing page after sign-in. */
export function Overview() {
  const { user } = useSession();
  const isAdmin = roleAtLeast(user?.role, 'admin');
  const services = useList('services');
  const teams = useList('teams');
  const users = useList('users');
  const envs = useList('environments');
  const events = useApi<Page<LiveEvent>>('/api/v1/events?limit=10');
  const audit = useApi<Page<AuditEntry>>(isAdmin ? '/api/v1/audit?limit=8' : null);
  const engines = useApi<{ items: Engine[] }>('/api/v1/engines');
  useLiveEvents(catalogTypes(...KINDS), (e) => {
    events.reload();
    audit.reload();
    if (e.subject.kind === 'service') services.reload();
    if (e.subject.kind === 'team') teams.reload();
    if (e.subject.kind === 'user') users.reload();
    if (e.subject.kind === 'environment') envs.reload();
  });
  const stats: Array<[string, string, Page<unknown> | undefined]> = [
    ['Services', '/services', services.data],
    ['Teams', '/teams', teams.data],
    ['Users', '/users', users.data],
    ['Environments', '/settings', envs.data],
  ];
  return (
    <>
      <PageHeader title="Overview">What Vigil knows about your organisation right now.</PageHeader>
      <OverviewNow />
      <ul className="stats" aria-label="Counts">
        {stats.map(([label, to, page]) => (
          <li key={label} className="stat">
            <Link to={to}>
              <span className="stat-value">{count(page)}</span>
              <span className="stat-label">{label}</span>
            </Link>
          </li>
        ))}
      </ul>
      <div className="grid-2">
        <section className="card" aria-labelledby="ov-services">
          <h2 id="ov-services">Services</h2>
          <ErrorBanner error={services.error} />
          {services.data ? (
            <SimpleTable
              caption="Services"
              rows={services.data.items.slice(0, 8)}
              rowKey={(s) => s.key}
              columns={[
                {
                  header: 'Service',
                  cell: (s) => (
                    <>
                      <ObjectLink plural="services" k={s.key}>
                        {String(s.name)}
                      </ObjectLink>{' '}
                      <ManagedBadge obj={s} />
                    </>
                  ),
                },
                { header: 'Owner', cell: (s) => <ObjectLink plural="teams" k={String(s.owner)} /> },
                { header: 'Tier', cell: (s) => (s.tier ? `Tier ${s.tier}` : '—') },
              ]}
              empty={
                <EmptyState title="No services yet.">
                  <Link to="/services/new">Add a service</Link> or declare them in vigil.yaml.
                </EmptyState>
              }
            />
          ) : services.error ? null : (
            <Loading />
          )}
        </section>
        <section className="card" aria-labelledby="ov-teams">
          <h2 id="ov-teams">Teams</h2>
          <ErrorBanner error={teams.error} />
          {teams.data ? (
            <SimpleTable
              caption="Teams"
              rows={teams.data.items.slice(0, 8)}
              rowKey={(t) => t.key}
              columns={[
                {
                  header: 'Team',
                  cell: (t) => (
                    <ObjectLink plural="teams" k={t.key}>
                      {String(t.name)}
                    </ObjectLink>
                  ),
                },
                {
                  header: 'Services',
                  cell: (t) => String(services.data?.items.filter((s) => s.owner === t.key).length ?? '…'),
                },
              ]}
              empty={<EmptyState title="No teams yet." />}
            />
          ) : teams.error ? null : (
            <Loading />
          )}
        </section>
        <section className="card" aria-labelledby="ov-events">
          <h2 id="ov-events">Recent timeline events</h2>
          <ErrorBanner error={events.error} />
          {events.data ? (
            <SimpleTable
              caption="Recent timeline events"
              rows={events.data.items}
              rowKey={(e) => e.id}
              columns={[
                { header: 'When', cell: (e) => <Time iso={e.at} /> },
                { header: 'Event', cell: (e) => <code>{e.type}</code> },
                {
                  header: 'Subject',
                  cell: (e) =>
                    PLURAL[e.subject.kind] && e.type.split('.')[1] !== 'deleted' ? (
                      <ObjectLink plural={PLURAL[e.subject.kind]} k={e.subject.key} />
                    ) : (
                      `${e.subject.kind}/${e.subject.key}`
                    ),
                },
              ]}
              empty={<EmptyState title="Nothing has happened yet." />}
            />
          ) : events.error ? null : (
            <Loading />
          )}
        </section>
        <section className="card" aria-labelledby="ov-audit">
          <h2 id="ov-audit">Recent changes (audit)</h2>
          {!isAdmin ? (
            <p className="muted">The audit log is visible to admins.</p>
          ) : audit.error ? (
            <ErrorBanner error={audit.error} />
          ) : audit.data ? (
            <SimpleTable
              caption="Recent audit entries"
              rows={audit.data.items}
              rowKey={(a) => a.id}
              columns={[
                { header: 'When', cell: (a) => <Time iso={a.at} /> },
                { header: 'Action', cell: (a) => <code>{a.action}</code> },
                { header: 'Actor', cell: (a) => a.actor },
              ]}
              empty={<EmptyState title="No changes recorded yet." />}
            />
          ) : (
            <Loading />
          )}
          {isAdmin ? <Link to="/audit">Open the audit log</Link> : null}
        </section>
      </div>
      <section className="card" aria-labelledby="ov-engines">
        <h2 id="ov-engines">Engines</h2>
        <ErrorBanner error={engines.error} />
        {engines.data ? (
          <SimpleTable
            caption="Engines"
            rows={engines.data.items}
            rowKey={(e) => e.name}
            columns={[
              { header: 'Engine', cell: (e) => <code>{e.name}</code> },
              {
                header: 'Status',
                cell: (e) =>
                  e.consecutive_failures > 0 ? (
                    <Badge tone="danger">failing</Badge>
                  ) : e.leader ? (
                    <Badge tone="ok">running</Badge>
                  ) : (
                    <Badge>standby</Badge>
                  ),
              },
              { header: 'Runs', cell: (e) => e.runs },
              { header: 'Failures', cell: (e) => e.failures },
              { header: 'Last run', cell: (e) => <Time iso={e.last_run_at} /> },
              { header: 'Last error', cell: (e) => e.last_error ?? '—' },
            ]}
            empty={<EmptyState title="No engines registered." />}
          />
        ) : engines.error ? null : (
          <Loading />
        )}
      </section>
    </>
  );
}
