/**
 * `/alerts/<fingerprint>`: one alert — runbook first, then why it is (not) being sent, labels and
 * annotations, the rule's query with a chart, and its history (routing and rule transitions).
 */
import type { ReactNode } from 'react';
import { ApiError, roleAtLeast } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import {
  Badge,
  EmptyState,
  ErrorBanner,
  Facts,
  Loading,
  PageHeader,
  Time,
  useApi,
} from '../../ui/components.tsx';
import { ExprChart } from './Chart.tsx';
import { RunbookLink } from './Runbook.tsx';
import {
  ALERT_EVENTS,
  type AlertGroup,
  type DisplayStatus,
  displayStatus,
  newSilencePath,
  type RuleAlert,
  SeverityBadge,
  StatusBadge,
  type StoredAlert,
  silenceMatchersFor,
} from './shared.tsx';

interface Detail extends StoredAlert {
  groups: string[];
  history: Array<{ at: string; type: string; actor: string; data: Record<string, unknown> }>;
}

interface Transition {
  at: string;
  from: string;
  to: string;
  rule_id: string;
  group: string;
  value: number | null;
}

interface RuleInfo {
  name: string;
  query: string;
  type: string;
  health: string;
  lastError: string;
  lastEvaluation: string | null;
  duration?: number;
  keepFiringFor?: number;
  runbook?: string | null;
  missingData?: string;
  check?: string | null;
}

/** `group` and `rule` from a rule alert's generator URL (`…/api/v1/rules?group=g&rule=r`). */
function ruleRef(url: string | null): { group: string; rule: string } | null {
  if (!url) return null;
  try {
    const u = new URL(url, location.origin);
    if (!u.pathname.endsWith('/api/v1/rules')) return null;
    const group = u.searchParams.get('group');
    const rule = u.searchParams.get('rule');
    return group && rule ? { group, rule } : null;
  } catch {
    return null;
  }
}

