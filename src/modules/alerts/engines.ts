/**
 * Engines of the alerts module: `alerts-router` consumes rule events durably and routes pending
 * alerts into groups; `alerts-groups` flushes groups whose durable timer is due.
 */
import type { Engine, StepResult } from '../../engines/runner.ts';
import type { Timeline } from '../timeline/timeline.ts';
import type { AlertsService } from './service.ts';

export const RULE_EVENT_TYPES = ['alert.firing', 'alert.resolved'];

export class AlertRouterEngine implements Engine {
  name = 'alerts-router';
  intervalMs = 1_000;
  constructor(
    private timeline: Timeline,
    private service: AlertsService,
  ) {}

  async step(now: number): Promise<StepResult> {
    const consumed = await this.timeline.consume(
      'alerts-router',
      { types: RULE_EVENT_TYPES, limit: 500 },
      (tx, events) => this.service.ingestRuleEvents(tx, events),
    );
    const routed = await this.service.routePending(now);
    return { more: consumed.more || routed.more };
  }
}

export class AlertGroupsEngine implements Engine {
  name = 'alerts-groups';
  intervalMs = 5_000;
  constructor(private service: AlertsService) {}

  async step(): Promise<StepResult> {
    const r = await this.service.flushDue();
    return r.more ? { more: true } : { nextDueAt: r.nextDueAt };
  }
}
