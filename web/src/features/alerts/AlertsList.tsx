/**
 * `/alerts`: alerts by condition (firing, pending, silenced, inhibited, in maintenance, resolved),
 * filtered by label matchers, grouped by their aggregation group, paged by the server, live.
 */
import { type FormEvent, useMemo, useState } from 'react';
import { ApiError, roleAtLeast } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { EmptyState, ErrorBanner, Loading, PageHeader, Time, useApi } from '../../ui/components.tsx';
import {
  ALERT_EVENTS,
  type AlertGroup,
  type DisplayStatus,
  displayStatus,
  LabelChips,
  matches,
  newSilencePath,
  Pager,
  parseMatcher,
  type RuleAlert,
  SeverityBadge,
  StatusBadge,
  type StoredAlert,
  silenceMatchersFor,
  splitMatchers,
  useCursorPages,
} from './shared.tsx';

type Tab = 'firing' | 'pending' | 'silenced' | 'inhibited' | 'muted' | 'resolved' | 'all';
const TABS: Array<{ id: Tab; label: string }> = [
  { id: 'firing', label: 'Firing' },
  { id: 'pending', label: 'Pending' },
  { id: 'silenced', label: 'Silenced' },
  { id: 'inhibited', label: 'Inhibited' },
  { id: 'muted', label: 'In maintenance' },
  { id: 'resolved', label: 'Resolved' },
  { id: 'all', label: 'All' },
];

interface Counts {
  firing: number;
  active: number;
  silenced: number;
  inhibited: number;
  muted: number;
  resolved: number;
}

/** One row in the table, from the alert store or (pending) from the rule engine. */
interface Row {
  fingerprint: string;
  status: DisplayStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  since: string | null;
  source: string;
}

function fromStored(a: StoredAlert): Row {
  return {
    fingerprint: a.fingerprint,
    status: displayStatus(a),
    labels: a.labels,
    annotations: a.annotations,
    since: a.state === 'resolved' ? a.ends_at : a.starts_at,
    source: a.integration ?? a.source,
  };
}

function fromRule(a: RuleAlert): Row {
  return {
    fingerprint: a.fingerprint,
    status: 'pending',
    labels: { alertname: a.rule, ...a.labels },
    annotations: a.annotations,
    since: a.activeAt,
    source: `rules · ${a.group}`,
  };
}

function query(tab: Tab): Record<string, string | undefined> {
  if (tab === 'firing') return { state: 'firing', status: 'active' };
  if (tab === 'resolved') return { state: 'resolved' };
  if (tab === 'all' || tab === 'pending') return {};
  return { state: 'firing', status: tab };
}

