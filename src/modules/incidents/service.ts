/**
 * Incident use cases: open (with dedup and re-open), acknowledge, status changes, resolve,
 * severity, roles, notes and links. Every change appends its domain events in the same
 * transaction; response-target and follow-up deadlines are durable timers.
 */
import { sql } from 'kysely';
import { inTransaction, type Tx } from '../../db/tx.ts';
import { conflict, invalid } from '../../kernel/errors.ts';
import { newId } from '../../kernel/ids.ts';
import { type Change, type Config, IncidentsBase, idb, type SeverityInfo, severityOf } from './context.ts';
import type { IncidentSettings } from './kinds.ts';
import { acknowledges, assertTransition, isOpen } from './states.ts';
import { counterScope, formatHumanId, localParts, nextBusinessDay } from './time.ts';
import {
  type ForeignEvent,
  type Incident,
  type Link,
  type OpenInput,
  STATUSES,
  type Status,
  toIncident,
} from './types.ts';

export const TIMER_RESPONSE = 'incidents.response';
export const TIMER_AUTO_RESOLVE = 'incidents.auto_resolve';
export const TIMER_PM_REMINDER = 'incidents.pm_reminder';
export const TIMER_PM_DUE = 'incidents.pm_due';

/** Event types this module owns; other modules may not append them. */
export const OWN_TYPES = new Set([
  'incident.opened',
  'incident.paging_requested',
  'incident.acknowledged',
  'incident.resolved',
  'incident.severity_changed',
  'incident.status_changed',
  'incident.response_target_breached',
  'incident.reopened',
]);

export interface OpenResult {
  incident: Incident;
  /** `created` = new incident, `reopened` = resolved one re-opened, `attached` = open one reused. */
  outcome: 'created' | 'reopened' | 'attached';
}

export interface RolesInput {
  commander?: string | null;
  commsLead?: string | null;
  addResponders?: string[];
  removeResponders?: string[];
}

/** When the response target of `sev` falls for an incident (re)opened at `from`. */
export function responseDue(sev: SeverityInfo, from: number, s: IncidentSettings): number {
  return sev.responseTargetMs === null ? nextBusinessDay(from, s.timeZone) : from + sev.responseTargetMs;
}

export class IncidentService extends IncidentsBase {
  /** Opens an incident, or reuses/re-opens the one holding `dedupKey`. */
  async open(input: OpenInput, actor: string): Promise<OpenResult> {
    const title = input.title?.trim();
    if (!title) throw invalid('an incident needs a title');
    const cfg = await this.config();
    const sev = severityOf(cfg, input.severity);
    await this.requireService(input.service);
    for (let attempt = 0; ; attempt++) {
      try {
        return await inTransaction(this.deps.db, (tx) =>
          this.openTx(tx, { ...input, title }, actor, sev, cfg),
        );
      } catch (err) {
        // Two first-time inserts of the same dedup key race on PostgreSQL: the loser retries.
        if (attempt >= 3 || !isUniqueViolation(err)) throw err;
      }
    }
  }

