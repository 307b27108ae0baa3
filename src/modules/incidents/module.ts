/**
 * The incidents module: incident lifecycle with human ids, dedup and re-open, response targets
 * from the severity ladder, roles, timeline, postmortems with action items, and MTTA/MTTR
 * reports. See docs/incidents.md.
 */
import { defineModule } from '../module.ts';
import { buildApi, type IncidentsApi } from './api.ts';
import type { Deps } from './context.ts';
import { IncidentTimersEngine } from './engine.ts';
import './kinds.ts';
import * as m1 from './migrations/202611251110-incidents-core.ts';
import * as m2 from './migrations/202611251400-incidents-escalation-policy.ts';
import { PostmortemService } from './postmortems.ts';
import { ReportService } from './report-service.ts';
import { incidentRoutes } from './routes.ts';
import { IncidentService } from './service.ts';

export type { IncidentsApi } from './api.ts';

export default defineModule<IncidentsApi>({
  name: 'incidents',
  migrations: {
    '202611251110-incidents-core': m1,
    '202611251400-incidents-escalation-policy': m2,
  },
  create(ctx) {
    const deps: Deps = {
      db: ctx.db,
      clock: ctx.clock,
      timeline: ctx.timeline,
      timers: ctx.timers,
      catalog: ctx.catalog,
      audit: ctx.audit,
      baseUrl: ctx.settings.baseUrl,
    };
    const incidents = new IncidentService(deps);
    const postmortems = new PostmortemService(deps);
    incidents.onResolved = (tx, inc, cfg) => postmortems.onResolved(tx, inc, cfg);
    const reports = new ReportService(deps);
    return {
      routes: incidentRoutes({ incidents, postmortems, reports }),
      engines: [new IncidentTimersEngine(ctx.db, ctx.timers, ctx.instanceId, incidents, postmortems)],
      api: buildApi(incidents, postmortems),
    };
  },
});
