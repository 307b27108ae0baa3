/**
 * The on-call console section: who is on call (`/oncall`), schedule timelines with overrides
 * (`/oncall/schedules/<key>`), escalation policies (`/oncall/policies`, editor at
 * `/oncall/policies/new` and `/oncall/policies/<key>`), the signed-in user's shifts, contact methods
 * and test notifications (`/oncall/me`) and the delivery log (`/oncall/deliveries`).
 */
import type { ReactNode } from 'react';
import type { ConsoleSection } from '../../features.ts';
import { match } from '../../router.tsx';
import './oncall.css';
import { DeliveriesPage } from './DeliveriesPage.tsx';
import { MePage } from './MePage.tsx';
import { NowPage } from './NowPage.tsx';
import { PoliciesPage, PolicyEditor } from './PoliciesPage.tsx';
import { SchedulePage } from './SchedulePage.tsx';

export const section: ConsoleSection = {
  name: 'oncall',
  nav: [
    { to: '/oncall', label: 'On call', group: 'operate', order: 30 },
    { to: '/oncall/me', label: 'My on-call', group: 'operate', order: 31 },
    { to: '/oncall/deliveries', label: 'Deliveries', group: 'operate', order: 32 },
    { to: '/oncall/policies', label: 'Escalation policies', group: 'configure', order: 30 },
  ],
  route(path) {
    const page = pageFor(path);
    // The wrapper keeps wide tables and the timeline from widening the whole page on small screens.
    return page === undefined ? undefined : <div className="oc-page">{page}</div>;
  },
};

function pageFor(path: string): ReactNode | undefined {
  if (path === '/oncall') return <NowPage />;
  if (path === '/oncall/me') return <MePage />;
  if (path === '/oncall/deliveries') return <DeliveriesPage />;
  if (path === '/oncall/policies') return <PoliciesPage />;
  if (path === '/oncall/policies/new') return <PolicyEditor key="new" />;
  const p = match('/oncall/policies/:key', path);
  if (p) return <PolicyEditor key={p.key} k={p.key} />;
  const s = match('/oncall/schedules/:key', path);
  if (s) return <SchedulePage key={s.key} k={s.key} />;
  return undefined;
}