  private async openTx(
    tx: Tx,
    input: OpenInput,
    actor: string,
    sev: SeverityInfo,
    cfg: Config,
  ): Promise<OpenResult> {
    const { settings } = cfg;
    const now = this.now;
    const k = idb(tx);
    if (input.dedupKey) {
      // The upsert locks the dedup row until commit, serialising opens of the same key.
      const d = await k
        .insertInto('incidents_dedup')
        .values({ dedup_key: input.dedupKey, incident_id: null, touched_at: now })
        .onConflict((oc) => oc.column('dedup_key').doUpdateSet({ touched_at: now }))
        .returning('incident_id')
        .executeTakeFirstOrThrow();
      if (d.incident_id) {
        const prev = await this.load(tx, d.incident_id);
        if (isOpen(prev.status)) {
          if (input.alert) await this.linkAlert(tx, prev, input.alert, actor);
          return { incident: prev, outcome: 'attached' };
        }
        if (
          prev.status === 'resolved' &&
          prev.resolvedAt !== null &&
          now - prev.resolvedAt <= settings.reopenWindowMs
        ) {
          return { incident: await this.reopenTx(tx, prev, actor, input, cfg), outcome: 'reopened' };
        }
      }
    }
    const parts = localParts(now, settings.timeZone);
    const c = await k
      .insertInto('incidents_counters')
      .values({ scope: counterScope(settings.idPattern, parts), n: 1 })
      .onConflict((oc) => oc.column('scope').doUpdateSet({ n: sql`incidents_counters.n + 1` }))
      .returning('n')
      .executeTakeFirstOrThrow();
    const id = newId(this.deps.clock);
    const humanId = formatHumanId(settings.idPattern, parts, Number(c.n));
    const due = responseDue(sev, now, settings);
    await k
      .insertInto('incidents_incidents')
      .values({
        id,
        human_id: humanId,
        title: input.title,
        summary: input.summary ?? null,
        severity: sev.key,
        service: input.service,
        status: 'triggered',
        version: 1,
        dedup_key: input.dedupKey ?? null,
        source_kind: input.source?.kind ?? null,
        source_key: input.source?.key ?? null,
        commander: null,
        comms_lead: null,
        responders: '[]',
        services: JSON.stringify([input.service]),
        links: JSON.stringify(validLinks(input.links ?? [])),
        opened_at: now,
        opened_by: actor,
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
        resolved_by: null,
        response_target_ms: sev.responseTargetMs,
        response_due_at: due,
        breached_at: null,
        reopen_count: 0,
        merged_into: null,
        escalation_policy: input.escalationPolicy ?? null,
        updated_at: now,
      })
      .execute();
    if (input.dedupKey) {
      await k
        .updateTable('incidents_dedup')
        .set({ incident_id: id })
        .where('dedup_key', '=', input.dedupKey)
        .execute();
    }
    const inc = await this.load(tx, id);
    // Audit before timeline (lock order shared with the catalog on PostgreSQL).
    await this.deps.audit.append(tx, {
      actor,
      action: 'incident.opened',
      object: { kind: 'incident', key: humanId },
      after: { id, title: inc.title, severity: inc.severity, service: inc.service },
    });
    const common = {
      title: inc.title,
      severity: inc.severity,
      severity_label: sev.label,
      severity_rank: sev.rank,
      service: inc.service,
      url: this.url(id),
    };
    await this.emit(tx, inc, 'incident.opened', actor, {
      ...common,
      status: inc.status,
      summary: inc.summary,
      source: inc.source,
      dedup_key: inc.dedupKey,
      response_due_at: due,
    });
    await this.emit(tx, inc, 'incident.paging_requested', actor, {
      ...common,
      summary: inc.summary ?? inc.title,
      ...(inc.escalationPolicy ? { escalation_policy: inc.escalationPolicy } : {}),
    });
    await this.deps.timers.schedule(tx, { kind: TIMER_RESPONSE, key: id, dueAt: due });
    if (input.alert) await this.linkAlert(tx, inc, input.alert, actor);
    return { incident: inc, outcome: 'created' };
  }

  private async reopenTx(
    tx: Tx,
    prev: Incident,
    actor: string,
    input: OpenInput,
    cfg: Config,
  ): Promise<Incident> {
    const now = this.now;
    const sev = severityOf(cfg, prev.severity);
    const due = responseDue(sev, now, cfg.settings);
    // The same conditional update as `mutate`: the dedup row lock already serialises re-opens.
    await idb(tx)
      .updateTable('incidents_incidents')
      .set({
        status: 'triggered',
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
        resolved_by: null,
        breached_at: null,
        response_due_at: due,
        reopen_count: prev.reopenCount + 1,
        version: prev.version + 1,
        updated_at: now,
      })
      .where('id', '=', prev.id)
      .execute();
    const inc = await this.load(tx, prev.id);
    await this.emit(tx, inc, 'incident.reopened', actor, {
      reopen_count: inc.reopenCount,
      reason: input.title,
    });
    await this.emit(tx, inc, 'incident.status_changed', actor, {
      from: prev.status,
      to: 'triggered',
      by: actor,
    });
    await this.emit(tx, inc, 'incident.paging_requested', actor, {
      title: inc.title,
      severity: inc.severity,
      severity_label: sev.label,
      severity_rank: sev.rank,
      service: inc.service,
      summary: input.summary ?? inc.summary ?? inc.title,
      url: this.url(inc.id),
      ...(inc.escalationPolicy ? { escalation_policy: inc.escalationPolicy } : {}),
      reopened: true,
    });
    await this.deps.timers.schedule(tx, { kind: TIMER_RESPONSE, key: inc.id, dueAt: due });
    await this.deps.timers.cancel(tx, TIMER_PM_REMINDER, inc.id);
    await this.deps.timers.cancel(tx, TIMER_PM_DUE, inc.id);
    if (input.alert) await this.linkAlert(tx, inc, input.alert, actor);
    return inc;
  }

