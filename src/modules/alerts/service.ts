/**
 * The alerts service: idempotent ingestion into the alert store, routing of pending alerts into
 * aggregation groups, group flushes with Alertmanager's group_wait / group_interval /
 * repeat_interval, suppression (maintenance, inhibition, silences) and the incidents hand-off.
 */
import type { Logger } from 'pino';
import type { Db } from '../../db/db.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { TimerStore } from '../../engines/timers.ts';
import type { Clock } from '../../kernel/clock.ts';
import { newId } from '../../kernel/ids.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { ModuleDirectory } from '../module.ts';
import type { DomainEvent, Timeline } from '../timeline/timeline.ts';
import type { WindowCalendar } from './calendar.ts';
import { hash16, type IncomingAlert } from './ingest.ts';
import type { CompiledRoute, IncidentConfig, RouteSpec } from './routing.ts';
import { compileRoute, groupOf, indexRoutes, matchRoutes } from './routing.ts';
import type { SilenceService } from './silences.ts';
import {
  type AlertRow,
  adb,
  type StoredAlert,
  toAlert,
  type UpsertItem,
  type UpsertOutcome,
  upsertAlerts,
} from './store.ts';
import { compileInhibit, type InhibitInfo, judge, type Snapshot } from './suppress.ts';

export const GROUP_TIMER = 'alerts.group';

/** The slice of the incidents api this module uses. */
export interface IncidentsPort {
  open(
    input: {
      title: string;
      severity: string;
      service: string;
      summary?: string;
      dedupKey?: string;
      source?: { kind: string; key: string };
      alert?: { key: string; title?: string };
      escalationPolicy?: string;
    },
    actor: string,
  ): Promise<{ incident: { id: string; humanId: string }; outcome: string }>;
  attachAlert(id: string, alert: { key: string; title?: string }, actor?: string): Promise<void>;
  alertResolved(alertKey: string, actor?: string): Promise<string[]>;
}

export interface AlertsDeps {
  db: Db;
  clock: Clock;
  timeline: Timeline;
  timers: TimerStore;
  catalog: CatalogService;
  modules: ModuleDirectory;
  instanceId: string;
  logger: Logger;
  silences: SilenceService;
  calendar: WindowCalendar;
}

interface RoutingConfig {
  root: CompiledRoute;
  index: Map<string, CompiledRoute>;
  inhibit: InhibitInfo[];
}

const ACTOR = 'system:alerts';

export class AlertsService {
  constructor(private deps: AlertsDeps) {}

  now(): number {
    return this.deps.clock.now();
  }

  /** A fresh dedup key (Events v2 triggers without one). */
  newKey(): string {
    return newId(this.deps.clock);
  }

  /** Fingerprint of an alert from `integration` (rule alerts keep the rule engine's). */
  fingerprintOf(integration: string | null, externalKey: string): string {
    return integration ? hash16(`${integration}\u0000${externalKey}`) : externalKey;
  }

