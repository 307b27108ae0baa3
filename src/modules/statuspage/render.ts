/**
 * Rendering of the public status page from a per-page cache. A page's documents (HTML, Statuspage
 * JSON, feeds, iCalendar) are built once and served until something on the page changes (timeline
 * events of the page, its catalog object or the alerting module's maintenance windows) or the
 * uptime data ages (60 s) — never per request. Also the draft preview for the incident composer and
 * the per-month history pages (cached per month the same way).
 */
import { gzipSync } from 'node:zlib';
import { type Clock, DAY } from '../../kernel/clock.ts';
import { invalid, notFound } from '../../kernel/errors.ts';
import type { ModuleDirectory } from '../module.ts';
import type { Timeline } from '../timeline/timeline.ts';
import { maintenanceIcs } from './ics.ts';
import type { ComponentStatus } from './kinds.ts';
import { type Impact, type IncidentStatus, impactOf, worst } from './model.ts';
import {
  type ComponentState,
  componentsForServices,
  expandMessage,
  type PageDef,
  type SpIncident,
  type StatusPageService,
} from './service.ts';
import {
  feeds,
  monthRange,
  type PageData,
  pageCss,
  renderHistory,
  renderHtml,
  statuspageDocs,
} from './views.ts';

export interface Rendered {
  data: PageData;
  docs: Record<string, unknown>;
  /** The same documents serialised and encoded once, plain and gzipped (the public JSON routes send these). */
  json: Record<string, Encoded>;
  html: string;
  /** `html` encoded once, plain and gzipped. */
  htmlBytes: Encoded;
  /** Entity tag of this rendering (weak; one per build). */
  etag: string;
  atom: string;
  rss: string;
  ics: string;
  css: string;
}

interface UptimeReader {
  uptime(
    key: string,
    fromMs: number,
    toMs: number,
    bucket: 'day' | 'hour',
  ): Promise<Array<{ start: number; uptimePct: number | null }>>;
}

/** How long uptime bars may age before a page is rebuilt without any change. */
export const MAX_AGE_MS = 60_000;
/** How far ahead the alerting module's maintenance windows are looked up. */
const WINDOW_HORIZON_MS = 60 * DAY;

export interface Draft {
  /** An existing status-page incident this draft updates; absent for a new incident. */
  id?: string;
  name?: string;
  status?: IncidentStatus;
  body: string;
  components?: Record<string, ComponentStatus>;
  /** Overrides the impact derived from the component statuses (new incidents). */
  impact?: Impact;
}

/** A response body encoded once per rendering: plain, and gzipped for clients that accept it. */
export interface Encoded {
  plain: Buffer;
  gzip: Buffer;
}

function encode(text: string): Encoded {
  const plain = Buffer.from(text);
  return { plain, gzip: gzipSync(plain, { level: 6 }) };
}

interface CacheEntry {
  /** When the build started. */
  at: number;
  r: Promise<unknown>;
  /** The last finished rendering (served while a newer one builds). */
  ready?: unknown;
  build: () => Promise<unknown>;
}

export class PageRenderer {
  private cache = new Map<string, CacheEntry>();
  private refreshQueued = false;
  private builds = 0;
  private readonly etagPrefix = Math.random().toString(36).slice(2, 8);
  /** Custom domain (Host header, lower case, no port) → page key. */
  private hosts = new Map<string, string>();

  constructor(
    private svc: StatusPageService,
    private clock: Clock,
    private modules: ModuleDirectory,
    private baseUrl: () => string,
    timeline: Timeline,
  ) {
    timeline.subscribe((e) => {
      if (
        e.subject.kind === 'status_page' ||
        e.type.startsWith('status_page.') ||
        e.type.startsWith('statuspage.') ||
        e.subject.kind === 'maintenance_window' ||
        e.type.startsWith('maintenance_window.')
      ) {
        this.invalidate();
        if (e.subject.kind === 'status_page' || e.type.startsWith('status_page.')) void this.refreshHosts();
      }
    });
  }

  /** Reloads the custom-domain map (at start and when a page changes). */
  async refreshHosts(): Promise<void> {
    const next = new Map<string, string>();
    for (const p of await this.svc.pages()) for (const h of p.domains ?? []) next.set(h.toLowerCase(), p.key);
    this.hosts = next;
  }

  /** The page served for a Host header, if it is one of a page's custom domains. */
  pageForHost(host: string | undefined): string | undefined {
    if (!host || this.hosts.size === 0) return undefined;
    return this.hosts.get(host.replace(/:\d+$/, '').toLowerCase());
  }

