/** `/status-pages/<slug>/subscribers`: counts, the searchable list, add/remove, CSV, webhook deliveries. */
import { useEffect, useState } from 'react';
import { ApiError, api, type Page, roleAtLeast, withQuery } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link } from '../../router.tsx';
import { Badge, EmptyState, ErrorBanner, Loading, PageHeader, Time, useApi } from '../../ui/components.tsx';
import { type Column, DataTable, SimpleTable, usePaged } from '../../ui/table.tsx';
import { useToast } from '../../ui/toast.tsx';
import { AddSubscriber } from './AddSubscriber.tsx';
import { EditComponents } from './EditComponents.tsx';
import {
  type ComponentDef,
  type Counts,
  type Delivery,
  type StatusPageObject,
  SUBSCRIBER_EVENTS,
  type Subscriber,
  subscribersPath,
} from './types.ts';

/** The filter values, with the search debounced so typing does not fire a request per key. */
function useFilters() {
  const [q, setQ] = useState('');
  const [debounced, setDebounced] = useState('');
  const [type, setType] = useState('');
  const [state, setState] = useState('');
  const [component, setComponent] = useState('');
  useEffect(() => {
    const id = window.setTimeout(() => setDebounced(q.trim()), 250);
    return () => window.clearTimeout(id);
  }, [q]);
  return {
    q,
    setQ,
    type,
    setType,
    state,
    setState,
    component,
    setComponent,
    values: { q: debounced, type, state, component },
  };
}

export function componentNames(components: string[] | null, defs: ComponentDef[]): string {
  if (!components) return 'All components';
  return components.map((k) => defs.find((c) => c.key === k)?.name ?? k).join(', ');
}

/** Where a subscriber came from: the public form or an operator (`operator:user:ann@…`). */
function sourceText(source: string): string {
  if (source === 'public') return 'via the public form';
  return `added by ${source.replace(/^operator:/, '').replace(/^(user|token):/, '')}`;
}

