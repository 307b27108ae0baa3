/**
 * The on-call console section: who is on call (`/oncall`), schedule timelines with overrides
 * (`/oncall/schedules/<key>`), escalation policies (`/oncall/policies`), the signed-in user's
 * contact methods and test notifications (`/oncall/me`) and the delivery log (`/oncall/deliveries`).
 */
import type { ConsoleSection } from '../../features.ts';
import { match } from '../../router.tsx';
import './oncall.css';
import { NowPage } from './NowPage.tsx';
import { SchedulePage } from './SchedulePage.tsx';

export const section: ConsoleSection = {
  name: 'oncall',
  nav: [{ to: '/oncall', label: 'On call', group: 'operate', order: 30 }],
  route(path) {
    if (path === '/oncall') return <NowPage />;
    const s = match('/oncall/schedules/:key', path);
    if (s) return <SchedulePage key={s.key} k={s.key} />;
    return undefined;
  },
};
