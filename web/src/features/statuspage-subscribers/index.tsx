/**
 * Status page subscribers in the console: `/subscribers` (every page with its subscriber counts)
 * and `/status-pages/<slug>/subscribers` (search, filters, remove, CSV export, add e-mail or
 * webhook subscribers, recent webhook deliveries). Addresses are personal data: operators see
 * and manage them, viewers see the counts.
 */
import type { ConsoleSection } from '../../features.ts';
import { match } from '../../router.tsx';
import { PagesOverview } from './PagesOverview.tsx';
import { SubscribersPage } from './SubscribersPage.tsx';
import './statuspage-subscribers.css';

export const section: ConsoleSection = {
  name: 'statuspage-subscribers',
  nav: [{ to: '/subscribers', label: 'Status subscribers', group: 'operate', order: 75 }],
  route(path, ctx) {
    if (path === '/subscribers') return <PagesOverview />;
    const m = match('/status-pages/:slug/subscribers', path);
    if (m) return <SubscribersPage key={m.slug} slug={m.slug} role={ctx.role} />;
    return undefined;
  },
};