export function AlertDetail({ fingerprint }: { fingerprint: string }) {
  const { user } = useSession();
  const fp = encodeURIComponent(fingerprint);
  const stored = useApi<Detail>(`/api/v1/alerting/alerts/${fp}`);
  const notStored = stored.error instanceof ApiError && stored.error.status === 404;
  const isRuleFp = /^[0-9a-f]{16}$/.test(fingerprint);
  const pending = useApi<{ data: { alerts: RuleAlert[] } }>(notStored ? '/api/v1/alerts' : null);
  const transitions = useApi<{ data: { transitions: Transition[] } }>(
    isRuleFp ? `/api/v1/alerts/${fp}/history` : null,
  );
  const groups = useApi<{ groups: AlertGroup[] }>('/api/v1/alerting/groups');
  useLiveEvents(ALERT_EVENTS, (e) => {
    if (e.subject.key === fingerprint || e.type.startsWith('silence.') || e.type === 'alert_group.notified') {
      stored.reload();
      transitions.reload();
      groups.reload();
      if (notStored) pending.reload();
    }
  });

  const ruleAlert = pending.data?.data.alerts.find((a) => a.fingerprint === fingerprint);
  const a = stored.data;
  const ref = a
    ? ruleRef(a.generator_url)
    : ruleAlert
      ? { group: ruleAlert.group, rule: ruleAlert.rule }
      : null;
  const rules = useApi<{ data: { groups: Array<{ name: string; rules: RuleInfo[] }> } }>(
    ref ? `/api/v1/rules?group=${encodeURIComponent(ref.group)}&rule=${encodeURIComponent(ref.rule)}` : null,
  );
  const rule = rules.data?.data.groups[0]?.rules[0];

  if (stored.error && !notStored) return <ErrorBanner error={stored.error} />;
  if (!a && !notStored) return <Loading what="Loading the alert" />;
  if (notStored && pending.data === undefined && !pending.error) return <Loading what="Loading the alert" />;
  if (notStored && !ruleAlert) {
    return (
      <>
        <PageHeader title="Alert not found" />
        <EmptyState title={`No alert has the fingerprint ${fingerprint}.`}>
          It may have been pending and cleared before firing. <Link to="/alerts">Back to the alerts</Link>
        </EmptyState>
      </>
    );
  }

  const labels = a?.labels ?? { alertname: ruleAlert?.rule ?? '', ...(ruleAlert?.labels ?? {}) };
  const annotations = a?.annotations ?? ruleAlert?.annotations ?? {};
  const status: DisplayStatus = a ? displayStatus(a) : 'pending';
  const name = labels.alertname ?? fingerprint;
  const runbook = annotations.runbook_url ?? annotations.runbook ?? rule?.runbook ?? null;
  const canSilence = roleAtLeast(user?.role, 'responder') && status !== 'resolved';
  const myGroups = (groups.data?.groups ?? []).filter((g) => g.alerts.includes(fingerprint));

  return (
    <>
      <nav aria-label="Breadcrumb" className="al-crumbs">
        <Link to="/alerts">Alerts</Link> <span aria-hidden="true">/</span> {name}
      </nav>
      <PageHeader
        title={name}
        actions={
          canSilence ? (
            <Link className="btn btn-primary" to={newSilencePath(silenceMatchersFor(labels))}>
              Silence…
            </Link>
          ) : null
        }
      >
        {annotations.summary ?? 'No summary annotation.'}
      </PageHeader>
      <div className="al-badges">
        <StatusBadge status={status} /> <SeverityBadge value={labels.severity} />
        {a?.acknowledged ? <Badge tone="accent">acknowledged by the sender</Badge> : null}
      </div>
      <RunbookLink url={runbook} />
      {a?.reason ? <ReasonBanner reason={a.reason} /> : null}
      {annotations.description ? (
        <section className="card" aria-labelledby="al-desc">
          <h2 id="al-desc">Description</h2>
          <p className="al-pre">{annotations.description}</p>
        </section>
      ) : null}
      <section className="card" aria-labelledby="al-facts">
        <h2 id="al-facts">Details</h2>
        <Facts
          rows={[
            ['State', status],
            ['Started', <Time key="s" iso={a?.starts_at ?? ruleAlert?.activeAt} />],
            ['Ended', a?.ends_at ? <Time key="e" iso={a.ends_at} /> : null],
            [
              'Source',
              a ? (a.integration ? `${a.source} · integration ${a.integration}` : a.source) : 'rules',
            ],
            ['Value', a ? (a.value === null ? 'no data' : String(a.value)) : ruleAlert?.value],
            ['Times received', a ? String(a.received) : null],
            ['Routes', a?.routes.length ? a.routes.join(', ') : null],
            ['Fingerprint', <code key="fp">{fingerprint}</code>],
          ]}
        />
      </section>
      <div className="grid-2">
        <section className="card" aria-labelledby="al-labels">
          <h2 id="al-labels">Labels</h2>
          <KeyValues values={labels} />
        </section>
        <section className="card" aria-labelledby="al-ann">
          <h2 id="al-ann">Annotations</h2>
          <KeyValues values={annotations} />
        </section>
      </div>
      {myGroups.length ? (
        <section className="card" aria-labelledby="al-groups">
          <h2 id="al-groups">Alert groups</h2>
          <ul className="links">
            {myGroups.map((g) => (
              <li key={g.id}>
                route <code>{g.route}</code>, group{' '}
                <code>
                  {Object.entries(g.labels)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(', ') || 'all'}
                </code>{' '}
                — {g.alerts.length} alert(s), notified {g.notifications}×
                {g.incident_id ? (
                  <>
                    {' · '}
                    <Link to={`/incidents/${encodeURIComponent(g.incident_id)}`}>open the incident</Link>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {rule ? (
        <section className="card" aria-labelledby="al-rule">
          <h2 id="al-rule">Rule {rule.name}</h2>
          <pre className="al-expr">
            <code>{rule.query}</code>
          </pre>
          <Facts
            rows={[
              [
                'Group',
                <Link key="g" to={`/alerts/rules?group=${encodeURIComponent(ref?.group ?? '')}`}>
                  {ref?.group}
                </Link>,
              ],
              ['For', rule.duration ? `${rule.duration}s` : '0s'],
              ['Keep firing for', rule.keepFiringFor ? `${rule.keepFiringFor}s` : null],
              ['Missing data', rule.missingData],
              ['Health', rule.health + (rule.lastError ? `: ${rule.lastError}` : '')],
              ['Last evaluation', <Time key="l" iso={rule.lastEvaluation} />],
            ]}
          />
          {rule.check ? null : <ExprChart expr={rule.query} title={rule.name} />}
        </section>
      ) : ref && rules.error ? (
        <ErrorBanner error={rules.error} />
      ) : null}
      <section className="card" aria-labelledby="al-history">
        <h2 id="al-history">History</h2>
        <History events={a?.history ?? []} transitions={transitions.data?.data.transitions ?? []} />
      </section>
    </>
  );
}

function KeyValues({ values }: { values: Record<string, string> }) {
  const entries = Object.entries(values).sort(([x], [y]) => x.localeCompare(y));
  if (!entries.length) return <p className="muted">None.</p>;
  return (
    <dl className="al-kv">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>
            <code>{k}</code>
          </dt>
          <dd>{/^https?:\/\//.test(v) ? <a href={v}>{v}</a> : v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Why a firing alert is not being sent. */
function ReasonBanner({ reason }: { reason: Record<string, unknown> }) {
  let text: ReactNode = null;
  if (reason.kind === 'silence') {
    text = (
      <>
        Silenced by {String(reason.by)}: “{String(reason.comment)}”.{' '}
        <Link to="/alerts/silences">See the silence</Link>
      </>
    );
  } else if (reason.kind === 'maintenance') {
    text = (
      <>
        Muted by the maintenance window{' '}
        <Link to={`/alerts/maintenance/${encodeURIComponent(String(reason.window))}`}>
          {String(reason.title ?? reason.window)}
        </Link>{' '}
        until <Time iso={String(reason.until)} />.
      </>
    );
  } else if (reason.kind === 'inhibition') {
    text = (
      <>
        Inhibited by the firing alert{' '}
        <Link to={`/alerts/${encodeURIComponent(String(reason.by))}`}>{String(reason.by)}</Link> (inhibition
        rule #{Number(reason.rule) + 1}).
      </>
    );
  }
  if (!text) return null;
  return (
    <div className="banner banner-info" role="status">
      {text} It is recorded but not sent.
    </div>
  );
}

const EVENT_TEXT: Record<string, string> = {
  'alert.firing': 'fired (rule)',
  'alert.resolved': 'resolved (rule)',
  'alert.routed': 'routed',
  'alert.closed': 'closed',
  'alert.status_changed': 'status changed',
};

function History({ events, transitions }: { events: Detail['history']; transitions: Transition[] }) {
  const rows = [
    ...events.map((e, i) => ({
      key: `e${i}`,
      at: e.at,
      what: EVENT_TEXT[e.type] ?? e.type,
      detail: describeEvent(e),
      by: e.actor,
    })),
    ...transitions.map((t, i) => ({
      key: `t${i}`,
      at: t.at,
      what: `${t.from} → ${t.to}`,
      detail: t.value === null ? 'value: no data' : `value: ${t.value}`,
      by: `rule ${t.rule_id}`,
    })),
  ].sort((x, y) => Date.parse(y.at) - Date.parse(x.at));
  if (!rows.length) return <p className="muted">No history recorded yet.</p>;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="table-wrap" tabIndex={0} aria-label="Alert history">
      <table>
        <caption className="sr-only">Alert history, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">Details</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <td>
                <Time iso={r.at} />
              </td>
              <td>{r.what}</td>
              <td>{r.detail}</td>
              <td>{r.by}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function describeEvent(e: Detail['history'][number]): string {
  const d = e.data ?? {};
  const reason = d.reason as Record<string, unknown> | null | undefined;
  const why = reason
    ? reason.kind === 'silence'
      ? ` (silence: ${String(reason.comment)})`
      : reason.kind === 'maintenance'
        ? ` (maintenance ${String(reason.window)})`
        : reason.kind === 'inhibition'
          ? ` (inhibited by ${String(reason.by)})`
          : ''
    : '';
  if (e.type === 'alert.status_changed') return `${String(d.from)} → ${String(d.to)}${why}`;
  if (e.type === 'alert.routed' || e.type === 'alert.closed') {
    const routes = Array.isArray(d.routes) ? (d.routes as string[]).join(', ') : '';
    return `${routes ? `routes ${routes}; ` : ''}status ${String(d.status ?? '')}${why}`;
  }
  if (typeof d.value === 'number') return `value ${d.value}`;
  return '';
}
