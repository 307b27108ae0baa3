/**
 * Status page subscribers: e-mail subscribers with double opt-in (confirmation link, per-component
 * choice, one-click unsubscribe) and webhook subscribers (Statuspage-shaped bodies signed per
 * Standard Webhooks). Status page events are heard through a durable timeline consumer; e-mail
 * goes out through the notify module's outbox, webhooks through this module's own outbox
 * (`statuspage_sub_deliveries`) with retries. Every notification carries a dedup key
 * (`<event id>:<subscriber id>`), so a replayed hand-off never mails anyone twice.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Engine, StepResult } from '../../engines/runner.ts';
import type { Clock } from '../../kernel/clock.ts';
import { conflict, invalid, notFound } from '../../kernel/errors.ts';
import { newId } from '../../kernel/ids.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { ActorContext } from '../catalog/catalog-service.ts';
import type { ModuleContext, ModuleDirectory } from '../module.ts';
import type { DomainEvent, Timeline } from '../timeline/timeline.ts';
import type { ComponentStatus } from './kinds.ts';
import { pageStatus, STATUS_LABEL } from './model.ts';
import type { PageDef, SpIncident, StatusPageService } from './service.ts';
import { subscriberRoutes } from './subscribers-routes.ts';

export type SubscriberType = 'email' | 'webhook';
export type SubscriberState = 'pending' | 'confirmed';

export interface Subscriber {
  id: string;
  page: string;
  type: SubscriberType;
  address: string;
  /** Component keys; null = every component (and page-wide notices). */
  components: string[] | null;
  state: SubscriberState;
  token: string;
  secret: string | null;
  description: string | null;
  source: string;
  createdAt: number;
  confirmedAt: number | null;
  confirmSentAt: number | null;
}

export interface SubscriberDelivery {
  id: string;
  subscriber: string;
  /** The subscriber's URL; null once it was removed. */
  address: string | null;
  eventType: string;
  status: 'pending' | 'sent' | 'failed' | 'cancelled';
  attempts: number;
  nextAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}

/** What this module needs of notify (its published api, `ctx.modules.get('notify')`). */
interface NotifyPort {
  enqueue(
    tx: Tx,
    input: {
      idempotencyKey: string;
      channel: { type: 'email'; config: Record<string, unknown> };
      message: {
        kind?: 'notify' | 'resolved';
        title: string;
        summary?: string;
        url?: string;
        data?: Record<string, unknown>;
      };
    },
  ): Promise<{ id: string; created: boolean }>;
}

/** Status page events subscribers hear about. */
export const SUBSCRIBER_EVENTS = [
  'statuspage.incident_updated',
  'statuspage.maintenance_updated',
  'statuspage.maintenance_scheduled',
];
export const CONSUMER = 'statuspage-subscribers';
/** Minimum time between two confirmation mails to one pending address (abuse guard). */
export const RESEND_CONFIRMATION_MS = 10 * 60_000;
/** Webhook retry schedule: 30 s doubling up to 1 h, at most this many attempts. */
export const MAX_WEBHOOK_ATTEMPTS = 10;
const WEBHOOK_TIMEOUT_MS = 10_000;

const EMAIL_RE = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;

/** A subscriber as the operator API presents it (never the token; the secret only on creation). */
export function presentSubscriber(s: Subscriber) {
  return {
    id: s.id,
    page: s.page,
    type: s.type,
    address: s.address,
    components: s.components,
    state: s.state,
    description: s.description,
    source: s.source,
    created_at: new Date(s.createdAt).toISOString(),
    confirmed_at: s.confirmedAt === null ? null : new Date(s.confirmedAt).toISOString(),
  };
}

function rowToSubscriber(r: any): Subscriber {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: r.id,
    page: r.page,
    type: r.type,
    address: r.address,
    components: r.components ? JSON.parse(r.components) : null,
    state: r.state,
    token: r.token,
    secret: r.secret ?? null,
    description: r.description ?? null,
    source: r.source,
    createdAt: Number(r.created_at),
    confirmedAt: n(r.confirmed_at),
    confirmSentAt: n(r.confirm_sent_at),
  };
}

