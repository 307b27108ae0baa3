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
import type { TimerStore } from '../../engines/timers.ts';
import type { Clock } from '../../kernel/clock.ts';
import { parseDuration } from '../../kernel/clock.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { NotifyApi } from '../notify/module.ts';
import type { Channel, ChannelType, Message } from '../notify/types.ts';
import type { DomainEvent, Timeline } from '../timeline/timeline.ts';
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
        for (const e of events) await this.onEvent(tx, e, now, sc);
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
    if (due.length) sc ??= await this.context(now);
    for (const t of due) {
      const ctx = sc!;
      await inTransaction(this.d.db, async (tx) => {
        const row = await this.d.store.getEscalation(tx, t.key);
        if (!row) return void (await this.d.timers.complete(tx, t.id, this.d.holder));
        const next = await this.advance(tx, row, now, ctx);
        if (next === null) await this.d.timers.complete(tx, t.id, this.d.holder);
      });
    }
    if (consumed.more || due.length === 100) return { more: true };
    return { nextDueAt: await this.d.timers.nextDue(TIMER_KIND) };
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

  private async onEvent(tx: Tx, e: DomainEvent, now: number, ctx: StepContext): Promise<void> {
    const data = e.data as Record<string, unknown>;
    const id = String(data.id ?? e.subject.key);
    if (e.type === 'incident.paging_requested') {
      if (await this.d.store.getEscalation(tx, id)) return; // one escalation per incident
      const incident = { ...(data as unknown as IncidentInfo), id, severity: String(data.severity ?? '') };
      const policyKey = this.choosePolicy(incident, ctx);
      if (!policyKey) {
        await this.event(tx, id, 'escalation.unrouted', {
          reason: 'no escalation policy matches this service',
        });
        return;
      }
      const policy = ctx.policies.get(policyKey)!;
      const state = startEscalation(
        policy,
        { id, severity: this.severityFor(policy, incident.severity, ctx), service: incident.service },
        e.at,
      );
      const row: EscalationRow = { incidentId: id, policyKey, incident, state };
      await this.d.store.saveEscalation(tx, row, now, true);
      await this.event(tx, id, 'escalation.started', { policy: policyKey, severity: incident.severity });
      await this.advance(tx, row, now, ctx);
      return;
    }
    const row = await this.d.store.getEscalation(tx, id);
    if (!row) return;
    const by = String(data.by ?? e.actor);
    const state =
      e.type === 'incident.acknowledged' ? acknowledge(row.state, by, e.at) : resolve(row.state, e.at, by);
    if (state === row.state) return;
    await this.d.store.saveEscalation(tx, { ...row, state }, now, false);
    // Delayed reminders (contact methods with a `delay`) that have not gone out yet are moot now.
    await this.d.notify.cancelPending(tx, {
      incidentId: id,
      after: now,
      detail: `cancelled: incident ${e.type === 'incident.acknowledged' ? 'acknowledged' : 'resolved'} by ${by}`,
    });
    if (state.nextDueAt === null) await this.d.timers.cancel(tx, TIMER_KIND, id);
    else
      await this.d.timers.schedule(tx, {
        kind: TIMER_KIND,
        key: id,
        dueAt: state.nextDueAt,
        payload: { incidentId: id },
      });
    await this.event(tx, id, 'escalation.stopped', { status: state.status, by, level: state.level });
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

  /** Steps the escalation to `now`, performs its actions, saves it and re-arms the timer; returns the next due time. */
  private async advance(tx: Tx, row: EscalationRow, now: number, ctx: StepContext): Promise<number | null> {
    const policy = ctx.policies.get(row.policyKey);
    if (!policy) {
      await this.event(tx, row.incidentId, 'escalation.unrouted', {
        reason: `policy "${row.policyKey}" no longer exists`,
      });
      return null;
    }
    const res = stepEscalation(row.state, policy, now, ctx.resolver);
    for (const a of res.actions) await this.perform(tx, row, a, ctx, now);
    await this.d.store.saveEscalation(tx, { ...row, state: res.state }, now, false);
    if (res.nextDueAt !== null)
      await this.d.timers.schedule(tx, {
        kind: TIMER_KIND,
        key: row.incidentId,
        dueAt: res.nextDueAt,
        payload: { incidentId: row.incidentId },
      });
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

  private async perform(
    tx: Tx,
    row: EscalationRow,
    a: EscalationAction,
    ctx: StepContext,
    now: number,
  ): Promise<void> {
    const id = row.incidentId;
    const enqueue = (key: string, channel: Channel, message: Message, delayMs = 0) =>
      this.d.notify.enqueue(tx, {
        idempotencyKey: key,
        channel,
        message,
        incidentId: id,
        ...(delayMs > 0 ? { notBefore: now + delayMs } : {}),
      });
    if (a.kind === 'notify') {
      for (const [i, t] of this.contactTargets(a.user, 'high', ctx).entries())
        await enqueue(`${a.idempotencyKey}:${i}`, t.channel, this.message(row, 'page', a.user), t.delayMs);
      await this.event(tx, id, 'escalation.notified', {
        user: a.user,
        level: a.level,
        repeat: a.repeat,
        target: targetText(a.target),
      });
    } else if (a.kind === 'channel' || a.kind === 'ticket') {
      const key = a.kind === 'channel' ? a.channel : a.webhook;
      const spec = ctx.objects.get('notification_channel')?.get(key);
      if (!spec)
        return void (await this.event(tx, id, 'escalation.unresolved', {
          channel: key,
          reason: 'unknown notification channel',
        }));
      await enqueue(
        a.idempotencyKey,
        toChannel(key, spec),
        this.message(row, a.kind === 'ticket' ? 'ticket' : 'notify'),
      );
    } else if (a.kind === 'unresolved') {
      await this.event(tx, id, 'escalation.unresolved', {
        target: targetText(a.target),
        level: a.level,
        reason: 'nobody to notify',
      });
    } else {
      await this.event(tx, id, 'escalation.exhausted', { repeat: a.repeat });
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

  private event(tx: Tx, incidentId: string, type: string, data: Record<string, unknown>) {
    return this.d.timeline.append(tx, {
      type,
      subject: { kind: 'incident', key: incidentId },
      actor: 'system:oncall',
      data,
    });
  }
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