export function AlertsList() {
  const { user } = useSession();
  const { query: q } = useLocation();
  const tab = (TABS.some((t) => t.id === q.get('status')) ? q.get('status') : 'firing') as Tab;
  const filterText = q.get('filter') ?? '';
  const grouped = q.get('group') !== 'off';
  const [draft, setDraft] = useState(filterText);
  const [filterError, setFilterError] = useState<string | null>(null);
  const matcherTexts = useMemo(() => splitMatchers(filterText), [filterText]);

  const setParams = (p: Record<string, string | null>) => {
    const next = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(p)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    const s = next.toString();
    navigate(s ? `/alerts?${s}` : '/alerts', true);
  };

  const pages = useCursorPages<StoredAlert>(tab === 'pending' ? null : '/api/v1/alerting/alerts', 'alerts', {
    ...query(tab),
    label: matcherTexts,
  });
  const pending = useApi<{ data: { alerts: RuleAlert[] } }>('/api/v1/alerts?state=pending');
  const counts = useApi<Counts>('/api/v1/alerting/counts');
  const groups = useApi<{ groups: AlertGroup[] }>('/api/v1/alerting/groups');
  useLiveEvents(ALERT_EVENTS, () => {
    pages.reload();
    pending.reload();
    counts.reload();
    groups.reload();
  });

  const apply = (e: FormEvent) => {
    e.preventDefault();
    try {
      for (const m of splitMatchers(draft)) parseMatcher(m);
      setFilterError(null);
      setParams({ filter: draft.trim() });
    } catch (err) {
      setFilterError((err as Error).message);
    }
  };

  const serverFilterError =
    pages.error instanceof ApiError && pages.error.status === 400 ? pages.error.message : null;
  const pendingRows = useMemo(() => {
    let ms: ReturnType<typeof parseMatcher>[] = [];
    try {
      ms = matcherTexts.map(parseMatcher);
    } catch {
      return [];
    }
    return (pending.data?.data.alerts ?? [])
      .map(fromRule)
      .filter((r) => ms.every((m) => matches(m, r.labels)));
  }, [pending.data, matcherTexts]);

  const rows: Row[] = tab === 'pending' ? pendingRows : pages.items.map(fromStored);
  const loaded = tab === 'pending' ? pending.data !== undefined : pages.loaded;
  const error = tab === 'pending' ? pending.error : serverFilterError ? null : pages.error;
  const countOf = (t: Tab): number | undefined => {
    const c = counts.data;
    if (t === 'pending') return pending.data?.data.alerts.length;
    if (!c) return undefined;
    if (t === 'firing') return c.active;
    if (t === 'all') return c.firing + c.resolved;
    return c[t];
  };

  const groupOf = useMemo(() => {
    const m = new Map<string, AlertGroup>();
    for (const g of groups.data?.groups ?? []) for (const fp of g.alerts) if (!m.has(fp)) m.set(fp, g);
    return m;
  }, [groups.data]);

  const canSilence = roleAtLeast(user?.role, 'responder');
  const tabLabel = TABS.find((t) => t.id === tab)?.label ?? '';

  return (
    <>
      <PageHeader
        title="Alerts"
        actions={
          canSilence ? (
            <Link className="btn" to="/alerts/silences/new">
              New silence
            </Link>
          ) : null
        }
      >
        Alerts from Vigil's rules and from Alertmanager, Grafana, Events v2 and webhook integrations.
      </PageHeader>
      <nav className="al-tabs" aria-label="Alert conditions">
        {TABS.map((t) => {
          const n = countOf(t.id);
          return (
            <Link
              key={t.id}
              to={`/alerts?${new URLSearchParams({ ...Object.fromEntries(q), status: t.id }).toString()}`}
              className={`al-tab${t.id === tab ? ' al-tab-current' : ''}`}
              aria-current={t.id === tab ? 'page' : undefined}
            >
              {t.label}
              {n !== undefined ? <span className="al-count"> {n}</span> : null}
            </Link>
          );
        })}
      </nav>
      <form className="filters al-filter" onSubmit={apply} aria-label="Filter alerts">
        <div className={`filter al-grow field${filterError || serverFilterError ? ' field-invalid' : ''}`}>
          <label htmlFor="al-filter">Label matchers</label>
          <input
            id="al-filter"
            type="search"
            value={draft}
            placeholder='service=api severity=~"p0|p1"'
            aria-invalid={filterError || serverFilterError ? true : undefined}
            aria-describedby="al-filter-help"
            onChange={(e) => setDraft(e.target.value)}
          />
          <p id="al-filter-help" className={filterError || serverFilterError ? 'field-error' : 'help'}>
            {filterError ??
              serverFilterError ??
              'Separate matchers with spaces or commas: =, !=, =~ (regex), !~. Press Enter to apply.'}
          </p>
        </div>
        <div className="al-filter-actions">
          <button type="submit" className="btn">
            Apply
          </button>
          {filterText ? (
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => {
                setDraft('');
                setFilterError(null);
                setParams({ filter: null });
              }}
            >
              Clear
            </button>
          ) : null}
          <label className="al-check">
            <input
              type="checkbox"
              checked={grouped}
              onChange={(e) => setParams({ group: e.target.checked ? null : 'off' })}
            />{' '}
            Group by alert group
          </label>
        </div>
      </form>
      <ErrorBanner error={error} />
      {!loaded ? (
        error ? null : (
          <Loading what="Loading alerts" />
        )
      ) : rows.length === 0 && !pages.hasPrev ? (
        <EmptyState
          title={filterText ? `No ${tabLabel.toLowerCase()} alerts match ${filterText}.` : emptyTitle(tab)}
        >
          {tab === 'firing'
            ? 'Rules are evaluated on their interval; integrations post here as soon as a sender fires. See Alert rules and Integrations.'
            : 'Pick another condition above, or clear the filter.'}
        </EmptyState>
      ) : grouped && tab !== 'pending' ? (
        <GroupedTables rows={rows} groupOf={groupOf} canSilence={canSilence} caption={tabLabel} />
      ) : (
        <AlertTable rows={rows} caption={`${tabLabel} alerts`} canSilence={canSilence} />
      )}
      {tab !== 'pending' ? <Pager label="Alerts" pages={pages as never} /> : null}
    </>
  );
}

