/**
 * Alert groups routed to a notification channel. The alerts module records every group
 * notification as the timeline event `alert_group.notified` with the route's target; when the
 * target names a `channel`, this engine posts the group (firing or resolved) to that shared
 * channel through notify's outbox. Escalation-policy targets page through incidents instead (the
 * route opens one and names the policy), so they are not handled here.
 *
 * Consumption is durable (`timeline.consume`) and every delivery carries the idempotency key
 * `alert_group:<event id>:<channel>`, so a replayed batch never posts twice.
 */
import type { Tx } from '../../db/tx.ts';
import type { Engine, StepResult } from '../../engines/runner.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { NotifyApi } from '../notify/module.ts';
import type { Message } from '../notify/types.ts';
import type { DomainEvent, Timeline } from '../timeline/timeline.ts';
import { toChannel } from './engine.ts';
import { listAll } from './store.ts';

export const ALERT_GROUP_CONSUMER = 'oncall-alert-groups';
const NEEDS_CONTEXT = new Error('needs the notification channels');

/** What `alert_group.notified` carries (see docs/alerts.md). */
export interface AlertGroupNotified {
  route: string;
  group_key: string;
  group_labels: Record<string, string>;
  target: { escalation_policy?: string; channel?: string } | null;
  firing: string[];
  resolved: string[];
  repeat: boolean;
  incident_id: string | null;
  alerts?: Array<{
    fingerprint: string;
    labels: Record<string, string>;
    summary?: string;
    runbook_url?: string;
  }>;
}

/** The message a channel receives for one group notification (pure). */
export function alertGroupMessage(d: AlertGroupNotified): Message {
  const labels = d.group_labels ?? {};
  const firing = d.firing?.length ?? 0;
  const resolved = d.resolved?.length ?? 0;
  const first = d.alerts?.[0]?.labels ?? {};
  const name =
    Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') ||
    first.alertname ||
    'alerts';
  const title = firing > 0 ? `[FIRING:${firing}] ${name}` : `[RESOLVED] ${name}`;
  const lines = (d.alerts ?? []).slice(0, 10).map((a) => {
    const what = a.summary ?? a.labels.alertname ?? a.fingerprint;
    return `• ${what}${a.runbook_url ? ` (runbook: ${a.runbook_url})` : ''}`;
  });
  if ((d.alerts?.length ?? 0) > 10) lines.push(`… and ${(d.alerts?.length ?? 0) - 10} more`);
  if (resolved > 0 && firing > 0) lines.push(`${resolved} resolved since the last notification.`);
  return {
    kind: firing > 0 ? 'notify' : 'resolved',
    title,
    summary: lines.length ? lines.join('\n') : undefined,
    severity: labels.severity ?? first.severity,
    service: labels.service ?? first.service,
    data: {
      route: d.route,
      group_key: d.group_key,
      group_labels: labels,
      firing: d.firing,
      resolved: d.resolved,
      repeat: d.repeat,
      ...(d.incident_id ? { incident_id: d.incident_id } : {}),
    },
  };
}

export interface AlertGroupNotifierDeps {
  catalog: CatalogService;
  timeline: Timeline;
  notify: NotifyApi;
}

export class AlertGroupNotifier implements Engine {
  name = 'oncall-alert-groups';
  intervalMs = 1_000;

  constructor(private d: AlertGroupNotifierDeps) {}

  async step(): Promise<StepResult> {
    // The channels are read only when there is work, and never inside the consume transaction
    // (SQLite has one connection).
    let channels: Map<string, Record<string, unknown>> | undefined;
    const consume = () =>
      this.d.timeline.consume(
        ALERT_GROUP_CONSUMER,
        { types: ['alert_group.notified'] },
        async (tx, events) => {
          if (!channels) throw NEEDS_CONTEXT;
          for (const e of events) await this.onEvent(tx, e, channels);
        },
      );
    let res: { handled: number; more: boolean };
    try {
      res = await consume();
    } catch (err) {
      if (err !== NEEDS_CONTEXT) throw err;
      channels = new Map((await listAll(this.d.catalog, 'notification_channel')).map((o) => [o.key, o.spec]));
      res = await consume();
    }
    return res.more ? { more: true } : {};
  }

  private async onEvent(tx: Tx, e: DomainEvent, channels: Map<string, Record<string, unknown>>) {
    const data = e.data as unknown as AlertGroupNotified;
    const key = data.target?.channel;
    if (!key) return;
    const spec = channels.get(key);
    if (!spec) {
      await this.d.timeline.append(tx, {
        type: 'alert_group.unrouted',
        subject: e.subject,
        actor: 'oncall',
        data: { channel: key, reason: 'unknown notification channel', route: data.route },
      });
      return;
    }
    await this.d.notify.enqueue(tx, {
      idempotencyKey: `alert_group:${e.id}:${key}`,
      channel: toChannel(key, spec),
      message: alertGroupMessage(data),
      incidentId: data.incident_id ?? null,
    });
  }
}