export function SubscribersPage({ slug, role }: { slug: string; role: string }) {
  const toast = useToast();
  const canManage = roleAtLeast(role, 'operator');
  const page = useApi<StatusPageObject>(`/api/v1/status-pages/${encodeURIComponent(slug)}`);
  const counts = useApi<Counts>(`${subscribersPath(slug)}/counts`);
  const f = useFilters();
  const paged = usePaged<Subscriber>(canManage ? subscribersPath(slug) : null, f.values, 25);
  const deliveries = useApi<Page<Delivery>>(
    canManage
      ? withQuery(`/api/v1/status-pages/${encodeURIComponent(slug)}/subscriber-deliveries`, { limit: 20 })
      : null,
  );
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [editing, setEditing] = useState<Subscriber | null>(null);
  const reloadAll = () => {
    counts.reload();
    if (canManage) {
      paged.reload();
      deliveries.reload();
    }
  };
  useLiveEvents(SUBSCRIBER_EVENTS, (e) => {
    if (e.subject.key === slug) reloadAll();
  });
  const defs = page.data?.components ?? [];
  const name = page.data?.name ?? slug;

  const remove = async (s: Subscriber) => {
    if (
      !window.confirm(
        `Remove ${s.address}? ${s.type === 'email' ? 'They' : 'It'} will get no more updates from ${name}.`,
      )
    )
      return;
    try {
      await api('DELETE', `${subscribersPath(slug)}/${encodeURIComponent(s.id)}`);
      toast.show(`Removed ${s.address}.`);
      reloadAll();
    } catch (err) {
      toast.show((err as Error).message, 'error');
    }
  };
  const resend = async (s: Subscriber) => {
    try {
      await api('POST', `${subscribersPath(slug)}/${encodeURIComponent(s.id)}/resend-confirmation`);
      toast.show(`Sent the confirmation mail to ${s.address} again.`, 'info');
    } catch (err) {
      toast.show((err as Error).message, 'error');
    }
  };
  const copy = async () => {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret.secret);
      toast.show('Copied to the clipboard.', 'info');
    } catch {
      toast.show('Copy failed; select the text and copy it.', 'error');
    }
  };

  if (page.error) {
    return (
      <>
        <PageHeader title="Subscribers" />
        {page.error instanceof ApiError && page.error.status === 404 ? (
          <EmptyState title={`There is no status page “${slug}”.`}>
            <Link to="/subscribers">See every status page</Link>
          </EmptyState>
        ) : (
          <ErrorBanner error={page.error} />
        )}
      </>
    );
  }

  const columns: Column<Subscriber>[] = [
    {
      header: 'Subscriber',
      cell: (s) => (
        <>
          <span className="sps-address">{s.address}</span>
          {s.description ? <span className="sps-sub">{s.description}</span> : null}
          <span className="muted sps-sub">{sourceText(s.source)}</span>
        </>
      ),
    },
    {
      header: 'Type',
      cell: (s) => (
        <Badge tone={s.type === 'webhook' ? 'accent' : 'neutral'}>
          {s.type === 'email' ? 'e-mail' : 'webhook'}
        </Badge>
      ),
    },
    {
      header: 'State',
      cell: (s) =>
        s.state === 'confirmed' ? <Badge tone="ok">confirmed</Badge> : <Badge tone="warn">pending</Badge>,
    },
    { header: 'Components', cell: (s) => componentNames(s.components, defs) },
    { header: 'Subscribed', cell: (s) => <Time iso={s.confirmed_at ?? s.created_at} /> },
    {
      header: 'Actions',
      cell: (s) => (
        <span className="sps-actions">
          {s.type === 'email' && s.state === 'pending' ? (
            <button
              type="button"
              className="btn btn-small"
              onClick={() => resend(s)}
              aria-label={`Resend the confirmation mail to ${s.address}`}
            >
              Resend
            </button>
          ) : null}
          {defs.length ? (
            <button
              type="button"
              className="btn btn-small"
              onClick={() => setEditing(s)}
              aria-label={`Edit components of ${s.address}`}
            >
              Components
            </button>
          ) : null}
          <button
            type="button"
            className="btn btn-small btn-danger"
            onClick={() => remove(s)}
            aria-label={`Remove ${s.address}`}
          >
            Remove
          </button>
        </span>
      ),
    },
  ];
  const filtered = Object.values(f.values).some(Boolean);
  const c = counts.data;

  return (
    <div className="sps-page">
      <PageHeader
        title={`Subscribers · ${name}`}
        actions={
          <>
            <Link className="btn" to={`/status-pages/${encodeURIComponent(slug)}`}>
              Page editor
            </Link>
            <a className="btn" href={`/status/${encodeURIComponent(slug)}/subscribe`}>
              Public form
            </a>
            {canManage ? (
              <a
                className="btn"
                href={withQuery(`${subscribersPath(slug)}/export.csv`, f.values)}
                download={`${slug}-subscribers.csv`}
              >
                Export CSV
              </a>
            ) : null}
          </>
        }
      >
        Notified when this page posts an incident update or maintenance starts and ends. E-mail subscribers
        confirm first (double opt-in); every mail has a one-click unsubscribe link.
      </PageHeader>

      {counts.error ? <ErrorBanner error={counts.error} /> : null}
      {c ? (
        <ul className="stats sps-stats" aria-label="Subscriber counts">
          <li className="sps-stat">
            <span className="stat-value">{c.confirmed}</span>
            <span className="stat-label">confirmed</span>
          </li>
          <li className="sps-stat">
            <span className="stat-value">{c.pending}</span>
            <span className="stat-label">awaiting confirmation</span>
          </li>
          <li className="sps-stat">
            <span className="stat-value">{c.email}</span>
            <span className="stat-label">e-mail</span>
          </li>
          <li className="sps-stat">
            <span className="stat-value">{c.webhook}</span>
            <span className="stat-label">webhooks</span>
          </li>
        </ul>
      ) : counts.error ? null : (
        <Loading what="Loading counts" />
      )}

      {secret ? (
        <section className="card secret" aria-labelledby="sps-secret-h">
          <h2 id="sps-secret-h">Webhook signing secret</h2>
          <p>
            Deliveries to <code>{secret.url}</code> are signed per Standard Webhooks (<code>webhook-id</code>,{' '}
            <code>webhook-timestamp</code>, <code>webhook-signature</code>). Copy the secret now: it is not
            shown again.
          </p>
          <div className="secret-row">
            <code className="secret-value" data-testid="webhook-secret">
              {secret.secret}
            </code>
            <button type="button" className="btn" onClick={copy}>
              Copy
            </button>
            <button type="button" className="btn" onClick={() => setSecret(null)}>
              Done
            </button>
          </div>
        </section>
      ) : null}

      {editing ? (
        <EditComponents
          key={editing.id}
          slug={slug}
          subscriber={editing}
          components={defs}
          onDone={(saved) => {
            setEditing(null);
            if (saved) {
              toast.show(`Saved the components of ${saved.address}.`);
              reloadAll();
            }
          }}
        />
      ) : null}

      <section className="card" aria-labelledby="sps-list-h">
        <h2 id="sps-list-h">Subscribers</h2>
        {canManage ? (
          <>
            <form className="filters" aria-label="Filter subscribers" onSubmit={(e) => e.preventDefault()}>
              <div className="filter">
                <label htmlFor="sps-q">Search</label>
                <input
                  id="sps-q"
                  type="search"
                  placeholder="address contains…"
                  value={f.q}
                  onChange={(e) => f.setQ(e.target.value)}
                />
              </div>
              <div className="filter">
                <label htmlFor="sps-type">Type</label>
                <select id="sps-type" value={f.type} onChange={(e) => f.setType(e.target.value)}>
                  <option value="">Any</option>
                  <option value="email">e-mail</option>
                  <option value="webhook">webhook</option>
                </select>
              </div>
              <div className="filter">
                <label htmlFor="sps-state">State</label>
                <select id="sps-state" value={f.state} onChange={(e) => f.setState(e.target.value)}>
                  <option value="">Any</option>
                  <option value="confirmed">confirmed</option>
                  <option value="pending">pending</option>
                </select>
              </div>
              <div className="filter">
                <label htmlFor="sps-component">Component</label>
                <select
                  id="sps-component"
                  value={f.component}
                  onChange={(e) => f.setComponent(e.target.value)}
                >
                  <option value="">Any</option>
                  {defs.map((d) => (
                    <option key={d.key} value={d.key}>
                      {d.name}
                    </option>
                  ))}
                </select>
              </div>
            </form>
            <DataTable
              caption={`Subscribers of ${name}`}
              columns={columns}
              paged={paged}
              rowKey={(s) => s.id}
              empty={
                <EmptyState title={filtered ? 'No subscribers match these filters.' : 'No subscribers yet.'}>
                  {filtered ? (
                    'Clear a filter to see more.'
                  ) : (
                    <>
                      Share the public form (
                      <a href={`/status/${encodeURIComponent(slug)}/subscribe`}>/status/{slug}/subscribe</a>)
                      or add a subscriber here.
                    </>
                  )}
                </EmptyState>
              }
            />
          </>
        ) : (
          <p className="banner banner-info">
            Subscriber addresses are personal data: operators can see, export and manage them. You can see the
            counts.
          </p>
        )}
      </section>

      <div className="grid-2">
        {canManage && page.data ? (
          <section className="card" aria-labelledby="sps-add-h">
            <h2 id="sps-add-h">Add a subscriber</h2>
            <AddSubscriber
              slug={slug}
              components={defs}
              onAdded={(s) => {
                if (s.secret) setSecret({ url: s.address, secret: s.secret });
                toast.show(
                  s.state === 'pending' ? `Sent a confirmation mail to ${s.address}.` : `Added ${s.address}.`,
                );
                reloadAll();
              }}
            />
          </section>
        ) : null}
        <section className="card" aria-labelledby="sps-comp-h">
          <h2 id="sps-comp-h">By component</h2>
          {c && page.data ? (
            <SimpleTable
              caption="Confirmed subscribers per component"
              rows={defs}
              rowKey={(d) => d.key}
              columns={[
                { header: 'Component', cell: (d) => d.name },
                { header: 'Notified', cell: (d) => c.by_component[d.key] ?? 0, className: 'sps-num' },
              ]}
              empty={<EmptyState title="This page has no components." />}
            />
          ) : (
            <Loading />
          )}
          {c ? (
            <p className="muted sps-note">
              {c.all_components} confirmed subscriber{c.all_components === 1 ? '' : 's'} follow every
              component.
            </p>
          ) : null}
        </section>
      </div>

      {canManage ? (
        <section className="card" aria-labelledby="sps-del-h">
          <h2 id="sps-del-h">Recent webhook deliveries</h2>
          {deliveries.error ? <ErrorBanner error={deliveries.error} /> : null}
          {deliveries.data ? (
            <SimpleTable
              caption="Recent webhook deliveries"
              rows={deliveries.data.items}
              rowKey={(d) => d.id}
              columns={[
                { header: 'Webhook', cell: (d) => d.address ?? <span className="muted">removed</span> },
                { header: 'Event', cell: (d) => d.event_type.replace('statuspage.', '').replace('_', ' ') },
                {
                  header: 'Status',
                  cell: (d) => (
                    <Badge
                      tone={
                        d.status === 'sent'
                          ? 'ok'
                          : d.status === 'pending'
                            ? 'warn'
                            : d.status === 'failed'
                              ? 'danger'
                              : 'neutral'
                      }
                    >
                      {d.status}
                    </Badge>
                  ),
                },
                { header: 'Attempts', cell: (d) => d.attempts, className: 'sps-num' },
                { header: 'Last error', cell: (d) => d.last_error ?? <span className="muted">—</span> },
                {
                  header: 'When',
                  cell: (d) =>
                    d.status === 'pending' && d.next_attempt_at ? (
                      <>
                        next <Time iso={d.next_attempt_at} />
                      </>
                    ) : (
                      <Time iso={d.sent_at ?? d.created_at} />
                    ),
                },
              ]}
              empty={
                <EmptyState title="No webhook deliveries yet.">
                  They appear when the page posts an incident or maintenance and a webhook subscriber follows
                  one of its components.
                </EmptyState>
              }
            />
          ) : deliveries.error ? null : (
            <Loading />
          )}
        </section>
      ) : null}
    </div>
  );
}
