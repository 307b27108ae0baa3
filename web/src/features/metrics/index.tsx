/** Metrics in the console: the PromQL explorer, scrape targets and jobs, and the store's status. */
import type { ReactNode } from 'react';
import type { ConsoleSection } from '../../features.ts';
import { KindDetail, KindForm, KindList } from '../../pages/catalog.tsx';
import { match } from '../../router.tsx';
import { Explore } from './Explore.tsx';
import './metrics.css';
import { scrapeJobsView } from './ScrapeJobs.tsx';
import { Targets } from './Targets.tsx';
import { TsdbStatus } from './TsdbStatus.tsx';

function scrapeJobRoutes(path: string): ReactNode | undefined {
  const view = scrapeJobsView;
  if (path === '/scrape-jobs') return <KindList view={view} />;
  if (path === '/scrape-jobs/new') return <KindForm view={view} />;
  const edit = match('/scrape-jobs/:key/edit', path);
  if (edit) return <KindForm key={edit.key} view={view} k={edit.key} />;
  const detail = match('/scrape-jobs/:key', path);
  if (detail) return <KindDetail key={detail.key} view={view} k={detail.key} />;
  return undefined;
}

export const section: ConsoleSection = {
  name: 'metrics',
  nav: [
    { to: '/explore', label: 'Explore metrics', group: 'operate', order: 40 },
    { to: '/targets', label: 'Scrape targets', group: 'operate', order: 41 },
    { to: '/tsdb-status', label: 'TSDB status', group: 'operate', order: 42 },
    { to: '/scrape-jobs', label: 'Scrape jobs', group: 'configure', order: 40 },
  ],
  route(path) {
    if (path === '/explore') return <Explore />;
    if (path === '/targets') return <Targets />;
    if (path === '/tsdb-status') return <TsdbStatus />;
    return scrapeJobRoutes(path);
  },
};
