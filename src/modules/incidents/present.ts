/** API representations (snake_case, ISO times) of incidents, postmortems and action items. */
import type { DomainEvent } from '../timeline/timeline.ts';
import type { PostmortemView } from './postmortems.ts';
import { nextStatuses } from './states.ts';
import type { ActionItemRow, AlertLinkRow, Incident, PostmortemRow } from './types.ts';

export const isoOrNull = (ms: number | string | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();

/** An incident as JSON; `extra` adds computed fields (missing roles, alerts). */
export function presentIncident(i: Incident, url: string, extra: Record<string, unknown> = {}) {
  return {
    id: i.id,
    human_id: i.humanId,
    title: i.title,
    summary: i.summary,
    severity: i.severity,
    service: i.service,
    status: i.status,
    version: i.version,
    url,
    dedup_key: i.dedupKey,
    source: i.source,
    commander: i.commander,
    communications_lead: i.commsLead,
    responders: i.responders,
    services: i.services,
    links: i.links,
    opened_at: isoOrNull(i.openedAt),
    opened_by: i.openedBy,
    acknowledged_at: isoOrNull(i.acknowledgedAt),
    acknowledged_by: i.acknowledgedBy,
    resolved_at: isoOrNull(i.resolvedAt),
    resolved_by: i.resolvedBy,
    response_target_ms: i.responseTargetMs,
    response_due_at: isoOrNull(i.responseDueAt),
    response_target_breached: i.breachedAt !== null,
    breached_at: isoOrNull(i.breachedAt),
    time_to_acknowledge_ms: i.acknowledgedAt === null ? null : i.acknowledgedAt - i.openedAt,
    time_to_resolve_ms: i.resolvedAt === null ? null : i.resolvedAt - i.openedAt,
    reopen_count: i.reopenCount,
    merged_into: i.mergedInto,
    escalation_policy: i.escalationPolicy ?? null,
    next_statuses: nextStatuses(i.status),
    updated_at: isoOrNull(i.updatedAt),
    ...extra,
  };
}

export function presentEvent(e: DomainEvent) {
  return {
    id: e.id,
    seq: e.seq,
    at: isoOrNull(e.at),
    type: e.type,
    actor: e.actor,
    data: e.data,
  };
}

export function presentAlert(a: AlertLinkRow) {
  return {
    key: a.alert_key,
    title: a.title,
    status: a.status,
    attached_at: isoOrNull(a.attached_at),
    resolved_at: isoOrNull(a.resolved_at),
  };
}

export function presentItem(a: ActionItemRow) {
  return {
    id: a.id,
    incident_id: a.incident_id,
    title: a.title,
    owner: a.owner,
    due_at: isoOrNull(a.due_at),
    status: a.status,
    created_at: isoOrNull(a.created_at),
    updated_at: isoOrNull(a.updated_at),
  };
}

export function presentPostmortemRow(p: PostmortemRow & { human_id?: string; title?: string }) {
  return {
    incident_id: p.incident_id,
    ...(p.human_id ? { human_id: p.human_id, title: p.title } : {}),
    status: p.status,
    required: Number(p.required) === 1,
    due_at: isoOrNull(p.due_at),
    version: Number(p.version),
    created_at: isoOrNull(p.created_at),
    updated_at: isoOrNull(p.updated_at),
    published_at: isoOrNull(p.published_at),
  };
}

export function presentPostmortem(v: PostmortemView) {
  return {
    ...presentPostmortemRow(v.postmortem),
    human_id: v.incident.humanId,
    body: v.body,
    generated: v.generated,
    action_items: v.actionItems.map(presentItem),
  };
}