  /** Links an alert (idempotent per key); a re-firing alert cancels a pending auto-resolve. */
  async linkAlert(
    tx: Tx,
    inc: Incident,
    alert: { key: string; title?: string },
    actor: string,
  ): Promise<void> {
    const k = idb(tx);
    const now = this.now;
    const existing = await k
      .selectFrom('incidents_alerts')
      .selectAll()
      .where('incident_id', '=', inc.id)
      .where('alert_key', '=', alert.key)
      .executeTakeFirst();
    if (existing?.status === 'firing') return;
    if (existing) {
      await k
        .updateTable('incidents_alerts')
        .set({ status: 'firing', resolved_at: null })
        .where('incident_id', '=', inc.id)
        .where('alert_key', '=', alert.key)
        .execute();
    } else {
      await k
        .insertInto('incidents_alerts')
        .values({
          incident_id: inc.id,
          alert_key: alert.key,
          title: alert.title ?? null,
          status: 'firing',
          attached_at: now,
          resolved_at: null,
        })
        .execute();
    }
    await this.deps.timers.cancel(tx, TIMER_AUTO_RESOLVE, inc.id);
    await this.emit(tx, inc, 'incident.alert_attached', actor, {
      alert: alert.key,
      title: alert.title ?? null,
    });
  }

  /** Links an alert to an incident (alerting calls this when an alert joins an incident). */
  async attachAlert(
    idOrHumanId: string,
    alert: { key: string; title?: string },
    actor = 'system:alerting',
  ): Promise<void> {
    await inTransaction(this.deps.db, async (tx) => {
      const inc = await this.load(tx, idOrHumanId);
      await this.linkAlert(tx, inc, alert, actor);
    });
  }

  /**
   * Marks alert `alertKey` resolved on every incident linking it; when all of an open incident's
   * alerts are resolved and its service auto-resolves, schedules the resolve after the quiet period.
   * Returns the ids of the incidents that scheduled an auto-resolve.
   */
  async alertResolved(alertKey: string, actor = 'system:alerting'): Promise<string[]> {
    const s = await this.settings();
    return inTransaction(this.deps.db, async (tx) => {
      const k = idb(tx);
      const now = this.now;
      const links = await k
        .selectFrom('incidents_alerts')
        .selectAll()
        .where('alert_key', '=', alertKey)
        .where('status', '=', 'firing')
        .execute();
      const scheduled: string[] = [];
      for (const l of links) {
        await k
          .updateTable('incidents_alerts')
          .set({ status: 'resolved', resolved_at: now })
          .where('incident_id', '=', l.incident_id)
          .where('alert_key', '=', alertKey)
          .execute();
        const inc = await this.load(tx, l.incident_id);
        if (!isOpen(inc.status)) continue;
        await this.emit(tx, inc, 'incident.alert_resolved', actor, { alert: alertKey });
        const firing = await k
          .selectFrom('incidents_alerts')
          .select('alert_key')
          .where('incident_id', '=', inc.id)
          .where('status', '=', 'firing')
          .execute();
        if (firing.length === 0 && autoResolves(s, inc.service)) {
          const at = now + s.autoResolveQuietMs;
          await this.deps.timers.schedule(tx, { kind: TIMER_AUTO_RESOLVE, key: inc.id, dueAt: at });
          await this.emit(tx, inc, 'incident.auto_resolve_scheduled', actor, {
            at,
            quiet_ms: s.autoResolveQuietMs,
          });
          scheduled.push(inc.id);
        }
      }
      return scheduled;
    });
  }

  /** The incident's timeline, oldest first (its own and other modules' events). */
  timeline(incidentId: string) {
    return this.deps.timeline.forSubject('incident', incidentId, 5000);
  }

