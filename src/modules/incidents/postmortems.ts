/**
 * Postmortems: due after resolve for the configured severities (reminder and overdue events from
 * durable timers), a draft generated from the timeline, draft → in_review → published, and
 * action items with owner, due date and status.
 */
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { DueTimer } from '../../engines/timers.ts';
import { conflict, invalid, notFound, preconditionFailed } from '../../kernel/errors.ts';
import { newId } from '../../kernel/ids.ts';
import { type Config, IncidentsBase, idb } from './context.ts';
import { postmortemDraft } from './markdown.ts';
import { TIMER_PM_DUE, TIMER_PM_REMINDER } from './service.ts';
import type { ActionItemRow, Incident, PostmortemRow } from './types.ts';

export const PM_STATUSES = ['draft', 'in_review', 'published'] as const;
const PM_NEXT: Record<string, string[]> = {
  draft: ['in_review'],
  in_review: ['draft', 'published'],
  published: [],
};
export const ITEM_STATUSES = ['open', 'in_progress', 'done', 'cancelled'] as const;

export interface PostmortemView {
  incident: Incident;
  postmortem: PostmortemRow;
  /** The stored body, or a draft generated from the timeline while nobody has written one. */
  body: string;
  generated: boolean;
  actionItems: ActionItemRow[];
}

export class PostmortemService extends IncidentsBase {
  /** On resolve (same transaction): makes the postmortem due when the severity needs one. */
  async onResolved(tx: Tx, inc: Incident, cfg: Config): Promise<void> {
    const sev = cfg.severities.get(inc.severity);
    const s = cfg.settings;
    if (!sev || sev.rank > s.postmortemUpToRank) return;
    const now = this.now;
    const due = now + s.postmortemDueMs;
    const k = idb(tx);
    const existing = await k
      .selectFrom('incidents_postmortems')
      .selectAll()
      .where('incident_id', '=', inc.id)
      .executeTakeFirst();
    if (existing?.status === 'published') return;
    if (existing) {
      await k
        .updateTable('incidents_postmortems')
        .set({ required: 1, due_at: due, updated_at: now })
        .where('incident_id', '=', inc.id)
        .execute();
    } else {
      await k
        .insertInto('incidents_postmortems')
        .values({
          incident_id: inc.id,
          status: 'draft',
          required: 1,
          due_at: due,
          body: '',
          version: 1,
          created_at: now,
          updated_at: now,
          published_at: null,
        })
        .execute();
    }
    if (due - s.postmortemReminderBeforeMs > now)
      await this.deps.timers.schedule(tx, {
        kind: TIMER_PM_REMINDER,
        key: inc.id,
        dueAt: due - s.postmortemReminderBeforeMs,
      });
    await this.deps.timers.schedule(tx, { kind: TIMER_PM_DUE, key: inc.id, dueAt: due });
    await this.emit(tx, inc, 'incident.postmortem_due', 'system', { due_at: due, severity: inc.severity });
  }

  private async row(x: Tx | undefined, incidentId: string): Promise<PostmortemRow | undefined> {
    return idb(x ?? this.deps.db)
      .selectFrom('incidents_postmortems')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .executeTakeFirst();
  }

  /** The postmortem of an incident (404 when none was required or started). */
  async get(idOrHumanId: string): Promise<PostmortemView> {
    const incident = await this.load(this.deps.db, idOrHumanId);
    const pm = await this.row(undefined, incident.id);
    if (!pm) throw notFound('postmortem of incident', incident.humanId);
    const actionItems = await this.items({ incidentId: incident.id });
    if (pm.body) return { incident, postmortem: pm, body: pm.body, generated: false, actionItems };
    return { incident, postmortem: pm, body: await this.draft(incident), generated: true, actionItems };
  }

  /** A fresh draft from the timeline. */
  async draft(incident: Incident): Promise<string> {
    const events = await this.deps.timeline.forSubject('incident', incident.id, 5000);
    const alerts = await idb(this.deps.db)
      .selectFrom('incidents_alerts')
      .select('alert_key')
      .where('incident_id', '=', incident.id)
      .execute();
    return postmortemDraft(incident, events, alerts.length);
  }

