/**
 * `/alerts/rules`: rule groups and their rules with state, health, last evaluation, evaluation
 * time and errors (Prometheus' /rules page), filterable; groups declared in the plan say where.
 */
import { useMemo, useState } from 'react';
import type { CatalogObject } from '../../api.ts';
import { catalogTypes, useLiveEvents } from '../../live.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import {
  Badge,
  EmptyState,
  ErrorBanner,
  Loading,
  ManagedBadge,
  PageHeader,
  Time,
  useApi,
} from '../../ui/components.tsx';
import { LabelChips, SeverityBadge, shortDuration } from './shared.tsx';

interface RuleAlertRef {
  fingerprint: string;
  state: string;
  labels: Record<string, string>;
}

interface Rule {
  id: string;
  name: string;
  query: string;
  type: 'alerting' | 'recording';
  labels: Record<string, string>;
  health: 'ok' | 'err' | 'unknown';
  lastError: string;
  lastEvaluation: string | null;
  evaluationTime: number;
  state?: 'firing' | 'pending' | 'inactive';
  duration?: number;
  keepFiringFor?: number;
  runbook?: string | null;
  missingData?: string;
  evaluations?: { breaching: number; of: number } | null;
  alerts?: RuleAlertRef[];
}

interface Group {
  name: string;
  interval: number;
  rules: Rule[];
  lastEvaluation: string | null;
  evaluationTime: number;
}

const STATE_TONE: Record<string, string> = { firing: 'danger', pending: 'warn', inactive: 'ok' };
const HEALTH_TONE: Record<string, string> = { ok: 'ok', err: 'danger', unknown: 'neutral' };

