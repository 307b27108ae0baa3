/**
 * Scrape jobs as a catalog kind (`/scrape-jobs`): the generic list, detail and forms (managed jobs
 * read-only with their plan source), and on the detail page the live state of the job's targets.
 */
import { useEffect } from 'react';
import type { CatalogObject } from '../../api.ts';
import { catalogTypes, useLiveEvents } from '../../live.ts';
import { type KindView, ObjectLink } from '../../pages/catalog.tsx';
import { Link } from '../../router.tsx';
import { Badge, ManagedBadge, useApi } from '../../ui/components.tsx';
import type { FieldDef } from '../../ui/fields.ts';
import { type ApiTarget, TargetTable } from './Targets.tsx';

const DURATION = {
  re: /^(\d+(ms|s|m|h|d|w|y))+$/,
  message: 'Use a duration such as 15s, 1m or 1m30s.',
};
const SLUG = {
  re: /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/,
  message: 'Use lower-case letters, digits and dashes, starting and ending with a letter or digit.',
};
const TARGETS = {
  re: /^\s*[^\s/,]+:\d+\s*(,\s*[^\s/,]+:\d+\s*)*$/,
  message: 'Give host:port targets separated by commas, e.g. 10.0.0.5:9100, 10.0.0.6:9100.',
};

const FIELDS: FieldDef[] = [
  {
    name: 'targets',
    label: 'Targets',
    type: 'list',
    required: true,
    help: 'host:port, comma-separated.',
    pattern: TARGETS,
  },
  { name: 'interval', label: 'Interval', help: 'How often to scrape (default 15s).', pattern: DURATION },
  { name: 'timeout', label: 'Timeout', help: 'At most the interval (default 10s).', pattern: DURATION },
  {
    name: 'metrics_path',
    label: 'Metrics path',
    help: 'Default /metrics.',
    pattern: { re: /^\//, message: 'The path starts with /.' },
  },
  {
    name: 'scheme',
    label: 'Scheme',
    type: 'select',
    options: [
      { value: 'http', label: 'http' },
      { value: 'https', label: 'https' },
    ],
  },
  {
    name: 'sample_limit',
    label: 'Sample limit',
    type: 'number',
    help: 'A scrape with more samples fails (0 or empty: no limit).',
  },
];

function JobTargets({ job }: { job: string }) {
  const { data, reload } = useApi<{ data: { activeTargets: ApiTarget[] } }>(
    `/api/v1/targets?scrapePool=${encodeURIComponent(job)}`,
  );
  // Scrape results are not events: poll like the targets page, and follow changes of the job.
  useEffect(() => {
    const id = window.setInterval(reload, 15_000);
    return () => window.clearInterval(id);
  }, [reload]);
  useLiveEvents(catalogTypes('scrape_job'), (e) => {
    if (e.subject.key === job) window.setTimeout(reload, 1500);
  });
  const targets = data?.data.activeTargets ?? [];
  return (
    <section className="card job-card" aria-labelledby="job-targets-h">
      <div className="card-head">
        <h2 id="job-targets-h" className="card-title">
          Targets
        </h2>
        <Link to="/targets" className="btn btn-small">
          All targets
        </Link>
      </div>
      {data && targets.length === 0 ? (
        <p className="muted">Not scraped yet: targets appear after the scrape engine picks the job up.</p>
      ) : (
        <TargetTable job={job} targets={targets} now={Date.now()} />
      )}
    </section>
  );
}

export const scrapeJobsView: KindView = {
  kind: 'scrape_job',
  plural: 'scrape-jobs',
  label: 'scrape job',
  title: 'Scrape jobs',
  intro: 'Endpoints Vigil scrapes for Prometheus metrics (text format or OpenMetrics).',
  writeRole: 'operator',
  keyField: {
    name: 'key',
    label: 'Job name',
    required: true,
    createOnly: true,
    help: 'Becomes the job label; lower-case letters, digits and dashes.',
    pattern: SLUG,
  },
  useFields: () => FIELDS,
  columns: [
    {
      header: 'Job',
      cell: (o: CatalogObject) => (
        <>
          <ObjectLink plural="scrape-jobs" k={o.key} /> <ManagedBadge obj={o} />
        </>
      ),
    },
    {
      header: 'Targets',
      cell: (o) =>
        Array.isArray(o.targets) ? o.targets.map((t) => <Badge key={String(t)}>{String(t)}</Badge>) : null,
    },
    { header: 'Interval', cell: (o) => String(o.interval ?? '15s') },
    { header: 'Path', cell: (o) => <code>{String(o.metrics_path ?? '/metrics')}</code> },
  ],
  detail: (o) => <JobTargets job={o.key} />,
};
