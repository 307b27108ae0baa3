/**
 * Read models of a status page: the Statuspage v2 JSON documents (same field names and enums, so
 * existing widgets and bots work unchanged), the server-rendered HTML page (no JavaScript, no
 * external assets) and the Atom/RSS feeds.
 */
import { Feed } from 'feed';
import type { ComponentStatus } from './kinds.ts';
import { pageStatus, STATUS_LABEL } from './model.ts';
import type { ComponentState, PageDef, SpIncident } from './service.ts';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export interface PageData {
  page: PageDef;
  baseUrl: string;
  states: Map<string, ComponentState>;
  incidents: SpIncident[];
  /** Per component: 90 daily uptime buckets (null = no data). */
  uptime: Map<string, Array<{ day: number; pct: number | null }>>;
  now: number;
}

export function pageUrl(d: Pick<PageData, 'page' | 'baseUrl'>): string {
  return d.page.url ?? `${d.baseUrl}/status/${d.page.key}`;
}

const statusOf = (d: PageData, key: string): ComponentStatus => d.states.get(key)?.status ?? 'operational';

export function spPage(d: PageData) {
  return {
    id: d.page.key,
    name: d.page.name,
    url: pageUrl(d),
    time_zone: d.page.time_zone ?? 'Etc/UTC',
    updated_at: iso(
      Math.max(
        d.page.updatedAt,
        ...[...d.states.values()].map((s) => s.updatedAt),
        ...d.incidents.map((i) => i.updatedAt),
      ),
    ),
  };
}

export function spComponents(d: PageData) {
  const out: Array<Record<string, unknown>> = [];
  const groups = new Map<string, string[]>();
  d.page.components.forEach((c, i) => {
    const groupId = c.group ? `group-${c.group.toLowerCase().replace(/[^a-z0-9]+/g, '-')}` : null;
    if (c.group && groupId) groups.set(groupId, [...(groups.get(groupId) ?? []), c.key]);
    out.push({
      id: c.key,
      name: c.name,
      status: statusOf(d, c.key),
      created_at: iso(d.page.updatedAt),
      updated_at: iso(d.states.get(c.key)?.updatedAt ?? d.page.updatedAt),
      position: i + 1,
      description: c.description ?? null,
      showcase: true,
      start_date: null,
      group_id: groupId,
      page_id: d.page.key,
      group: false,
      only_show_if_degraded: c.only_show_if_degraded ?? false,
    });
  });
  let pos = out.length;
  for (const [id, members] of groups) {
    const name = d.page.components.find((c) => c.key === members[0])?.group ?? id;
    const worst = members.map((m) => statusOf(d, m)).sort((a, b) => rank(b) - rank(a))[0];
    out.push({
      id,
      name,
      status: worst,
      created_at: iso(d.page.updatedAt),
      updated_at: iso(d.page.updatedAt),
      position: ++pos,
      description: null,
      showcase: false,
      start_date: null,
      group_id: null,
      page_id: d.page.key,
      group: true,
      only_show_if_degraded: false,
      components: members,
    });
  }
  return out;
}

const RANKS: ComponentStatus[] = [
  'operational',
  'under_maintenance',
  'degraded_performance',
  'partial_outage',
  'major_outage',
];
const rank = (s: ComponentStatus) => RANKS.indexOf(s);

function spIncident(d: PageData, i: SpIncident) {
  const name = (code: string) => d.page.components.find((c) => c.key === code)?.name ?? code;
  const components = spComponents(d).filter((c) => !c.group && Object.hasOwn(i.components, c.id as string));
  const base = {
    id: i.id,
    name: i.name,
    status: i.status,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    monitoring_at: iso(i.monitoringAt),
    resolved_at: iso(i.resolvedAt),
    impact: i.impact,
    shortlink: `${pageUrl(d)}#${i.id}`,
    started_at: iso(i.createdAt),
    page_id: d.page.key,
    incident_updates: i.updates.map((u) => ({
      id: u.id,
      status: u.status,
      body: u.body,
      incident_id: i.id,
      created_at: iso(u.createdAt),
      updated_at: iso(u.createdAt),
      display_at: iso(u.createdAt),
      affected_components: u.affected.map((a) => ({
        code: a.code,
        name: name(a.code),
        old_status: a.old_status,
        new_status: a.new_status,
      })),
      deliver_notifications: true,
      custom_tweet: null,
      tweet_id: null,
    })),
    components,
  };
  return i.kind === 'maintenance'
    ? { ...base, scheduled_for: iso(i.scheduledFor), scheduled_until: iso(i.scheduledUntil) }
    : base;
}

export function spStatus(d: PageData) {
  const comps = d.page.components.map((c) => statusOf(d, c.key));
  const open = d.incidents.filter((i) => i.kind === 'incident' && i.resolvedAt === null).map((i) => i.impact);
  return pageStatus(comps, open);
}

