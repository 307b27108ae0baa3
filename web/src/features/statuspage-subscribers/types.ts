/** Shapes of the subscriber API (`/api/v1/status-pages/<page>/subscribers…`). */
import type { CatalogObject } from '../../api.ts';

export interface Subscriber {
  id: string;
  page: string;
  type: 'email' | 'webhook';
  address: string;
  /** null = every component. */
  components: string[] | null;
  state: 'pending' | 'confirmed';
  description: string | null;
  source: string;
  created_at: string;
  confirmed_at: string | null;
  /** Only in the answer to creating a webhook subscriber. */
  secret?: string;
}

export interface Counts {
  total: number;
  confirmed: number;
  pending: number;
  email: number;
  webhook: number;
  by_component: Record<string, number>;
  all_components: number;
}

export interface Delivery {
  id: string;
  subscriber: string;
  address: string | null;
  event_type: string;
  status: 'pending' | 'sent' | 'failed' | 'cancelled';
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface ComponentDef {
  key: string;
  name: string;
  group?: string;
}

export type StatusPageObject = CatalogObject & {
  name: string;
  components: ComponentDef[];
  default?: boolean;
};

export const SUBSCRIBER_EVENTS = [
  'status_subscriber.created',
  'status_subscriber.confirmed',
  'status_subscriber.updated',
  'status_subscriber.removed',
];

export const subscribersPath = (slug: string) =>
  `/api/v1/status-pages/${encodeURIComponent(slug)}/subscribers`;
