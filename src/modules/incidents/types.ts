/** Row and domain types of the incidents module (its own tables; see the migration). */
import type { Kysely, Transaction } from 'kysely';

export const STATUSES = [
  'triggered',
  'acknowledged',
  'investigating',
  'identified',
  'monitoring',
  'resolved',
  'declined',
  'merged',
  'cancelled',
] as const;
export type Status = (typeof STATUSES)[number];

export interface IncidentRow {
  id: string;
  human_id: string;
  title: string;
  summary: string | null;
  severity: string;
  service: string;
  status: string;
  version: number;
  dedup_key: string | null;
  source_kind: string | null;
  source_key: string | null;
  commander: string | null;
  comms_lead: string | null;
  responders: string;
  services: string;
  links: string;
  opened_at: number;
  opened_by: string;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  response_target_ms: number | null;
  response_due_at: number | null;
  breached_at: number | null;
  reopen_count: number;
  merged_into: string | null;
  escalation_policy?: string | null;
  updated_at: number;
}

export interface AlertLinkRow {
  incident_id: string;
  alert_key: string;
  title: string | null;
  status: string;
  attached_at: number;
  resolved_at: number | null;
}

export interface PostmortemRow {
  incident_id: string;
  status: string;
  required: number;
  due_at: number | null;
  body: string;
  version: number;
  created_at: number;
  updated_at: number;
  published_at: number | null;
}

export interface ActionItemRow {
  id: string;
  incident_id: string;
  title: string;
  owner: string | null;
  due_at: number | null;
  status: string;
  created_at: number;
  updated_at: number;
}

/** The module's tables as Kysely sees them. */
export interface IncidentsDb {
  incidents_incidents: IncidentRow;
  incidents_counters: { scope: string; n: number };
  incidents_dedup: { dedup_key: string; incident_id: string | null; touched_at: number };
  incidents_alerts: AlertLinkRow;
  incidents_postmortems: PostmortemRow;
  incidents_action_items: ActionItemRow;
}
export type IDb = Kysely<IncidentsDb> | Transaction<IncidentsDb>;

export interface Link {
  title: string;
  url: string;
}

/** An incident as the service hands it out. */
export interface Incident {
  id: string;
  humanId: string;
  title: string;
  summary: string | null;
  severity: string;
  service: string;
  status: Status;
  version: number;
  dedupKey: string | null;
  source: { kind: string; key: string } | null;
  commander: string | null;
  commsLead: string | null;
  responders: string[];
  services: string[];
  links: Link[];
  openedAt: number;
  openedBy: string;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  responseTargetMs: number | null;
  responseDueAt: number | null;
  breachedAt: number | null;
  reopenCount: number;
  mergedInto: string | null;
  /** The escalation policy named by the opener (an alert route's target), else null. */
  escalationPolicy?: string | null;
  updatedAt: number;
}

export function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    humanId: r.human_id,
    title: r.title,
    summary: r.summary,
    severity: r.severity,
    service: r.service,
    status: r.status as Status,
    version: Number(r.version),
    dedupKey: r.dedup_key,
    source: r.source_kind && r.source_key ? { kind: r.source_kind, key: r.source_key } : null,
    commander: r.commander,
    commsLead: r.comms_lead,
    responders: JSON.parse(r.responders),
    services: JSON.parse(r.services),
    links: JSON.parse(r.links),
    openedAt: Number(r.opened_at),
    openedBy: r.opened_by,
    acknowledgedAt: num(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: num(r.resolved_at),
    resolvedBy: r.resolved_by,
    responseTargetMs: num(r.response_target_ms),
    responseDueAt: num(r.response_due_at),
    breachedAt: num(r.breached_at),
    reopenCount: Number(r.reopen_count),
    mergedInto: r.merged_into,
    escalationPolicy: r.escalation_policy ?? null,
    updatedAt: Number(r.updated_at),
  };
}

export const num = (v: number | string | null | undefined): number | null => (v == null ? null : Number(v));

/** Input to open an incident (API, CLI, alerting). */
export interface OpenInput {
  title: string;
  severity: string;
  service: string;
  summary?: string;
  source?: { kind: string; key: string };
  dedupKey?: string;
  /** Alert to link right away (alerting passes the alert it opened the incident for). */
  alert?: { key: string; title?: string };
  /** Runbook and other links (alerting passes its rule's runbook annotation). */
  links?: Link[];
  /** The escalation policy to page (an alert route's target); default: the on-call paging routes. */
  escalationPolicy?: string;
}

/** An event other modules add to an incident's timeline. */
export interface ForeignEvent {
  type: string;
  data?: Record<string, unknown>;
  actor?: string;
}
