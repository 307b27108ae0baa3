/**
 * Generic webhook: a JSON POST signed per Standard Webhooks when the channel has a `secret`
 * (`whsec_…`). The delivery id is the `webhook-id`, stable across retries, so receivers can
 * de-duplicate.
 */
import { signWebhook } from '../signing.ts';
import type { Notification, SendResult, Transport } from '../types.ts';
import { need, post } from './http.ts';

/** The JSON body generic webhooks (and ticket webhooks) receive. */
export function webhookBody(n: Notification): Record<string, unknown> {
  const m = n.message;
  return {
    type: `notification.${m.kind ?? 'notify'}`,
    timestamp: new Date(n.now).toISOString(),
    data: {
      id: n.id,
      idempotency_key: n.idempotencyKey,
      incident_id: n.incidentId,
      human_id: m.humanId ?? null,
      title: m.title,
      summary: m.summary ?? null,
      severity: m.severity ?? null,
      service: m.service ?? null,
      recipient: m.recipient ?? null,
      url: m.url ?? null,
      links: n.links,
      ...(m.data ? { extra: m.data } : {}),
    },
  };
}

export const webhookTransport: Transport = {
  type: 'webhook',
  async send(n: Notification): Promise<SendResult> {
    const url = need(n.channel.config, 'url');
    const body = JSON.stringify(webhookBody(n));
    const secret = n.channel.config.secret;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Vigil-Notify/1',
      ...(typeof secret === 'string' && secret ? signWebhook(secret, n.id, n.now, body) : {}),
    };
    return post(url, body, headers, n.now);
  },
};