  /** The clock's now (routes use it as the default end of a report period). */
  nowMs(): number {
    return this.now;
  }

  /** An incident by id or human id. */
  get(idOrHumanId: string): Promise<Incident> {
    return this.load(this.deps.db, idOrHumanId);
  }

  /** True when no linked alert is firing. */
  async allAlertsResolved(incidentId: string): Promise<boolean> {
    const firing = await idb(this.deps.db)
      .selectFrom('incidents_alerts')
      .select('alert_key')
      .where('incident_id', '=', incidentId)
      .where('status', '=', 'firing')
      .execute();
    return firing.length === 0;
  }

  /** Records a response-target breach (timer fired while still unacknowledged). */
  async markBreached(idOrHumanId: string, dueAt: number): Promise<void> {
    await this.mutate(idOrHumanId, 'system', (inc) => {
      if (inc.acknowledgedAt !== null || !isOpen(inc.status) || inc.breachedAt !== null) return null;
      // A severity change may have moved the deadline after this timer was claimed.
      if (inc.responseDueAt !== null && inc.responseDueAt > this.now) return null;
      return {
        patch: { breached_at: this.now },
        events: [
          {
            type: 'incident.response_target_breached',
            data: {
              severity: inc.severity,
              target_ms: inc.responseTargetMs ?? (inc.responseDueAt ?? dueAt) - inc.openedAt,
              due_at: inc.responseDueAt ?? dueAt,
              next_business_day: inc.responseTargetMs === null,
            },
          },
        ],
      };
    });
  }

  /** Alerts linked to an incident. */
  async alerts(incidentId: string) {
    return idb(this.deps.db)
      .selectFrom('incidents_alerts')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('attached_at')
      .execute();
  }

  /** Acknowledges; a second acknowledge (or one after an implicit one) is a no-op. */
  acknowledge(idOrHumanId: string, actor: string, expectedVersion?: number): Promise<Incident> {
    return this.mutate(
      idOrHumanId,
      actor,
      (inc) => {
        if (inc.acknowledgedAt !== null && isOpen(inc.status)) return null;
        if (!isOpen(inc.status))
          throw conflict(`incident ${inc.humanId} is ${inc.status}; it cannot be acknowledged`);
        return this.statusChange(inc, 'acknowledged', actor);
      },
      expectedVersion,
    );
  }

  /** Resolves; resolving a resolved incident is a no-op. `auto` skips the commander rule. */
  resolve(
    idOrHumanId: string,
    actor: string,
    opts: { note?: string; expectedVersion?: number; auto?: boolean } = {},
  ): Promise<Incident> {
    return this.setStatus(idOrHumanId, actor, 'resolved', opts);
  }

  /** Moves an incident to `to` (any state of the machine); same state = no-op. */
  setStatus(
    idOrHumanId: string,
    actor: string,
    to: Status,
    opts: { note?: string; expectedVersion?: number; auto?: boolean } = {},
  ): Promise<Incident> {
    if (!STATUSES.includes(to)) throw invalid(`unknown status "${to}"; one of ${STATUSES.join(', ')}`);
    if (to === 'merged') throw invalid('use merge to merge an incident into another');
    if (to === 'acknowledged') return this.acknowledge(idOrHumanId, actor, opts.expectedVersion);
    return this.mutate(
      idOrHumanId,
      actor,
      (inc, _tx, cfg) => {
        if (inc.status === to) return null;
        assertTransition(inc.humanId, inc.status, to);
        if (to === 'resolved' && !opts.auto) this.assertCommander(inc, cfg);
        const change = this.statusChange(inc, to, actor);
        if (opts.note?.trim())
          change.events.push({ type: 'incident.note_added', data: { markdown: opts.note } });
        return change;
      },
      opts.expectedVersion,
    );
  }

  /** Whether a person must assign a commander before resolving `inc` (its severity's rank). */
  async commanderRequired(inc: Incident): Promise<boolean> {
    const cfg = await this.config();
    const sev = cfg.severities.get(inc.severity);
    return Boolean(sev && sev.rank <= cfg.settings.commanderRequiredUpToRank);
  }

