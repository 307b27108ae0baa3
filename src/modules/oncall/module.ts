/**
 * The on-call module: schedules, escalation policies, notification channels, contacts and paging
 * routes as catalog kinds and plan sections; who-is-on-call, overrides and iCalendar feeds over
 * HTTP; and the escalation engine that pages people through the notify module.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { VigilError } from '../../kernel/errors.ts';
import { defineModule } from '../module.ts';
import type { NotifyApi } from '../notify/module.ts';
import './kinds.ts';
import './plan-section.ts';
import { ALERT_GROUP_CONSUMER, AlertGroupNotifier } from './alert-groups.ts';
import { CONSUMER, CONTEXT_KINDS, EscalationEngine, INCIDENT_EVENTS } from './engine.ts';
import * as m1 from './migrations/202611251150-oncall-escalations.ts';
import * as m2 from './migrations/202611251400-oncall-contact-verifications.ts';
import { oncallRoutes } from './routes.ts';
import { whoIsOnCall } from './schedule.ts';
import { SHIFT_EVENTS, ShiftNotifier } from './shift-notices.ts';
import { feedToken, OncallStore } from './store.ts';
import { verificationRoutes } from './verification.ts';

/** Mounts two route plugins as one (the module hands back a single plugin). */
function withVerification(
  a: (app: FastifyInstance) => Promise<void>,
  b: (app: FastifyInstance) => Promise<void>,
): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    await a(app);
    await b(app);
  };
}

/** What other modules may call. */
export interface OncallApi {
  /** The user on call in `schedule` at `at` (default now), or null for a gap. */
  whoIsOnCall(schedule: string, at?: number): Promise<string | null>;
}

export default defineModule<OncallApi>({
  name: 'oncall',
  dependsOn: ['notify'],
  migrations: {
    '202611251150-oncall-escalations': m1,
    '202611251400-oncall-contact-verifications': m2,
  },
  async create(ctx) {
    const store = new OncallStore(ctx.db, ctx.catalog);
    // Only incidents paged after the module was first installed are escalated (no replay of history).
    await ctx.timeline.initConsumerAtEnd(CONSUMER);
    await ctx.timeline.initConsumerAtEnd(ALERT_GROUP_CONSUMER);
    const engine = new EscalationEngine({
      db: ctx.db,
      store,
      catalog: ctx.catalog,
      timeline: ctx.timeline,
      timers: ctx.timers,
      notify: ctx.modules.get<NotifyApi>('notify'),
      holder: ctx.instanceId,
      clock: ctx.clock,
      onWakeError: (err) => ctx.logger.warn({ err }, 'oncall: escalation after a wake-up failed'),
    });
    // A page starts (or an acknowledgement stops the ladder) as soon as the incident event commits.
    const unsubscribe = ctx.timeline.subscribe((e) => {
      if (INCIDENT_EVENTS.includes(e.type)) engine.wake();
      else if (SHIFT_EVENTS.includes(e.type)) return;
      else if (
        e.type.startsWith('schedule.override_') ||
        CONTEXT_KINDS.includes(e.type.slice(0, e.type.lastIndexOf('.')))
      )
        engine.invalidate();
    });
    const secret = () => store.feedSecret(ctx.clock.now());
    const base = async () => {
      const org = await ctx.catalog.get('org', 'default').catch(() => null);
      return String((org?.spec.base_url as string | undefined) ?? ctx.settings.baseUrl).replace(/\/+$/, '');
    };
    return {
      engines: [
        engine,
        new AlertGroupNotifier({
          catalog: ctx.catalog,
          timeline: ctx.timeline,
          notify: ctx.modules.get<NotifyApi>('notify'),
        }),
        new ShiftNotifier({
          db: ctx.db,
          store,
          catalog: ctx.catalog,
          timeline: ctx.timeline,
          notify: ctx.modules.get<NotifyApi>('notify'),
        }),
      ],
      async stop() {
        unsubscribe();
        await engine.idle();
      },
      routes: withVerification(
        oncallRoutes({
          db: ctx.db,
          store,
          clock: ctx.clock,
          audit: ctx.audit,
          timeline: ctx.timeline,
          notify: ctx.modules.get<NotifyApi>('notify'),
          async feedUrl(feed) {
            const token = feedToken(await secret(), feed);
            const [kind, key] = [feed.slice(0, feed.indexOf(':')), feed.slice(feed.indexOf(':') + 1)];
            const path =
              kind === 'schedule'
                ? `/api/v1/schedules/${encodeURIComponent(key)}/calendar.ics`
                : `/api/v1/oncall/users/${encodeURIComponent(key)}/calendar.ics`;
            return `${await base()}${path}?token=${token}`;
          },
          async checkFeed(feed, token) {
            const want = Buffer.from(feedToken(await secret(), feed));
            const got = Buffer.from(token ?? '');
            if (want.length !== got.length || !timingSafeEqual(want, got))
              throw new VigilError(404, 'not-found', 'unknown calendar feed');
          },
        }),
        verificationRoutes({
          db: ctx.db,
          store,
          clock: ctx.clock,
          notify: ctx.modules.get<NotifyApi>('notify'),
        }),
      ),
      api: {
        async whoIsOnCall(schedule, at) {
          return whoIsOnCall(await store.schedule(schedule), at ?? ctx.clock.now()).user;
        },
      },
    };
  },
});
