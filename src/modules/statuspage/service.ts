/**
 * Status pages: component states (automatic from checks with a hold-down, or set by an operator),
 * status-page incidents with their updates, scheduled maintenance with automatic start/complete,
 * and the Statuspage-compatible view of it all. Every change is a timeline event (subject
 * { kind: 'status_page', key: <page> }), which also invalidates the rendered page cache.
 */
import type { Db } from '../../db/db.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import { type Clock, parseDuration } from '../../kernel/clock.ts';
import { conflict, invalid, notFound } from '../../kernel/errors.ts';
import { newId } from '../../kernel/ids.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { ActorContext, CatalogService } from '../catalog/catalog-service.ts';
import type { ModuleDirectory } from '../module.ts';
import type { Timeline } from '../timeline/timeline.ts';
import { COMPONENT_STATUSES, type ComponentStatus } from './kinds.ts';
import {
  type Impact,
  INCIDENT_STATUSES,
  type IncidentStatus,
  impactOf,
  type MaintenanceStatus,
  statusFromChecks,
  worst,
} from './model.ts';

export interface ComponentDef {
  key: string;
  name: string;
  description?: string;
  group?: string;
  checks?: string[];
  services?: string[];
  only_show_if_degraded?: boolean;
}
export interface PageDef {
  key: string;
  name: string;
  url?: string;
  time_zone?: string;
  logo_url?: string;
  brand_color?: string;
  links?: Array<{ title: string; url: string }>;
  default?: boolean;
  theme?: 'auto' | 'light' | 'dark';
  domains?: string[];
  private?: boolean;
  templates?: Array<{ key: string; name: string; title?: string; status?: IncidentStatus; body: string }>;
  hold_down?: string;
  components: ComponentDef[];
  updatedAt: number;
}

/** Fills a message's `{{page}}` and `{{components}}` (names of the affected components). */
export function expandMessage(text: string, page: PageDef, components: string[]): string {
  const names = components.map((k) => page.components.find((c) => c.key === k)?.name ?? k);
  const list =
    names.length <= 1 ? (names[0] ?? 'our services') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return text.replaceAll('{{page}}', page.name).replaceAll('{{components}}', list);
}

export interface ComponentState {
  key: string;
  status: ComponentStatus;
  autoStatus: ComponentStatus | null;
  manualStatus: ComponentStatus | null;
  updatedAt: number;
}

export interface SpUpdate {
  id: string;
  status: string;
  body: string;
  affected: Array<{ code: string; old_status: ComponentStatus; new_status: ComponentStatus }>;
  createdAt: number;
}

export interface SpIncident {
  id: string;
  page: string;
  kind: 'incident' | 'maintenance';
  name: string;
  status: IncidentStatus | MaintenanceStatus;
  impact: Impact;
  incidentId: string | null;
  components: Record<string, ComponentStatus>;
  scheduledFor: number | null;
  scheduledUntil: number | null;
  createdAt: number;
  updatedAt: number;
  monitoringAt: number | null;
  resolvedAt: number | null;
  updates: SpUpdate[];
}

/** What the status page uses of the alerts module's API (`AlertsApi.upcomingWindows`). */
export interface WindowOccurrence {
  key: string;
  title: string;
  description: string | null;
  services: string[];
  start: number;
  end: number;
  announceAt: number;
}
interface AlertsWindows {
  upcomingWindows(from: number, to: number): Promise<WindowOccurrence[]>;
}

/** The page's components that represent any of `services`. */
export function componentsForServices(page: PageDef, services: string[]): string[] {
  return page.components.filter((c) => c.services?.some((s) => services.includes(s))).map((c) => c.key);
}

interface CheckStateReader {
  getState(key: string): Promise<{ state: string } | null>;
}

const isStatus = (s: string): s is ComponentStatus => (COMPONENT_STATUSES as readonly string[]).includes(s);

