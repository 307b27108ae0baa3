/** Detail pages: a probe (/checks/<key>) and a heartbeat (/checks/heartbeats/<key>). */
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { ApiError, api, type CatalogObject, encodeKey, roleAtLeast, withQuery } from '../../api.ts';
import { SubjectEvents } from '../../pages/catalog.tsx';
import { Link, navigate } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import {
  Badge,
  EmptyState,
  ErrorBanner,
  Facts,
  Loading,
  ManagedBadge,
  PageHeader,
  Time,
  useApi,
} from '../../ui/components.tsx';
import { SimpleTable } from '../../ui/table.tsx';
import { useToast } from '../../ui/toast.tsx';
import { type ChartSeries, LatencyChart, UptimeBar } from './charts.tsx';
import {
  type Bucket,
  type CheckState,
  CopyButton,
  fmtMs,
  fmtPct,
  LIVE_TYPES,
  type ResultItem,
  StateBadge,
  type StateChange,
  stateText,
  useThrottledLive,
} from './common.tsx';

type Status = CheckState & { recent_results: ResultItem[]; state_changes: StateChange[] };

const plural = (n: number, one: string, many = `${one}s`) => `${n} consecutive ${n === 1 ? one : many}`;

function labelsOf(v: unknown): ReactNode {
  const entries = Object.entries((v ?? {}) as Record<string, string>);
  if (!entries.length) return null;
  return (
    <span className="ck-labels">
      {entries.map(([k, val]) => (
        <Badge key={k}>
          {k}={val}
        </Badge>
      ))}
    </span>
  );
}

function StateChanges({ items, caption }: { items: StateChange[]; caption: string }) {
  return (
    <SimpleTable
      caption={caption}
      rows={items}
      rowKey={(c) => `${c.at}-${c.to}`}
      columns={[
        { header: 'When', cell: (c) => <Time iso={c.at} /> },
        {
          header: 'Change',
          cell: (c) => (
            <span className="ck-change">
              <StateBadge state={c.from} /> <span aria-hidden="true">→</span>
              <span className="sr-only">to</span> <StateBadge state={c.to} />
            </span>
          ),
        },
        { header: 'Reason', cell: (c) => c.reason },
      ]}
      empty={<EmptyState title="No state changes yet." />}
    />
  );
}

