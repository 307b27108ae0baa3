/**
 * The notify module: a transactional outbox of notifications with a multi-replica-safe sender,
 * signed one-click acknowledge/resolve links, and transports for webhooks (Standard Webhooks),
 * Slack, Teams, e-mail, ntfy and PagerDuty. Other modules call `ctx.modules.get<NotifyApi>('notify')`.
 */
import { Counter, Histogram } from 'prom-client';
import type { Tx } from '../../db/tx.ts';
import { defineModule } from '../module.ts';
import { LINK_TTL_MS, type LinkAction, LinkSigner, loadLinkSecret } from './action-links.ts';
import { Notifier } from './engine.ts';
import * as m1 from './migrations/202611251110-notify-deliveries.ts';
import { notifyRoutes } from './routes.ts';
import { type Delivery, type DeliveryStatus, NotifyStore } from './store.ts';
import { defaultTransports } from './transports/index.ts';
import type { EnqueueInput } from './types.ts';

/** What other modules may call. */
export interface NotifyApi {
  /** Writes a delivery in the caller's transaction; the same idempotency key twice is a no-op. */
  enqueue(tx: Tx, input: EnqueueInput): Promise<{ id: string; created: boolean }>;
  /** `enqueue` for many deliveries in one go (multi-row writes), in order. */
  enqueueMany(tx: Tx, inputs: EnqueueInput[]): Promise<Array<{ id: string; created: boolean }>>;
  /** Cancels an incident's not-yet-attempted deliveries due after `after` (delayed reminders). */
  cancelPending(tx: Tx, f: { incidentId: string; after: number; detail: string }): Promise<number>;
  /** A signed, single-use, expiring one-click link (`<base>/ack/<token>`). */
  actionLink(incidentId: string, action: LinkAction, user: string | null, ttlMs?: number): Promise<string>;
  /** Deliveries, newest first. */
  deliveries(f?: { status?: DeliveryStatus; incidentId?: string; limit?: number }): Promise<Delivery[]>;
}

/** How long the org's base URL (for links) is reused. */
const BASE_URL_TTL_MS = 5_000;

export default defineModule<NotifyApi>({
  name: 'notify',
  migrations: { '202611251110-notify-deliveries': m1 },
  async create(ctx) {
    const store = new NotifyStore(ctx.db, ctx.clock);
    const signer = new LinkSigner(ctx.db, await loadLinkSecret(ctx.db, ctx.clock.now()));
    // SMTP is deployment configuration (it holds a password), so it comes from the environment.
    const transports = defaultTransports({
      smtpUrl: process.env.VIGIL_SMTP_URL,
      from: process.env.VIGIL_SMTP_FROM,
    });
    // The public base URL goes into every page's links: read once per BASE_URL_TTL_MS rather than
    // per delivery. A change to the org in this process drops it at once; one made on another
    // replica is seen within the TTL.
    let base: { url: Promise<string>; at: number } | null = null;
    const baseUrl = () => {
      const now = ctx.clock.now();
      if (!base || now - base.at >= BASE_URL_TTL_MS || now < base.at) {
        const url = ctx.catalog
          .get('org', 'default')
          .catch(() => null)
          .then((org) =>
            String((org?.spec.base_url as string | undefined) ?? ctx.settings.baseUrl).replace(/\/+$/, ''),
          );
        base = { url, at: now };
        url.catch(() => {
          base = null;
        });
      }
      return base.url;
    };
    const unsubscribe = ctx.timeline.subscribe((e) => {
      if (e.type.startsWith('org.')) base = null;
    });
    const actionLink = async (
      incidentId: string,
      action: LinkAction,
      user: string | null,
      ttlMs = LINK_TTL_MS,
    ) => `${await baseUrl()}/ack/${signer.sign(incidentId, action, user, ctx.clock.now(), ttlMs)}`;
    const sendSeconds = new Histogram({
      name: 'vigil_notify_send_duration_seconds',
      help: 'Notification transport call duration by channel type and outcome',
      labelNames: ['type', 'result'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10],
      registers: [ctx.metrics],
    });
    const outcomes = new Counter({
      name: 'vigil_notify_attempts_total',
      help: 'Notification delivery attempts by channel type and outcome',
      labelNames: ['type', 'result'] as const,
      registers: [ctx.metrics],
    });
    const notifier = new Notifier({
      db: ctx.db,
      store,
      timeline: ctx.timeline,
      transports,
      holder: ctx.instanceId,
      clock: ctx.clock,
      onWakeError: (err) => ctx.logger.warn({ err }, 'notify: sending after a wake-up failed'),
      async links(d, now) {
        const open = d.message.url;
        if (!d.incidentId || !['page', 'notify'].includes(d.message.kind ?? 'notify'))
          return open ? { open } : {};
        const base = await baseUrl();
        const user = d.message.recipient ?? null;
        return {
          acknowledge: `${base}/ack/${signer.sign(d.incidentId, 'acknowledge', user, now)}`,
          resolve: `${base}/ack/${signer.sign(d.incidentId, 'resolve', user, now)}`,
          ...(open ? { open } : {}),
        };
      },
      onOutcome(d, r, ms) {
        sendSeconds.observe({ type: d.channel.type, result: r.status }, ms / 1000);
        outcomes.inc({ type: d.channel.type, result: r.status });
      },
    });
    store.onEnqueued = () => notifier.wake();
    return {
      routes: notifyRoutes({ db: ctx.db, store, signer, clock: ctx.clock, modules: ctx.modules }),
      engines: [notifier],
      api: {
        enqueue: (tx, input) => store.enqueue(tx, input),
        enqueueMany: (tx, inputs) => store.enqueueMany(tx, inputs),
        cancelPending: (tx, f) => store.cancelPending(tx, f),
        actionLink,
        deliveries: (f = {}) => store.list(f),
      },
      async stop() {
        unsubscribe();
        await notifier.idle();
        transports.close();
      },
    };
  },
});