  /** Starts a postmortem that was not required (idempotent). */
  async start(idOrHumanId: string, actor: string): Promise<PostmortemView> {
    await inTransaction(this.deps.db, async (tx) => {
      const inc = await this.load(tx, idOrHumanId);
      if (await this.row(tx, inc.id)) return;
      const now = this.now;
      await idb(tx)
        .insertInto('incidents_postmortems')
        .values({
          incident_id: inc.id,
          status: 'draft',
          required: 0,
          due_at: null,
          body: '',
          version: 1,
          created_at: now,
          updated_at: now,
          published_at: null,
        })
        .onConflict((oc) => oc.column('incident_id').doNothing())
        .execute();
      await this.emit(tx, inc, 'incident.postmortem_started', actor);
    });
    return this.get(idOrHumanId);
  }

  /** Edits the body and/or moves draft → in_review → published (published is final). */
  async update(
    idOrHumanId: string,
    actor: string,
    u: { body?: string; status?: string },
    expectedVersion?: number,
  ): Promise<PostmortemView> {
    if (u.status !== undefined && !(PM_STATUSES as readonly string[]).includes(u.status))
      throw invalid(`unknown postmortem status "${u.status}"; one of ${PM_STATUSES.join(', ')}`);
    // Publishing an untouched draft freezes the generated text (rendered before the transaction).
    const before = await this.load(this.deps.db, idOrHumanId);
    const frozen = u.status === 'published' && !u.body ? await this.draft(before) : '';
    await inTransaction(this.deps.db, async (tx) => {
      const inc = await this.load(tx, idOrHumanId);
      const pm = await this.row(tx, inc.id);
      if (!pm) throw notFound('postmortem of incident', inc.humanId);
      if (expectedVersion !== undefined && Number(pm.version) !== expectedVersion)
        throw preconditionFailed(
          `postmortem of ${inc.humanId} is at version ${pm.version}, not ${expectedVersion}`,
        );
      if (pm.status === 'published')
        throw conflict(`the postmortem of ${inc.humanId} is published; it can no longer change`);
      const to = u.status && u.status !== pm.status ? u.status : undefined;
      if (to && !PM_NEXT[pm.status].includes(to))
        throw conflict(
          `postmortem cannot go from ${pm.status} to ${to}; allowed next: ${PM_NEXT[pm.status].join(', ')}`,
        );
      if (to === 'published' && inc.status !== 'resolved')
        throw conflict(`resolve ${inc.humanId} before publishing its postmortem`);
      const now = this.now;
      const body = u.body ?? (pm.body || (to === 'published' ? frozen : ''));
      const res = await idb(tx)
        .updateTable('incidents_postmortems')
        .set({
          body,
          status: to ?? pm.status,
          version: Number(pm.version) + 1,
          updated_at: now,
          ...(to === 'published' ? { published_at: now } : {}),
        })
        .where('incident_id', '=', inc.id)
        .where('version', '=', pm.version)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1)
        throw conflict('the postmortem changed meanwhile; reload and retry');
      if (u.body !== undefined)
        await this.emit(tx, inc, 'incident.postmortem_edited', actor, { length: u.body.length });
      if (to)
        await this.emit(tx, inc, 'incident.postmortem_status_changed', actor, {
          from: pm.status,
          to,
          by: actor,
        });
      if (to === 'published') {
        await this.deps.timers.cancel(tx, TIMER_PM_REMINDER, inc.id);
        await this.deps.timers.cancel(tx, TIMER_PM_DUE, inc.id);
      }
    });
    return this.get(idOrHumanId);
  }

  /** Postmortems, optionally only unpublished ones past due. */
  async list(
    f: { status?: string; overdue?: boolean } = {},
  ): Promise<Array<PostmortemRow & { human_id: string; title: string }>> {
    let q = idb(this.deps.db)
      .selectFrom('incidents_postmortems as p')
      .innerJoin('incidents_incidents as i', 'i.id', 'p.incident_id')
      .selectAll('p')
      .select(['i.human_id', 'i.title'])
      .orderBy('p.created_at', 'desc');
    if (f.status) q = q.where('p.status', '=', f.status);
    if (f.overdue) q = q.where('p.status', '!=', 'published').where('p.due_at', '<=', this.now);
    return q.execute();
  }

  /** Adds an action item to an incident's follow-up. */
  async addItem(
    idOrHumanId: string,
    actor: string,
    i: { title: string; owner?: string; dueAt?: number },
  ): Promise<ActionItemRow> {
    if (!i.title?.trim()) throw invalid('an action item needs a title');
    return inTransaction(this.deps.db, async (tx) => {
      const inc = await this.load(tx, idOrHumanId);
      const now = this.now;
      const row: ActionItemRow = {
        id: newId(this.deps.clock),
        incident_id: inc.id,
        title: i.title.trim(),
        owner: i.owner ?? null,
        due_at: i.dueAt ?? null,
        status: 'open',
        created_at: now,
        updated_at: now,
      };
      await idb(tx).insertInto('incidents_action_items').values(row).execute();
      await this.emit(tx, inc, 'incident.action_item_added', actor, {
        item: row.id,
        title: row.title,
        owner: row.owner,
        due_at: row.due_at,
      });
      return row;
    });
  }

  /** Changes an action item's status, owner, due date or title. */
  async updateItem(
    itemId: string,
    actor: string,
    u: { status?: string; owner?: string | null; dueAt?: number | null; title?: string },
  ): Promise<ActionItemRow> {
    if (u.status !== undefined && !(ITEM_STATUSES as readonly string[]).includes(u.status))
      throw invalid(`unknown action item status "${u.status}"; one of ${ITEM_STATUSES.join(', ')}`);
    return inTransaction(this.deps.db, async (tx) => {
      const k = idb(tx);
      const item = await k
        .selectFrom('incidents_action_items')
        .selectAll()
        .where('id', '=', itemId)
        .executeTakeFirst();
      if (!item) throw notFound('action item', itemId);
      const patch = {
        ...(u.status !== undefined ? { status: u.status } : {}),
        ...(u.owner !== undefined ? { owner: u.owner } : {}),
        ...(u.dueAt !== undefined ? { due_at: u.dueAt } : {}),
        ...(u.title !== undefined ? { title: u.title } : {}),
        updated_at: this.now,
      };
      await k.updateTable('incidents_action_items').set(patch).where('id', '=', itemId).execute();
      const inc = await this.load(tx, item.incident_id);
      const { updated_at: _, ...changed } = patch;
      await this.emit(tx, inc, 'incident.action_item_updated', actor, { item: itemId, ...changed });
      return { ...item, ...patch };
    });
  }

  /** Action items; `overdue` = not done/cancelled and past their due date. */
  async items(
    f: { incidentId?: string; overdue?: boolean; owner?: string; status?: string } = {},
  ): Promise<ActionItemRow[]> {
    let q = idb(this.deps.db).selectFrom('incidents_action_items').selectAll().orderBy('created_at');
    if (f.incidentId) q = q.where('incident_id', '=', f.incidentId);
    if (f.owner) q = q.where('owner', '=', f.owner);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.overdue) q = q.where('status', 'in', ['open', 'in_progress']).where('due_at', '<', this.now);
    return q.execute();
  }

  /** Handles a claimed reminder/due timer: an event unless the postmortem is already published. */
  async fire(tx: Tx, t: DueTimer): Promise<void> {
    const pm = await this.row(tx, t.key);
    if (!pm || pm.status === 'published') return;
    const inc = await this.load(tx, t.key);
    const type =
      t.kind === TIMER_PM_REMINDER ? 'incident.postmortem_reminder' : 'incident.postmortem_overdue';
    await this.emit(tx, inc, type, 'system', { due_at: Number(pm.due_at), status: pm.status });
  }
}
