/**
 * The checks section: /checks (probes and heartbeats with state, sparkline and 90-day uptime),
 * /checks/<key> (a probe), /checks/heartbeats/<key> (a heartbeat), and their create/edit forms.
 */
import type { ConsoleSection } from '../../features.ts';
import { match } from '../../router.tsx';
import './checks.css';
import { CheckDetail, HeartbeatDetail } from './detail.tsx';
import { CheckForm } from './form.tsx';
import { ChecksList } from './list.tsx';

export const section: ConsoleSection = {
  name: 'checks',
  nav: [{ to: '/checks', label: 'Checks', group: 'operate', order: 10 }],
  route(path) {
    const page = pageFor(path);
    // The wrapper keeps wide tables from widening the page on narrow screens (they scroll instead).
    return page === undefined ? undefined : <div className="ck-page">{page}</div>;
  },
};

function pageFor(path: string) {
  if (path === '/checks') return <ChecksList />;
  if (path === '/checks/new') return <CheckForm />;
  if (path === '/checks/heartbeats/new') return <CheckForm heartbeat />;
  const hbEdit = match('/checks/heartbeats/:key/edit', path);
  if (hbEdit) return <CheckForm key={`hb-${hbEdit.key}`} k={hbEdit.key} heartbeat />;
  const hb = match('/checks/heartbeats/:key', path);
  if (hb) return <HeartbeatDetail key={`hb-${hb.key}`} k={hb.key} />;
  const edit = match('/checks/:key/edit', path);
  if (edit) return <CheckForm key={`c-${edit.key}`} k={edit.key} />;
  const detail = match('/checks/:key', path);
  if (detail) return <CheckDetail key={`c-${detail.key}`} k={detail.key} />;
  return undefined;
}
