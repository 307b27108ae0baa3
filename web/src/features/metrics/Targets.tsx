/**
 * Scrape targets (`/targets`), like Prometheus' /targets: one card per scrape job with its
 * configuration (managed-by-plan badge and source), its targets' health, labels, last scrape,
 * duration, samples and last error. Refreshes every 15 s and when a scrape job changes.
 */
import { useEffect, useMemo, useState } from 'react';
import { type CatalogObject, type Page, roleAtLeast } from '../../api.ts';
import { catalogTypes, useLiveEvents } from '../../live.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import {
  Badge,
  EmptyState,
  ErrorBanner,
  Loading,
  ManagedBadge,
  PageHeader,
  useApi,
} from '../../ui/components.tsx';
import { ago, formatCount, formatMs } from './promapi.ts';

export interface ApiTarget {
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  lastSamplesScraped?: number;
  health: 'up' | 'down' | 'unknown';
  scrapeInterval: string;
  scrapeTimeout: string;
}

type ScrapeJob = CatalogObject & {
  targets: string[];
  interval?: string;
  timeout?: string;
  metrics_path?: string;
  scheme?: string;
  labels?: Record<string, string>;
  honor_labels?: boolean;
  sample_limit?: number;
};

const TONE = { up: 'ok', down: 'danger', unknown: 'neutral' } as const;
const REFRESH_MS = 15_000;

export function Targets() {
  const targets = useApi<{ data: { activeTargets: ApiTarget[] } }>('/api/v1/targets');
  const jobs = useApi<Page<ScrapeJob>>('/api/v1/scrape-jobs?limit=500');
  const { user } = useSession();
  const canWrite = roleAtLeast(user?.role, 'operator');
  const [health, setHealth] = useState('');
  const [search, setSearch] = useState('');
  const [now, setNow] = useState(Date.now());
  const { reload: reloadTargets } = targets;
  const { reload: reloadJobs } = jobs;
  useEffect(() => {
    const id = window.setInterval(() => {
      reloadTargets();
      setNow(Date.now());
    }, REFRESH_MS);
    return () => window.clearInterval(id);
  }, [reloadTargets]);
  useLiveEvents(catalogTypes('scrape_job'), () => {
    reloadJobs();
    // The scrape engine picks the change up on its next step.
    window.setTimeout(reloadTargets, 1500);
  });

  const all = targets.data?.data.activeTargets ?? [];
  const groups = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const byJob = new Map<string, ApiTarget[]>();
    for (const j of jobs.data?.items ?? []) byJob.set(j.key, []);
    for (const t of all) if (!byJob.has(t.scrapePool)) byJob.set(t.scrapePool, []);
    for (const t of all) {
      if (health && t.health !== health) continue;
      if (
        needle &&
        !`${t.scrapeUrl} ${Object.entries(t.labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(' ')} ${t.lastError}`
          .toLowerCase()
          .includes(needle)
      )
        continue;
      byJob.get(t.scrapePool)!.push(t);
    }
    return [...byJob.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [all, jobs.data, health, search]);

  const up = all.filter((t) => t.health === 'up').length;
  const down = all.filter((t) => t.health === 'down').length;
  const filtering = Boolean(health || search.trim());

  return (
    <div className="metrics-page">
      <PageHeader
        title="Scrape targets"
        actions={
          <>
            {canWrite ? (
              <Link className="btn btn-primary" to="/scrape-jobs/new">
                New scrape job
              </Link>
            ) : null}
            <button
              type="button"
              className="btn"
              onClick={() => {
                reloadTargets();
                reloadJobs();
                setNow(Date.now());
              }}
            >
              Refresh
            </button>
          </>
        }
      >
        What Vigil scrapes (<code>metrics.scrape</code> in the ops plan) and how the last scrape went.
      </PageHeader>
      <ErrorBanner error={targets.error ?? jobs.error} />
      {!targets.data || !jobs.data ? (
        targets.error || jobs.error ? null : (
          <Loading what="Loading targets" />
        )
      ) : groups.length === 0 ? (
        <EmptyState title="No scrape jobs yet.">
          Declare targets under <code>metrics.scrape</code> in vigil.yaml and apply the plan, for example{' '}
          <code>{'- job: api\n  targets: ["10.0.0.5:9100"]'}</code>. Scripts can also push with{' '}
          <code>PUT /metrics/job/&lt;job&gt;</code>, and a Prometheus can remote-write to{' '}
          <code>/api/v1/write</code>.
        </EmptyState>
      ) : (
        <>
          <div className="filters">
            <label className="filter">
              Health
              <select value={health} onChange={(e) => setHealth(e.target.value)}>
                <option value="">All ({all.length})</option>
                <option value="up">Up ({up})</option>
                <option value="down">Down ({down})</option>
                <option value="unknown">Unknown ({all.length - up - down})</option>
              </select>
            </label>
            <label className="filter">
              Search endpoint, labels or error
              <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
            </label>
          </div>
          <p className="muted" aria-live="polite">
            {up} of {all.length} targets up{down ? `, ${down} down` : ''}.
          </p>
          {groups.map(([job, list]) => {
            const spec = jobs.data!.items.find((j) => j.key === job);
            const total = all.filter((t) => t.scrapePool === job);
            if (filtering && list.length === 0) return null;
            return (
              <JobCard
                key={job}
                job={job}
                spec={spec}
                targets={list}
                upCount={total.filter((t) => t.health === 'up').length}
                total={total.length}
                now={now}
              />
            );
          })}
          {filtering && groups.every(([, l]) => l.length === 0) ? (
            <EmptyState title="No target matches these filters." />
          ) : null}
        </>
      )}
    </div>
  );
}