function emptyTitle(tab: Tab): string {
  switch (tab) {
    case 'firing':
      return 'Nothing is firing.';
    case 'pending':
      return 'No rule is pending.';
    case 'silenced':
      return 'No firing alert is silenced.';
    case 'inhibited':
      return 'No firing alert is inhibited.';
    case 'muted':
      return 'No firing alert is muted by a maintenance window.';
    case 'resolved':
      return 'No resolved alerts yet.';
    default:
      return 'No alerts yet.';
  }
}

function GroupedTables({
  rows,
  groupOf,
  canSilence,
  caption,
}: {
  rows: Row[];
  groupOf: Map<string, AlertGroup>;
  canSilence: boolean;
  caption: string;
}) {
  const sections: Array<{ id: string; group: AlertGroup | null; rows: Row[] }> = [];
  const byId = new Map<string, (typeof sections)[number]>();
  for (const r of rows) {
    const g = groupOf.get(r.fingerprint) ?? null;
    const id = g?.id ?? '';
    let s = byId.get(id);
    if (!s) {
      s = { id, group: g, rows: [] };
      byId.set(id, s);
      sections.push(s);
    }
    s.rows.push(r);
  }
  return (
    <>
      {sections.map((s) => {
        const title = s.group
          ? Object.keys(s.group.labels).length
            ? Object.entries(s.group.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')
            : 'all alerts'
          : 'Not in a group';
        return (
          <section key={s.id || 'none'} className="card al-group" aria-label={`Group ${title}`}>
            <header className="al-group-head">
              <h2>
                {s.group ? <span className="muted">Group </span> : null}
                {title} <span className="al-count">{s.rows.length}</span>
              </h2>
              {s.group ? (
                <p className="muted al-group-meta">
                  route <code>{s.group.route}</code> ·{' '}
                  {s.group.notifications
                    ? `notified ${s.group.notifications}×, last `
                    : 'not notified yet (group_wait)'}
                  {s.group.last_notified_at ? <Time iso={s.group.last_notified_at} /> : null}
                  {s.group.incident_id ? (
                    <>
                      {' · '}
                      <Link to={`/incidents/${encodeURIComponent(s.group.incident_id)}`}>incident</Link>
                    </>
                  ) : null}
                </p>
              ) : (
                <p className="muted al-group-meta">
                  Resolved or suppressed before routing, or waiting for the router.
                </p>
              )}
            </header>
            <AlertTable
              rows={s.rows}
              caption={`${caption} alerts in group ${title}`}
              canSilence={canSilence}
            />
          </section>
        );
      })}
    </>
  );
}

function AlertTable({ rows, caption, canSilence }: { rows: Row[]; caption: string; canSilence: boolean }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="table-wrap" tabIndex={0} aria-label={caption}>
      <table className="al-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Alert</th>
            <th scope="col">State</th>
            <th scope="col">Severity</th>
            <th scope="col">Service</th>
            <th scope="col">Labels</th>
            <th scope="col">Since</th>
            <th scope="col">Source</th>
            {canSilence ? (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.fingerprint}>
              <td>
                <Link to={`/alerts/${encodeURIComponent(r.fingerprint)}`} className="al-name">
                  {r.labels.alertname ?? r.fingerprint}
                </Link>
                {r.annotations.summary ? (
                  <div className="muted al-summary">{r.annotations.summary}</div>
                ) : null}
              </td>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td>
                <SeverityBadge value={r.labels.severity} />
              </td>
              <td>{r.labels.service ?? <span className="muted">—</span>}</td>
              <td>
                <LabelChips labels={r.labels} skip={['alertname', 'severity', 'service']} />
              </td>
              <td>
                <Time iso={r.since} />
              </td>
              <td>{r.source}</td>
              {canSilence ? (
                <td>
                  {r.status !== 'resolved' && r.status !== 'silenced' ? (
                    <Link
                      className="btn btn-small"
                      to={newSilencePath(silenceMatchersFor(r.labels))}
                      aria-label={`Silence ${r.labels.alertname ?? r.fingerprint}`}
                    >
                      Silence
                    </Link>
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