/** All Statuspage v2 documents of a page, keyed by path under /api/v2/. */
export function statuspageDocs(d: PageData): Record<string, unknown> {
  const page = spPage(d);
  const components = spComponents(d);
  const incidents = d.incidents
    .filter((i) => i.kind === 'incident')
    .slice(0, 50)
    .map((i) => spIncident(d, i));
  const unresolved = d.incidents
    .filter((i) => i.kind === 'incident' && i.resolvedAt === null)
    .map((i) => spIncident(d, i));
  const maint = d.incidents.filter((i) => i.kind === 'maintenance');
  const upcoming = maint.filter((m) => m.status === 'scheduled').map((m) => spIncident(d, m));
  const active = maint
    .filter((m) => m.status === 'in_progress' || m.status === 'verifying')
    .map((m) => spIncident(d, m));
  const status = spStatus(d);
  return {
    'summary.json': {
      page,
      components,
      incidents: unresolved,
      scheduled_maintenances: [...active, ...upcoming],
      status,
    },
    'status.json': { page, status },
    'components.json': { page, components },
    'incidents.json': { page, incidents },
    'incidents/unresolved.json': { page, incidents: unresolved },
    'scheduled-maintenances.json': {
      page,
      scheduled_maintenances: maint.slice(0, 50).map((m) => spIncident(d, m)),
    },
    'scheduled-maintenances/upcoming.json': { page, scheduled_maintenances: upcoming },
    'scheduled-maintenances/active.json': { page, scheduled_maintenances: active },
  };
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const DOT: Record<ComponentStatus, string> = {
  operational: 'ok',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
  under_maintenance: 'maint',
};

/** The public page as HTML: works without JavaScript, light/dark via prefers-color-scheme. */
export function renderHtml(d: PageData): string {
  const st = spStatus(d);
  const fmt = (t: number) =>
    new Date(t).toLocaleString('en-GB', {
      timeZone: d.page.time_zone ?? 'UTC',
      dateStyle: 'medium',
      timeStyle: 'short',
    }) + ` (${d.page.time_zone ?? 'UTC'})`;
  const visible = d.page.components.filter(
    (c) => !c.only_show_if_degraded || statusOf(d, c.key) !== 'operational',
  );
  const comp = visible
    .map((c) => {
      const s = statusOf(d, c.key);
      const bars = d.uptime.get(c.key) ?? [];
      const known = bars.filter((b) => b.pct !== null);
      const avg = known.length ? known.reduce((a, b) => a + (b.pct ?? 0), 0) / known.length : null;
      const barHtml = bars
        .map((b) => {
          const label = `${new Date(b.day).toISOString().slice(0, 10)}: ${b.pct === null ? 'no data' : `${b.pct.toFixed(2)}% uptime`}`;
          const cls =
            b.pct === null
              ? 'nodata'
              : b.pct >= 99.9
                ? 'ok'
                : b.pct >= 99
                  ? 'minor'
                  : b.pct >= 95
                    ? 'major'
                    : 'critical';
          return `<li class="bar ${cls}" tabindex="0" title="${esc(label)}" aria-label="${esc(label)}"></li>`;
        })
        .join('');
      return `<section class="component" aria-labelledby="c-${esc(c.key)}">
  <div class="row"><h3 id="c-${esc(c.key)}">${esc(c.name)}</h3><span class="status ${DOT[s]}">${STATUS_LABEL[s]}</span></div>
  ${c.description ? `<p class="desc">${esc(c.description)}</p>` : ''}
  ${bars.length ? `<ol class="bars" aria-label="${esc(c.name)}: uptime over the last ${bars.length} days">${barHtml}</ol><p class="uptime">${avg === null ? 'No uptime data yet' : `${avg.toFixed(2)}% uptime over ${bars.length} days`}</p>` : ''}
</section>`;
    })
    .join('\n');
  const incidentHtml = (i: SpIncident) => `<article class="incident" id="${esc(i.id)}">
  <h3>${esc(i.name)} <span class="impact ${esc(i.impact)}">${esc(i.status.replace('_', ' '))}</span></h3>
  ${i.kind === 'maintenance' && i.scheduledFor !== null ? `<p class="when">Scheduled ${esc(fmt(i.scheduledFor))} – ${esc(fmt(i.scheduledUntil ?? i.scheduledFor))}</p>` : ''}
  <ol class="updates">${i.updates.map((u) => `<li><strong>${esc(u.status.replace('_', ' '))}</strong> — ${esc(u.body)} <time datetime="${new Date(u.createdAt).toISOString()}">${esc(fmt(u.createdAt))}</time></li>`).join('')}</ol>
</article>`;
  const active = d.incidents.filter((i) => i.kind === 'incident' && i.resolvedAt === null);
  const maint = d.incidents.filter((i) => i.kind === 'maintenance' && i.resolvedAt === null);
  const past = d.incidents.filter(
    (i) => i.kind === 'incident' && i.resolvedAt !== null && d.now - i.resolvedAt < 14 * 86_400_000,
  );
  const brand = d.page.brand_color ?? '#2563eb';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(d.page.name)} status</title>
<link rel="alternate" type="application/atom+xml" title="${esc(d.page.name)} incidents" href="/status/${esc(d.page.key)}/history.atom">
<style>
:root{color-scheme:light dark;--fg:#111827;--bg:#fff;--muted:#4b5563;--line:#e5e7eb;--ok:#15803d;--minor:#a16207;--major:#c2410c;--critical:#b91c1c;--maint:#1d4ed8;--nodata:#d1d5db;--brand:${brand}}
@media (prefers-color-scheme:dark){:root{--fg:#f3f4f6;--bg:#111827;--muted:#d1d5db;--line:#374151;--ok:#4ade80;--minor:#facc15;--major:#fb923c;--critical:#f87171;--maint:#93c5fd;--nodata:#4b5563}}
body{font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0}
main{max-width:52rem;margin:0 auto;padding:1.5rem}
header{display:flex;align-items:center;gap:1rem;border-bottom:3px solid var(--brand);padding-bottom:1rem}
header img{max-height:40px}
.overall{padding:1rem;border-radius:.5rem;margin:1.5rem 0;font-size:1.25rem;font-weight:600;border:2px solid}
.overall.none{border-color:var(--ok)}.overall.minor{border-color:var(--minor)}.overall.major{border-color:var(--major)}.overall.critical{border-color:var(--critical)}.overall.maintenance{border-color:var(--maint)}
.component{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:.5rem 0}
.row{display:flex;justify-content:space-between;align-items:baseline;gap:1rem}
h3{margin:0;font-size:1rem}
.status.ok{color:var(--ok)}.status.minor{color:var(--minor)}.status.major{color:var(--major)}.status.critical{color:var(--critical)}.status.maint{color:var(--maint)}
.desc,.uptime,.when{color:var(--muted);margin:.25rem 0;font-size:.875rem}
.bars{display:flex;gap:2px;list-style:none;padding:0;margin:.5rem 0 0}
.bar{flex:1;height:28px;border-radius:2px;min-width:2px}
.bar:focus{outline:2px solid var(--fg)}
.bar.ok{background:var(--ok)}.bar.minor{background:var(--minor)}.bar.major{background:var(--major)}.bar.critical{background:var(--critical)}.bar.nodata{background:var(--nodata)}
.incident{border-left:4px solid var(--brand);padding:.25rem 1rem;margin:1rem 0}
.updates{padding-left:1.25rem}
time{color:var(--muted);font-size:.875rem}
footer{margin-top:2rem;color:var(--muted);font-size:.875rem}
a{color:var(--brand)}
</style></head>
<body><main>
<header>${d.page.logo_url ? `<img src="${esc(d.page.logo_url)}" alt="">` : ''}<h1>${esc(d.page.name)}</h1></header>
<p class="overall ${st.indicator}" role="status">${esc(st.description)}</p>
${active.length ? `<h2>Current incidents</h2>${active.map(incidentHtml).join('\n')}` : ''}
${maint.length ? `<h2>Scheduled maintenance</h2>${maint.map(incidentHtml).join('\n')}` : ''}
<h2>Components</h2>
${comp || '<p>No components.</p>'}
<h2>Past incidents</h2>
${past.length ? past.map(incidentHtml).join('\n') : '<p>No incidents in the last 14 days.</p>'}
<footer>${(d.page.links ?? []).map((l) => `<a href="${esc(l.url)}">${esc(l.title)}</a>`).join(' · ')}${d.page.links?.length ? ' · ' : ''}<a href="/status/${esc(d.page.key)}/history.atom">Atom</a> · <a href="/status/${esc(d.page.key)}/history.rss">RSS</a> · <a href="/status/${esc(d.page.key)}/api/v2/summary.json">JSON</a></footer>
</main></body></html>`;
}

/** Atom and RSS feeds of incidents and maintenance (optionally for one component). */
export function feeds(d: PageData, component?: string): { atom: string; rss: string } {
  const url = pageUrl(d);
  const feed = new Feed({
    title: `${d.page.name} status${component ? ` — ${component}` : ''}`,
    id: url,
    link: url,
    copyright: d.page.name,
    updated: new Date(Math.max(d.page.updatedAt, ...d.incidents.map((i) => i.updatedAt))),
  });
  for (const i of d.incidents) {
    if (component && !Object.hasOwn(i.components, component)) continue;
    feed.addItem({
      title: i.name,
      id: `${url}#${i.id}`,
      link: `${url}#${i.id}`,
      date: new Date(i.updatedAt),
      content: i.updates
        .map(
          (u) =>
            `<p><strong>${esc(u.status)}</strong> — ${esc(u.body)} (${new Date(u.createdAt).toISOString()})</p>`,
        )
        .join(''),
    });
  }
  return { atom: feed.atom1(), rss: feed.rss2() };
}
