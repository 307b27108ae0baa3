/**
 * The status page module. Public reads come from a per-page cache rebuilt when something on the
 * page changes (timeline events) or its uptime data ages (60 s), never per request, so the page
 * keeps answering quickly while Vigil is busy.
 */
import { DAY } from '../../kernel/clock.ts';
import { defineModule } from '../module.ts';
import './kinds.ts';
import './plan-section.ts';
import * as m1 from './migrations/202611251200-statuspage-tables.ts';
import * as m2 from './migrations/202611251300-statuspage-subscribers.ts';
import { maintenanceIcs, type Rendered, statusPageRoutes } from './routes.ts';
import { StatusPageService } from './service.ts';
import { setupSubscribers, withSubscriberRoutes } from './subscribers.ts';
import { feeds, type PageData, renderHtml, statuspageDocs } from './views.ts';

interface UptimeReader {
  uptime(
    key: string,
    fromMs: number,
    toMs: number,
    bucket: 'day' | 'hour',
  ): Promise<Array<{ start: number; uptimePct: number | null }>>;
}

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
    const subscribers = await setupSubscribers(ctx, svc);
    const cache = new Map<string, { at: number; r: Promise<Rendered> }>();
    ctx.timeline.subscribe((e) => {
      if (e.subject.kind === 'status_page' || e.type.startsWith('status_page.')) cache.clear();
    });

    async function build(pageKey?: string): Promise<Rendered> {
      const page = await svc.page(pageKey);
      const now = ctx.clock.now();
      const checks = ctx.modules.find<UptimeReader>('checks');
      const dayStart = now - (now % DAY);
      const uptime = new Map<string, Array<{ day: number; pct: number | null }>>();
      for (const c of page.components) {
        if (!c.checks?.length || !checks) continue;
        const per = await Promise.all(
          c.checks.map((k) => checks.uptime(k, dayStart - 89 * DAY, dayStart + DAY, 'day').catch(() => [])),
        );
        const days = Array.from({ length: 90 }, (_, i) => dayStart - (89 - i) * DAY);
        uptime.set(
          c.key,
          days.map((day) => {
            const vals = per
              .map((buckets) => buckets.find((b) => b.start === day)?.uptimePct)
              .filter((v): v is number => v != null);
            return { day, pct: vals.length ? Math.min(...vals) : null };
          }),
        );
      }
      const data: PageData = {
        page,
        baseUrl: ctx.settings.baseUrl,
        states: await svc.componentStates(page.key),
        incidents: await svc.listIncidents(page.key, { limit: 200 }),
        uptime,
        now,
      };
      const f = feeds(data);
      return {
        data,
        docs: statuspageDocs(data),
        html: renderHtml(data),
        atom: f.atom,
        rss: f.rss,
        ics: maintenanceIcs(data),
      };
    }

    const render = (pageKey?: string): Promise<Rendered> => {
      const k = pageKey ?? '';
      const hit = cache.get(k);
      if (hit && ctx.clock.now() - hit.at < 60_000) return hit.r;
      const r = build(pageKey);
      cache.set(k, { at: ctx.clock.now(), r });
      r.catch(() => cache.delete(k));
      return r;
    };

    return {
      routes: withSubscriberRoutes(statusPageRoutes(svc, render), subscribers),
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
    };
  },
});
