/**
 * Chat transports: Slack incoming webhooks (Block Kit: headline, severity and service fields,
 * summary, Acknowledge / Resolve / Open buttons) and Microsoft Teams incoming webhooks
 * (an Adaptive Card with the same facts and Action.OpenUrl buttons).
 */
import type { Notification, SendResult, Transport } from '../types.ts';
import { need, post } from './http.ts';
import { headline } from './render.ts';

function buttons(n: Notification): Array<{ title: string; url: string; primary?: boolean }> {
  const out: Array<{ title: string; url: string; primary?: boolean }> = [];
  if (n.links.acknowledge) out.push({ title: 'Acknowledge', url: n.links.acknowledge, primary: true });
  if (n.links.resolve) out.push({ title: 'Resolve', url: n.links.resolve });
  const open = n.links.open ?? n.message.url;
  if (open) out.push({ title: 'Open incident', url: open });
  return out;
}

/** The Slack Block Kit payload of a notification. */
export function slackPayload(n: Notification): Record<string, unknown> {
  const m = n.message;
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: headline(n).slice(0, 150), emoji: true } },
  ];
  const fields = [
    m.severity ? { type: 'mrkdwn', text: `*Severity:*\n${m.severity}` } : null,
    m.service ? { type: 'mrkdwn', text: `*Service:*\n${m.service}` } : null,
  ].filter(Boolean);
  if (fields.length) blocks.push({ type: 'section', fields });
  if (m.summary) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: m.summary.slice(0, 3000) } });
  const b = buttons(n);
  if (b.length)
    blocks.push({
      type: 'actions',
      elements: b.map((x, i) => ({
        type: 'button',
        action_id: `vigil-${i}`,
        text: { type: 'plain_text', text: x.title },
        url: x.url,
        ...(x.primary ? { style: 'primary' } : {}),
      })),
    });
  return { text: headline(n), blocks };
}

/** The Teams (Adaptive Card) payload of a notification. */
export function teamsPayload(n: Notification): Record<string, unknown> {
  const m = n.message;
  const facts = [
    m.severity ? { title: 'Severity', value: m.severity } : null,
    m.service ? { title: 'Service', value: m.service } : null,
  ].filter(Boolean);
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', size: 'Large', weight: 'Bolder', wrap: true, text: headline(n) },
            ...(facts.length ? [{ type: 'FactSet', facts }] : []),
            ...(m.summary ? [{ type: 'TextBlock', wrap: true, text: m.summary }] : []),
          ],
          actions: buttons(n).map((x) => ({ type: 'Action.OpenUrl', title: x.title, url: x.url })),
        },
      },
    ],
  };
}

const json = { 'content-type': 'application/json' };

export const slackTransport: Transport = {
  type: 'slack',
  send: (n): Promise<SendResult> =>
    post(need(n.channel.config, 'url'), JSON.stringify(slackPayload(n)), json, n.now),
};

export const teamsTransport: Transport = {
  type: 'teams',
  send: (n): Promise<SendResult> =>
    post(need(n.channel.config, 'url'), JSON.stringify(teamsPayload(n)), json, n.now),
};
