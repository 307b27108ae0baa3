/**
 * Notification vocabulary: a channel (where), a message (what), and the transport contract
 * every delivery mechanism implements (`send(notification) → ok | retryable | permanent`).
 */

export type ChannelType = 'webhook' | 'slack' | 'teams' | 'email' | 'ntfy' | 'pagerduty';

export const CHANNEL_TYPES: readonly ChannelType[] = [
  'webhook',
  'slack',
  'teams',
  'email',
  'ntfy',
  'pagerduty',
];

/** Where a notification goes; `config` depends on the type (url, secret, to, topic, routing_key …). */
export interface Channel {
  type: ChannelType;
  config: Record<string, unknown>;
  /** Stable name for health tracking and listings (default: type + hash of config); never secret. */
  key?: string;
}

/** What a notification says. Transports render it in their own format. */
export interface Message {
  /** `page` (someone must act), `notify` (FYI), `ticket` (open a ticket), `resolved`. */
  kind?: 'page' | 'notify' | 'ticket' | 'resolved' | 'test';
  title: string;
  summary?: string;
  severity?: string;
  service?: string;
  /** Human-readable incident id such as INC-42. */
  humanId?: string;
  /** Link to the incident in Vigil. */
  url?: string;
  /** The user this is for (user key), when it is personal. */
  recipient?: string;
  /** Extra fields passed through to generic webhooks. */
  data?: Record<string, unknown>;
}

/** Links added at send time (signed, single-use, expiring). */
export interface ActionLinks {
  acknowledge?: string;
  resolve?: string;
  open?: string;
}

/** What a transport receives. */
export interface Notification {
  /** Delivery id: stable across retries (`webhook-id`, e-mail Message-ID seed, dedup keys). */
  id: string;
  idempotencyKey: string;
  channel: Channel;
  message: Message;
  incidentId: string | null;
  attempt: number;
  /** Send time (ms): signatures and timestamps use it. */
  now: number;
  links: ActionLinks;
}

export type SendStatus = 'ok' | 'retryable' | 'permanent';

/** Outcome of one attempt; `retryAfterMs` honours a receiver's Retry-After. */
export interface SendResult {
  status: SendStatus;
  detail: string;
  retryAfterMs?: number;
}

/** A delivery mechanism. */
export interface Transport {
  type: ChannelType;
  send(n: Notification): Promise<SendResult>;
}

/** What `enqueue` takes. */
export interface EnqueueInput {
  idempotencyKey: string;
  channel: Channel;
  message: Message;
  incidentId?: string | null;
  /** Not before this instant (default: now). */
  notBefore?: number;
}