function JobCard(props: {
  job: string;
  spec: ScrapeJob | undefined;
  targets: ApiTarget[];
  upCount: number;
  total: number;
  now: number;
}) {
  const { spec } = props;
  const headingId = `job-${props.job}`;
  const exploreUp = `/explore?q=${encodeURIComponent(`up{job="${props.job}"}`)}&tab=graph`;
  return (
    <section className="card job-card" aria-labelledby={headingId}>
      <div className="card-head">
        <h2 id={headingId} className="card-title">
          {spec ? <Link to={`/scrape-jobs/${encodeURIComponent(props.job)}`}>{props.job}</Link> : props.job}{' '}
          <Badge tone={props.total === 0 ? 'neutral' : props.upCount === props.total ? 'ok' : 'danger'}>
            {props.upCount}/{props.total} up
          </Badge>
        </h2>
        <Link to={exploreUp} className="btn btn-small">
          Graph up<span className="sr-only"> for {props.job}</span>
        </Link>
      </div>
      {spec ? (
        <p className="muted job-config">
          every {spec.interval ?? '15s'} · timeout {spec.timeout ?? '10s'} · {spec.scheme ?? 'http'}://…
          {spec.metrics_path ?? '/metrics'}
          {spec.honor_labels ? ' · honor_labels' : ''}
          {spec.sample_limit ? ` · sample_limit ${spec.sample_limit}` : ''} <ManagedBadge obj={spec} />
        </p>
      ) : null}
      {props.total === 0 ? (
        <p className="muted">Not scraped yet: targets appear after the scrape engine picks the job up.</p>
      ) : props.targets.length === 0 ? (
        <p className="muted">No target of this job matches the filters.</p>
      ) : (
        <TargetTable job={props.job} targets={props.targets} now={props.now} />
      )}
    </section>
  );
}

/** The targets of one job: endpoint, state, labels, last scrape, duration, samples, error. */
export function TargetTable(props: { job: string; targets: ApiTarget[]; now: number }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="table-wrap" tabIndex={0} aria-label={`Targets of ${props.job}`}>
      <table>
        <caption className="sr-only">Targets of {props.job}</caption>
        <thead>
          <tr>
            <th scope="col">Endpoint</th>
            <th scope="col">State</th>
            <th scope="col">Labels</th>
            <th scope="col">Last scrape</th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col" className="num">
              Samples
            </th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {props.targets.map((t) => (
            <tr key={t.scrapeUrl}>
              <td>
                <code>{t.scrapeUrl}</code>
              </td>
              <td>
                <Badge tone={TONE[t.health]}>{t.health}</Badge>
              </td>
              <td>
                <ul className="label-chips" aria-label="Target labels">
                  {Object.entries(t.labels)
                    .sort(([a], [b]) => a.localeCompare(b))
                    .map(([k, v]) => (
                      <li key={k} className="label-chip">
                        {k}="{v}"
                      </li>
                    ))}
                </ul>
              </td>
              <td>
                {Date.parse(t.lastScrape) > 0 ? (
                  <time dateTime={t.lastScrape} title={t.lastScrape}>
                    {ago(t.lastScrape, props.now)}
                  </time>
                ) : (
                  <span className="muted">never</span>
                )}
              </td>
              <td className="num">
                {Date.parse(t.lastScrape) > 0 ? formatMs(t.lastScrapeDuration * 1000) : '—'}
              </td>
              <td className="num">
                {t.lastSamplesScraped === undefined ? '—' : formatCount(t.lastSamplesScraped)}
              </td>
              <td className={t.lastError ? 'target-error' : undefined}>
                {t.lastError || <span className="muted">—</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