  private cached<T>(key: string, build: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && this.clock.now() - hit.at < MAX_AGE_MS)
      return hit.ready !== undefined ? Promise.resolve(hit.ready as T) : (hit.r as Promise<T>);
    // Aged (uptime bars): keep answering with the last rendering while the next one is built.
    if (hit?.ready !== undefined) {
      this.start(key, build, hit.ready);
      return Promise.resolve(hit.ready as T);
    }
    return this.start(key, build);
  }

  private start<T>(key: string, build: () => Promise<T>, previous?: unknown): Promise<T> {
    const r = build();
    const entry: CacheEntry = { at: this.clock.now(), r, ready: previous, build };
    this.cache.set(key, entry);
    r.then(
      (v) => {
        if (this.cache.get(key) === entry) entry.ready = v;
      },
      () => {
        // A failed rebuild keeps the last good rendering (for its age); a first build is retried.
        if (this.cache.get(key) === entry && previous === undefined) this.cache.delete(key);
      },
    );
    return r;
  }

  /**
   * Something on a page changed (after commit): drop every rendering and rebuild the pages that were
   * being served right away, once per burst of events, so readers do not pay for the rebuild.
   * Requests until it is done wait for the fresh rendering rather than see the old one.
   */
  private invalidate(): void {
    if (this.refreshQueued) return;
    this.refreshQueued = true;
    queueMicrotask(() => {
      this.refreshQueued = false;
      const served = [...this.cache.entries()];
      this.cache.clear();
      for (const [key, e] of served) if (!key.includes('|')) this.start(key, e.build);
    });
  }

  /** The rendered page (default page without a key). */
  render(pageKey?: string): Promise<Rendered> {
    return this.cached(pageKey ?? '', () => this.build(pageKey));
  }

  private async data(pageKey?: string): Promise<PageData> {
    const page = await this.svc.page(pageKey);
    const now = this.clock.now();
    const [states, incidents, windows, uptime] = await Promise.all([
      this.svc.componentStates(page.key),
      this.svc.listIncidents(page.key, { limit: 200 }),
      this.windowIncidents(page, now),
      this.uptime(page, now),
    ]);
    const all = [...incidents, ...windows].sort((a, b) => b.createdAt - a.createdAt);
    return { page, baseUrl: this.baseUrl(), states, incidents: all, uptime, now };
  }

  private async build(pageKey?: string): Promise<Rendered> {
    const data = await this.data(pageKey);
    const f = feeds(data);
    const docs = statuspageDocs(data);
    const html = renderHtml(data);
    return {
      data,
      docs,
      json: Object.fromEntries(Object.entries(docs).map(([k, v]) => [k, encode(JSON.stringify(v))])),
      html,
      htmlBytes: encode(html),
      etag: `W/"${this.etagPrefix}-${++this.builds}"`,
      atom: f.atom,
      rss: f.rss,
      ics: maintenanceIcs(data),
      css: pageCss(data.page),
    };
  }

  private async uptime(page: PageDef, now: number) {
    const checks = this.modules.find<UptimeReader>('checks');
    const dayStart = now - (now % DAY);
    const uptime = new Map<string, Array<{ day: number; pct: number | null }>>();
    if (!checks) return uptime;
    await Promise.all(
      page.components.map(async (c) => {
        if (!c.checks?.length) return;
        const per = await Promise.all(
          c.checks.map((k) => checks.uptime(k, dayStart - 89 * DAY, dayStart + DAY, 'day').catch(() => [])),
        );
        const days = Array.from({ length: 90 }, (_, i) => dayStart - (89 - i) * DAY);
        uptime.set(
          c.key,
          days.map((day) => {
            const vals = per
              .map((buckets) => buckets.find((b) => b.start === day)?.uptimePct)
              .filter((v): v is number => v != null);
            return { day, pct: vals.length ? Math.min(...vals) : null };
          }),
        );
      }),
    );
    return uptime;
  }

  /**
   * The alerting module's maintenance windows for the page's components (matched by service), as
   * maintenance entries: shown from their announce time, in progress between start and end, then
   * completed (kept for a day so the page says so).
   */
  private async windowIncidents(page: PageDef, now: number): Promise<SpIncident[]> {
    const occurrences = await this.svc.windows(now - DAY, now + WINDOW_HORIZON_MS);
    const out: SpIncident[] = [];
    for (const w of occurrences) {
      const comps = componentsForServices(page, w.services);
      if (comps.length === 0 || now < w.announceAt) continue;
      const status = now < w.start ? 'scheduled' : now < w.end ? 'in_progress' : 'completed';
      const updates = [
        {
          id: `mw-${w.key}-${w.start}-s`,
          status: 'scheduled',
          body: w.description ?? `${w.title} is scheduled.`,
          affected: [],
          createdAt: w.announceAt,
        },
      ];
      if (status !== 'scheduled')
        updates.unshift({
          id: `mw-${w.key}-${w.start}-p`,
          status: 'in_progress',
          body: 'Scheduled maintenance is in progress.',
          affected: [],
          createdAt: w.start,
        });
      if (status === 'completed')
        updates.unshift({
          id: `mw-${w.key}-${w.start}-c`,
          status: 'completed',
          body: 'Scheduled maintenance has been completed.',
          affected: [],
          createdAt: w.end,
        });
      out.push({
        id: `mw-${w.key}-${w.start}`,
        page: page.key,
        kind: 'maintenance',
        name: w.title,
        status,
        impact: 'maintenance',
        incidentId: null,
        components: Object.fromEntries(comps.map((c) => [c, 'under_maintenance' as const])),
        scheduledFor: w.start,
        scheduledUntil: w.end,
        createdAt: w.announceAt,
        updatedAt: status === 'scheduled' ? w.announceAt : status === 'in_progress' ? w.start : w.end,
        monitoringAt: null,
        resolvedAt: status === 'completed' ? w.end : null,
        updates,
      });
    }
    return out;
  }

  /** The page's stylesheet (cheap; served even for private pages). */
  async css(pageKey: string): Promise<string> {
    return (await this.render(pageKey)).css;
  }

  /**
   * The public page as it would look with `draft` published (a new incident, or an update of an
   * existing one): the same renderer, nothing stored.
   */
  async preview(pageKey: string, draft: Draft): Promise<{ html: string; name: string; body: string }> {
    const data = await this.data(pageKey);
    const page = data.page;
    const comps = draft.components ?? {};
    for (const [k] of Object.entries(comps))
      if (!page.components.some((c) => c.key === k))
        throw invalid(`page "${page.key}" has no component "${k}"`, {
          errors: [{ path: 'body.components', message: `unknown component "${k}"` }],
        });
    const now = this.clock.now();
    let base: SpIncident | undefined;
    if (draft.id) {
      base = data.incidents.find((i) => i.id === draft.id) ?? (await this.svc.getIncident(draft.id));
      if (!base || base.page !== page.key) throw notFound('status page incident', draft.id);
    }
    const status = draft.status ?? (base?.status as IncidentStatus | undefined) ?? 'investigating';
    const done = status === 'resolved';
    const next: Record<string, ComponentStatus> = { ...(base?.components ?? {}), ...comps };
    if (done) for (const k of Object.keys(next)) if (!comps[k]) next[k] = 'operational';
    const name = expandMessage(draft.name ?? base?.name ?? 'Untitled incident', page, Object.keys(next));
    const body = expandMessage(draft.body, page, Object.keys(next));
    const inc: SpIncident = {
      id: base?.id ?? 'preview',
      page: page.key,
      kind: 'incident',
      name,
      status,
      impact: draft.impact ?? base?.impact ?? impactOf(Object.values(next)),
      incidentId: base?.incidentId ?? null,
      components: next,
      scheduledFor: null,
      scheduledUntil: null,
      createdAt: base?.createdAt ?? now,
      updatedAt: now,
      monitoringAt: base?.monitoringAt ?? null,
      resolvedAt: done ? now : null,
      updates: [
        { id: 'preview-update', status, body, affected: [], createdAt: now },
        ...(base?.updates ?? []),
      ],
    };
    const incidents = [inc, ...data.incidents.filter((i) => i.id !== inc.id)];
    // Component statuses as they would be: the draft's statuses on top (an override still wins).
    const states = new Map<string, ComponentState>(data.states);
    for (const [k, s] of Object.entries(next)) {
      const cur = states.get(k);
      if (cur?.manualStatus) continue;
      const was = base?.components[k];
      const other = cur?.status ?? 'operational';
      const effective = done ? (was && other === was ? 'operational' : other) : worst(other, s);
      states.set(k, {
        key: k,
        status: effective,
        autoStatus: cur?.autoStatus ?? null,
        manualStatus: null,
        updatedAt: now,
      });
    }
    return { html: renderHtml({ ...data, incidents, states }), name, body };
  }

  /** Months (`YYYY-MM`, newest first) that have incidents or maintenance, always including this one. */
  private async months(pageKey: string): Promise<string[]> {
    const list = await this.svc.incidentMonths(pageKey);
    const current = new Date(this.clock.now()).toISOString().slice(0, 7);
    return [...new Set([current, ...list])].sort().reverse();
  }

  /** The history page of `month` (`YYYY-MM`); undefined when `month` is malformed. */
  history(pageKey: string, month: string): Promise<string | undefined> {
    const range = monthRange(month);
    if (!range) return Promise.resolve(undefined);
    return this.cached(`${pageKey}|history|${month}`, async () => {
      const base = await this.render(pageKey);
      const [incidents, months] = await Promise.all([
        this.svc.listIncidents(base.data.page.key, { from: range.from, to: range.to, limit: 500 }),
        this.months(base.data.page.key),
      ]);
      return renderHistory(base.data, month, incidents, months);
    });
  }

  /** The newest month with history (for /history without a month). */
  async latestMonth(pageKey: string): Promise<string> {
    return (await this.months(pageKey))[0];
  }
}
