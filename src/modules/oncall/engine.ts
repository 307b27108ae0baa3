/**
 * The escalation engine. It consumes incident events durably (`incident.paging_requested` starts
 * an escalation, `incident.acknowledged` / `incident.resolved` stop it), keeps each escalation's
 * state as JSON, and arms a durable timer (kind `oncall-escalation`) at the next level's due time,
 * so a restart continues at the right moment. Every notification goes through notify.enqueue
 * under the pure core's idempotency key, so a replayed step never sends twice.
 */
import type { Db } from '../../db/db.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Engine, StepResult } from '../../engines/runner.ts';
import type { DueTimer, TimerStore } from '../../engines/timers.ts';
import type { Clock } from '../../kernel/clock.ts';
import { parseDuration } from '../../kernel/clock.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { NotifyApi } from '../notify/module.ts';
import type { Channel, ChannelType, EnqueueInput, Message } from '../notify/types.ts';
import type { DomainEvent, EventInput, Timeline } from '../timeline/timeline.ts';
import {
  acknowledge,
  type EscalationAction,
  resolve,
  startEscalation,
  stepEscalation,
} from './escalation.ts';
import type { EscalationPolicy } from './policy.ts';
import { type EscalationRow, type IncidentInfo, listAll, type OncallStore } from './store.ts';
import { makeResolver, type ResolveTargets, targetText } from './targets.ts';

/** Thrown inside the consume transaction to roll it back until the catalog snapshot is loaded. */
const NEEDS_CONTEXT = new Error('needs catalog context');

export const TIMER_KIND = 'oncall-escalation';
export const CONSUMER = 'oncall-escalation';
export const INCIDENT_EVENTS = ['incident.paging_requested', 'incident.acknowledged', 'incident.resolved'];

export interface EscalationEngineDeps {
  db: Db;
  store: OncallStore;
  catalog: CatalogService;
  timeline: Timeline;
  timers: TimerStore;
  notify: NotifyApi;
  holder: string;
  /** Time for runs started by `wake()` (steps from the runner get theirs from it). */
  clock: Clock;
  /** Told about a failed run started by `wake()`. */
  onWakeError?(err: unknown): void;
}

/**
 * How long after its last step this process may still act as the leader on a wake-up. The runner
 * takes the engine's lease for max(15 s, 3 × interval) at every step, so another replica cannot
 * hold it within this window.
 */
const LEADER_WINDOW_MS = 10_000;

/** How long a catalog snapshot serves steps (see `context()`). */
const CONTEXT_TTL_MS = 5_000;

/** Event types after which the catalog snapshot is stale. */
export const CONTEXT_KINDS = [
  'schedule',
  'escalation_policy',
  'paging',
  'user',
  'team',
  'service',
  'severity',
  'contact',
  'notification_channel',
];

type Spec = Record<string, unknown>;

/**
 * Catalog-derived context of one engine step, loaded before any transaction opens: on SQLite a
 * read outside the open transaction would wait for it forever (one connection).
 */
interface StepContext {
  policies: Map<string, EscalationPolicy>;
  resolver: ResolveTargets;
  paging:
    | { default_policy?: string; teams?: Record<string, string>; services?: Record<string, string> }
    | undefined;
  /** kind → key → spec for services, severities, users, contacts and notification channels. */
  objects: Map<string, Map<string, Spec>>;
}

export class EscalationEngine implements Engine {
  name = 'oncall-escalation';
  // Incident events wake the engine (`wake()`, from a timeline subscription) and due levels are
  // timers the runner sleeps until; the interval is the safety net for events committed by
  // another replica.
  intervalMs = 5_000;
  /** When the runner last stepped this engine here (it does so only while holding the lease). */
  private lastLeaderStep: number | null = null;
  private cached: { ctx: StepContext; at: number; generation: number } | null = null;
  private generation = 0;
  private busy: Promise<unknown> = Promise.resolve();
  private wakeQueued = false;
  private stopped = false;

