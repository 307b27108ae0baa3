/**
 * Status pages in the console: the list, and per page its status with overrides, incidents with a
 * composer and live preview, maintenance, components and groups, appearance and message templates.
 * `/status-pages/<key>/subscribers` belongs to the statuspage-subscribers section.
 */
import type { ConsoleSection } from '../../features.ts';
import { match } from '../../router.tsx';
import { Appearance, Templates } from './Appearance.tsx';
import { ComponentsEditor } from './Components.tsx';
import { IncidentDetail, IncidentList, NewIncident } from './Incidents.tsx';
import { MaintenancePage } from './Maintenance.tsx';
import { Overview } from './Overview.tsx';
import { NewPage, PagesList } from './PagesList.tsx';
import './statuspage.css';

export const section: ConsoleSection = {
  name: 'statuspage',
  nav: [{ to: '/status-pages', label: 'Status pages', group: 'operate', order: 50 }],
  route(path, { role }) {
    if (path === '/status-pages') return <PagesList role={role} />;
    if (path === '/status-pages/new') return <NewPage role={role} />;
    const parts = path.split('/');
    if (parts[1] !== 'status-pages' || parts.length < 3) return undefined;
    const one = match('/status-pages/:key', path);
    if (one) return <Overview key={one.key} pageKey={one.key} role={role} />;
    const sub = match('/status-pages/:key/:tab', path);
    if (sub) {
      const props = { key: sub.key, pageKey: sub.key, role };
      if (sub.tab === 'components') return <ComponentsEditor {...props} />;
      if (sub.tab === 'appearance') return <Appearance {...props} />;
      if (sub.tab === 'templates') return <Templates {...props} />;
      if (sub.tab === 'incidents') return <IncidentList {...props} />;
      if (sub.tab === 'maintenance') return <MaintenancePage {...props} />;
      return undefined; // e.g. /status-pages/<key>/subscribers (the subscribers section)
    }
    const inc = match('/status-pages/:key/incidents/:id', path);
    if (inc) {
      if (inc.id === 'new') return <NewIncident key={inc.key} pageKey={inc.key} role={role} />;
      return <IncidentDetail key={`${inc.key}/${inc.id}`} pageKey={inc.key} id={inc.id} role={role} />;
    }
    return undefined;
  },
};