const newToken = () => randomBytes(24).toString('base64url');
export const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** Standard Webhooks headers (https://www.standardwebhooks.com) for `body` sent as `id` at `nowMs`. */
export function signStandardWebhook(
  secret: string,
  id: string,
  nowMs: number,
  body: string,
): Record<string, string> {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const ts = String(Math.floor(nowMs / 1000));
  const sig = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': `v1,${sig}` };
}

/** One CSV field: quoted when needed; a leading formula character is neutralised for spreadsheets. */
export function csvField(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface ListFilter {
  q?: string;
  type?: SubscriberType;
  state?: SubscriberState;
  component?: string;
  cursor?: string;
  limit?: number;
}

export interface SubscriberCounts {
  total: number;
  confirmed: number;
  pending: number;
  email: number;
  webhook: number;
  /** Confirmed subscribers who hear about each component (including "every component" ones). */
  by_component: Record<string, number>;
  /** Confirmed subscribers of every component. */
  all_components: number;
}

/** Subscribe attempts one client address may make per window (public form abuse guard). */
export const SUBSCRIBE_ATTEMPTS_PER_WINDOW = 10;
/** Subscribe attempts one page accepts per window from everyone together (backstop). */
export const SUBSCRIBE_PAGE_ATTEMPTS_PER_WINDOW = 500;
export const SUBSCRIBE_WINDOW_MS = 10 * 60_000;

export class SubscriberService {
  /** Per client address: attempts in the current window (in memory, per process). */
  private attempts = new Map<string, { since: number; n: number }>();

  constructor(
    private db: Db,
    private clock: Clock,
    private timeline: Timeline,
    private audit: AuditLog,
    private modules: ModuleDirectory,
    private pages: StatusPageService,
    /** Vigil's public base URL (org base_url, else settings), without a trailing slash. */
    private baseUrl: () => Promise<string>,
  ) {}

  /**
   * Counts a public subscribe attempt on `page` from `client` (its address). Answers the
   * milliseconds to wait when over a limit, else 0. The form can make Vigil mail any address, so
   * one client may try only a few times per window, and a page sends at most a bounded number of
   * confirmation mails per window whatever the clients claim to be.
   */
  throttleSubscribe(page: string, client: string): number {
    const now = this.clock.now();
    if (this.attempts.size > 10_000)
      for (const [k, v] of this.attempts) if (now - v.since >= SUBSCRIBE_WINDOW_MS) this.attempts.delete(k);
    const over = (key: string, limit: number) => {
      const a = this.attempts.get(key);
      if (!a || now - a.since >= SUBSCRIBE_WINDOW_MS) return 0;
      return a.n >= limit ? a.since + SUBSCRIBE_WINDOW_MS - now : 0;
    };
    const keys: Array<[string, number]> = [
      [`client:${client}`, SUBSCRIBE_ATTEMPTS_PER_WINDOW],
      [`page:${page}`, SUBSCRIBE_PAGE_ATTEMPTS_PER_WINDOW],
    ];
    const wait = Math.max(...keys.map(([k, limit]) => over(k, limit)));
    if (wait > 0) return wait;
    for (const [k] of keys) {
      const a = this.attempts.get(k);
      if (!a || now - a.since >= SUBSCRIBE_WINDOW_MS) this.attempts.set(k, { since: now, n: 1 });
      else a.n++;
    }
    return 0;
  }

  private notify(): NotifyPort {
    return this.modules.get<NotifyPort>('notify');
  }

  /** Links a subscriber receives (confirm, manage, one-click unsubscribe). */
  links(base: string, s: Pick<Subscriber, 'page' | 'token'>) {
    const p = `${base}/status/${encodeURIComponent(s.page)}`;
    const t = encodeURIComponent(s.token);
    return {
      page: p,
      confirm: `${p}/subscribe/confirm?token=${t}`,
      manage: `${p}/subscription?token=${t}`,
      unsubscribe: `${p}/unsubscribe?token=${t}`,
    };
  }

  private checkComponents(page: PageDef, components: string[] | null | undefined): string[] | null {
    if (!components || components.length === 0) return null;
    const unknown = components.filter((k) => !page.components.some((c) => c.key === k));
    if (unknown.length)
      throw invalid(`page "${page.key}" has no component ${unknown.map((k) => `"${k}"`).join(', ')}`, {
        errors: [{ path: 'body.components', message: `unknown component ${unknown.join(', ')}` }],
      });
    return [...new Set(components)];
  }

  private static checkEmail(raw: string): string {
    const email = raw.trim().toLowerCase();
    if (!email || email.length > 254 || !EMAIL_RE.test(email))
      throw invalid(`"${raw}" is not an e-mail address`, {
        errors: [{ path: 'body.email', message: 'enter an e-mail address such as you@example.com' }],
      });
    return email;
  }

  private static checkUrl(raw: string): string {
    let u: URL;
    try {
      u = new URL(raw.trim());
    } catch {
      throw invalid(`"${raw}" is not a URL`, {
        errors: [{ path: 'body.url', message: 'enter an http(s) URL' }],
      });
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:')
      throw invalid('webhook URLs must use http or https', {
        errors: [{ path: 'body.url', message: 'use an http:// or https:// URL' }],
      });
    return u.toString();
  }

  async byToken(pageKey: string, token: string): Promise<Subscriber | undefined> {
    if (!token) return undefined;
    const r = await this.db.kysely
      .selectFrom('statuspage_subscribers' as any)
      .selectAll()
      .where('token', '=', token)
      .where('page', '=', pageKey)
      .executeTakeFirst();
    return r ? rowToSubscriber(r) : undefined;
  }

  async get(pageKey: string, id: string): Promise<Subscriber> {
    const r = await this.db.kysely
      .selectFrom('statuspage_subscribers' as any)
      .selectAll()
      .where('id', '=', id)
      .where('page', '=', pageKey)
      .executeTakeFirst();
    if (!r) throw notFound('subscriber', `${pageKey}/${id}`);
    return rowToSubscriber(r);
  }

  private async findAddress(tx: Tx, page: string, type: SubscriberType, address: string) {
    const r = await tx.db
      .selectFrom('statuspage_subscribers' as any)
      .selectAll()
      .where('page', '=', page)
      .where('type', '=', type)
      .where('address', '=', address)
      .executeTakeFirst();
    return r ? rowToSubscriber(r) : undefined;
  }

  /**
   * The public subscribe form: a new address becomes a pending subscriber and gets a confirmation
   * mail; a pending one gets the mail again (at most every 10 minutes); a confirmed one gets a
   * mail with its manage link. The answer is the same in every case, so the form does not reveal
   * who is subscribed.
   */
  async subscribeEmail(pageKey: string, input: { email: string; components?: string[] }): Promise<void> {
    const page = await this.pages.page(pageKey);
    const email = SubscriberService.checkEmail(input.email);
    const components = this.checkComponents(page, input.components);
    const base = await this.baseUrl();
    const now = this.clock.now();
    await inTransaction(this.db, async (tx) => {
      const existing = await this.findAddress(tx, page.key, 'email', email);
      if (existing?.confirmSentAt != null && now - existing.confirmSentAt < RESEND_CONFIRMATION_MS) return;
      let sub: Subscriber;
      if (existing) {
        const set: Record<string, unknown> = { confirm_sent_at: now };
        if (existing.state === 'pending') set.components = components ? JSON.stringify(components) : null;
        await tx.db
          .updateTable('statuspage_subscribers' as any)
          .set(set as any)
          .where('id', '=', existing.id)
          .execute();
        sub = { ...existing, confirmSentAt: now };
      } else {
        sub = await this.insert(tx, page.key, {
          type: 'email',
          address: email,
          components,
          state: 'pending',
          source: 'public',
          confirmSentAt: now,
        });
      }
      await this.sendAccessMail(tx, page, sub, base, now);
    });
  }

  private async sendAccessMail(tx: Tx, page: PageDef, sub: Subscriber, base: string, now: number) {
    const l = this.links(base, sub);
    const confirmed = sub.state === 'confirmed';
    await this.notify().enqueue(tx, {
      idempotencyKey: `statuspage-sub-access:${sub.id}:${now}`,
      channel: { type: 'email', config: { to: sub.address } },
      message: {
        kind: 'notify',
        title: confirmed
          ? `Manage your ${page.name} status updates`
          : `Confirm your subscription to ${page.name} status updates`,
        summary: confirmed
          ? [
              `You are already subscribed to ${page.name} status updates.`,
              '',
              `Choose components or unsubscribe: ${l.manage}`,
            ].join('\n')
          : [
              `Someone (hopefully you) asked to receive ${page.name} status updates at this address.`,
              '',
              `Confirm: ${l.confirm}`,
              '',
              'If it was not you, ignore this mail: nothing will be sent without confirmation.',
            ].join('\n'),
        // No `url`: notify renders it as an "Open incident" button; the link is in the text.
      },
    });
  }

  private async insert(
    tx: Tx,
    page: string,
    s: {
      type: SubscriberType;
      address: string;
      components: string[] | null;
      state: SubscriberState;
      source: string;
      secret?: string | null;
      description?: string | null;
      confirmSentAt?: number | null;
    },
  ): Promise<Subscriber> {
    const now = this.clock.now();
    const row = {
      id: newId(this.clock),
      page,
      type: s.type,
      address: s.address,
      components: s.components ? JSON.stringify(s.components) : null,
      state: s.state,
      token: newToken(),
      secret: s.secret ?? null,
      description: s.description ?? null,
      source: s.source,
      created_at: now,
      confirmed_at: s.state === 'confirmed' ? now : null,
      confirm_sent_at: s.confirmSentAt ?? null,
    };
    await tx.db
      .insertInto('statuspage_subscribers' as any)
      .values(row as any)
      .execute();
    await this.timeline.append(tx, {
      type: 'status_subscriber.created',
      subject: { kind: 'status_page_subscribers', key: page },
      actor: s.source.startsWith('operator:') ? s.source.slice('operator:'.length) : 'public',
      data: { id: row.id, type: s.type, state: s.state },
    });
    return rowToSubscriber(row);
  }

  /** Confirms a pending subscriber by its token (idempotent). */
  async confirm(pageKey: string, token: string): Promise<Subscriber | undefined> {
    const sub = await this.byToken(pageKey, token);
    if (!sub) return undefined;
    if (sub.state === 'confirmed') return sub;
    const now = this.clock.now();
    await inTransaction(this.db, async (tx) => {
      await tx.db
        .updateTable('statuspage_subscribers' as any)
        .set({ state: 'confirmed', confirmed_at: now } as any)
        .where('id', '=', sub.id)
        .execute();
      await this.timeline.append(tx, {
        type: 'status_subscriber.confirmed',
        subject: { kind: 'status_page_subscribers', key: pageKey },
        actor: 'public',
        data: { id: sub.id, type: sub.type },
      });
    });
    return { ...sub, state: 'confirmed', confirmedAt: now };
  }

  /** Changes a subscriber's components by its token (the manage page). */
  async updateComponentsByToken(pageKey: string, token: string, components: string[]): Promise<Subscriber> {
    const sub = await this.byToken(pageKey, token);
    if (!sub) throw notFound('subscription', '(link)');
    return this.setComponents(sub, components, 'public');
  }

  private async setComponents(sub: Subscriber, components: string[], actor: string): Promise<Subscriber> {
    const page = await this.pages.page(sub.page);
    const list = this.checkComponents(page, components);
    await inTransaction(this.db, async (tx) => {
      await tx.db
        .updateTable('statuspage_subscribers' as any)
        .set({ components: list ? JSON.stringify(list) : null } as any)
        .where('id', '=', sub.id)
        .execute();
      await this.timeline.append(tx, {
        type: 'status_subscriber.updated',
        subject: { kind: 'status_page_subscribers', key: sub.page },
        actor,
        data: { id: sub.id, type: sub.type },
      });
    });
    return { ...sub, components: list };
  }

  /** One-click unsubscribe (RFC 8058) or the unsubscribe button: forgets the subscriber. */
  async unsubscribeByToken(pageKey: string, token: string): Promise<boolean> {
    const sub = await this.byToken(pageKey, token);
    if (!sub) return false;
    await inTransaction(this.db, (tx) => this.delete(tx, sub, 'public'));
    return true;
  }

  private async delete(tx: Tx, sub: Subscriber, actor: string): Promise<void> {
    await tx.db
      .deleteFrom('statuspage_subscribers' as any)
      .where('id', '=', sub.id)
      .execute();
    await tx.db
      .updateTable('statuspage_sub_deliveries' as any)
      .set({ status: 'cancelled', last_error: 'subscriber removed' } as any)
      .where('subscriber', '=', sub.id)
      .where('status', '=', 'pending')
      .execute();
    await this.timeline.append(tx, {
      type: 'status_subscriber.removed',
      subject: { kind: 'status_page_subscribers', key: sub.page },
      actor,
      data: { id: sub.id, type: sub.type },
    });
  }

  /** Operator: adds an e-mail (confirmation mail unless `confirmed`) or a webhook subscriber. */
  async add(
    ctx: ActorContext,
    pageKey: string,
    input:
      | { type: 'email'; email: string; components?: string[]; confirmed?: boolean }
      | { type: 'webhook'; url: string; components?: string[]; description?: string },
  ): Promise<Subscriber> {
    const page = await this.pages.page(pageKey);
    const components = this.checkComponents(page, input.components);
    const base = await this.baseUrl();
    const now = this.clock.now();
    const address =
      input.type === 'email'
        ? SubscriberService.checkEmail(input.email)
        : SubscriberService.checkUrl(input.url);
    return inTransaction(this.db, async (tx) => {
      if (await this.findAddress(tx, page.key, input.type, address))
        throw conflict(`${address} already subscribes to page "${page.key}"`, {
          errors: [
            { path: input.type === 'email' ? 'body.email' : 'body.url', message: 'already subscribed' },
          ],
        });
      const confirmed = input.type === 'webhook' || input.confirmed === true;
      const sub = await this.insert(tx, page.key, {
        type: input.type,
        address,
        components,
        state: confirmed ? 'confirmed' : 'pending',
        source: `operator:${ctx.actor}`,
        secret: input.type === 'webhook' ? newWebhookSecret() : null,
        description: input.type === 'webhook' ? (input.description ?? null) : null,
        confirmSentAt: confirmed ? null : now,
      });
      if (!confirmed) await this.sendAccessMail(tx, page, sub, base, now);
      await this.audit.append(tx, {
        ...ctx,
        action: 'status_page.subscriber_add',
        object: { kind: 'status_page_subscriber', key: sub.id },
        after: { page: page.key, type: sub.type, address, components, state: sub.state },
      });
      return sub;
    });
  }

  /** Operator: changes which components a subscriber hears about. */
  async updateComponents(ctx: ActorContext, pageKey: string, id: string, components: string[]) {
    const sub = await this.get(pageKey, id);
    return this.setComponents(sub, components, ctx.actor);
  }

  /** Operator: sends the confirmation mail of a pending e-mail subscriber again. */
  async resendConfirmation(pageKey: string, id: string): Promise<void> {
    const sub = await this.get(pageKey, id);
    if (sub.type !== 'email' || sub.state !== 'pending')
      throw conflict('only pending e-mail subscribers get a confirmation mail');
    const page = await this.pages.page(pageKey);
    const base = await this.baseUrl();
    const now = this.clock.now();
    await inTransaction(this.db, async (tx) => {
      await tx.db
        .updateTable('statuspage_subscribers' as any)
        .set({ confirm_sent_at: now } as any)
        .where('id', '=', sub.id)
        .execute();
      await this.sendAccessMail(tx, page, sub, base, now);
    });
  }

  /** Operator: removes a subscriber. */
  async remove(ctx: ActorContext, pageKey: string, id: string): Promise<void> {
    const sub = await this.get(pageKey, id);
    await inTransaction(this.db, async (tx) => {
      await this.delete(tx, sub, ctx.actor);
      await this.audit.append(tx, {
        ...ctx,
        action: 'status_page.subscriber_remove',
        object: { kind: 'status_page_subscriber', key: sub.id },
        before: { page: sub.page, type: sub.type, address: sub.address, components: sub.components },
      });
    });
  }

  private filtered(pageKey: string, f: ListFilter) {
    let q = this.db.kysely.selectFrom('statuspage_subscribers' as any).where('page', '=', pageKey);
    if (f.type) q = q.where('type', '=', f.type);
    if (f.state) q = q.where('state', '=', f.state);
    if (f.q) {
      const pattern = `%${f.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(sql`lower(address)`, 'like', sql`${pattern} escape '\\'`);
    }
    if (f.component) {
      // Component keys are slugs, so the JSON array text holds them verbatim in quotes.
      const key = f.component;
      q = q.where((eb) => eb.or([eb('components', 'is', null), eb('components', 'like', `%"${key}"%`)]));
    }
    return q;
  }

  /** Operator list: newest first, cursor = the last id of the previous page. */
  async list(pageKey: string, f: ListFilter): Promise<{ items: Subscriber[]; nextCursor: string | null }> {
    await this.pages.page(pageKey);
    const limit = Math.min(Math.max(f.limit ?? 50, 1), 500);
    let q = this.filtered(pageKey, f)
      .selectAll()
      .orderBy('id', 'desc')
      .limit(limit + 1);
    if (f.cursor) q = q.where('id', '<', f.cursor);
    const rows = (await q.execute()).map(rowToSubscriber);
    const more = rows.length > limit;
    const items = rows.slice(0, limit);
    return { items, nextCursor: more ? items[items.length - 1].id : null };
  }

  /** Every matching subscriber as CSV (newest first). */
  async exportCsv(pageKey: string, f: ListFilter): Promise<string> {
    await this.pages.page(pageKey);
    const rows = (await this.filtered(pageKey, f).selectAll().orderBy('id', 'desc').execute()).map(
      rowToSubscriber,
    );
    const head = ['id', 'type', 'address', 'state', 'components', 'source', 'created_at', 'confirmed_at'];
    const lines = rows.map((s) =>
      [
        s.id,
        s.type,
        s.address,
        s.state,
        s.components ? s.components.join(' ') : '*',
        s.source,
        new Date(s.createdAt).toISOString(),
        s.confirmedAt === null ? '' : new Date(s.confirmedAt).toISOString(),
      ]
        .map(csvField)
        .join(','),
    );
    return `${[head.join(','), ...lines].join('\r\n')}\r\n`;
  }

  async counts(pageKey: string): Promise<SubscriberCounts> {
    const page = await this.pages.page(pageKey);
    const rows = (await this.db.kysely
      .selectFrom('statuspage_subscribers' as any)
      .select(['type', 'state', 'components'] as any)
      .where('page', '=', pageKey)
      .execute()) as Array<{ type: string; state: string; components: string | null }>;
    const out: SubscriberCounts = {
      total: rows.length,
      confirmed: 0,
      pending: 0,
      email: 0,
      webhook: 0,
      by_component: Object.fromEntries(page.components.map((c) => [c.key, 0])),
      all_components: 0,
    };
    for (const r of rows) {
      if (r.state === 'confirmed') out.confirmed++;
      else out.pending++;
      if (r.type === 'email') out.email++;
      else out.webhook++;
      if (r.state !== 'confirmed') continue;
      const comps: string[] | null = r.components ? JSON.parse(r.components) : null;
      if (!comps) out.all_components++;
      for (const c of page.components)
        if (!comps || comps.includes(c.key)) out.by_component[c.key] = (out.by_component[c.key] ?? 0) + 1;
    }
    return out;
  }

  async deliveries(pageKey: string, f: { subscriber?: string; limit?: number } = {}) {
    let q = this.db.kysely
      .selectFrom('statuspage_sub_deliveries' as any)
      .selectAll()
      .where('page', '=', pageKey)
      .orderBy('id', 'desc')
      .limit(Math.min(f.limit ?? 50, 200));
    if (f.subscriber) q = q.where('subscriber', '=', f.subscriber);
    const rows = (await q.execute()) as any[];
    const ids = [...new Set(rows.map((r) => r.subscriber as string))];
    const addresses = new Map<string, string>(
      ids.length
        ? (
            (await this.db.kysely
              .selectFrom('statuspage_subscribers' as any)
              .select(['id', 'address'] as any)
              .where('id', 'in', ids)
              .execute()) as Array<{ id: string; address: string }>
          ).map((r) => [r.id, r.address])
        : [],
    );
    return rows.map(
      (r): SubscriberDelivery => ({
        id: r.id,
        subscriber: r.subscriber,
        address: addresses.get(r.subscriber) ?? null,
        eventType: r.event_type,
        status: r.status,
        attempts: Number(r.attempts),
        nextAt: Number(r.next_at),
        lastError: r.last_error ?? null,
        createdAt: Number(r.created_at),
        sentAt: r.sent_at === null ? null : Number(r.sent_at),
      }),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Fan-out: status page events → notifications.

  /**
   * Handles a batch of status page events in the consumer's transaction: every confirmed
   * subscriber of an affected component gets one e-mail (notify outbox) or one webhook delivery
   * (own outbox), keyed `<event id>:<subscriber id>`.
   */
  async fanOut(tx: Tx, events: DomainEvent[], pages: Map<string, PageDef>, base: string): Promise<void> {
    for (const e of events) {
      const page = pages.get(e.subject.key);
      if (!page) continue;
      const data = e.data as { id?: string; status?: string };
      if (!data.id) continue;
      if (
        e.type === 'statuspage.maintenance_updated' &&
        data.status !== 'in_progress' &&
        data.status !== 'completed'
      )
        continue;
      const inc = await this.pages.getIncident(data.id, tx);
      if (!inc) continue;
      const affected = Object.keys(inc.components);
      const subs = (
        (await tx.db
          .selectFrom('statuspage_subscribers' as any)
          .selectAll()
          .where('page', '=', page.key)
          .where('state', '=', 'confirmed')
          .execute()) as any[]
      )
        .map(rowToSubscriber)
        .filter(
          (s) => !s.components || affected.length === 0 || s.components.some((k) => affected.includes(k)),
        );
      if (subs.length === 0) continue;
      const notice = describe(e, inc, page);
      let doc: string | undefined;
      for (const s of subs) {
        const key = `statuspage-sub:${e.id}:${s.id}`;
        const l = this.links(base, s);
        if (s.type === 'email') {
          await this.notify().enqueue(tx, {
            idempotencyKey: key,
            channel: { type: 'email', config: { to: s.address } },
            message: {
              kind: notice.done ? 'resolved' : 'notify',
              title: `[${page.name}] ${notice.title}`,
              summary: [
                notice.body,
                '',
                ...notice.lines,
                '',
                `Status page: ${l.page}`,
                `Manage your subscription: ${l.manage}`,
                `Unsubscribe: ${l.unsubscribe}`,
              ].join('\n'),
              url: `${l.page}#${inc.id}`,
              // RFC 8058 one-click unsubscribe, for transports that set list headers.
              data: {
                list_unsubscribe: `<${l.unsubscribe}>`,
                list_unsubscribe_post: 'List-Unsubscribe=One-Click',
              },
            },
          });
        } else {
          doc ??= JSON.stringify(await this.webhookDocument(tx, page, inc, base));
          const withMeta = `{"meta":${JSON.stringify({
            unsubscribe: l.unsubscribe,
            documentation: `${base}/documentation`,
            event: e.type.replace('statuspage.', ''),
            generated_at: new Date(this.clock.now()).toISOString(),
          })},${doc.slice(1)}`;
          const exists = await tx.db
            .selectFrom('statuspage_sub_deliveries' as any)
            .select('id')
            .where('dedup_key', '=', key)
            .executeTakeFirst();
          if (exists) continue;
          await tx.db
            .insertInto('statuspage_sub_deliveries' as any)
            .values({
              id: newId(this.clock),
              page: page.key,
              subscriber: s.id,
              dedup_key: key,
              event_type: e.type,
              body: withMeta,
              status: 'pending',
              attempts: 0,
              next_at: this.clock.now(),
              claimed_until: null,
              last_error: null,
              created_at: this.clock.now(),
              sent_at: null,
            } as any)
            .execute();
        }
      }
    }
  }

  /** Statuspage's webhook body: `page` (indicator) and `incident` with its `incident_updates`. */
  private async webhookDocument(tx: Tx, page: PageDef, inc: SpIncident, base: string) {
    const states = (await tx.db
      .selectFrom('statuspage_components' as any)
      .select(['component', 'status'] as any)
      .where('page', '=', page.key)
      .execute()) as Array<{ component: string; status: ComponentStatus }>;
    const byKey = new Map(states.map((s) => [s.component, s.status]));
    const open = await this.pages.listIncidents(page.key, { unresolvedOnly: true }, tx);
    const st = pageStatus(
      page.components.map((c) => byKey.get(c.key) ?? 'operational'),
      open.filter((i) => i.kind === 'incident').map((i) => i.impact),
    );
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    const url = `${base}/status/${encodeURIComponent(page.key)}`;
    return {
      page: { id: page.key, status_indicator: st.indicator, status_description: st.description },
      incident: {
        id: inc.id,
        name: inc.name,
        status: inc.status,
        impact: inc.impact,
        created_at: iso(inc.createdAt),
        updated_at: iso(inc.updatedAt),
        monitoring_at: iso(inc.monitoringAt),
        resolved_at: iso(inc.resolvedAt),
        scheduled_for: iso(inc.scheduledFor),
        scheduled_until: iso(inc.scheduledUntil),
        shortlink: `${url}#${inc.id}`,
        page_id: page.key,
        incident_updates: inc.updates.map((u) => ({
          id: u.id,
          incident_id: inc.id,
          status: u.status,
          body: u.body,
          created_at: iso(u.createdAt),
          updated_at: iso(u.createdAt),
          display_at: iso(u.createdAt),
          affected_components: u.affected.map((a) => ({
            code: a.code,
            name: page.components.find((c) => c.key === a.code)?.name ?? a.code,
            old_status: a.old_status,
            new_status: a.new_status,
          })),
        })),
        components: Object.entries(inc.components).map(([key, status]) => ({
          id: key,
          name: page.components.find((c) => c.key === key)?.name ?? key,
          status,
          page_id: page.key,
        })),
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Webhook outbox.

  /** Claims up to `limit` due webhook deliveries (exactly one claimer per row). */
  private async claimDue(now: number, limit: number): Promise<any[]> {
    const due = (await this.db.kysely
      .selectFrom('statuspage_sub_deliveries' as any)
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('next_at')
      .limit(limit)
      .execute()) as any[];
    const mine: any[] = [];
    for (const d of due) {
      const res = await this.db.kysely
        .updateTable('statuspage_sub_deliveries' as any)
        .set({ claimed_until: now + 2 * WEBHOOK_TIMEOUT_MS } as any)
        .where('id', '=', d.id)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) mine.push(d);
    }
    return mine;
  }

  /** Sends one claimed delivery and records the outcome (retry with backoff on transient errors). */
  private async send(d: any, now: number): Promise<void> {
    const subRow = await this.db.kysely
      .selectFrom('statuspage_subscribers' as any)
      .selectAll()
      .where('id', '=', d.subscriber)
      .executeTakeFirst();
    const attempts = Number(d.attempts) + 1;
    const finish = (set: Record<string, unknown>) =>
      this.db.kysely
        .updateTable('statuspage_sub_deliveries' as any)
        .set({ attempts, claimed_until: null, ...set } as any)
        .where('id', '=', d.id)
        .execute();
    if (!subRow) return void (await finish({ status: 'cancelled', last_error: 'subscriber removed' }));
    const sub = rowToSubscriber(subRow);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Vigil-Statuspage/1',
      ...(sub.secret ? signStandardWebhook(sub.secret, d.id, now, d.body) : {}),
    };
    let outcome: { ok: boolean; retry: boolean; detail: string; retryAfterMs?: number };
    try {
      const res = await fetch(sub.address, {
        method: 'POST',
        headers,
        body: d.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      await res.body?.cancel().catch(() => {});
      const ra = Number(res.headers.get('retry-after'));
      outcome = {
        ok: res.status >= 200 && res.status < 300,
        retry: res.status >= 500 || res.status === 408 || res.status === 429,
        detail: `HTTP ${res.status}`,
        ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: Math.min(ra, 3600) * 1000 } : {}),
      };
    } catch (err) {
      outcome = { ok: false, retry: true, detail: `network error: ${(err as Error).message}`.slice(0, 300) };
    }
    if (outcome.ok) await finish({ status: 'sent', sent_at: now, last_error: null });
    else if (outcome.retry && attempts < MAX_WEBHOOK_ATTEMPTS) {
      const backoff = Math.min(30_000 * 2 ** (attempts - 1), 3_600_000);
      await finish({
        last_error: outcome.detail,
        next_at: now + Math.max(backoff, outcome.retryAfterMs ?? 0),
      });
    } else await finish({ status: 'failed', last_error: outcome.detail });
  }

  /** One engine step: fan out new events, then send due webhook deliveries. */
  async step(now: number): Promise<StepResult> {
    // Page definitions and the base URL come from the catalog: read them before the consumer's
    // transaction (on SQLite a transaction holds the only connection).
    let ctx: { pages: Map<string, PageDef>; base: string } | undefined;
    const NEEDS = Symbol('needs-context');
    const consume = () =>
      this.timeline.consume(CONSUMER, { types: SUBSCRIBER_EVENTS, limit: 100 }, async (tx, events) => {
        if (!ctx) throw NEEDS;
        await this.fanOut(tx, events, ctx.pages, ctx.base);
      });
    let consumed: { handled: number; more: boolean };
    try {
      consumed = await consume();
    } catch (err) {
      if (err !== NEEDS) throw err;
      ctx = {
        pages: new Map((await this.pages.pages()).map((p) => [p.key, p])),
        base: await this.baseUrl(),
      };
      consumed = await consume();
    }
    const batch = await this.claimDue(now, 20);
    await Promise.all(batch.map((d) => this.send(d, now)));
    if (consumed.more || batch.length === 20) return { more: true };
    const next = (await this.db.kysely
      .selectFrom('statuspage_sub_deliveries' as any)
      .select((eb) => eb.fn.min('next_at').as('n'))
      .where('status', '=', 'pending')
      .executeTakeFirst()) as { n: unknown } | undefined;
    return next?.n != null ? { nextDueAt: Number(next.n) } : {};
  }

  engine(): Engine {
    return {
      name: 'statuspage-subscribers',
      intervalMs: 2_000,
      step: (now) => this.step(now),
    };
  }
}

