/**
 * The incidents engine: claims the module's durable timers (response-target breach, auto-resolve
 * after the quiet period, postmortem reminder and overdue) and turns each into its change and
 * timeline event. A claimed timer is completed in the same transaction as its effect.
 */

import type { Db } from '../../db/db.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Engine, StepResult } from '../../engines/runner.ts';
import type { DueTimer, TimerStore } from '../../engines/timers.ts';
import type { PostmortemService } from './postmortems.ts';
import {
  type IncidentService,
  TIMER_AUTO_RESOLVE,
  TIMER_PM_DUE,
  TIMER_PM_REMINDER,
  TIMER_RESPONSE,
} from './service.ts';
import { isOpen } from './states.ts';

const KINDS = [TIMER_RESPONSE, TIMER_AUTO_RESOLVE, TIMER_PM_REMINDER, TIMER_PM_DUE];
const BATCH = 50;

export class IncidentTimersEngine implements Engine {
  name = 'incidents-timers';
  intervalMs = 30_000;

  constructor(
    private db: Db,
    private timers: TimerStore,
    private holder: string,
    private incidents: IncidentService,
    private postmortems: PostmortemService,
  ) {}

  async step(): Promise<StepResult> {
    let more = false;
    for (const kind of KINDS) {
      const due = await this.timers.claimDue(kind, this.holder, BATCH);
      if (due.length === BATCH) more = true;
      for (const t of due) await this.handle(t);
    }
    if (more) return { more };
    const next = await Promise.all(KINDS.map((k) => this.timers.nextDue(k)));
    const times = next.filter((x): x is number => x !== null);
    return { nextDueAt: times.length ? Math.min(...times) : null };
  }

  private async handle(t: DueTimer): Promise<void> {
    if (t.kind === TIMER_RESPONSE) {
      await this.incidents.markBreached(t.key, t.dueAt);
    } else if (t.kind === TIMER_AUTO_RESOLVE) {
      const inc = await this.incidents.get(t.key).catch(() => null);
      // A re-firing alert cancels this timer; the check guards against a late claim.
      if (inc && isOpen(inc.status) && (await this.incidents.allAlertsResolved(inc.id))) {
        await this.incidents.resolve(inc.id, 'system:auto-resolve', {
          auto: true,
          note: 'Resolved automatically: every linked alert stayed resolved for the quiet period.',
        });
      }
    } else {
      await inTransaction(this.db, async (tx) => {
        await this.postmortems.fire(tx, t);
        await this.timers.complete(tx, t.id, this.holder);
      });
      return;
    }
    await inTransaction(this.db, (tx) => this.timers.complete(tx, t.id, this.holder));
  }
}
