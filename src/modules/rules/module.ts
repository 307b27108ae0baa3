/**
 * The rules module: alerting and recording rules (PromQL or check state) grouped and evaluated
 * on the injected clock, with durable `alert.firing` / `alert.resolved` events for the alert
 * routing, incidents and flags modules. Plan section `alerts:`, kind `rule_group`.
 */
import type { MetricsApi } from '../metrics/module.ts';
import { defineModule } from '../module.ts';
import { RulesEngine } from './engine.ts';
import './kinds.ts';
import * as m1 from './migrations/202611251150-rules-tables.ts';
import './plan-section.ts';
import { rulesRoutes } from './routes.ts';

/** What other modules may call. */
export interface RulesApi {
  /** Evaluates due groups now (tests, `vigil drill`). */
  evaluateNow(now: number): Promise<void>;
}

const engines = new WeakMap<object, RulesEngine>();

/** The engine behind a published api (tests drive it directly). */
export function engineOf(api: unknown): RulesEngine {
  const e = engines.get(api as object);
  if (!e) throw new Error('not a rules api');
  return e;
}

export default defineModule<RulesApi>({
  name: 'rules',
  dependsOn: ['metrics'],
  migrations: { '202611251150-rules-tables': m1 },
  create(ctx) {
    const engine = new RulesEngine({
      db: ctx.db,
      timeline: ctx.timeline,
      catalog: ctx.catalog,
      querier: () => ctx.modules.get<MetricsApi>('metrics'),
      baseUrl: ctx.settings.baseUrl,
    });
    ctx.timeline.subscribe((e) => {
      if (e.subject.kind === 'rule_group') engine.invalidate();
    });
    const api: RulesApi = {
      evaluateNow: async (now) => {
        await engine.step(now);
      },
    };
    engines.set(api, engine);
    return { routes: rulesRoutes(engine), engines: [engine], api };
  },
});