export class StatusPageService {
  constructor(
    private db: Db,
    private clock: Clock,
    private catalog: CatalogService,
    private timeline: Timeline,
    private audit: AuditLog,
    private modules: ModuleDirectory,
  ) {}

  /** Per page: components under an alerting maintenance window right now (refreshed by step()). */
  private windowMaintenance = new Map<string, Set<string>>();

  private q(tx?: Tx) {
    return tx?.db ?? this.db.kysely;
  }

  async pages(): Promise<PageDef[]> {
    const items = (await this.catalog.list('status_page', { limit: 500 })).items;
    return items.map((o) => ({ key: o.key, ...(o.spec as any), updatedAt: o.updatedAt }));
  }

  /** A page by key; without a key the default page (marked `default`, else the only/first one). */
  async page(key?: string): Promise<PageDef> {
    const pages = await this.pages();
    const p = key ? pages.find((x) => x.key === key) : (pages.find((x) => x.default) ?? pages[0]);
    if (!p) throw notFound('status page', key ?? '(default)');
    return p;
  }

  async componentStates(page: string): Promise<Map<string, ComponentState>> {
    const rows = await this.db.kysely
      .selectFrom('statuspage_components' as any)
      .selectAll()
      .where('page', '=', page)
      .execute();
    return new Map(
      (rows as any[]).map((r) => [
        r.component,
        {
          key: r.component,
          status: r.status,
          autoStatus: r.auto_status,
          manualStatus: r.manual_status,
          updatedAt: Number(r.updated_at),
        },
      ]),
    );
  }

  /** Sets (or with null clears) an operator override that wins over automatic status. */
  async setManual(
    ctx: ActorContext,
    pageKey: string,
    component: string,
    status: ComponentStatus | null,
  ): Promise<void> {
    const page = await this.page(pageKey);
    if (!page.components.some((c) => c.key === component))
      throw notFound('component', `${pageKey}/${component}`);
    if (status !== null && !isStatus(status))
      throw invalid(`unknown status "${status}"; one of ${COMPONENT_STATUSES.join(', ')}`);
    await inTransaction(this.db, async (tx) => {
      await this.upsertComponent(tx, page.key, component, { manual_status: status });
      await this.audit.append(tx, {
        ...ctx,
        action: 'status_page.component_set',
        object: { kind: 'status_page', key: page.key },
        after: { component, manual_status: status },
      });
      await this.recompute(tx, page, ctx.actor);
    });
  }

