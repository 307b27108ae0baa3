/**
 * The incidents section of the console: list, declare, incident page, postmortem editor and
 * reports. Everything goes through the incidents REST API (docs/incidents.md).
 */
import type { ReactNode } from 'react';
import type { ConsoleSection } from '../../features.ts';
import { match } from '../../router.tsx';
import { IncidentList } from './IncidentList.tsx';
import { IncidentPage } from './IncidentPage.tsx';
import { NewIncident } from './NewIncident.tsx';
import { PostmortemPage } from './PostmortemPage.tsx';
import { Reports } from './Reports.tsx';
import './incidents.css';

function pageFor(path: string): ReactNode | undefined {
  if (path === '/incidents') return <IncidentList />;
  if (path === '/incidents/new') return <NewIncident />;
  if (path === '/incidents/reports') return <Reports />;
  const pm = match('/incidents/:id/postmortem', path);
  if (pm) return <PostmortemPage key={pm.id} id={pm.id} />;
  const one = match('/incidents/:id', path);
  if (one) return <IncidentPage key={one.id} id={one.id} />;
  return undefined;
}

export const section: ConsoleSection = {
  name: 'incidents',
  nav: [{ to: '/incidents', label: 'Incidents', group: 'operate', order: 20 }],
  route(path) {
    const page = pageFor(path);
    // Wide tables scroll inside their own region instead of widening the whole shell.
    return page === undefined ? undefined : <div className="inc-page">{page}</div>;
  },
};
