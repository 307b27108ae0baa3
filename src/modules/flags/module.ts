/**
 * The flags module: flag and segment definitions as catalog kinds with a `flags:` plan section,
 * runtime operation (kill-switch overrides, staged rollouts, alert triggers) in its own tables,
 * client keys, OFREP evaluation, the SDK's flag-set download and the weekly stale-flag digest.
 * See docs/flags.md.
 */
import { defineModule } from '../module.ts';
import './kinds.ts';
import './plan-section.ts';
import { DigestEngine } from './digest.ts';
import { FlagEventsEngine, RolloutEngine } from './engines.ts';
import type { EvaluationContext, EvaluationResult } from './flag.ts';
import * as m1 from './migrations/202611251120-flags-runtime.ts';
import * as m2 from './migrations/202611251150-flags-alert-instances.ts';
import { ofrepRoutes } from './ofrep.ts';
import { flagsRoutes } from './routes.ts';
import { FlagRuntimeCache } from './runtime-cache.ts';
import { FlagsService } from './service.ts';

/** What other modules may call (`ctx.modules.get<FlagsApi>('flags')`). */
export interface FlagsApi {
  /** Evaluates a flag as served in `env` (from the compiled, cached set). */
  evaluate(env: string, key: string, context?: EvaluationContext): Promise<EvaluationResult>;
  /** Turns a flag on/off in an environment (audited; linked to an incident when given). */
  toggle: FlagsService['toggle'];
  /** Flags with per-environment state, staleness and the lifespan summary (WT-10). */
  list: FlagsService['list'];
}

export default defineModule<FlagsApi>({
  name: 'flags',
  // The weekly stale-flag digest goes out through the notify module's outbox.
  dependsOn: ['notify'],
  migrations: { '202611251120-flags-runtime': m1, '202611251150-flags-alert-instances': m2 },
  create(ctx) {
    const cache = new FlagRuntimeCache(ctx.db, ctx.clock);
    const deps = {
      db: ctx.db,
      clock: ctx.clock,
      audit: ctx.audit,
      timeline: ctx.timeline,
      timers: ctx.timers,
      cache,
    };
    const service = new FlagsService(deps);
    // Any committed change to a flag or segment on this replica invalidates the compiled sets.
    const unsubscribe = ctx.timeline.subscribe((e) => {
      if (e.subject.kind === 'flag' || e.subject.kind === 'segment') cache.invalidate();
    });
    return {
      routes: async (app) => {
        await app.register(flagsRoutes(service, ctx.catalog));
        await app.register(ofrepRoutes(cache, ctx.clock));
      },
      engines: [
        new FlagEventsEngine(deps, service),
        new RolloutEngine({ ...deps, modules: ctx.modules, instanceId: ctx.instanceId }, service),
        new DigestEngine({ ...deps, modules: ctx.modules }, service),
      ],
      api: {
        async evaluate(env, key, context = {}) {
          const s = cache.get(env);
          const set = s instanceof Promise ? await s : s;
          return set.set.evaluate(key, context, { now: ctx.clock.now() });
        },
        toggle: (actor, input) => service.toggle(actor, input),
        list: (filter) => service.list(filter),
      },
      async stop() {
        unsubscribe();
      },
    };
  },
});
