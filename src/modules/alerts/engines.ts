/**
 * Engines of the alerts module: `alerts-router` consumes rule events durably and routes pending
 * alerts into groups; `alerts-groups` flushes groups whose durable timer is due.
 */
import type { Engine, StepResult } from '../../engines/runner.ts';
import type { Clock } from '../../kernel/clock.ts';
import type { Timeline } from '../timeline/timeline.ts';
import type { AlertsService } from './service.ts';

export const RULE_EVENT_TYPES = ['alert.firing', 'alert.resolved'];

export class AlertRouterEngine implements Engine {
  name = 'alerts-router';
  intervalMs = 1_000;
  private wake: () => void = () => {};
  constructor(
    private timeline: Timeline,
    private service: AlertsService,
    private groups: AlertGroupsEngine,
  ) {
    // Inbound alerts are routed as soon as they are stored, not at the next tick.
    service.onIngested = () => this.wake();
  }

  attach(wake: () => void): void {
    this.wake = wake;
  }

  async step(now: number): Promise<StepResult> {
    const consumed = await this.timeline.consume(
      'alerts-router',
      { types: RULE_EVENT_TYPES, limit: 500 },
      (tx, events) => this.service.ingestRuleEvents(tx, events),
    );
    const routed = await this.service.routePending(now);
    // A new group whose wait ends before the groups engine's next step (group_wait: 0s for pages).
    if (routed.groupDueAt !== undefined && routed.groupDueAt < now + this.groups.intervalMs)
      this.groups.wakeAt(routed.groupDueAt);
    return { more: consumed.more || routed.more };
  }
}

export class AlertGroupsEngine implements Engine {
  name = 'alerts-groups';
  intervalMs = 5_000;
  private wake: () => void = () => {};
  constructor(
    private service: AlertsService,
    private clock: Clock,
  ) {}

  attach(wake: () => void): void {
    this.wake = wake;
  }

  /** Asks for a step at `at` (now when due), sooner than the regular cadence. */
  wakeAt(at: number): void {
    const delay = at - this.clock.now();
    if (delay <= 0) this.wake();
    else this.clock.setTimer(delay, () => this.wake());
  }

  async step(): Promise<StepResult> {
    const r = await this.service.flushDue();
    return r.more ? { more: true } : { nextDueAt: r.nextDueAt };
  }
}