/** Pause/resume, delete and the edit link shared by both detail pages. */
function useActions(
  plural: 'checks' | 'heartbeats',
  obj: CatalogObject | undefined,
  state: string | undefined,
) {
  const { user } = useSession();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const canWrite = roleAtLeast(user?.role, 'operator');
  const run = async (what: string, fn: () => Promise<void>) => {
    setBusy(true);
    try {
      await fn();
    } catch (err) {
      toast.show(`${what} failed: ${(err as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  const pauseResume = (reload: () => void) =>
    run(state === 'paused' ? 'Resume' : 'Pause', async () => {
      if (!obj) return;
      const verb = state === 'paused' ? 'resume' : 'pause';
      await api('POST', `/api/v1/${plural}/${encodeKey(obj.key)}/${verb}`);
      toast.show(`${verb === 'pause' ? 'Paused' : 'Resumed'} ${obj.key}.`);
      reload();
    });
  const remove = () =>
    run('Delete', async () => {
      if (!obj) return;
      const what = plural === 'checks' ? 'check' : 'heartbeat';
      if (!window.confirm(`Delete ${what} ${obj.key}? Its results and history stop being collected.`)) return;
      await api('DELETE', `/api/v1/${plural}/${encodeKey(obj.key)}`, { version: obj.version });
      toast.show(`Deleted ${what} ${obj.key}.`);
      navigate('/checks');
    });
  return { canWrite, busy, run, pauseResume, remove, toast };
}

const RANGES = [
  { value: '1h', label: 'Last hour', ms: 3_600_000, raw: true },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000, raw: true },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000, raw: true },
  { value: '7d', label: 'Last 7 days (hourly)', ms: 7 * 86_400_000, raw: false },
  { value: '30d', label: 'Last 30 days (hourly)', ms: 30 * 86_400_000, raw: false },
];

/** Latency over a chosen range: raw results for short ranges, hourly rollup percentiles for long ones. */
function LatencyPanel({ k, tick }: { k: string; tick: number }) {
  const [range, setRange] = useState('6h');
  const r = RANGES.find((x) => x.value === range) ?? RANGES[1];
  // Rounded to the minute so a re-render does not refetch; `tick` refreshes on live events.
  const to = Math.ceil(Date.now() / 60_000) * 60_000;
  const from = to - r.ms;
  const path = r.raw
    ? withQuery(`/api/v1/checks/${encodeKey(k)}/results`, { from, to: to + 60_000, limit: 1000 })
    : withQuery(`/api/v1/checks/${encodeKey(k)}/uptime`, { bucket: 'hour', from, to: to + 60_000 });
  const { data, error, reload } = useApi<{ items: Array<ResultItem | Bucket> }>(path);
  useEffect(() => {
    if (tick) reload();
  }, [tick, reload]);
  const chart = useMemo(() => {
    if (!data) return null;
    if (r.raw) {
      const rows = [...(data.items as ResultItem[])].reverse();
      return {
        times: rows.map((x) => Date.parse(x.at) / 1000),
        series: [
          {
            label: 'latency',
            color: '--accent',
            values: rows.map((x) => (x.status === 'down' ? null : x.latency_ms)),
          },
          {
            label: 'failed',
            color: '--danger',
            points: true,
            values: rows.map((x) => (x.status === 'down' ? x.latency_ms : null)),
          },
        ] as ChartSeries[],
        count: rows.length,
      };
    }
    const rows = data.items as Bucket[];
    return {
      times: rows.map((x) => Date.parse(x.start) / 1000),
      series: [
        { label: 'p50', color: '--accent', values: rows.map((x) => x.latency_p50_ms) },
        { label: 'p95', color: '--warn', values: rows.map((x) => x.latency_p95_ms) },
        { label: 'p99', color: '--danger', values: rows.map((x) => x.latency_p99_ms) },
      ] as ChartSeries[],
      count: rows.length,
    };
  }, [data, r.raw]);
  return (
    <section className="card" aria-labelledby="lat-h">
      <div className="ck-card-head">
        <h2 id="lat-h">Latency</h2>
        <div className="filter">
          <label htmlFor="ck-range">Range</label>
          <select id="ck-range" value={range} onChange={(e) => setRange(e.target.value)}>
            {RANGES.map((x) => (
              <option key={x.value} value={x.value}>
                {x.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {error ? <ErrorBanner error={error} /> : null}
      {!chart ? (
        error ? null : (
          <Loading />
        )
      ) : chart.count === 0 ? (
        <EmptyState title="No results in this range.">Results appear once the check has run.</EmptyState>
      ) : (
        <LatencyChart
          times={chart.times}
          series={chart.series}
          title={`Latency of ${k}, ${r.label.toLowerCase()}`}
          xRange={[from / 1000, (to + 60_000) / 1000]}
        />
      )}
    </section>
  );
}

function ResultsTable({ k, tick, status }: { k: string; tick: number; status?: 'down' }) {
  const [pages, setPages] = useState<string[]>([]);
  const [older, setOlder] = useState<ResultItem[]>([]);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);
  const base = `/api/v1/checks/${encodeKey(k)}/results`;
  const { data, error, reload } = useApi<{ items: ResultItem[] }>(withQuery(base, { limit: 20, status }));
  useEffect(() => {
    if (tick) reload();
  }, [tick, reload]);
  if (error) return <ErrorBanner error={error} />;
  if (!data) return <Loading />;
  const rows = [...data.items, ...older];
  const loadMore = async () => {
    const last = rows[rows.length - 1];
    if (!last) return;
    setLoadingMore(true);
    try {
      const next = await api<{ items: ResultItem[] }>(
        'GET',
        withQuery(base, { limit: 50, status, to: last.at }),
      );
      setOlder((o) => [...o, ...next.items]);
      setPages((p) => [...p, last.at]);
      if (next.items.length < 50) setPages((p) => [...p, 'end']);
      setMoreError(null);
    } catch (e) {
      setMoreError(e);
    } finally {
      setLoadingMore(false);
    }
  };
  const ended = pages.includes('end') || data.items.length < 20;
  return (
    <>
      <SimpleTable
        caption={status ? 'Latest failed results' : 'Recent results'}
        rows={rows}
        rowKey={(r) => r.id}
        columns={[
          { header: 'When', cell: (r) => <Time iso={r.at} /> },
          { header: 'Status', cell: (r) => <StateBadge state={r.status} /> },
          { header: 'Latency', className: 'num', cell: (r) => fmtMs(r.latency_ms) },
          {
            header: 'Error',
            cell: (r) =>
              r.error_class || r.error ? (
                <span className="ck-err-cell">
                  {r.error_class ? <span className="ck-class">{r.error_class}</span> : null} {r.error}
                </span>
              ) : (
                <span className="muted">—</span>
              ),
          },
          {
            header: 'Details',
            cell: (r) => {
              const d = r.details ?? {};
              const bits = [
                d.status_code !== undefined ? `HTTP ${d.status_code}` : null,
                d.days_to_expiry !== undefined ? `cert expires in ${d.days_to_expiry} d` : null,
                Array.isArray(d.answers) ? `answers: ${(d.answers as unknown[]).join(', ')}` : null,
              ].filter(Boolean);
              return bits.length ? bits.join(' · ') : <span className="muted">—</span>;
            },
          },
          { header: 'Location', cell: (r) => r.location },
          { header: 'Late by', className: 'num', cell: (r) => fmtMs(r.lateness_ms) },
        ]}
        empty={
          <EmptyState title={status ? 'No failures in the kept results.' : 'No results yet.'}>
            {status ? 'Raw results are kept for 7 days by default.' : 'Use “Run now” to probe at once.'}
          </EmptyState>
        }
      />
      {moreError ? <ErrorBanner error={moreError} /> : null}
      {!ended && rows.length ? (
        <p>
          <button type="button" className="btn" disabled={loadingMore} onClick={() => void loadMore()}>
            {loadingMore ? 'Loading…' : 'Older results'}
          </button>
        </p>
      ) : null}
    </>
  );
}

function target(spec: CatalogObject): ReactNode {
  switch (spec.type) {
    case 'http':
      return (
        <span>
          <code>{String(spec.method ?? 'GET')}</code> <code className="ck-break">{String(spec.url)}</code>
        </span>
      );
    case 'tcp':
      return <code>{`${spec.host}:${spec.port}`}</code>;
    case 'tls':
      return <code>{`${spec.host}:${spec.port ?? 443}`}</code>;
    case 'dns':
      return (
        <code>
          {String(spec.record ?? 'A')} {String(spec.host)}
          {spec.resolver ? ` @${spec.resolver}` : ''}
        </code>
      );
    default:
      return null;
  }
}

/** /checks/<key> */
export function CheckDetail({ k }: { k: string }) {
  const obj = useApi<CatalogObject>(`/api/v1/checks/${encodeKey(k)}`);
  const status = useApi<Status>(`/api/v1/checks/${encodeKey(k)}/status`);
  const uptime = useApi<{ items: Bucket[] }>(`/api/v1/checks/${encodeKey(k)}/uptime?bucket=day`);
  const [tick, setTick] = useState(0);
  const { canWrite, busy, run, pauseResume, remove, toast } = useActions(
    'checks',
    obj.data,
    status.data?.state,
  );
  const [lastRun, setLastRun] = useState<ResultItem | null>(null);
  useThrottledLive(
    LIVE_TYPES,
    () => {
      obj.reload();
      status.reload();
      uptime.reload();
      setTick((n) => n + 1);
    },
    (e) => e.subject.key === k && e.subject.kind === 'check',
  );
  if (obj.error) {
    return (
      <>
        <PageHeader title="Check" />
        <ErrorBanner error={obj.error} />
        {obj.error instanceof ApiError && obj.error.status === 404 ? (
          <EmptyState title={`There is no check “${k}”.`}>
            <Link to="/checks">Back to the checks</Link>
          </EmptyState>
        ) : null}
      </>
    );
  }
  if (!obj.data || !status.data) return status.error ? <ErrorBanner error={status.error} /> : <Loading />;
  const o = obj.data;
  const s = status.data;
  const runNow = () =>
    run('Run now', async () => {
      const r = await api<ResultItem>('POST', `/api/v1/checks/${encodeKey(k)}/run`);
      setLastRun(r);
      toast.show(
        `Ran ${k}: ${r.status}${r.error ? ` (${r.error})` : ''}.`,
        r.status === 'down' ? 'info' : 'success',
      );
      status.reload();
      uptime.reload();
      setTick((n) => n + 1);
    });
  const days: Array<number | null> = (() => {
    const out = new Array(90).fill(null);
    const today = new Date();
    today.setUTCHours(0, 0, 0, 0);
    for (const b of uptime.data?.items ?? []) {
      const i = 89 - Math.round((today.getTime() - Date.parse(b.start)) / 86_400_000);
      if (i >= 0 && i < 90) out[i] = b.uptime_pct;
    }
    return out;
  })();
  return (
    <>
      <PageHeader
        title={s.name}
        actions={
          <>
            {canWrite ? (
              <button type="button" className="btn btn-primary" disabled={busy} onClick={runNow}>
                Run now
              </button>
            ) : null}
            {canWrite ? (
              <button
                type="button"
                className="btn"
                disabled={busy}
                onClick={() => pauseResume(status.reload)}
              >
                {s.state === 'paused' ? 'Resume' : 'Pause'}
              </button>
            ) : null}
            <Link className="btn" to={`/checks/${encodeKey(k)}/edit`}>
              {o.managed || !canWrite ? 'View form' : 'Edit'}
            </Link>
            {canWrite && !o.managed ? (
              <button type="button" className="btn btn-danger" disabled={busy} onClick={remove}>
                Delete
              </button>
            ) : null}
          </>
        }
      >
        <span className="kind-tag">{String(o.type).toUpperCase()} check</span> <code>{k}</code>{' '}
        <StateBadge state={s.state} /> <ManagedBadge obj={o} />
      </PageHeader>
      {lastRun ? (
        <div
          className={`banner ${lastRun.status === 'down' ? 'banner-error' : 'banner-info'}`}
          role="status"
          data-testid="run-result"
        >
          Ran just now: <strong>{lastRun.status}</strong> in {fmtMs(lastRun.latency_ms)}
          {lastRun.error ? ` — ${lastRun.error_class ?? 'error'}: ${lastRun.error}` : ''}
        </div>
      ) : null}
      <div className="grid-2">
        <section className="card" aria-labelledby="now-h">
          <h2 id="now-h">Current state</h2>
          <Facts
            rows={[
              ['State', <StateBadge key="s" state={s.state} />],
              ['Since', <Time key="c" iso={s.changed_at} />],
              ['Last run', <Time key="l" iso={s.last_run_at} />],
              ['Last latency', fmtMs(s.last_latency_ms)],
              [
                'Last error',
                s.last_error ? (
                  <span key="e" className="ck-err-cell">
                    {s.last_error_class ? <span className="ck-class">{s.last_error_class}</span> : null}{' '}
                    {s.last_error}
                  </span>
                ) : null,
              ],
              ['Uptime (24 h)', fmtPct(s.uptime_24h)],
            ]}
          />
        </section>
        <section className="card" aria-labelledby="cfg-h">
          <h2 id="cfg-h">Configuration</h2>
          <Facts
            rows={[
              ['Target', target(o)],
              serviceRow(o),
              ['Interval', String(o.interval ?? '1m')],
              ['Timeout', String(o.timeout ?? '10s')],
              ['Down after', plural(Number(o.down_after ?? 2), 'failure')],
              ['Up after', plural(Number(o.up_after ?? 1), 'success', 'successes')],
              ['Labels', labelsOf(o.labels)],
              runbookRow(o),
            ]}
          />
        </section>
      </div>
      <section className="card" aria-labelledby="up-h">
        <h2 id="up-h">Uptime, last 90 days</h2>
        {uptime.error ? (
          <ErrorBanner error={uptime.error} />
        ) : (
          <UptimeBar days={days} label={`${s.name} uptime`} />
        )}
        <p className="muted ck-legend">
          <span className="ck-cell ck-ok" /> ≥ 99.9% <span className="ck-cell ck-warn" /> ≥ 99%{' '}
          <span className="ck-cell ck-bad" /> lower <span className="ck-cell ck-none" /> no data
        </p>
      </section>
      <LatencyPanel k={k} tick={tick} />
      <section className="card" aria-labelledby="res-h">
        <h2 id="res-h">Recent results</h2>
        <ResultsTable k={k} tick={tick} />
      </section>
      <div className="grid-2">
        <section className="card" aria-labelledby="err-h">
          <h2 id="err-h">Latest errors</h2>
          <ResultsTable k={k} tick={tick} status="down" />
        </section>
        <section className="card" aria-labelledby="chg-h">
          <h2 id="chg-h">State changes</h2>
          <StateChanges items={s.state_changes} caption="State changes" />
        </section>
      </div>
      <section className="card" aria-labelledby="events-h">
        <h2 id="events-h">Timeline</h2>
        <SubjectEvents kind="check" k={k} />
      </section>
    </>
  );
}

interface HbStatus extends CheckState {
  n_pings: number;
  last_ping_kind: string | null;
  last_duration_ms: number | null;
  started_at: string | null;
  ping_url?: string;
  slug_url?: string;
  state_changes: StateChange[];
}

interface Ping {
  id: string;
  at: string;
  kind: 'success' | 'start' | 'fail' | 'log';
  exit_status: number | null;
  rid: string | null;
  duration_ms: number | null;
  method: string;
  remote_addr: string | null;
  user_agent: string | null;
  body: string | null;
  body_truncated: boolean;
}

const PING_TONE: Record<string, string> = { success: 'ok', start: 'accent', fail: 'danger', log: 'neutral' };

function PingUrl({ label, url }: { label: string; url: string }) {
  const toast = useToast();
  return (
    <div className="ck-url">
      <span className="ck-url-label">{label}</span>
      <code data-copy={url} className="ck-break">
        {url}
      </code>
      <CopyButton
        text={url}
        label={`Copy ${label.toLowerCase()}`}
        onCopied={() => toast.show('Copied to the clipboard.')}
      />
    </div>
  );
}

/** /checks/heartbeats/<key> */
export function HeartbeatDetail({ k }: { k: string }) {
  const obj = useApi<CatalogObject>(`/api/v1/heartbeats/${encodeKey(k)}`);
  const status = useApi<HbStatus>(`/api/v1/heartbeats/${encodeKey(k)}/status`);
  const pings = useApi<{ items: Ping[] }>(`/api/v1/heartbeats/${encodeKey(k)}/pings?limit=50`);
  const { canWrite, busy, pauseResume, remove } = useActions('heartbeats', obj.data, status.data?.state);
  useThrottledLive(
    LIVE_TYPES,
    () => {
      obj.reload();
      status.reload();
      pings.reload();
    },
    (e) => e.subject.key === k && e.subject.kind === 'heartbeat',
  );
  // A ping that changes no state publishes no event (pings are high-volume): poll the pings while open.
  const reloadPings = pings.reload;
  const reloadStatus = status.reload;
  useEffect(() => {
    const t = window.setInterval(() => {
      if (document.visibilityState === 'visible') {
        reloadPings();
        reloadStatus();
      }
    }, 10_000);
    return () => window.clearInterval(t);
  }, [reloadPings, reloadStatus]);
  if (obj.error) {
    return (
      <>
        <PageHeader title="Heartbeat" />
        <ErrorBanner error={obj.error} />
        <Link to="/checks">Back to the checks</Link>
      </>
    );
  }
  if (!obj.data || !status.data) return status.error ? <ErrorBanner error={status.error} /> : <Loading />;
  const o = obj.data;
  const s = status.data;
  return (
    <>
      <PageHeader
        title={s.name}
        actions={
          <>
            {canWrite ? (
              <button
                type="button"
                className="btn"
                disabled={busy}
                onClick={() => pauseResume(status.reload)}
              >
                {s.state === 'paused' ? 'Resume' : 'Pause'}
              </button>
            ) : null}
            <Link className="btn" to={`/checks/heartbeats/${encodeKey(k)}/edit`}>
              {o.managed || !canWrite ? 'View form' : 'Edit'}
            </Link>
            {canWrite && !o.managed ? (
              <button type="button" className="btn btn-danger" disabled={busy} onClick={remove}>
                Delete
              </button>
            ) : null}
          </>
        }
      >
        <span className="kind-tag">heartbeat</span> <code>{k}</code> <StateBadge state={s.state} />{' '}
        <ManagedBadge obj={o} />
      </PageHeader>
      <section className="card" aria-labelledby="urls-h">
        <h2 id="urls-h">Ping URLs</h2>
        {s.ping_url ? (
          <>
            <PingUrl label="Ping URL" url={s.ping_url} />
            {s.slug_url ? <PingUrl label="Slug URL" url={s.slug_url} /> : null}
            <p className="muted">
              Healthchecks.io-compatible: append <code>/start</code> when a run begins, <code>/fail</code> or
              an exit status (<code>/1</code>) when it fails, <code>/log</code> to record a message. POST a
              body (up to 10 kB) to keep the job's output. For example:
            </p>
            <pre className="ck-pre">{`curl -fsS -m 10 --retry 5 ${s.ping_url}/start
./backup.sh 2>&1 | curl -fsS -m 10 --retry 5 --data-binary @- ${s.ping_url}/$?`}</pre>
          </>
        ) : (
          <p className="muted">The ping URL is a secret: it is shown to operators and admins.</p>
        )}
      </section>
      <div className="grid-2">
        <section className="card" aria-labelledby="now-h">
          <h2 id="now-h">Current state</h2>
          <Facts
            rows={[
              ['State', <StateBadge key="s" state={s.state} />],
              ['Since', <Time key="c" iso={s.changed_at} />],
              ['Last ping', <Time key="l" iso={s.last_run_at} />],
              ['Last ping kind', s.last_ping_kind],
              ['Next deadline', <Time key="d" iso={s.deadline_at} />],
              ['Run started', s.started_at ? <Time key="st" iso={s.started_at} /> : null],
              ['Last run time', fmtMs(s.last_duration_ms)],
              ['Pings received', s.n_pings],
            ]}
          />
        </section>
        <section className="card" aria-labelledby="cfg-h">
          <h2 id="cfg-h">Schedule</h2>
          <Facts
            rows={[
              [
                'Expected',
                o.schedule ? (
                  <span key="c">
                    cron <code>{String(o.schedule)}</code> ({String(o.time_zone ?? 'UTC')})
                  </span>
                ) : (
                  `every ${String(o.period ?? '1d')}`
                ),
              ],
              ['Grace', String(o.grace ?? '1h')],
              ['Max run time', o.max_run_time ? String(o.max_run_time) : 'same as grace'],
              ['Min run time', o.min_run_time ? String(o.min_run_time) : null],
              serviceRow(o),
              ['Labels', labelsOf(o.labels)],
              runbookRow(o),
            ]}
          />
        </section>
      </div>
      <section className="card" aria-labelledby="pings-h">
        <h2 id="pings-h">Recent pings</h2>
        {pings.error ? <ErrorBanner error={pings.error} /> : null}
        {pings.data ? (
          <SimpleTable
            caption="Recent pings"
            rows={pings.data.items}
            rowKey={(p) => p.id}
            columns={[
              { header: 'When', cell: (p) => <Time iso={p.at} /> },
              {
                header: 'Kind',
                cell: (p) => (
                  <Badge tone={PING_TONE[p.kind] ?? 'neutral'}>
                    {p.kind}
                    {p.exit_status !== null ? ` (exit ${p.exit_status})` : ''}
                  </Badge>
                ),
              },
              { header: 'Run time', className: 'num', cell: (p) => fmtMs(p.duration_ms) },
              {
                header: 'Source',
                cell: (p) => (
                  <span className="ck-src">
                    {p.method} {p.remote_addr ?? ''}
                    {p.user_agent ? <span className="muted"> · {p.user_agent}</span> : null}
                  </span>
                ),
              },
              {
                header: 'Body',
                cell: (p) =>
                  p.body ? (
                    <details className="ck-body">
                      <summary>
                        {p.body.length > 60 ? `${p.body.slice(0, 60)}…` : p.body}
                        {p.body_truncated ? ' (truncated)' : ''}
                      </summary>
                      <pre className="ck-pre">{p.body}</pre>
                    </details>
                  ) : (
                    <span className="muted">—</span>
                  ),
              },
            ]}
            empty={
              <EmptyState title="No pings yet.">
                Point your job at the ping URL above; pings show up here.
              </EmptyState>
            }
          />
        ) : pings.error ? null : (
          <Loading />
        )}
      </section>
      <section className="card" aria-labelledby="chg-h">
        <h2 id="chg-h">State changes</h2>
        <StateChanges items={s.state_changes} caption="State changes" />
      </section>
      <section className="card" aria-labelledby="events-h">
        <h2 id="events-h">Timeline</h2>
        <SubjectEvents kind="heartbeat" k={k} />
      </section>
    </>
  );
}

export { stateText };

/** The "Service" facts row of a check or heartbeat spec (linked to the service page). */
function serviceRow(o: Record<string, unknown>): [string, ReactNode] {
  return [
    'Service',
    o.service ? (
      <Link key="svc" to={`/services/${encodeKey(String(o.service))}`}>
        {String(o.service)}
      </Link>
    ) : null,
  ];
}

/** The "Runbook" facts row of a check or heartbeat spec. */
function runbookRow(o: Record<string, unknown>): [string, ReactNode] {
  return [
    'Runbook',
    o.runbook ? (
      <a key="rb" href={String(o.runbook)} rel="noreferrer noopener" target="_blank">
        {String(o.runbook)}
      </a>
    ) : null,
  ];
}
