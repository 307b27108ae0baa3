/**
 * `/oncall/deliveries`: the notification delivery log (status, attempts, last error, dedup key),
 * filtered by status / recipient / incident / channel with cursor pages, manual retry of failed
 * deliveries (operators), and channel health (failing channels).
 */
import { useEffect, useState } from 'react';
import { api, roleAtLeast } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { EmptyState, ErrorBanner, PageHeader, Time, useApi } from '../../ui/components.tsx';
import { DataTable, SimpleTable, usePaged } from '../../ui/table.tsx';
import { useToast } from '../../ui/toast.tsx';
import { type Delivery, DeliveryStatus } from './common.tsx';

interface ChannelHealth {
  key: string;
  type: string;
  failing: boolean;
  consecutive_failures: number;
  last_error: string | null;
  updated_at: string;
}

const FILTERS = ['status', 'recipient', 'incident', 'channel'] as const;

export function DeliveriesPage() {
  const { user } = useSession();
  const toast = useToast();
  const { query } = useLocation();
  const canRetry = roleAtLeast(user?.role, 'operator');
  // Filters live in the URL so a filtered log can be shared (e.g. ?status=failed).
  const [filters, setFilters] = useState<Record<string, string>>(() =>
    Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])),
  );
  const paged = usePaged<Delivery>('/api/v1/deliveries', filters, 25);
  // After a retry, follow the delivery for a few rounds even if the filter hides it while pending.
  const [retried, setRetried] = useState(0);
  const channels = useApi<{ items: ChannelHealth[] }>('/api/v1/notify/channels');
  useLiveEvents(['notification.sent', 'notification.failed', 'channel.failing', 'channel.recovered'], () => {
    paged.reload();
    channels.reload();
  });
  // Deliveries without an incident (tests, channel posts) have no timeline events: while any shown
  // delivery is still pending, look again every few seconds.
  const pending = paged.items.some((d) => d.status === 'pending') || retried > 0;
  const reload = paged.reload;
  useEffect(() => {
    if (!pending) return;
    const id = window.setInterval(() => {
      reload();
      setRetried((n) => Math.max(0, n - 1));
    }, 3000);
    return () => window.clearInterval(id);
  }, [pending, reload]);
  const setFilter = (name: string, value: string) => {
    const next = { ...filters, [name]: value };
    setFilters(next);
    const q = new URLSearchParams(Object.entries(next).filter(([, v]) => v));
    navigate(`/oncall/deliveries${q.toString() ? `?${q}` : ''}`, true);
  };
  const retry = async (d: Delivery) => {
    try {
      await api('POST', `/api/v1/deliveries/${encodeURIComponent(d.id)}/retry`);
      toast.show(`Delivery to ${d.recipient ?? d.channel.key} queued again.`);
      setRetried(5);
      paged.reload();
    } catch (err) {
      toast.show((err as Error).message, 'error');
    }
  };
  const failing = (channels.data?.items ?? []).filter((c) => c.failing || c.consecutive_failures > 0);
  return (
    <>
      <PageHeader title="Notification deliveries">
        Every page and notification Vigil sent or tried to send: who, how, when, and the result.
      </PageHeader>
      {failing.some((c) => c.failing) ? (
        <div className="banner banner-error" role="note">
          {failing.filter((c) => c.failing).length} channel(s) keep failing:{' '}
          {failing
            .filter((c) => c.failing)
            .map((c) => c.key)
            .join(', ')}
          .
        </div>
      ) : null}
      <form className="filters" aria-label="Filter deliveries" onSubmit={(e) => e.preventDefault()}>
        <div className="filter">
          <label htmlFor="oc-d-status">Status</label>
          <select
            id="oc-d-status"
            value={filters.status}
            onChange={(e) => setFilter('status', e.target.value)}
          >
            <option value="">Any</option>
            <option value="pending">pending (queued or retrying)</option>
            <option value="sent">sent</option>
            <option value="failed">failed</option>
            <option value="cancelled">cancelled (acknowledged before a delayed reminder)</option>
          </select>
        </div>
        <div className="filter">
          <label htmlFor="oc-d-recipient">Recipient (e-mail)</label>
          <input
            id="oc-d-recipient"
            type="search"
            value={filters.recipient}
            onChange={(e) => setFilter('recipient', e.target.value.trim())}
          />
        </div>
        <div className="filter">
          <label htmlFor="oc-d-incident">Incident id</label>
          <input
            id="oc-d-incident"
            type="search"
            value={filters.incident}
            onChange={(e) => setFilter('incident', e.target.value.trim())}
          />
        </div>
        <div className="filter">
          <label htmlFor="oc-d-channel">Channel key</label>
          <input
            id="oc-d-channel"
            type="search"
            value={filters.channel}
            onChange={(e) => setFilter('channel', e.target.value.trim())}
          />
        </div>
      </form>
      <div className="oc-deliveries">
        <DataTable
          caption="Deliveries, newest first"
          paged={paged}
          rowKey={(d) => d.id}
          columns={[
            { header: 'Created', cell: (d) => <Time iso={d.created_at} /> },
            { header: 'Status', cell: (d) => <DeliveryStatus status={d.status} /> },
            {
              header: 'What',
              cell: (d) => (
                <>
                  <span className="kind-tag">{d.kind}</span> {d.title}
                  {d.incident_id ? (
                    <>
                      {' '}
                      <Link to={`/incidents/${encodeURIComponent(d.incident_id)}`}>incident</Link>
                    </>
                  ) : null}
                </>
              ),
            },
            {
              header: 'To',
              cell: (d) =>
                d.recipient ? (
                  <button
                    type="button"
                    className="oc-link-btn"
                    onClick={() => setFilter('recipient', d.recipient ?? '')}
                  >
                    {d.recipient}
                  </button>
                ) : (
                  <span className="muted">channel</span>
                ),
            },
            {
              header: 'Channel',
              cell: (d) => (
                <>
                  {d.channel.type} <code className="oc-wrap">{d.channel.key}</code>
                </>
              ),
            },
            {
              header: 'Attempts',
              cell: (d) => (
                <>
                  {d.attempts}
                  {d.next_attempt_at ? (
                    <div className="muted">
                      next <Time iso={d.next_attempt_at} />
                    </div>
                  ) : null}
                </>
              ),
            },
            {
              header: 'Result',
              cell: (d) =>
                d.last_detail ? (
                  <span className="oc-wrap">{d.last_detail}</span>
                ) : (
                  <span className="muted">—</span>
                ),
            },
            {
              header: 'Dedup key',
              cell: (d) => <code className="oc-wrap oc-small">{d.idempotency_key}</code>,
            },
            {
              header: 'Actions',
              cell: (d) =>
                d.status === 'failed' && canRetry ? (
                  <button
                    type="button"
                    className="btn btn-small"
                    onClick={() => void retry(d)}
                    aria-label={`Retry delivery ${d.id}`}
                  >
                    Retry
                  </button>
                ) : (
                  <span className="muted">—</span>
                ),
            },
          ]}
          empty={
            <EmptyState
              title={
                Object.values(filters).some(Boolean)
                  ? 'No deliveries match these filters.'
                  : 'Nothing delivered yet.'
              }
            >
              Deliveries appear when an incident pages someone, a severity rule posts to a channel, or someone
              sends a test from <Link to="/oncall/me">My on-call</Link>.
            </EmptyState>
          }
        />
      </div>
      <section className="card" aria-labelledby="oc-ch-h">
        <h2 id="oc-ch-h">Channel health</h2>
        <ErrorBanner error={channels.error} />
        <SimpleTable
          caption="Channel health"
          rows={channels.data?.items ?? []}
          rowKey={(c) => c.key}
          columns={[
            {
              header: 'Channel',
              cell: (c) => (
                <button type="button" className="oc-link-btn" onClick={() => setFilter('channel', c.key)}>
                  {c.key}
                </button>
              ),
            },
            { header: 'Type', cell: (c) => c.type },
            {
              header: 'State',
              cell: (c) =>
                c.failing ? (
                  <span className="badge badge-danger">failing</span>
                ) : c.consecutive_failures ? (
                  <span className="badge badge-warn">{c.consecutive_failures} failure(s)</span>
                ) : (
                  <span className="badge badge-ok">ok</span>
                ),
            },
            { header: 'Last error', cell: (c) => c.last_error ?? <span className="muted">—</span> },
            { header: 'Updated', cell: (c) => <Time iso={c.updated_at} /> },
          ]}
          empty={<EmptyState title="No channel has been used yet." />}
        />
      </section>
    </>
  );
}