  private async upsertComponent(tx: Tx, page: string, component: string, set: Record<string, unknown>) {
    const now = this.clock.now();
    const res = await tx.db
      .updateTable('statuspage_components' as any)
      .set({ ...set, updated_at: now } as any)
      .where('page', '=', page)
      .where('component', '=', component)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) {
      await tx.db
        .insertInto('statuspage_components' as any)
        .values({
          page,
          component,
          status: 'operational',
          auto_status: null,
          auto_since: null,
          manual_status: null,
          updated_at: now,
          ...set,
        } as any)
        .execute();
    }
  }

  /** Recomputes every component's effective status of `page`; emits events for changes. */
  private async recompute(tx: Tx, page: PageDef, actor: string): Promise<void> {
    const rows = (await tx.db
      .selectFrom('statuspage_components' as any)
      .selectAll()
      .where('page', '=', page.key)
      .execute()) as any[];
    const byKey = new Map(rows.map((r) => [r.component, r]));
    const open = await this.listIncidents(page.key, { unresolvedOnly: true }, tx);
    const now = this.clock.now();
    const inWindow = this.windowMaintenance.get(page.key);
    for (const c of page.components) {
      const r = byKey.get(c.key);
      let s: ComponentStatus = r?.auto_status ?? 'operational';
      if (inWindow?.has(c.key)) s = worst(s, 'under_maintenance');
      for (const i of open) {
        const st = i.components[c.key];
        if (!st) continue;
        if (i.kind === 'maintenance') {
          if (i.status === 'in_progress' || i.status === 'verifying') s = worst(s, 'under_maintenance');
        } else s = worst(s, st);
      }
      if (r?.manual_status) s = r.manual_status;
      if (!r || r.status !== s) {
        await this.upsertComponent(tx, page.key, c.key, { status: s });
        await this.timeline.append(tx, {
          type: 'statuspage.component_changed',
          subject: { kind: 'status_page', key: page.key },
          actor,
          data: {
            component: c.key,
            name: c.name,
            from: r?.status ?? 'operational',
            to: s,
            at: new Date(now).toISOString(),
          },
        });
      }
    }
  }

  /** Engine step: automatic component status from checks (with hold-down) and maintenance transitions. */
  async step(now: number): Promise<void> {
    const checks = this.modules.find<CheckStateReader>('checks');
    const windows = await this.windows(now, now + 1);
    for (const page of await this.pages()) {
      this.windowMaintenance.set(
        page.key,
        new Set(
          windows
            .filter((w) => w.start <= now && now < w.end)
            .flatMap((w) => componentsForServices(page, w.services)),
        ),
      );
      const holdMs = page.hold_down ? parseDuration(page.hold_down) : 120_000;
      // Read other modules' state before the transaction: on SQLite a transaction holds the one
      // connection, so a query through another module's store inside it would wait forever.
      const observedByComponent = new Map<string, ComponentStatus>();
      for (const c of page.components) {
        if (!c.checks?.length || !checks) continue;
        const states = await Promise.all(c.checks.map((k) => checks.getState(k).then((s) => s?.state)));
        observedByComponent.set(c.key, statusFromChecks(states));
      }
      await inTransaction(this.db, async (tx) => {
        const rows = (await tx.db
          .selectFrom('statuspage_components' as any)
          .selectAll()
          .where('page', '=', page.key)
          .execute()) as any[];
        const byKey = new Map(rows.map((r) => [r.component, r]));
        for (const c of page.components) {
          const observed = observedByComponent.get(c.key);
          if (!observed) continue;
          const r = byKey.get(c.key);
          // auto_since marks when the observed status first differed; it applies after the hold-down.
          if ((r?.auto_status ?? 'operational') === observed) {
            if (r?.auto_since != null) await this.upsertComponent(tx, page.key, c.key, { auto_since: null });
            continue;
          }
          if (r?.auto_since == null) {
            await this.upsertComponent(tx, page.key, c.key, { auto_since: now });
            if (holdMs > 0) continue;
          } else if (now - Number(r.auto_since) < holdMs) continue;
          await this.upsertComponent(tx, page.key, c.key, { auto_status: observed, auto_since: null });
        }
        // Maintenance: scheduled → in_progress at its start, → completed at its end.
        for (const m of await this.listIncidents(page.key, { unresolvedOnly: true }, tx)) {
          if (m.kind !== 'maintenance') continue;
          if (m.status === 'scheduled' && m.scheduledFor !== null && now >= m.scheduledFor) {
            await this.addUpdate(tx, m, 'system', {
              status: 'in_progress',
              body: 'Scheduled maintenance is in progress.',
            });
          } else if (
            (m.status === 'in_progress' || m.status === 'verifying') &&
            m.scheduledUntil !== null &&
            now >= m.scheduledUntil
          ) {
            await this.addUpdate(tx, m, 'system', {
              status: 'completed',
              body: 'Scheduled maintenance has been completed.',
            });
          }
        }
        await this.recompute(tx, page, 'system');
      });
    }
  }

  /**
   * The alerting module's maintenance window occurrences overlapping [from, to) (through its public
   * module API); empty when the alerts module is not loaded.
   */
  async windows(from: number, to: number): Promise<WindowOccurrence[]> {
    const alerts = this.modules.find<AlertsWindows>('alerts');
    if (!alerts) return [];
    return alerts.upcomingWindows(from, to);
  }

  async createIncident(
    ctx: ActorContext,
    pageKey: string,
    input: {
      name: string;
      status?: IncidentStatus;
      body: string;
      components?: Record<string, ComponentStatus>;
      impact?: Impact;
      incident_id?: string;
    },
  ): Promise<SpIncident> {
    const page = await this.page(pageKey);
    const components = this.checkComponents(page, input.components ?? {});
    const status = input.status ?? 'investigating';
    if (!(INCIDENT_STATUSES as readonly string[]).includes(status))
      throw invalid(`unknown incident status "${status}"`);
    let incidentId: string | null = null;
    if (input.incident_id) {
      const incidents = this.modules.find<{ get(id: string): Promise<{ id: string }> }>('incidents');
      if (!incidents) throw invalid('incident links need the incidents module');
      incidentId = (await incidents.get(input.incident_id)).id;
    }
    const id = newId(this.clock);
    const name = expandMessage(input.name, page, Object.keys(components));
    const body = expandMessage(input.body, page, Object.keys(components));
    await inTransaction(this.db, async (tx) => {
      // Audit before timeline (both take advisory locks on PostgreSQL; one order everywhere).
      await this.audit.append(tx, {
        ...ctx,
        action: 'status_page.incident_create',
        object: { kind: 'status_page_incident', key: id },
        after: input,
      });
      const now = this.clock.now();
      await tx.db
        .insertInto('statuspage_incidents' as any)
        .values({
          id,
          page: page.key,
          kind: 'incident',
          name,
          status: 'investigating',
          impact: input.impact ?? impactOf(Object.values(components)),
          incident_id: incidentId,
          components: '{}',
          scheduled_for: null,
          scheduled_until: null,
          created_at: now,
          updated_at: now,
          monitoring_at: null,
          resolved_at: null,
        } as any)
        .execute();
      const created = (await this.getIncident(id, tx))!;
      await this.addUpdate(tx, created, ctx.actor, { status, body, components });
      await this.recompute(tx, page, ctx.actor);
    });
    return (await this.getIncident(id))!;
  }

  async updateIncident(
    ctx: ActorContext,
    id: string,
    input: { status?: string; body: string; components?: Record<string, ComponentStatus> },
  ): Promise<SpIncident> {
    const inc = await this.getIncident(id);
    if (!inc) throw notFound('status page incident', id);
    if (inc.resolvedAt !== null)
      throw conflict(`"${inc.name}" is already ${inc.status}; open a new incident instead`);
    const page = await this.page(inc.page);
    const components = this.checkComponents(page, input.components ?? {});
    const allowed: readonly string[] =
      inc.kind === 'maintenance' ? ['scheduled', 'in_progress', 'verifying', 'completed'] : INCIDENT_STATUSES;
    const status = input.status ?? inc.status;
    if (!allowed.includes(status)) throw invalid(`unknown status "${status}"; one of ${allowed.join(', ')}`);
    await inTransaction(this.db, async (tx) => {
      // Audit before timeline (both take advisory locks on PostgreSQL; one order everywhere).
      await this.audit.append(tx, {
        ...ctx,
        action: 'status_page.incident_update',
        object: { kind: 'status_page_incident', key: id },
        after: input,
      });
      const body = expandMessage(input.body, page, Object.keys({ ...inc.components, ...components }));
      await this.addUpdate(tx, inc, ctx.actor, { status, body, components });
      await this.recompute(tx, page, ctx.actor);
    });
    return (await this.getIncident(id))!;
  }

  async scheduleMaintenance(
    ctx: ActorContext,
    pageKey: string,
    input: {
      name: string;
      body: string;
      scheduled_for: number;
      scheduled_until: number;
      components: string[];
    },
  ): Promise<SpIncident> {
    const page = await this.page(pageKey);
    if (!(input.scheduled_until > input.scheduled_for))
      throw invalid('the maintenance must end after it starts');
    const components = this.checkComponents(
      page,
      Object.fromEntries(input.components.map((c) => [c, 'under_maintenance' as const])),
    );
    const id = newId(this.clock);
    await inTransaction(this.db, async (tx) => {
      // Audit before timeline (both take advisory locks on PostgreSQL; one order everywhere).
      await this.audit.append(tx, {
        ...ctx,
        action: 'status_page.maintenance_schedule',
        object: { kind: 'status_page_incident', key: id },
        after: input,
      });
      const now = this.clock.now();
      await tx.db
        .insertInto('statuspage_incidents' as any)
        .values({
          id,
          page: page.key,
          kind: 'maintenance',
          name: input.name,
          status: 'scheduled',
          impact: 'maintenance',
          incident_id: null,
          components: JSON.stringify(components),
          scheduled_for: input.scheduled_for,
          scheduled_until: input.scheduled_until,
          created_at: now,
          updated_at: now,
          monitoring_at: null,
          resolved_at: null,
        } as any)
        .execute();
      await tx.db
        .insertInto('statuspage_updates' as any)
        .values({
          id: newId(this.clock),
          sp_incident: id,
          status: 'scheduled',
          body: input.body,
          affected: '[]',
          created_at: now,
        } as any)
        .execute();
      await this.timeline.append(tx, {
        type: 'statuspage.maintenance_scheduled',
        subject: { kind: 'status_page', key: page.key },
        actor: ctx.actor,
        data: {
          id,
          name: input.name,
          scheduled_for: new Date(input.scheduled_for).toISOString(),
          scheduled_until: new Date(input.scheduled_until).toISOString(),
        },
      });
    });
    return (await this.getIncident(id))!;
  }

  private checkComponents(page: PageDef, c: Record<string, string>): Record<string, ComponentStatus> {
    for (const [k, s] of Object.entries(c)) {
      if (!page.components.some((x) => x.key === k)) {
        throw invalid(
          `page "${page.key}" has no component "${k}" (components: ${page.components.map((x) => x.key).join(', ')})`,
          { errors: [{ path: 'body.components', message: `unknown component "${k}"` }] },
        );
      }
      if (!isStatus(s))
        throw invalid(`unknown component status "${s}"; one of ${COMPONENT_STATUSES.join(', ')}`);
    }
    return c as Record<string, ComponentStatus>;
  }

  private async addUpdate(
    tx: Tx,
    inc: SpIncident,
    actor: string,
    u: { status: string; body: string; components?: Record<string, ComponentStatus> },
  ): Promise<void> {
    const now = this.clock.now();
    const done = u.status === 'resolved' || u.status === 'completed';
    const next: Record<string, ComponentStatus> = { ...inc.components, ...(u.components ?? {}) };
    // Resolving puts the incident's components back to operational unless told otherwise.
    if (done && inc.kind === 'incident')
      for (const k of Object.keys(next)) if (!u.components?.[k]) next[k] = 'operational';
    const affected = Object.entries(next)
      .filter(([k, s]) => (inc.components[k] ?? 'operational') !== s)
      .map(([code, s]) => ({ code, old_status: inc.components[code] ?? 'operational', new_status: s }));
    await tx.db
      .insertInto('statuspage_updates' as any)
      .values({
        id: newId(this.clock),
        sp_incident: inc.id,
        status: u.status,
        body: u.body,
        affected: JSON.stringify(affected),
        created_at: now,
      } as any)
      .execute();
    await tx.db
      .updateTable('statuspage_incidents' as any)
      .set({
        status: u.status,
        components: JSON.stringify(next),
        // An incident's impact is its peak: it never drops while the incident runs.
        impact:
          inc.kind === 'maintenance' ? 'maintenance' : worstImpact(inc.impact, impactOf(Object.values(next))),
        updated_at: now,
        monitoring_at: u.status === 'monitoring' && inc.monitoringAt === null ? now : inc.monitoringAt,
        resolved_at: done ? now : null,
      } as any)
      .where('id', '=', inc.id)
      .execute();
    const data = {
      id: inc.id,
      name: inc.name,
      kind: inc.kind,
      status: u.status,
      body: u.body,
      affected,
      incident_id: inc.incidentId,
    };
    await this.timeline.append(tx, {
      type: `statuspage.${inc.kind}_updated`,
      subject: { kind: 'status_page', key: inc.page },
      actor,
      data,
    });
    if (inc.incidentId) {
      // The public update also lands on the Vigil incident's timeline.
      await this.timeline.append(tx, {
        type: 'statuspage.published',
        subject: { kind: 'incident', key: inc.incidentId },
        actor,
        data: { ...data, page: inc.page },
      });
    }
  }

  async getIncident(id: string, tx?: Tx): Promise<SpIncident | undefined> {
    const r = (await this.q(tx)
      .selectFrom('statuspage_incidents' as any)
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()) as any;
    return r ? (await this.withUpdates([r], tx))[0] : undefined;
  }

  /** Months (`YYYY-MM`, UTC) in which incidents or maintenance of `page` were created. */
  async incidentMonths(page: string): Promise<string[]> {
    const rows = (await this.db.kysely
      .selectFrom('statuspage_incidents' as any)
      .select('created_at')
      .where('page', '=', page)
      .execute()) as Array<{ created_at: unknown }>;
    const months = new Set(rows.map((r) => new Date(Number(r.created_at)).toISOString().slice(0, 7)));
    return [...months].sort().reverse();
  }

  async listIncidents(
    page: string,
    f: {
      unresolvedOnly?: boolean;
      kind?: 'incident' | 'maintenance';
      limit?: number;
      from?: number;
      to?: number;
      resolvedOnly?: boolean;
      /** Keyset cursor: items created before this one (newest first). */
      before?: { at: number; id: string };
    } = {},
    tx?: Tx,
  ): Promise<SpIncident[]> {
    let q = this.q(tx)
      .selectFrom('statuspage_incidents' as any)
      .selectAll()
      .where('page', '=', page)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc');
    if (f.unresolvedOnly) q = q.where('resolved_at', 'is', null);
    if (f.resolvedOnly) q = q.where('resolved_at', 'is not', null);
    if (f.before) {
      const b = f.before;
      q = q.where((eb: any) =>
        eb.or([eb('created_at', '<', b.at), eb.and([eb('created_at', '=', b.at), eb('id', '<', b.id)])]),
      );
    }
    if (f.kind) q = q.where('kind', '=', f.kind);
    if (f.from !== undefined) q = q.where('created_at', '>=', f.from);
    if (f.to !== undefined) q = q.where('created_at', '<', f.to);
    if (f.limit) q = q.limit(f.limit);
    return this.withUpdates((await q.execute()) as any[], tx);
  }

  private async withUpdates(rows: any[], tx?: Tx): Promise<SpIncident[]> {
    if (rows.length === 0) return [];
    const ups = (await this.q(tx)
      .selectFrom('statuspage_updates' as any)
      .selectAll()
      .where(
        'sp_incident',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc') // ULIDs: stable order for updates made at the same instant
      .execute()) as any[];
    const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return rows.map((r) => ({
      id: r.id,
      page: r.page,
      kind: r.kind,
      name: r.name,
      status: r.status,
      impact: r.impact,
      incidentId: r.incident_id,
      components: JSON.parse(r.components),
      scheduledFor: n(r.scheduled_for),
      scheduledUntil: n(r.scheduled_until),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      monitoringAt: n(r.monitoring_at),
      resolvedAt: n(r.resolved_at),
      updates: ups
        .filter((u) => u.sp_incident === r.id)
        .map((u) => ({
          id: u.id,
          status: u.status,
          body: u.body,
          affected: JSON.parse(u.affected),
          createdAt: Number(u.created_at),
        })),
    }));
  }
}

const IMPACTS: Impact[] = ['none', 'maintenance', 'minor', 'major', 'critical'];
function worstImpact(a: Impact, b: Impact): Impact {
  return IMPACTS.indexOf(b) > IMPACTS.indexOf(a) ? b : a;
}
