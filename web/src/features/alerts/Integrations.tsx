/**
 * `/alerts/integrations`: inbound alert integrations (Alertmanager, Grafana, Events v2, webhook)
 * with the URL to give the sender and how to configure it; operators reveal the key, admins
 * rotate it; operators add and delete integrations that the plan does not manage.
 */
import { useState } from 'react';
import { api, type CatalogObject, roleAtLeast } from '../../api.ts';
import { catalogTypes, useLiveEvents } from '../../live.ts';
import { useSession } from '../../session.tsx';
import {
  Badge,
  EmptyState,
  ErrorBanner,
  Loading,
  ManagedBadge,
  PageHeader,
  useApi,
} from '../../ui/components.tsx';
import { type FieldDef, Form, toBody } from '../../ui/form.tsx';
import { useToast } from '../../ui/toast.tsx';
import { CopyButton, useConfirm } from './shared.tsx';

interface Integration extends CatalogObject {
  type: 'alertmanager' | 'grafana' | 'events_v2' | 'webhook';
  name?: string;
  service?: string;
  labels?: Record<string, string>;
  rate_limit_per_minute?: number;
  require_signature?: boolean;
  mapping?: Record<string, unknown>;
}

const TYPE_LABEL: Record<Integration['type'], string> = {
  alertmanager: 'Prometheus Alertmanager',
  grafana: 'Grafana alerting',
  events_v2: 'PagerDuty Events API v2',
  webhook: 'Generic JSON webhook',
};

const PLACEHOLDER = '<integration key>';

/** The URL the sender posts to (the key in the path, except Events v2 which sends it in the body). */
export function endpointOf(type: Integration['type'], secret: string): string {
  const origin = location.origin;
  if (type === 'events_v2') return `${origin}/v2/enqueue`;
  return `${origin}/api/v1/alerting/ingest/${type}/${secret}`;
}

/** A configuration snippet for the sender. */
function snippet(i: Integration, secret: string): string {
  const url = endpointOf(i.type, secret);
  switch (i.type) {
    case 'alertmanager':
      return `# alertmanager.yml
receivers:
  - name: vigil
    webhook_configs:
      - url: ${url}
        send_resolved: true
route:
  receiver: vigil`;
    case 'grafana':
      return `Grafana → Alerting → Contact points → New → Integration "Webhook"
  URL: ${url}
  HTTP method: POST
  HMAC signature: secret = ${secret}, header X-Grafana-Alerting-Signature
  (optional) timestamp header: X-Grafana-Alerting-Timestamp`;
    case 'events_v2':
      return `curl -X POST ${url} \\
  -H 'Content-Type: application/json' \\
  -d '{"routing_key": "${secret}", "event_action": "trigger",
       "dedup_key": "disk-full-db1",
       "payload": {"summary": "Disk full on db1", "source": "db1", "severity": "critical"}}'
# Any tool that pages PagerDuty: use ${location.origin} as the Events API host
# and this key as the integration/routing key.`;
    default:
      return `curl -X POST ${url} \\
  -H 'Content-Type: application/json' \\
  -d '{"summary": "Queue backlog high", "severity": "warning", "dedup_key": "queue-backlog", "status": "firing"}'
# Fields are picked with the integration's mapping (dotted paths): ${JSON.stringify(i.mapping ?? { summary: 'summary', severity: 'severity', dedup_key: 'dedup_key', status: 'status' })}`;
  }
}

export function Integrations() {
  const { user } = useSession();
  const list = useApi<{ items: Integration[] }>('/api/v1/integrations?limit=500');
  useLiveEvents(catalogTypes('integration'), list.reload);
  const canReveal = roleAtLeast(user?.role, 'operator');
  const canRotate = roleAtLeast(user?.role, 'admin');
  const [adding, setAdding] = useState(false);
  return (
    <>
      <PageHeader
        title="Alert integrations"
        actions={
          canReveal && !adding ? (
            <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
              New integration
            </button>
          ) : null
        }
      >
        Other tools keep alerting as they do and send to Vigil. Each integration has its own key.
      </PageHeader>
      {adding ? <NewIntegration onDone={() => setAdding(false)} onCreated={list.reload} /> : null}
      <ErrorBanner error={list.error} />
      {!list.data ? (
        list.error ? null : (
          <Loading what="Loading integrations" />
        )
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No integrations yet.">
          Declare them under <code>routing.integrations</code> in vigil.yaml and apply
          {canReveal ? ', or add one with “New integration”.' : '.'} Vigil's own rules need no integration.
        </EmptyState>
      ) : (
        list.data.items.map((i) => (
          <IntegrationCard
            key={i.key}
            i={i}
            canReveal={canReveal}
            canRotate={canRotate}
            onDeleted={list.reload}
          />
        ))
      )}
    </>
  );
}