  private assertCommander(inc: Incident, cfg: Config): void {
    if (inc.commander) return;
    const sev = cfg.severities.get(inc.severity);
    if (sev && sev.rank <= cfg.settings.commanderRequiredUpToRank) {
      throw conflict(
        `incident ${inc.humanId} is ${sev.label}: assign an incident commander before resolving (POST .../roles {"commander": "…"})`,
        { missing_roles: ['commander'] },
      );
    }
  }

  /** The row patch and events of moving `inc` to `to` (acknowledging implicitly when needed). */
  private statusChange(inc: Incident, to: Status, actor: string): Change {
    const now = this.now;
    const patch: Change['patch'] = { status: to };
    const events: Change['events'] = [
      { type: 'incident.status_changed', data: { from: inc.status, to, by: actor } },
    ];
    const ack = inc.acknowledgedAt === null && acknowledges(to);
    if (ack) {
      patch.acknowledged_at = now;
      patch.acknowledged_by = actor;
      events.push({ type: 'incident.acknowledged', data: { by: actor, after_ms: now - inc.openedAt } });
    }
    if (to === 'resolved') {
      patch.resolved_at = now;
      patch.resolved_by = actor;
      events.push({ type: 'incident.resolved', data: { by: actor, duration_ms: now - inc.openedAt } });
    }
    const terminal = !isOpen(to);
    return {
      patch,
      events,
      after: async (tx, updated, cfg) => {
        if (ack || terminal) await this.deps.timers.cancel(tx, TIMER_RESPONSE, inc.id);
        if (terminal) await this.deps.timers.cancel(tx, TIMER_AUTO_RESOLVE, inc.id);
        if (to === 'resolved') await this.onResolved?.(tx, updated, cfg);
      },
    };
  }

  /** Hook set by the postmortem service: creates the follow-up when the severity needs one. */
  onResolved?: (tx: Tx, inc: Incident, cfg: Config) => Promise<void>;

  /** Changes severity; an unacknowledged incident's response target is recomputed. */
  changeSeverity(
    idOrHumanId: string,
    actor: string,
    to: string,
    expectedVersion?: number,
  ): Promise<Incident> {
    return this.mutate(
      idOrHumanId,
      actor,
      (inc, _tx, cfg) => {
        const sev = severityOf(cfg, to);
        if (inc.severity === sev.key) return null;
        if (!isOpen(inc.status))
          throw conflict(`incident ${inc.humanId} is ${inc.status}; its severity is final`);
        const patch: Change['patch'] = { severity: sev.key, response_target_ms: sev.responseTargetMs };
        const rearm = inc.acknowledgedAt === null && inc.breachedAt === null;
        const due = rearm ? responseDue(sev, inc.openedAt, cfg.settings) : null;
        if (due !== null) patch.response_due_at = due;
        return {
          patch,
          events: [
            { type: 'incident.severity_changed', data: { from: inc.severity, to: sev.key, by: actor } },
          ],
          after: async (tx) => {
            if (due !== null)
              await this.deps.timers.schedule(tx, { kind: TIMER_RESPONSE, key: inc.id, dueAt: due });
          },
        };
      },
      expectedVersion,
    );
  }

  /** Assigns commander / communications lead and adds or removes responders. */
  setRoles(idOrHumanId: string, actor: string, r: RolesInput, expectedVersion?: number): Promise<Incident> {
    return this.mutate(
      idOrHumanId,
      actor,
      (inc) => {
        const patch: Change['patch'] = {};
        const events: Change['events'] = [];
        const role = (
          name: string,
          field: 'commander' | 'comms_lead',
          prev: string | null,
          next?: string | null,
        ) => {
          if (next === undefined || next === prev) return;
          patch[field] = next;
          events.push({ type: 'incident.role_assigned', data: { role: name, user: next, previous: prev } });
        };
        role('commander', 'commander', inc.commander, r.commander);
        role('communications_lead', 'comms_lead', inc.commsLead, r.commsLead);
        const set = new Set(inc.responders);
        for (const u of r.addResponders ?? [])
          if (!set.has(u)) {
            set.add(u);
            events.push({ type: 'incident.responder_added', data: { user: u } });
          }
        for (const u of r.removeResponders ?? [])
          if (set.delete(u)) events.push({ type: 'incident.responder_removed', data: { user: u } });
        if (set.size !== inc.responders.length || events.some((e) => e.type.startsWith('incident.responder')))
          patch.responders = JSON.stringify([...set]);
        return events.length ? { patch, events } : null;
      },
      expectedVersion,
    );
  }

