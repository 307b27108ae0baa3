/** The transport table: one Transport per channel type; tests may replace any of them. */
import type { ChannelType, Transport } from '../types.ts';
import { slackTransport, teamsTransport } from './chat.ts';
import { type EmailOptions, emailTransport } from './email.ts';
import { ntfyTransport, pagerdutyTransport } from './push.ts';
import { webhookTransport } from './webhook.ts';

export type Transports = Map<ChannelType, Transport> & { close(): void };

/** All built-in transports. */
export function defaultTransports(email: EmailOptions = {}): Transports {
  const mail = emailTransport(email);
  const m = new Map<ChannelType, Transport>([
    ['webhook', webhookTransport],
    ['slack', slackTransport],
    ['teams', teamsTransport],
    ['email', mail],
    ['ntfy', ntfyTransport],
    ['pagerduty', pagerdutyTransport],
  ]);
  return Object.assign(m, { close: () => mail.close() });
}