function IntegrationCard({
  i,
  canReveal,
  canRotate,
  onDeleted,
}: {
  i: Integration;
  canReveal: boolean;
  canRotate: boolean;
  onDeleted: () => void;
}) {
  const toast = useToast();
  const [confirmNode, ask] = useConfirm();
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const reveal = async () => {
    setBusy(true);
    try {
      const r = await api<{ secret: string }>(
        'GET',
        `/api/v1/alerting/integrations/${encodeURIComponent(i.key)}/secret`,
      );
      setSecret(r.secret);
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const rotate = async () => {
    const ok = await ask(
      `Rotate the key of ${i.name ?? i.key}? The current key stops working at once: update the sender right after.`,
      'Rotate key',
    );
    if (!ok) return;
    setBusy(true);
    try {
      const r = await api<{ secret: string }>(
        'POST',
        `/api/v1/alerting/integrations/${encodeURIComponent(i.key)}/rotate`,
      );
      setSecret(r.secret);
      toast.show(`Rotated the key of ${i.key}. Update the sender's configuration.`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (
      !(await ask(
        `Delete the integration ${i.key}? Its sender's requests are refused from now on.`,
        'Delete integration',
      ))
    )
      return;
    try {
      await api('DELETE', `/api/v1/integrations/${encodeURIComponent(i.key)}`, { version: i.version });
      toast.show(`Deleted integration ${i.key}.`);
      onDeleted();
    } catch (e) {
      setError(e);
    }
  };
  const shown = secret ?? PLACEHOLDER;
  const url = endpointOf(i.type, shown);
  return (
    <section className="card" aria-labelledby={`in-${i.key}`}>
      {confirmNode}
      <header className="al-group-head">
        <h2 id={`in-${i.key}`}>
          {i.name ?? i.key} <Badge tone="accent">{TYPE_LABEL[i.type]}</Badge>
        </h2>
        <p className="muted al-group-meta">
          key <code>{i.key}</code>
          {i.service ? ` · service ${i.service}` : ''}
          {i.rate_limit_per_minute ? ` · at most ${i.rate_limit_per_minute} events/min` : ''}
          {i.require_signature || i.type === 'grafana' ? ' · HMAC signature required' : ''}
          {i.labels && Object.keys(i.labels).length
            ? ` · adds ${Object.entries(i.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}`
            : ''}{' '}
          <ManagedBadge obj={i} />
        </p>
      </header>
      <ErrorBanner error={error} />
      <div className="field">
        <span className="al-label" id={`in-${i.key}-url`}>
          {i.type === 'events_v2' ? 'Events API endpoint' : 'Webhook URL'}
        </span>
        <div className="secret-row">
          <code className="secret-value">{url}</code>
          {secret ? <CopyButton text={url} label="Copy URL" /> : null}
        </div>
        {i.type === 'events_v2' ? (
          <div className="secret-row">
            <span className="muted">routing_key:</span> <code className="secret-value">{shown}</code>
            {secret ? <CopyButton text={secret} label="Copy key" /> : null}
          </div>
        ) : null}
        {!secret ? (
          <p className="help">
            {canReveal
              ? 'The key is part of the URL; reveal it to copy the full URL.'
              : 'The key is part of the URL; operators can reveal it.'}
          </p>
        ) : (
          <p className="help">
            Treat this like a password. The key may also go in an X-Vigil-Key or Bearer header.
          </p>
        )}
      </div>
      <details className="al-details">
        <summary>How to configure the sender</summary>
        <pre className="al-expr">
          <code>{snippet(i, shown)}</code>
        </pre>
      </details>
      <div className="form-actions">
        {canReveal && !secret ? (
          <button type="button" className="btn" disabled={busy} onClick={() => void reveal()}>
            Reveal key
          </button>
        ) : null}
        {canRotate ? (
          <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void rotate()}>
            Rotate key
          </button>
        ) : null}
        {canReveal && !i.managed ? (
          <button type="button" className="btn btn-danger" onClick={() => void remove()}>
            Delete
          </button>
        ) : null}
      </div>
    </section>
  );
}

const FIELDS: FieldDef[] = [
  {
    name: 'key',
    label: 'Key',
    required: true,
    help: 'A slug, e.g. prometheus-eu.',
    pattern: {
      re: /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/,
      message: 'Use lower-case letters, digits and dashes.',
    },
  },
  {
    name: 'type',
    label: 'Sender',
    type: 'select',
    required: true,
    options: Object.entries(TYPE_LABEL).map(([value, label]) => ({ value, label })),
  },
  { name: 'name', label: 'Name', help: 'Shown in the console.' },
  { name: 'service', label: 'Service', help: 'Optional: the service key alerts from this sender belong to.' },
  {
    name: 'rate_limit_per_minute',
    label: 'Rate limit per minute',
    type: 'number',
    help: 'Optional: events above this per minute are refused with 429.',
  },
];

function NewIntegration({ onDone, onCreated }: { onDone: () => void; onCreated: () => void }) {
  const toast = useToast();
  return (
    <section className="card" aria-labelledby="ni-title">
      <h2 id="ni-title">New integration</h2>
      <Form
        fields={FIELDS}
        initial={{ type: 'alertmanager' }}
        creating
        submitLabel="Create integration"
        onSubmit={async (values) => {
          await api('POST', '/api/v1/integrations', { body: toBody(FIELDS, values) });
          toast.show(`Created integration ${values.key}. Reveal its key to configure the sender.`);
          onCreated();
          onDone();
        }}
        extra={
          <button type="button" className="btn" onClick={onDone}>
            Cancel
          </button>
        }
      />
    </section>
  );
}
