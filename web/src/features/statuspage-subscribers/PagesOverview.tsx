/** `/subscribers`: every status page with how many people and systems follow it. */
import { useEffect, useState } from 'react';
import { api, type Page } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link } from '../../router.tsx';
import { EmptyState, ErrorBanner, Loading, PageHeader, useApi } from '../../ui/components.tsx';
import { SimpleTable } from '../../ui/table.tsx';
import { type Counts, type StatusPageObject, SUBSCRIBER_EVENTS, subscribersPath } from './types.ts';

export function PagesOverview() {
  const pages = useApi<Page<StatusPageObject>>('/api/v1/status-pages?limit=200');
  const [counts, setCounts] = useState<Record<string, Counts | 'error'>>({});
  const [tick, setTick] = useState(0);
  useLiveEvents(SUBSCRIBER_EVENTS, () => setTick((n) => n + 1));
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick reloads the counts
  useEffect(() => {
    let live = true;
    for (const p of pages.data?.items ?? []) {
      api<Counts>('GET', `${subscribersPath(p.key)}/counts`)
        .then((c) => live && setCounts((s) => ({ ...s, [p.key]: c })))
        .catch(() => live && setCounts((s) => ({ ...s, [p.key]: 'error' })));
    }
    return () => {
      live = false;
    };
  }, [pages.data, tick]);
  const n = (key: string, f: (c: Counts) => number) => {
    const c = counts[key];
    return c === undefined ? '…' : c === 'error' ? '—' : f(c);
  };
  return (
    <>
      <PageHeader title="Status subscribers">
        People (e-mail, double opt-in) and systems (signed webhooks) notified when a status page posts an
        incident or maintenance.
      </PageHeader>
      <section className="card" aria-labelledby="sps-pages-h">
        <h2 id="sps-pages-h">Status pages</h2>
        {pages.error ? <ErrorBanner error={pages.error} /> : null}
        {pages.data ? (
          <SimpleTable
            caption="Status pages and their subscribers"
            rows={pages.data.items}
            rowKey={(p) => p.key}
            columns={[
              {
                header: 'Page',
                cell: (p) => (
                  <Link to={`/status-pages/${encodeURIComponent(p.key)}/subscribers`}>{p.name ?? p.key}</Link>
                ),
              },
              { header: 'Confirmed', cell: (p) => n(p.key, (c) => c.confirmed), className: 'sps-num' },
              { header: 'Pending', cell: (p) => n(p.key, (c) => c.pending), className: 'sps-num' },
              { header: 'E-mail', cell: (p) => n(p.key, (c) => c.email), className: 'sps-num' },
              { header: 'Webhooks', cell: (p) => n(p.key, (c) => c.webhook), className: 'sps-num' },
              {
                header: 'Public form',
                cell: (p) => (
                  <a href={`/status/${encodeURIComponent(p.key)}/subscribe`}>/status/{p.key}/subscribe</a>
                ),
              },
            ]}
            empty={
              <EmptyState title="No status pages yet.">
                Declare one under <code>status_pages:</code> in vigil.yaml and apply; its subscribers appear
                here.
              </EmptyState>
            }
          />
        ) : pages.error ? null : (
          <Loading />
        )}
      </section>
    </>
  );
}
