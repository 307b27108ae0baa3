/**
 * The alerting section of the console: alerts, alert rules, silences, the maintenance calendar
 * and inbound integrations (docs/alerts.md, docs/rules.md).
 */
import type { ReactNode } from 'react';
import type { ConsoleSection } from '../../features.ts';
import { match } from '../../router.tsx';
import { AlertDetail } from './AlertDetail.tsx';
import { AlertsList } from './AlertsList.tsx';
import './alerts.css';
import { Integrations } from './Integrations.tsx';
import { Maintenance, WindowDetail, WindowForm } from './Maintenance.tsx';
import { RulesList } from './Rules.tsx';
import { NewSilence, Silences } from './Silences.tsx';

export const section: ConsoleSection = {
  name: 'alerts',
  nav: [
    { to: '/alerts', label: 'Alerts', group: 'operate', order: 20 },
    { to: '/alerts/silences', label: 'Silences', group: 'operate', order: 21 },
    { to: '/alerts/maintenance', label: 'Maintenance', group: 'operate', order: 22 },
    { to: '/alerts/rules', label: 'Alert rules', group: 'configure', order: 20 },
    { to: '/alerts/integrations', label: 'Alert integrations', group: 'configure', order: 21 },
  ],
  route(path) {
    const page = pageFor(path);
    return page === undefined ? undefined : <div className="al-page">{page}</div>;
  },
};

function pageFor(path: string): ReactNode | undefined {
  if (path === '/alerts') return <AlertsList />;
  if (!path.startsWith('/alerts/')) return undefined;
  if (path === '/alerts/rules') return <RulesList />;
  if (path === '/alerts/silences') return <Silences />;
  if (path === '/alerts/silences/new') return <NewSilence />;
  if (path === '/alerts/integrations') return <Integrations />;
  if (path === '/alerts/maintenance') return <Maintenance />;
  if (path === '/alerts/maintenance/new') return <WindowForm />;
  const edit = match('/alerts/maintenance/:key/edit', path);
  if (edit) return <WindowForm key={edit.key} k={edit.key} />;
  const win = match('/alerts/maintenance/:key', path);
  if (win) return <WindowDetail key={win.key} k={win.key} />;
  const one = match('/alerts/:fingerprint', path);
  if (one) return <AlertDetail key={one.fingerprint} fingerprint={one.fingerprint} />;
  return undefined;
}
