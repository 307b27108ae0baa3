/**
 * Push transports: ntfy topics (plain POST with Title/Priority/Click/Actions headers; the
 * Acknowledge action POSTs the one-click link) and PagerDuty Events API v2 (trigger/resolve with
 * the incident id as dedup_key, so PagerDuty folds repeats into one alert).
 */
import type { Notification, SendResult, Transport } from '../types.ts';
import { need, post } from './http.ts';
import { headline, textBody } from './render.ts';

/** ntfy priority: pages are urgent (5), FYIs default (3). */
function ntfyPriority(n: Notification): string {
  return n.message.kind === 'page' ? '5' : n.message.kind === 'resolved' ? '2' : '3';
}

// Header values must be ISO-8859-1; ntfy accepts RFC 2047 encoded words for anything else.
function headerSafe(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=`;
}

export const ntfyTransport: Transport = {
  type: 'ntfy',
  async send(n: Notification): Promise<SendResult> {
    const server = String(n.channel.config.server ?? 'https://ntfy.sh').replace(/\/+$/, '');
    const topic = need(n.channel.config, 'topic');
    const actions: string[] = [];
    if (n.links.acknowledge)
      actions.push(`http, Acknowledge, ${n.links.acknowledge}, method=POST, clear=true`);
    const open = n.links.open ?? n.message.url;
    if (open) actions.push(`view, Open, ${open}`);
    const headers: Record<string, string> = {
      title: headerSafe(headline(n)),
      priority: ntfyPriority(n),
      tags: n.message.kind === 'page' ? 'rotating_light' : 'bell',
      ...(open ? { click: open } : {}),
      ...(actions.length ? { actions: actions.join('; ') } : {}),
      ...(typeof n.channel.config.token === 'string'
        ? { authorization: `Bearer ${n.channel.config.token}` }
        : {}),
    };
    return post(`${server}/${encodeURIComponent(topic)}`, textBody(n), headers, n.now);
  },
};

const PD_SEVERITY: Record<string, string> = { page: 'critical', ticket: 'warning', notify: 'info' };

export const pagerdutyTransport: Transport = {
  type: 'pagerduty',
  async send(n: Notification): Promise<SendResult> {
    const url = String(n.channel.config.url ?? 'https://events.pagerduty.com/v2/enqueue');
    const m = n.message;
    const resolved = m.kind === 'resolved';
    const body = {
      routing_key: need(n.channel.config, 'routing_key'),
      event_action: resolved ? 'resolve' : 'trigger',
      dedup_key: n.incidentId ?? n.idempotencyKey,
      ...(resolved
        ? {}
        : {
            payload: {
              summary: headline(n).slice(0, 1024),
              source: m.service ?? 'vigil',
              severity: PD_SEVERITY[m.kind ?? 'notify'] ?? 'error',
              component: m.service,
              custom_details: { summary: m.summary, severity: m.severity, human_id: m.humanId },
            },
            links: m.url ? [{ href: m.url, text: 'Open in Vigil' }] : [],
          }),
    };
    return post(url, JSON.stringify(body), { 'content-type': 'application/json' }, n.now);
  },
};