export function RulesList() {
  const { query } = useLocation();
  const rules = useApi<{ data: { groups: Group[] } }>('/api/v1/rules');
  const objects = useApi<{ items: CatalogObject[] }>('/api/v1/rule-groups?limit=500');
  useLiveEvents(['alert.firing', 'alert.resolved', ...catalogTypes('rule_group')], () => {
    rules.reload();
    objects.reload();
  });
  const [search, setSearch] = useState('');
  const [state, setState] = useState('');
  const [health, setHealth] = useState('');
  const group = query.get('group') ?? '';

  const groups = useMemo(() => {
    const s = search.trim().toLowerCase();
    return (rules.data?.data.groups ?? [])
      .filter((g) => !group || g.name === group)
      .map((g) => ({
        ...g,
        rules: g.rules.filter(
          (r) =>
            (!s || r.name.toLowerCase().includes(s) || r.query.toLowerCase().includes(s)) &&
            (!state || (state === 'recording' ? r.type === 'recording' : r.state === state)) &&
            (!health || r.health === health),
        ),
      }))
      .filter((g) => g.rules.length > 0);
  }, [rules.data, search, state, health, group]);

  const all = rules.data?.data.groups ?? [];
  const total = all.reduce((n, g) => n + g.rules.length, 0);
  const errors = all.reduce((n, g) => n + g.rules.filter((r) => r.health === 'err').length, 0);
  const firing = all.reduce((n, g) => n + g.rules.filter((r) => r.state === 'firing').length, 0);
  const objectOf = (name: string) => objects.data?.items.find((o) => o.key === name);

  return (
    <>
      <PageHeader
        title="Alert rules"
        actions={
          <button type="button" className="btn" onClick={() => rules.reload()}>
            Refresh
          </button>
        }
      >
        Alerting and recording rules from the <code>alerts:</code> section of the ops plan, evaluated by
        Vigil.
      </PageHeader>
      {rules.data ? (
        <ul className="stats" aria-label="Rule summary">
          <li className="stat al-stat">
            <span className="stat-value">{total}</span>
            <span className="stat-label">rules in {all.length} groups</span>
          </li>
          <li className="stat al-stat">
            <span className="stat-value">{firing}</span>
            <span className="stat-label">firing</span>
          </li>
          <li className="stat al-stat">
            <span className="stat-value">{errors}</span>
            <span className="stat-label">with evaluation errors</span>
          </li>
        </ul>
      ) : null}
      <form className="filters" aria-label="Filter rules" onSubmit={(e) => e.preventDefault()}>
        <div className="filter">
          <label htmlFor="rf-search">Name or query</label>
          <input id="rf-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <div className="filter">
          <label htmlFor="rf-state">State</label>
          <select id="rf-state" value={state} onChange={(e) => setState(e.target.value)}>
            <option value="">Any</option>
            <option value="firing">Firing</option>
            <option value="pending">Pending</option>
            <option value="inactive">Inactive</option>
            <option value="recording">Recording rules</option>
          </select>
        </div>
        <div className="filter">
          <label htmlFor="rf-health">Health</label>
          <select id="rf-health" value={health} onChange={(e) => setHealth(e.target.value)}>
            <option value="">Any</option>
            <option value="ok">OK</option>
            <option value="err">Error</option>
            <option value="unknown">Not evaluated yet</option>
          </select>
        </div>
        <div className="filter">
          <label htmlFor="rf-group">Group</label>
          <select
            id="rf-group"
            value={group}
            onChange={(e) =>
              navigate(
                e.target.value
                  ? `/alerts/rules?group=${encodeURIComponent(e.target.value)}`
                  : '/alerts/rules',
                true,
              )
            }
          >
            <option value="">All groups</option>
            {all.map((g) => (
              <option key={g.name} value={g.name}>
                {g.name}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ErrorBanner error={rules.error} />
      {!rules.data ? (
        rules.error ? null : (
          <Loading what="Loading rules" />
        )
      ) : all.length === 0 ? (
        <EmptyState title="No alert rules yet.">
          Declare rule groups under <code>alerts:</code> in vigil.yaml and apply (see docs/rules.md), or test
          them first with <code>vigil rules test</code>.
        </EmptyState>
      ) : groups.length === 0 ? (
        <EmptyState title="No rules match these filters." />
      ) : (
        groups.map((g) => {
          const obj = objectOf(g.name);
          return (
            <section key={g.name} className="card" aria-labelledby={`rg-${g.name}`}>
              <header className="al-group-head">
                <h2 id={`rg-${g.name}`}>Group {g.name}</h2>
                <p className="muted al-group-meta">
                  every {shortDuration(g.interval * 1000)} · last evaluation <Time iso={g.lastEvaluation} /> ·
                  took {shortDuration(g.evaluationTime * 1000)} {obj ? <ManagedBadge obj={obj} /> : null}
                </p>
              </header>
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard */}
              <section className="table-wrap" tabIndex={0} aria-label={`Rules of group ${g.name}`}>
                <table className="al-table">
                  <caption className="sr-only">Rules of group {g.name}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Rule</th>
                      <th scope="col">State</th>
                      <th scope="col">Health</th>
                      <th scope="col">Query</th>
                      <th scope="col">Last evaluation</th>
                      <th scope="col">Took</th>
                    </tr>
                  </thead>
                  <tbody>
                    {g.rules.map((r) => (
                      <RuleRow key={r.id} rule={r} />
                    ))}
                  </tbody>
                </table>
              </section>
            </section>
          );
        })
      )}
    </>
  );
}

function RuleRow({ rule: r }: { rule: Rule }) {
  const active = (r.alerts ?? []).filter((a) => a.state === 'firing' || a.state === 'pending');
  return (
    <tr>
      <td>
        <strong>{r.name}</strong>
        <div className="muted al-small">
          {r.type === 'recording' ? 'recording rule' : `for ${shortDuration((r.duration ?? 0) * 1000)}`}
          {r.keepFiringFor ? ` · keep firing ${shortDuration(r.keepFiringFor * 1000)}` : ''}
          {r.evaluations ? ` · ${r.evaluations.breaching} of ${r.evaluations.of} evaluations` : ''}
          {r.missingData && r.missingData !== 'not_breaching' ? ` · missing data: ${r.missingData}` : ''}
        </div>
        <div>
          <SeverityBadge value={r.labels.severity} />
          <LabelChips labels={r.labels} skip={['severity']} />
        </div>
        {r.type === 'alerting' && !r.runbook ? (
          <div className="al-small al-warn-text">no runbook</div>
        ) : r.runbook ? (
          <div className="al-small">
            <RunbookInline url={r.runbook} />
          </div>
        ) : null}
      </td>
      <td>
        {r.type === 'recording' ? (
          <Badge>recording</Badge>
        ) : (
          <>
            <Badge tone={STATE_TONE[r.state ?? 'inactive']}>{r.state}</Badge>
            {active.length ? (
              <ul className="al-mini-list">
                {active.slice(0, 5).map((a) => (
                  <li key={a.fingerprint}>
                    <Link to={`/alerts/${a.fingerprint}`}>
                      {a.state}:{' '}
                      {Object.entries(a.labels)
                        .filter(([k]) => k !== 'alertname')
                        .map(([k, v]) => `${k}=${v}`)
                        .join(', ') || a.fingerprint}
                    </Link>
                  </li>
                ))}
                {active.length > 5 ? <li className="muted">and {active.length - 5} more</li> : null}
              </ul>
            ) : null}
          </>
        )}
      </td>
      <td>
        <Badge tone={HEALTH_TONE[r.health]}>{r.health === 'err' ? 'error' : r.health}</Badge>
        {r.lastError ? <div className="al-error-text">{r.lastError}</div> : null}
      </td>
      <td>
        <code className="al-query">{r.query}</code>
      </td>
      <td>
        <Time iso={r.lastEvaluation} />
      </td>
      <td>{shortDuration(r.evaluationTime * 1000)}</td>
    </tr>
  );
}

function RunbookInline({ url }: { url: string }) {
  return /^https?:\/\//.test(url) ? <a href={url}>runbook</a> : <span>runbook {url}</span>;
}