  /** Adds affected services (each must exist in the catalog). */
  async addServices(idOrHumanId: string, actor: string, services: string[]): Promise<Incident> {
    for (const s of services) await this.requireService(s);
    return this.mutate(idOrHumanId, actor, (inc) => {
      const added = services.filter((s, i) => !inc.services.includes(s) && services.indexOf(s) === i);
      if (!added.length) return null;
      return {
        patch: { services: JSON.stringify([...inc.services, ...added]) },
        events: [{ type: 'incident.services_added', data: { services: added } }],
      };
    });
  }

  /** Adds a runbook or other link (deduplicated by URL). */
  addLink(idOrHumanId: string, actor: string, link: Link): Promise<Incident> {
    validLinks([link]);
    return this.mutate(idOrHumanId, actor, (inc) => {
      if (inc.links.some((l) => l.url === link.url)) return null;
      return {
        patch: { links: JSON.stringify([...inc.links, { title: link.title, url: link.url }]) },
        events: [{ type: 'incident.link_added', data: { title: link.title, url: link.url } }],
      };
    });
  }

  /** Merges `idOrHumanId` into `into` (which stays open); both timelines record it. */
  merge(idOrHumanId: string, actor: string, into: string): Promise<Incident> {
    return this.mutate(idOrHumanId, actor, async (inc, tx) => {
      const target = await this.load(tx, into);
      if (target.id === inc.id) throw invalid('an incident cannot be merged into itself');
      if (!isOpen(target.status))
        throw conflict(`incident ${target.humanId} is ${target.status}; merge into an open one`);
      if (inc.status === 'merged') return null;
      assertTransition(inc.humanId, inc.status, 'merged');
      const change = this.statusChange(inc, 'merged', actor);
      change.patch.merged_into = target.id;
      change.events.push({
        type: 'incident.merged',
        data: { into: target.id, into_human_id: target.humanId },
      });
      const inner = change.after;
      change.after = async (tx2, updated, cfg) => {
        await inner?.(tx2, updated, cfg);
        await this.emit(tx2, target, 'incident.merged_from', actor, {
          from: inc.id,
          from_human_id: inc.humanId,
        });
      };
      return change;
    });
  }

  /** Adds a Markdown note; `corrects` names an earlier note event (notes are never edited). */
  async addNote(idOrHumanId: string, actor: string, markdown: string, corrects?: string): Promise<void> {
    if (!markdown?.trim()) throw invalid('a note needs text');
    if (markdown.length > 20_000) throw invalid('a note is limited to 20000 characters');
    if (corrects) {
      const inc = await this.load(this.deps.db, idOrHumanId);
      const notes = await this.deps.timeline.forSubject('incident', inc.id, 5000);
      if (!notes.some((e) => e.id === corrects && e.type.startsWith('incident.note')))
        throw invalid(`event "${corrects}" is not a note of incident ${inc.humanId}`);
    }
    await inTransaction(this.deps.db, async (tx) => {
      const inc = await this.load(tx, idOrHumanId);
      if (corrects) {
        await this.emit(tx, inc, 'incident.note_corrected', actor, { markdown, corrects });
      } else {
        await this.emit(tx, inc, 'incident.note_added', actor, { markdown });
      }
    });
  }

  /** Appends another module's event to an incident's timeline (in `tx` when given). */
  async appendToTimeline(idOrHumanId: string, event: ForeignEvent, tx?: Tx): Promise<void> {
    if (!/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/.test(event.type))
      throw invalid(`invalid event type "${event.type}"`);
    if (OWN_TYPES.has(event.type))
      throw invalid(`event type ${event.type} is reserved for the incidents module`);
    const run = async (t: Tx) => {
      const inc = await this.load(t, idOrHumanId);
      await this.emit(t, inc, event.type, event.actor ?? 'system', event.data ?? {});
    };
    if (tx) await run(tx);
    else await inTransaction(this.deps.db, run);
  }

