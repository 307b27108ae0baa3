/** Incident shapes as the incidents API presents them, and how the console names and colours them. */

export type Status =
  | 'triggered'
  | 'acknowledged'
  | 'investigating'
  | 'identified'
  | 'monitoring'
  | 'resolved'
  | 'declined'
  | 'merged'
  | 'cancelled';

export const STATUSES: Status[] = [
  'triggered',
  'acknowledged',
  'investigating',
  'identified',
  'monitoring',
  'resolved',
  'declined',
  'merged',
  'cancelled',
];
export const OPEN_STATUSES: Status[] = [
  'triggered',
  'acknowledged',
  'investigating',
  'identified',
  'monitoring',
];

export const STATUS_LABEL: Record<Status, string> = {
  triggered: 'Triggered',
  acknowledged: 'Acknowledged',
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  declined: 'Declined',
  merged: 'Merged',
  cancelled: 'Cancelled',
};

/** Badge tone of a status: triggered is loud, active states warn, resolved is fine. */
export function statusTone(s: Status): string {
  if (s === 'triggered') return 'danger';
  if (OPEN_STATUSES.includes(s)) return 'warn';
  if (s === 'resolved') return 'ok';
  return 'neutral';
}

export interface AlertLink {
  key: string;
  title: string | null;
  status: string;
  attached_at: string;
  resolved_at: string | null;
}

export interface Incident {
  id: string;
  human_id: string;
  title: string;
  summary: string | null;
  severity: string;
  service: string;
  status: Status;
  version: number;
  url: string;
  dedup_key: string | null;
  source: { kind: string; key: string } | null;
  commander: string | null;
  communications_lead: string | null;
  responders: string[];
  services: string[];
  links: Array<{ title: string; url: string }>;
  opened_at: string;
  opened_by: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  response_target_ms: number | null;
  response_due_at: string | null;
  response_target_breached: boolean;
  breached_at: string | null;
  time_to_acknowledge_ms: number | null;
  time_to_resolve_ms: number | null;
  reopen_count: number;
  merged_into: string | null;
  next_statuses: Status[];
  updated_at: string;
  /** Detail only. */
  alerts?: AlertLink[];
  commander_required?: boolean;
}

export interface TimelineEvent {
  id: string;
  seq: number;
  at: string;
  type: string;
  actor: string;
  data: Record<string, unknown>;
}

export interface ActionItem {
  id: string;
  incident_id: string;
  title: string;
  owner: string | null;
  due_at: string | null;
  status: 'open' | 'in_progress' | 'done' | 'cancelled';
  created_at: string;
  updated_at: string;
}

export interface Postmortem {
  incident_id: string;
  human_id: string;
  status: 'draft' | 'in_review' | 'published';
  required: boolean;
  due_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  published_at: string | null;
  body: string;
  generated: boolean;
  action_items: ActionItem[];
}

export interface Severity {
  key: string;
  label: string;
  rank: number;
  response_target: string;
  description?: string;
}

/** Every event type the incidents module writes on an incident's timeline (for live reloads). */
export const INCIDENT_EVENTS = [
  'incident.opened',
  'incident.paging_requested',
  'incident.acknowledged',
  'incident.status_changed',
  'incident.resolved',
  'incident.severity_changed',
  'incident.response_target_breached',
  'incident.reopened',
  'incident.note_added',
  'incident.note_corrected',
  'incident.role_assigned',
  'incident.responder_added',
  'incident.responder_removed',
  'incident.services_added',
  'incident.link_added',
  'incident.alert_attached',
  'incident.alert_resolved',
  'incident.auto_resolve_scheduled',
  'incident.merged',
  'incident.merged_from',
  'incident.postmortem_due',
  'incident.postmortem_reminder',
  'incident.postmortem_overdue',
  'incident.postmortem_started',
  'incident.postmortem_edited',
  'incident.postmortem_status_changed',
  'incident.action_item_added',
  'incident.action_item_updated',
];

/** "3h 12m", "45s", "2d 4h": a duration in its two largest units. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const neg = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts: string[] = [];
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s || !parts.length) parts.push(`${s}s`);
  return (neg ? '-' : '') + parts.slice(0, 2).join(' ');
}

/** Path of an incident page (by human id: readable and stable). */
export const incidentPath = (i: Pick<Incident, 'human_id'>) => `/incidents/${encodeURIComponent(i.human_id)}`;

/** An actor for display: `user:ann@example.com` → `ann@example.com`; `system:auto-resolve` stays. */
export function who(actor: unknown): string {
  const a = actor === null || actor === undefined ? '' : String(actor);
  return a.startsWith('user:') ? a.slice(5) : a;
}
