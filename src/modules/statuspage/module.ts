/**
 * The status page module. Public reads come from a per-page cache rebuilt when something on the
 * page changes (timeline events) or its uptime data ages (60 s), never per request, so the page
 * keeps answering quickly while Vigil is busy.
 */
import { defineModule } from '../module.ts';
import './kinds.ts';
import './plan-section.ts';
import * as m1 from './migrations/202611251200-statuspage-tables.ts';
import * as m2 from './migrations/202611251300-statuspage-subscribers.ts';
import { PageRenderer } from './render.ts';
import { statusPageRoutes } from './routes.ts';
import { StatusPageService } from './service.ts';
import { setupSubscribers, withSubscriberRoutes } from './subscribers.ts';

export interface StatusPageApi {
  service: StatusPageService;
}

export default defineModule<StatusPageApi>({
  name: 'statuspage',
  dependsOn: ['checks', 'incidents'],
  migrations: {
    '202611251200-statuspage-tables': m1,
    '202611251300-statuspage-subscribers': m2, // subscribers
  },
  async create(ctx) {
    const svc = new StatusPageService(ctx.db, ctx.clock, ctx.catalog, ctx.timeline, ctx.audit, ctx.modules);
    const renderer = new PageRenderer(svc, ctx.clock, ctx.modules, () => ctx.settings.baseUrl, ctx.timeline);
    const subscribers = await setupSubscribers(ctx, svc);

    return {
      routes: withSubscriberRoutes(statusPageRoutes(svc, renderer, ctx.tokens), subscribers),
      engines: [
        {
          name: 'statuspage',
          intervalMs: 15_000,
          step: async (now: number) => {
            await svc.step(now);
            return {};
          },
        },
        subscribers.engine,
      ],
      api: { service: svc },
      start: () => renderer.refreshHosts(),
    };
  },
});