  constructor(private d: EscalationEngineDeps) {}

  step(now: number): Promise<StepResult> {
    this.lastLeaderStep = now;
    return this.exclusive(() => this.work(now));
  }

  /**
   * Handles new incident events now instead of at the next step. Only while this process holds
   * the engine's lease (it stepped within LEADER_WINDOW_MS); wake-ups during a run coalesce into
   * one more run after it.
   */
  wake(): void {
    if (this.wakeQueued || this.stopped || this.lastLeaderStep === null) return;
    if (this.d.clock.now() - this.lastLeaderStep > LEADER_WINDOW_MS) return;
    this.wakeQueued = true;
    this.exclusive(async () => {
      this.wakeQueued = false;
      for (let i = 0; i < 20 && !this.stopped; i++) if (!(await this.work(this.d.clock.now())).more) break;
    }).catch((err) => this.d.onWakeError?.(err));
  }

  /** Stops wake-ups and waits for the run in progress (before the store closes). */
  async idle(): Promise<void> {
    this.stopped = true;
    await this.busy;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.busy.then(fn, fn);
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async work(now: number): Promise<StepResult> {
    // The catalog snapshot is read only when there is work, and never inside a transaction.
    let sc: StepContext | undefined;
    const consume = () =>
      this.d.timeline.consume(CONSUMER, { types: INCIDENT_EVENTS }, async (tx, events) => {
        if (!sc) throw NEEDS_CONTEXT;
        const ctx = sc;
        // One read of the batch's escalations, then every event in order in memory.
        const known = await this.d.store.getEscalations(
          tx,
          events.map((e) => incidentIdOf(e)),
        );
        const w = new Writes();
        for (const e of events) await this.onEvent(tx, w, known, e, now, ctx);
        await this.flush(tx, w, now);
      });
    let consumed: { handled: number; more: boolean };
    try {
      consumed = await consume();
    } catch (err) {
      if (err !== NEEDS_CONTEXT) throw err;
      sc = await this.context(now);
      consumed = await consume();
    }
    const due = await this.d.timers.claimDue<{ incidentId: string }>(TIMER_KIND, this.d.holder, 100);
    if (due.length) {
      const ctx = (sc ??= await this.context(now));
      try {
        await this.fire(due, now, ctx);
      } catch {
        // One bad escalation must not hold up the others: each on its own (the first error is
        // reported; its timer's claim expires and it is tried again).
        let first: unknown;
        for (const t of due) await this.fire([t], now, ctx).catch((err) => void (first ??= err));
        if (first !== undefined) throw first;
      }
    }
    if (consumed.more || due.length === 100) return { more: true };
    return { nextDueAt: await this.d.timers.nextDue(TIMER_KIND) };
  }

  /** Steps the escalations of due timers, in one transaction. */
  private async fire(due: DueTimer<{ incidentId: string }>[], now: number, ctx: StepContext): Promise<void> {
    await inTransaction(this.d.db, async (tx) => {
      const rows = await this.d.store.getEscalations(
        tx,
        due.map((t) => t.key),
      );
      const w = new Writes();
      for (const t of due) {
        const row = rows.get(t.key);
        const next = row ? this.advance(w, row, now, ctx) : null;
        if (next === null) w.completed.push(t.id);
      }
      await this.flush(tx, w, now);
    });
  }

  /** Writes what a batch collected: deliveries and events in order, then last states and timers. */
  private async flush(tx: Tx, w: Writes, now: number): Promise<void> {
    await this.flushDeliveries(tx, w);
    await this.d.timeline.appendMany(tx, w.events);
    await this.d.store.saveEscalations(tx, [...w.rows.values()], now);
    const schedule = [...w.timers]
      .filter(([, dueAt]) => dueAt !== null)
      .map(([key, dueAt]) => ({ kind: TIMER_KIND, key, dueAt: dueAt!, payload: { incidentId: key } }));
    await this.d.timers.scheduleMany(tx, schedule);
    for (const [key, dueAt] of w.timers) if (dueAt === null) await this.d.timers.cancel(tx, TIMER_KIND, key);
    for (const id of w.completed) await this.d.timers.complete(tx, id, this.d.holder);
  }

  /** Writes the deliveries collected so far (before anything that reads them). */
  private async flushDeliveries(tx: Tx, w: Writes): Promise<void> {
    if (!w.deliveries.length) return;
    const deliveries = w.deliveries;
    w.deliveries = [];
    await this.d.notify.enqueueMany(tx, deliveries);
  }

  /**
   * The catalog snapshot, reused for CONTEXT_TTL_MS: busy periods run many steps a second.
   * Changes made in this process drop it at once (`invalidate()`, from the module's timeline
   * subscription); changes made on another replica are seen within the TTL.
   */
  private async context(now: number): Promise<StepContext> {
    if (this.cached && this.cached.generation === this.generation && now - this.cached.at < CONTEXT_TTL_MS)
      return this.cached.ctx;
    const generation = this.generation;
    const ctx = await this.loadContext();
    this.cached = { ctx, at: now, generation };
    return ctx;
  }

  /** Drops the cached catalog snapshot (a schedule, policy, contact … changed). */
  invalidate(): void {
    this.generation++;
  }

  private async loadContext(): Promise<StepContext> {
    const [policies, schedules, teams] = await Promise.all([
      this.d.store.policies(),
      this.d.store.schedules(),
      this.d.store.teams(),
    ]);
    const objects = new Map<string, Map<string, Spec>>();
    for (const kind of ['service', 'severity', 'user', 'contact', 'notification_channel'])
      objects.set(kind, new Map((await listAll(this.d.catalog, kind)).map((o) => [o.key, o.spec])));
    const paging = (await this.d.store.find('paging', 'default'))?.spec as StepContext['paging'];
    return {
      policies,
      resolver: makeResolver({ schedules: new Map(schedules.map((s) => [s.key, s])), teams }),
      paging,
      objects,
    };
  }

  private async onEvent(
    tx: Tx,
    w: Writes,
    known: Map<string, EscalationRow>,
    e: DomainEvent,
    now: number,
    ctx: StepContext,
  ): Promise<void> {
    const data = e.data as Record<string, unknown>;
    const id = incidentIdOf(e);
    const current = w.rows.get(id) ?? known.get(id);
    if (e.type === 'incident.paging_requested') {
      if (current) return; // one escalation per incident
      const incident = { ...(data as unknown as IncidentInfo), id, severity: String(data.severity ?? '') };
      const policyKey = this.choosePolicy(incident, ctx);
      if (!policyKey) {
        event(w, id, 'escalation.unrouted', { reason: 'no escalation policy matches this service' });
        return;
      }
      const policy = ctx.policies.get(policyKey)!;
      const state = startEscalation(
        policy,
        { id, severity: this.severityFor(policy, incident.severity, ctx), service: incident.service },
        e.at,
      );
      const row: EscalationRow = { incidentId: id, policyKey, incident, state };
      w.rows.set(id, row);
      event(w, id, 'escalation.started', { policy: policyKey, severity: incident.severity });
      this.advance(w, row, now, ctx);
      return;
    }
    const row = current;
    if (!row) return;
    const by = String(data.by ?? e.actor);
    const state =
      e.type === 'incident.acknowledged' ? acknowledge(row.state, by, e.at) : resolve(row.state, e.at, by);
    if (state === row.state) return;
    w.rows.set(id, { ...row, state });
    // Delayed reminders (contact methods with a `delay`) that have not gone out yet are moot now,
    // including those this batch has enqueued.
    await this.flushDeliveries(tx, w);
    await this.d.notify.cancelPending(tx, {
      incidentId: id,
      after: now,
      detail: `cancelled: incident ${e.type === 'incident.acknowledged' ? 'acknowledged' : 'resolved'} by ${by}`,
    });
    w.timers.set(id, state.nextDueAt);
    event(w, id, 'escalation.stopped', { status: state.status, by, level: state.level });
  }

  /**
   * The policy's name for a severity: plans may key overrides by severity key (`sev1`) or label
   * (`SEV-1`), and incidents may report either, so both spellings match.
   */
  private severityFor(policy: EscalationPolicy, sev: string, ctx: StepContext): string {
    const keys = Object.keys(policy.severity_overrides ?? {});
    if (keys.includes(sev)) return sev;
    const label = ctx.objects.get('severity')?.get(sev.toLowerCase())?.label as string | undefined;
    const norm = (x: string) => x.toLowerCase().replace(/[^a-z0-9]/g, '');
    return keys.find((k) => norm(k) === norm(sev) || (label && norm(k) === norm(label))) ?? sev;
  }

  /** Named policy → service route → owner team route → default policy → the only policy there is. */
  private choosePolicy(inc: IncidentInfo, ctx: StepContext): string | null {
    const paging = ctx.paging;
    const ok = (k?: string) => (k && ctx.policies.has(k) ? k : null);
    // The opener's choice first (an alert route's `target.escalation_policy`).
    const named = ok(inc.escalation_policy);
    if (named) return named;
    if (inc.service) {
      const bySvc = ok(paging?.services?.[inc.service]);
      if (bySvc) return bySvc;
      const team = ctx.objects.get('service')?.get(inc.service)?.owner as string | undefined;
      const byTeam = ok(team ? paging?.teams?.[team] : undefined);
      if (byTeam) return byTeam;
    }
    return ok(paging?.default_policy) ?? (ctx.policies.size === 1 ? [...ctx.policies.keys()][0] : null);
  }

  /**
   * Steps the escalation to `now`, performs its actions, and records its new state and timer in
   * `w`; returns the next due time.
   */
  private advance(w: Writes, row: EscalationRow, now: number, ctx: StepContext): number | null {
    const policy = ctx.policies.get(row.policyKey);
    if (!policy) {
      event(w, row.incidentId, 'escalation.unrouted', {
        reason: `policy "${row.policyKey}" no longer exists`,
      });
      return null;
    }
    const res = stepEscalation(row.state, policy, now, ctx.resolver);
    for (const a of res.actions) this.perform(w, row, a, ctx, now);
    w.rows.set(row.incidentId, { ...row, state: res.state });
    if (res.nextDueAt !== null) w.timers.set(row.incidentId, res.nextDueAt);
    return res.nextDueAt;
  }

  private message(row: EscalationRow, kind: Message['kind'], recipient?: string): Message {
    const i = row.incident;
    return {
      kind,
      title: i.title ?? `Incident ${i.human_id ?? i.id}`,
      summary: i.summary,
      severity: i.severity,
      service: i.service,
      humanId: i.human_id,
      url: i.url,
      ...(recipient ? { recipient } : {}),
    };
  }

  private perform(w: Writes, row: EscalationRow, a: EscalationAction, ctx: StepContext, now: number): void {
    const id = row.incidentId;
    const enqueue = (key: string, channel: Channel, message: Message, delayMs = 0) =>
      w.deliveries.push({
        idempotencyKey: key,
        channel,
        message,
        incidentId: id,
        ...(delayMs > 0 ? { notBefore: now + delayMs } : {}),
      });
    if (a.kind === 'notify') {
      for (const [i, t] of this.contactTargets(a.user, a.urgency ?? 'high', ctx).entries())
        enqueue(`${a.idempotencyKey}:${i}`, t.channel, this.message(row, 'page', a.user), t.delayMs);
      event(w, id, 'escalation.notified', {
        user: a.user,
        urgency: a.urgency ?? 'high',
        level: a.level,
        repeat: a.repeat,
        target: targetText(a.target),
      });
    } else if (a.kind === 'channel' || a.kind === 'ticket') {
      const key = a.kind === 'channel' ? a.channel : a.webhook;
      const spec = ctx.objects.get('notification_channel')?.get(key);
      if (!spec)
        return void event(w, id, 'escalation.unresolved', {
          channel: key,
          reason: 'unknown notification channel',
        });
      enqueue(
        a.idempotencyKey,
        toChannel(key, spec),
        this.message(row, a.kind === 'ticket' ? 'ticket' : 'notify'),
      );
    } else if (a.kind === 'unresolved') {
      event(w, id, 'escalation.unresolved', {
        target: targetText(a.target),
        level: a.level,
        reason: 'nobody to notify',
      });
    } else {
      event(w, id, 'escalation.exhausted', { repeat: a.repeat });
    }
  }

  /** A user's contact methods for `urgency`; default: e-mail to the user's address. */
  private contactTargets(user: string, urgency: 'high' | 'low', ctx: StepContext) {
    return userTargets(
      user,
      ctx.objects.get('contact')?.get(user.toLowerCase()),
      ctx.objects.get('user')?.get(user.toLowerCase()),
      urgency,
    );
  }
}

/** The incident an incident event is about. */
function incidentIdOf(e: DomainEvent): string {
  return String((e.data as Record<string, unknown>).id ?? e.subject.key);
}

/**
 * Writes of one batch of engine work, applied in memory and written once at its end: events and
 * deliveries in order, each escalation's last state, each incident's timer (its last due time,
 * or null: cancel) and the timers whose work is done.
 */
class Writes {
  events: EventInput[] = [];
  deliveries: EnqueueInput[] = [];
  rows = new Map<string, EscalationRow>();
  timers = new Map<string, number | null>();
  completed: string[] = [];
}

function event(w: Writes, incidentId: string, type: string, data: Record<string, unknown>): void {
  w.events.push({ type, subject: { kind: 'incident', key: incidentId }, actor: 'system:oncall', data });
}

/**
 * A user's contact methods (those for `urgency`, or all when it is undefined) as notify channels,
 * each with its delay (a method's `delay`, e.g. `5m` for a second reminder); without any method,
 * an e-mail to the user's address at once.
 */
export function userTargets(
  user: string,
  contact: Spec | undefined,
  userSpec: Spec | undefined,
  urgency: 'high' | 'low' | undefined,
): Array<{ channel: Channel; delayMs: number }> {
  const methods = ((contact?.methods as Array<Record<string, unknown>> | undefined) ?? []).filter(
    (m) => !urgency || !m.urgency || (m.urgency as string[]).includes(urgency),
  );
  if (methods.length)
    return methods.map((m, i) => ({
      channel: toChannel(`contact:${user}:${i}`, m),
      delayMs: typeof m.delay === 'string' ? parseDuration(m.delay) : 0,
    }));
  const email = (userSpec?.email as string | undefined) ?? (user.includes('@') ? user : undefined);
  return email
    ? [{ channel: { type: 'email', key: `contact:${user}:email`, config: { to: [email] } }, delayMs: 0 }]
    : [];
}

/** A user's contact methods for `urgency` as notify channels (see `userTargets`). */
export function userChannels(
  user: string,
  contact: Spec | undefined,
  userSpec: Spec | undefined,
  urgency: 'high' | 'low' | undefined,
): Channel[] {
  return userTargets(user, contact, userSpec, urgency).map((t) => t.channel);
}

/** A catalog destination (channel or contact method) as a notify channel. */
export function toChannel(key: string, spec: Record<string, unknown>): Channel {
  const { type, name: _n, urgency: _u, delay: _d, ...config } = spec;
  return { type: type as ChannelType, key, config };
}