  /**
   * Stores alerts (durable when this resolves); duplicates change nothing. Concurrent calls are
   * group-committed: requests that arrive while a transaction runs share the next one.
   */
  ingest(source: string, integration: string | null, alerts: IncomingAlert[]): Promise<UpsertOutcome[]> {
    if (alerts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ source, integration, alerts, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private queue: Array<{
    source: string;
    integration: string | null;
    alerts: IncomingAlert[];
    resolve: (o: UpsertOutcome[]) => void;
    reject: (e: unknown) => void;
  }> = [];
  private draining = false;

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      // Let the requests already read in this event-loop turn join the first batch: on SQLite a
      // transaction runs synchronously, so without this yield no two requests would share one.
      // (An I/O-phase yield, not a timer: no clock involved.)
      await new Promise<void>((r) => setImmediate(r));
      while (this.queue.length) {
        const batch = this.queue.splice(0, 500);
        try {
          const results = await this.write(batch);
          batch.forEach((b, i) => {
            b.resolve(results[i]);
          });
          this.onIngested?.();
        } catch {
          // One bad request must not fail its neighbours: retry each on its own.
          for (const b of batch) await this.write([b]).then((r) => b.resolve(r[0]), b.reject);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private write(
    batch: Array<{ source: string; integration: string | null; alerts: IncomingAlert[] }>,
  ): Promise<UpsertOutcome[][]> {
    const now = this.deps.clock.now();
    return inTransaction(this.deps.db, async (tx) => {
      // All requests of the batch in one read and one multi-row write, in arrival order.
      const items = batch.flatMap((b) =>
        b.alerts.map((alert) => ({
          fingerprint: this.fingerprintOf(b.integration, alert.externalKey),
          source: b.source,
          integration: b.integration,
          alert,
        })),
      );
      const outcomes = await upsertAlerts(adb(tx), items, now);
      const out: UpsertOutcome[][] = [];
      let i = 0;
      for (const b of batch) {
        out.push(outcomes.slice(i, i + b.alerts.length));
        i += b.alerts.length;
      }
      return out;
    });
  }

  /** Handles `alert.firing` / `alert.resolved` events of the rule engine (inside the consumer's tx). */
  async ingestRuleEvents(tx: Tx, events: DomainEvent[]): Promise<void> {
    const now = this.deps.clock.now();
    const items: UpsertItem[] = [];
    for (const e of events) {
      const d = e.data as Record<string, any>;
      const fp = String(d.fingerprint ?? e.subject.key);
      const t = (v: unknown) =>
        typeof v === 'string' && Number.isFinite(Date.parse(v)) ? Date.parse(v) : null;
      const resolved = e.type === 'alert.resolved';
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(d.labels ?? {})) labels[k] = String(v);
      const annotations: Record<string, string> = {};
      for (const [k, v] of Object.entries(d.annotations ?? {})) annotations[k] = String(v);
      items.push({
        fingerprint: fp,
        source: 'rules',
        integration: null,
        alert: {
          externalKey: fp,
          state: resolved ? 'resolved' : 'firing',
          labels,
          annotations,
          startsAt: t(d.starts_at) ?? e.at,
          endsAt: resolved ? (t(d.ends_at) ?? e.at) : null,
          generatorUrl: typeof d.generator_url === 'string' ? d.generator_url : null,
          value: typeof d.value === 'number' ? d.value : null,
        },
      });
    }
    await upsertAlerts(adb(tx), items, now);
  }

  /** The compiled route tree and inhibit rules (defaults when no `alert_routing` object exists). */
  async routing(): Promise<RoutingConfig> {
    let spec: { route: RouteSpec; inhibit_rules?: any[] } = { route: {} };
    try {
      spec = (await this.deps.catalog.get('alert_routing', 'default')).spec as typeof spec;
    } catch {
      // No routing configured: everything goes to the root route with Alertmanager's defaults.
    }
    const root = compileRoute(spec.route ?? {});
    return { root, index: indexRoutes(root), inhibit: compileInhibit(spec.inhibit_rules ?? []) };
  }

  /** A suppression snapshot at `now`. */
  async snapshot(now: number, cfg: RoutingConfig): Promise<Snapshot> {
    const firing = await this.deps.db.kysely
      .selectFrom('alerts_alerts' as any)
      .select(['fingerprint', 'labels'])
      .where('state', '=', 'firing')
      .execute();
    return {
      now,
      silences: await this.deps.silences.activeAt(now),
      windows: await this.deps.calendar.windows(),
      inhibit: cfg.inhibit,
      firing: (firing as Array<{ fingerprint: string; labels: string }>).map((f) => ({
        fingerprint: f.fingerprint,
        labels: JSON.parse(f.labels),
      })),
    };
  }

  /** Routes pending alerts into groups (creating groups and their first timer). */
  /** Told after a batch of inbound alerts has committed (wakes the router). */
  onIngested: (() => void) | null = null;

  async routePending(now: number, limit = 500): Promise<{ more: boolean; groupDueAt?: number }> {
    const cfg = await this.routing();
    const rows = (await this.deps.db.kysely
      .selectFrom('alerts_alerts' as any)
      .selectAll()
      .where('pending', '=', 1)
      .limit(limit)
      .execute()) as AlertRow[];
    if (rows.length === 0) return { more: false };
    const snap = await this.snapshot(now, cfg);
    let groupDueAt = Number.POSITIVE_INFINITY;
    await inTransaction(this.deps.db, async (tx) => {
      const k = adb(tx);
      for (const r of rows) {
        const a = toAlert(r);
        const routes = matchRoutes(cfg.root, a.labels);
        for (const route of routes) {
          const g = groupOf(route, a.labels);
          const id = hash16(`${route.id}\u0000${g.key}`);
          const exists = await k
            .selectFrom('alerts_groups')
            .select('id')
            .where('id', '=', id)
            .executeTakeFirst();
          if (!exists) {
            if (a.state === 'resolved') continue; // nothing to tell about a group that never fired
            await k
              .insertInto('alerts_groups')
              .values({
                id,
                route_id: route.id,
                group_key: g.key,
                group_labels: JSON.stringify(g.labels),
                incident_id: null,
                last_notified_at: null,
                last_notified_hash: null,
                notifications: 0,
                created_at: now,
                updated_at: now,
              })
              .execute();
            await this.deps.timers.schedule(tx, { kind: GROUP_TIMER, key: id, dueAt: now + route.groupWait });
            groupDueAt = Math.min(groupDueAt, now + route.groupWait);
          }
          const member = await k
            .selectFrom('alerts_group_members')
            .select('fingerprint')
            .where('group_id', '=', id)
            .where('fingerprint', '=', a.fingerprint)
            .executeTakeFirst();
          if (!member) {
            await k
              .insertInto('alerts_group_members')
              .values({ group_id: id, fingerprint: a.fingerprint, added_at: now, linked: 0 })
              .execute();
          }
        }
        const v =
          a.state === 'firing' ? judge(snap, a.fingerprint, a.labels) : { status: 'resolved', reason: null };
        await k
          .updateTable('alerts_alerts')
          .set({
            pending: 0,
            routes: JSON.stringify(routes.map((x) => x.id)),
            status: v.status,
            reason: v.reason ? JSON.stringify(v.reason) : null,
          })
          .where('fingerprint', '=', a.fingerprint)
          .where('updated_at', '=', r.updated_at)
          .execute();
        await this.deps.timeline.append(tx, {
          type: a.state === 'firing' ? 'alert.routed' : 'alert.closed',
          subject: { kind: 'alert', key: a.fingerprint },
          actor: ACTOR,
          data: { routes: routes.map((x) => x.id), status: v.status, reason: v.reason, source: a.source },
        });
      }
    });
    return {
      more: rows.length === limit,
      ...(Number.isFinite(groupDueAt) ? { groupDueAt } : {}),
    };
  }

  /** Flushes every due group; returns the next due time. */
  async flushDue(): Promise<{ more: boolean; nextDueAt: number | null }> {
    const due = await this.deps.timers.claimDue(GROUP_TIMER, this.deps.instanceId, 50);
    if (due.length) {
      const cfg = await this.routing();
      const snap = await this.snapshot(this.deps.clock.now(), cfg);
      for (const t of due) {
        try {
          await this.flushGroup(t.id, t.key, cfg, snap);
        } catch (err) {
          this.deps.logger.error({ err, group: t.key }, 'alert group flush failed');
          await this.deps.timers.release(t.id, this.deps.instanceId, this.deps.clock.now() + 30_000);
        }
      }
    }
    return { more: due.length === 50, nextDueAt: await this.deps.timers.nextDue(GROUP_TIMER) };
  }

  private async flushGroup(
    timerId: string,
    groupId: string,
    cfg: RoutingConfig,
    snap: Snapshot,
  ): Promise<void> {
    const now = this.deps.clock.now();
    const k0 = this.deps.db.kysely as unknown as ReturnType<typeof adb>;
    const group = await k0
      .selectFrom('alerts_groups')
      .selectAll()
      .where('id', '=', groupId)
      .executeTakeFirst();
    const route = group ? cfg.index.get(group.route_id) : undefined;
    const members = group
      ? await k0.selectFrom('alerts_group_members').selectAll().where('group_id', '=', groupId).execute()
      : [];
    const rows = members.length
      ? await k0
          .selectFrom('alerts_alerts')
          .selectAll()
          .where(
            'fingerprint',
            'in',
            members.map((m) => m.fingerprint),
          )
          .execute()
      : [];
    const alerts = rows.map(toAlert);
    if (!group || !route) {
      // The route is gone (routing changed): drop the group and let its alerts re-route.
      await inTransaction(this.deps.db, async (tx) => {
        const k = adb(tx);
        await k.deleteFrom('alerts_groups').where('id', '=', groupId).execute();
        await k.deleteFrom('alerts_group_members').where('group_id', '=', groupId).execute();
        if (alerts.length) {
          await k
            .updateTable('alerts_alerts')
            .set({ pending: 1 })
            .where(
              'fingerprint',
              'in',
              alerts.map((a) => a.fingerprint),
            )
            .where('state', '=', 'firing')
            .execute();
        }
        await this.deps.timers.complete(tx, timerId, this.deps.instanceId);
      });
      return;
    }
    const verdicts = new Map(
      alerts
        .filter((a) => a.state === 'firing')
        .map((a) => [a.fingerprint, judge(snap, a.fingerprint, a.labels)]),
    );
    const firing = alerts
      .filter((a) => verdicts.get(a.fingerprint)?.status === 'active')
      .sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
    const resolved = alerts.filter((a) => a.state === 'resolved');
    const hash = firing.map((a) => a.fingerprint).join(',');
    const lastAt = group.last_notified_at == null ? null : Number(group.last_notified_at);
    const changed = hash !== (group.last_notified_hash ?? '');
    const repeatDue = lastAt !== null && now - lastAt >= route.repeatInterval;
    const notify = (firing.length > 0 && (changed || repeatDue)) || (firing.length === 0 && changed);
    let incidentId = group.incident_id;
    let incidentError: string | null = null;
    const linked = new Set(members.filter((m) => Number(m.linked) === 1).map((m) => m.fingerprint));
    if (notify && route.incident?.open && firing.length > 0) {
      try {
        incidentId = await this.handOff(route, group.group_key, firing, linked);
      } catch (err) {
        incidentError = (err as Error).message;
        this.deps.logger.warn({ err, group: groupId }, 'could not open an incident for an alert group');
      }
    }
    if (notify && route.incident?.open) {
      const port = this.deps.modules.find<IncidentsPort>('incidents');
      for (const a of resolved)
        if (linked.has(a.fingerprint)) await port?.alertResolved(a.fingerprint, ACTOR);
    }
    await inTransaction(this.deps.db, async (tx) => {
      const k = adb(tx);
      for (const a of alerts) {
        const v = verdicts.get(a.fingerprint);
        if (!v || v.status === a.status) continue;
        await k
          .updateTable('alerts_alerts')
          .set({ status: v.status, reason: v.reason ? JSON.stringify(v.reason) : null })
          .where('fingerprint', '=', a.fingerprint)
          .execute();
        await this.deps.timeline.append(tx, {
          type: 'alert.status_changed',
          subject: { kind: 'alert', key: a.fingerprint },
          actor: ACTOR,
          data: { from: a.status, to: v.status, reason: v.reason },
        });
      }
      if (linked.size || firing.length) {
        for (const a of firing) {
          if (incidentId && !linked.has(a.fingerprint) && route.incident?.open && !incidentError) {
            await k
              .updateTable('alerts_group_members')
              .set({ linked: 1 })
              .where('group_id', '=', groupId)
              .where('fingerprint', '=', a.fingerprint)
              .execute();
          }
        }
      }
      if (notify) {
        await this.deps.timeline.append(tx, {
          type: 'alert_group.notified',
          subject: { kind: 'alert_group', key: groupId },
          actor: ACTOR,
          data: {
            route: route.id,
            group_key: group.group_key,
            group_labels: JSON.parse(group.group_labels),
            target: route.target,
            firing: firing.map((a) => a.fingerprint),
            resolved: resolved.map((a) => a.fingerprint),
            repeat: !changed,
            incident_id: incidentId,
            ...(incidentError ? { incident_error: incidentError } : {}),
            // Enough for a channel message without reading this module's tables.
            alerts: firing.slice(0, 50).map((a) => ({
              fingerprint: a.fingerprint,
              labels: a.labels,
              ...(a.annotations.summary ? { summary: a.annotations.summary } : {}),
              ...(a.annotations.runbook_url ? { runbook_url: a.annotations.runbook_url } : {}),
            })),
          },
        });
      }
      // Resolved alerts leave the group once reported; an empty group ends.
      // With nothing firing, resolved alerts that were never reported leave silently too.
      const gone = notify || firing.length === 0 ? resolved.map((a) => a.fingerprint) : [];
      if (gone.length)
        await k
          .deleteFrom('alerts_group_members')
          .where('group_id', '=', groupId)
          .where('fingerprint', 'in', gone)
          .execute();
      const left = alerts.length - gone.length;
      await this.deps.timers.complete(tx, timerId, this.deps.instanceId);
      if (left === 0) {
        await k.deleteFrom('alerts_groups').where('id', '=', groupId).execute();
        return;
      }
      await k
        .updateTable('alerts_groups')
        .set({
          incident_id: incidentId,
          updated_at: now,
          ...(notify
            ? {
                last_notified_at: now,
                last_notified_hash: hash,
                notifications: Number(group.notifications) + 1,
              }
            : {}),
        })
        .where('id', '=', groupId)
        .execute();
      await this.deps.timers.schedule(tx, {
        kind: GROUP_TIMER,
        key: groupId,
        dueAt: now + route.groupInterval,
      });
    });
  }

  /** Opens (or attaches to) the group's incident and links its firing alerts; returns its id. */
  private async handOff(
    route: CompiledRoute,
    groupKey: string,
    firing: StoredAlert[],
    linked: Set<string>,
  ): Promise<string> {
    const port = this.deps.modules.find<IncidentsPort>('incidents');
    if (!port) throw new Error('the incidents module is not loaded');
    const cfg = route.incident as IncidentConfig;
    const first = firing[0];
    const severity = await this.severityOf(cfg, first.labels);
    const service = first.labels[cfg.service_label ?? 'service'];
    if (!service)
      throw new Error(
        `alert has no "${cfg.service_label ?? 'service'}" label to name the incident's service`,
      );
    const title =
      (first.annotations.summary ?? first.labels.alertname ?? 'Alert').slice(0, 200) +
      (firing.length > 1 ? ` (+${firing.length - 1})` : '');
    const res = await port.open(
      {
        title,
        severity,
        service,
        summary: first.annotations.description,
        dedupKey: `alerts:${route.id}:${groupKey}`,
        source: { kind: 'alert_group', key: hash16(`${route.id}\u0000${groupKey}`) },
        alert: { key: first.fingerprint, title: first.labels.alertname },
        ...(route.target?.escalation_policy ? { escalationPolicy: route.target.escalation_policy } : {}),
      },
      ACTOR,
    );
    for (const a of firing.slice(1)) {
      if (!linked.has(a.fingerprint))
        await port.attachAlert(res.incident.id, { key: a.fingerprint, title: a.labels.alertname }, ACTOR);
    }
    return res.incident.id;
  }

  private async severityOf(cfg: IncidentConfig, labels: Record<string, string>): Promise<string> {
    const raw = labels[cfg.severity_from ?? 'severity'];
    const candidates = [
      raw !== undefined ? (cfg.severity_map?.[raw] ?? raw) : undefined,
      cfg.default_severity,
    ];
    for (const c of candidates) {
      if (!c) continue;
      try {
        await this.deps.catalog.get('severity', c);
        return c;
      } catch {
        // not a severity key: try the next candidate
      }
    }
    if (cfg.implicit) {
      const ladder = (await this.deps.catalog.list('severity', { limit: 500 })).items;
      const least = ladder.sort((a, b) => Number(b.spec.rank ?? 0) - Number(a.spec.rank ?? 0))[0];
      if (least) return least.key;
    }
    throw new Error(`no severity for label value "${raw}" (add severity_map or default_severity)`);
  }
}