  /**
   * Incidents with filters, newest first (`order: 'newest'`, the default) or open ones first and
   * then newest first (`order: 'open_first'`, the console's list). `cursor` continues after the
   * last item of a page (from `nextCursor`); `before` (an id) is the older newest-first cursor.
   */
  async list(f: ListFilter = {}): Promise<{ items: Incident[]; nextCursor: string | null }> {
    const limit = Math.min(f.limit ?? 50, 500);
    const openFirst = f.order === 'open_first';
    const closed = sql<number>`case when status in ('resolved', 'declined', 'merged', 'cancelled') then 1 else 0 end`;
    let q = idb(this.deps.db).selectFrom('incidents_incidents').selectAll();
    if (openFirst) q = q.orderBy(closed).orderBy('id', 'desc');
    else q = q.orderBy('id', 'desc');
    q = q.limit(limit + 1);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.open === true) q = q.where('status', 'not in', ['resolved', 'declined', 'merged', 'cancelled']);
    if (f.open === false) q = q.where('status', 'in', ['resolved', 'declined', 'merged', 'cancelled']);
    if (f.service) q = q.where('service', '=', f.service);
    if (f.severity) q = q.where('severity', '=', f.severity);
    if (f.commander) q = q.where('commander', '=', f.commander);
    if (f.breached === true) q = q.where('breached_at', 'is not', null);
    if (f.breached === false) q = q.where('breached_at', 'is', null);
    if (f.from !== undefined) q = q.where('opened_at', '>=', f.from);
    if (f.to !== undefined) q = q.where('opened_at', '<', f.to);
    if (f.q?.trim()) {
      const pattern = `%${f.q
        .trim()
        .toLowerCase()
        .replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(
        sql<boolean>`(lower(title) like ${pattern} escape '\\' or lower(human_id) like ${pattern} escape '\\')`,
      );
    }
    if (f.before) q = q.where('id', '<', f.before);
    if (f.cursor) {
      const c = decodeCursor(f.cursor, openFirst);
      if (openFirst) {
        const rank = c.closed ?? 0;
        q = q.where((eb) =>
          eb.or([eb(closed, '>', rank), eb.and([eb(closed, '=', rank), eb('id', '<', c.id)])]),
        );
      } else q = q.where('id', '<', c.id);
    }
    const rows = (await q.execute()).map(toIncident);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    const nextCursor =
      rows.length > limit && last
        ? encodeCursor({ id: last.id, ...(openFirst ? { closed: isOpen(last.status) ? 0 : 1 } : {}) })
        : null;
    return { items, nextCursor };
  }
}

/** Filters of `IncidentService.list`. Times are epoch ms on `opened_at`, `[from, to)`. */
export interface ListFilter {
  status?: string;
  open?: boolean;
  service?: string;
  severity?: string;
  commander?: string;
  breached?: boolean;
  from?: number;
  to?: number;
  /** Case-insensitive substring of the title or the human id. */
  q?: string;
  order?: 'newest' | 'open_first';
  limit?: number;
  before?: string;
  cursor?: string;
}

interface Cursor {
  id: string;
  closed?: number;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(s: string, openFirst: boolean): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Cursor;
    if (typeof c?.id !== 'string' || (openFirst && c.closed !== 0 && c.closed !== 1)) throw new Error();
    return c;
  } catch {
    throw invalid('cursor is not one this list handed out (use next_cursor of the same order)');
  }
}

/** Checks link URLs (http(s) or a path on this Vigil) and drops duplicates. */
export function validLinks(links: Link[]): Link[] {
  const out: Link[] = [];
  for (const l of links) {
    if (!/^https?:\/\/\S+$/.test(l.url) && !l.url.startsWith('/'))
      throw invalid(`invalid link url "${l.url}"`);
    if (!out.some((o) => o.url === l.url)) out.push({ title: l.title, url: l.url });
  }
  return out;
}

/** Whether incidents of `service` resolve themselves once their alerts have. */
export function autoResolves(s: IncidentSettings, service: string): boolean {
  return s.autoResolveAll || s.autoResolveServices.includes(service);
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || /UNIQUE constraint failed/.test(e?.message ?? '');
}
