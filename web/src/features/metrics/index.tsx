/** Metrics in the console: the PromQL explorer, scrape targets and the store's status. */
import type { ConsoleSection } from '../../features.ts';
import { Explore } from './Explore.tsx';
import './metrics.css';
import { Targets } from './Targets.tsx';
import { TsdbStatus } from './TsdbStatus.tsx';

export const section: ConsoleSection = {
  name: 'metrics',
  nav: [
    { to: '/explore', label: 'Explore metrics', group: 'operate', order: 40 },
    { to: '/targets', label: 'Scrape targets', group: 'operate', order: 41 },
    { to: '/tsdb-status', label: 'TSDB status', group: 'operate', order: 42 },
  ],
  route(path) {
    if (path === '/explore') return <Explore />;
    if (path === '/targets') return <Targets />;
    if (path === '/tsdb-status') return <TsdbStatus />;
    return undefined;
  },
};
