/**
 * The alerts module: inbound alerts from rules, Alertmanager, Grafana, Events v2 and webhooks,
 * deduplicated by fingerprint; routing and grouping with Alertmanager semantics; inhibition,
 * silences and maintenance windows; and the hand-off to incidents. See docs/alerts.md.
 */
import { defineModule } from '../module.ts';
import { WindowCalendar, type WindowOccurrence } from './calendar.ts';
import { AlertGroupsEngine, AlertRouterEngine } from './engines.ts';
import { ingestRoutes } from './ingest-routes.ts';
import { IntegrationKeys } from './integrations.ts';
import './kinds.ts';
import * as m1 from './migrations/202611251140-alerts-core.ts';
import './plan-section.ts';
import { type AlertFilter, AlertQueries } from './queries.ts';
import { alertRoutes } from './routes.ts';
import { AlertsService } from './service.ts';
import { SilenceService } from './silences.ts';
import type { StoredAlert } from './store.ts';

/** What other modules (status page, reports, on-call handoff) may call. */
export interface AlertsApi {
  /** Maintenance window occurrences in progress at `at`. */
  activeWindows(at: number): Promise<WindowOccurrence[]>;
  /** Occurrences overlapping [from, to), by start (each with its announce time). */
  upcomingWindows(from: number, to: number): Promise<WindowOccurrence[]>;
  /** Alerts in the store (for reports such as alert fatigue). */
  listAlerts(filter?: AlertFilter): Promise<StoredAlert[]>;
}

export default defineModule<AlertsApi>({
  name: 'alerts',
  dependsOn: ['incidents'],
  migrations: { '202611251140-alerts-core': m1 },
  create(ctx) {
    const silences = new SilenceService(ctx.db, ctx.clock, ctx.timeline, ctx.audit);
    const calendar = new WindowCalendar(ctx.catalog);
    const service = new AlertsService({
      db: ctx.db,
      clock: ctx.clock,
      timeline: ctx.timeline,
      timers: ctx.timers,
      catalog: ctx.catalog,
      modules: ctx.modules,
      instanceId: ctx.instanceId,
      logger: ctx.logger,
      silences,
      calendar,
    });
    const groups = new AlertGroupsEngine(service, ctx.clock);
    const keys = new IntegrationKeys(ctx.db, ctx.clock, ctx.catalog);
    const queries = new AlertQueries(ctx.db, ctx.timeline);
    const api = alertRoutes({ queries, silences, calendar, keys, now: () => ctx.clock.now() });
    const inbound = ingestRoutes(service, keys);
    return {
      routes: async (app) => {
        await app.register(api);
        await app.register(inbound);
      },
      engines: [new AlertRouterEngine(ctx.timeline, service, groups), groups],
      api: {
        activeWindows: (at) => calendar.activeWindows(at),
        upcomingWindows: (from, to) => calendar.upcomingWindows(from, to),
        listAlerts: (f) => queries.list(f),
      },
    };
  },
});
