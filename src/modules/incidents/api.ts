/**
 * The published port of the incidents module (`ctx.modules.get<IncidentsApi>('incidents')`):
 * alerting opens incidents with a dedup key and reports alert state; on-call acknowledges from
 * one-click links; flags, status page and on-call append their own events to the timeline.
 */
import type { Tx } from '../../db/tx.ts';
import type { PostmortemService } from './postmortems.ts';
import type { IncidentService, OpenResult } from './service.ts';
import type { ForeignEvent, Incident, OpenInput } from './types.ts';

export interface IncidentsApi {
  /** Opens an incident; with `dedupKey`, an open incident with that key is returned instead (outcome 'attached') and a resolved one within the re-open window is re-opened. */
  open(input: OpenInput, actor: string): Promise<OpenResult>;
  /** By id (ULID) or human id (INC-…); rejects with a 404 VigilError when unknown. */
  get(idOrHumanId: string): Promise<Incident>;
  /** Idempotent: acknowledging an acknowledged incident returns it unchanged. */
  acknowledge(idOrHumanId: string, actor: string): Promise<Incident>;
  /** Idempotent; `note` becomes a timeline note. */
  resolve(idOrHumanId: string, actor: string, note?: string): Promise<Incident>;
  addNote(idOrHumanId: string, actor: string, markdown: string): Promise<void>;
  /** Appends another module's event (`type` like `oncall.notified`) with subject { kind: 'incident', key: id }; in `tx` when given. */
  appendToTimeline(idOrHumanId: string, event: ForeignEvent, tx?: Tx): Promise<void>;
  /** Links an alert to an incident (a re-firing alert cancels a pending auto-resolve). */
  attachAlert(idOrHumanId: string, alert: { key: string; title?: string }, actor?: string): Promise<void>;
  /** An alert resolved: when all of an incident's alerts are resolved and its service auto-resolves, the incident resolves after the quiet period. Returns ids that scheduled an auto-resolve. */
  alertResolved(alertKey: string, actor?: string): Promise<string[]>;
  /** Open incidents, newest first (for handoff reports). */
  listOpen(limit?: number): Promise<Incident[]>;
}

/** Builds the api object from the services. */
export function buildApi(incidents: IncidentService, _postmortems: PostmortemService): IncidentsApi {
  return {
    open: (input, actor) => incidents.open(input, actor),
    get: (id) => incidents.get(id),
    acknowledge: (id, actor) => incidents.acknowledge(id, actor),
    resolve: (id, actor, note) => incidents.resolve(id, actor, { note }),
    addNote: (id, actor, md) => incidents.addNote(id, actor, md),
    appendToTimeline: (id, event, tx) => incidents.appendToTimeline(id, event, tx),
    attachAlert: (id, alert, actor) => incidents.attachAlert(id, alert, actor),
    alertResolved: (key, actor) => incidents.alertResolved(key, actor),
    listOpen: async (limit) => (await incidents.list({ open: true, limit })).items,
  };
}