/** Subject line and text of a notification about `inc` caused by event `e`. */
function describe(e: DomainEvent, inc: SpIncident, page: PageDef) {
  const data = e.data as {
    status?: string;
    body?: string;
    affected?: Array<{ code: string; new_status: ComponentStatus }>;
  };
  const name = (k: string) => page.components.find((c) => c.key === k)?.name ?? k;
  const statusWord = (s: string) => s.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
  const components = Object.entries(inc.components).map(([k, s]) => `- ${name(k)}: ${STATUS_LABEL[s] ?? s}`);
  const fmt = (t: number | null) =>
    t === null ? '' : new Date(t).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  if (e.type === 'statuspage.maintenance_scheduled')
    return {
      done: false,
      title: `Scheduled maintenance: ${inc.name}`,
      body: inc.updates[inc.updates.length - 1]?.body ?? '',
      lines: [
        `When: ${fmt(inc.scheduledFor)} – ${fmt(inc.scheduledUntil)}`,
        ...(components.length ? ['Components:', ...components] : []),
      ],
    };
  if (inc.kind === 'maintenance') {
    const done = data.status === 'completed';
    return {
      done,
      title: `${done ? 'Maintenance completed' : 'Maintenance in progress'}: ${inc.name}`,
      body: data.body ?? '',
      lines: [`Scheduled: ${fmt(inc.scheduledFor)} – ${fmt(inc.scheduledUntil)}`],
    };
  }
  // The event's update is the newest one written at or before the event: the first one opens it.
  const first = inc.updates.filter((u) => u.createdAt <= e.at).length <= 1;
  const done = data.status === 'resolved';
  const title = done
    ? `Resolved: ${inc.name}`
    : first
      ? `New incident: ${inc.name} (${statusWord(data.status ?? inc.status)})`
      : `${statusWord(data.status ?? inc.status)}: ${inc.name}`;
  return {
    done,
    title,
    body: data.body ?? '',
    lines: components.length ? ['Affected components:', ...components] : [],
  };
}

/**
 * Wires subscribers into the status page module: the service, its routes (public pages and the
 * operator API) and the fan-out/webhook engine. Subscribers hear about events from the moment
 * the module is first installed on (no replay of older history).
 */
export async function setupSubscribers(
  ctx: ModuleContext,
  pages: StatusPageService,
): Promise<{ service: SubscriberService; routes: FastifyPluginAsync; engine: Engine }> {
  const baseUrl = async () => {
    const org = await ctx.catalog.get('org', 'default').catch(() => null);
    return String((org?.spec.base_url as string | undefined) ?? ctx.settings.baseUrl).replace(/\/+$/, '');
  };
  await ctx.timeline.initConsumerAtEnd(CONSUMER);
  const service = new SubscriberService(
    ctx.db,
    ctx.clock,
    ctx.timeline,
    ctx.audit,
    ctx.modules,
    pages,
    baseUrl,
  );
  return { service, routes: subscriberRoutes(service, pages), engine: service.engine() };
}

/** The module's routes plus the subscriber routes, each in its own encapsulated context. */
export function withSubscriberRoutes(routes: FastifyPluginAsync, subs: { routes: FastifyPluginAsync }) {
  const both = async (app: FastifyInstance) => {
    await app.register(routes);
    await app.register(subs.routes);
  };
  // Not encapsulated, like the status page routes inside it: their onRequest hook must see every
  // request (custom domains answer at `/`).
  (both as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return both;
}
