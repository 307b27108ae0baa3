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

const LIGHT =
  '--fg:#111827;--bg:#fff;--muted:#4b5563;--line:#e5e7eb;--ok:#15803d;--minor:#a16207;--major:#c2410c;--critical:#b91c1c;--maint:#1d4ed8;--nodata:#6b7280';
const DARK =
  '--fg:#f3f4f6;--bg:#111827;--muted:#d1d5db;--line:#374151;--ok:#4ade80;--minor:#facc15;--major:#fb923c;--critical:#f87171;--maint:#93c5fd;--nodata:#9ca3af';

/** The page's stylesheet (served at /status/<page>/style.css; no inline styles, so a strict CSP holds). */
export function pageCss(page: Pick<PageDef, 'brand_color' | 'theme'>): string {
  const brand = page.brand_color ?? '#2563eb';
  const theme = page.theme ?? 'auto';
  const scheme =
    theme === 'dark'
      ? `:root{color-scheme:dark;${DARK};--brand:${brand}}`
      : theme === 'light'
        ? `:root{color-scheme:light;${LIGHT};--brand:${brand}}`
        : `:root{color-scheme:light dark;${LIGHT};--brand:${brand}}\n@media (prefers-color-scheme:dark){:root{${DARK}}}`;
  return `${scheme}
body{font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0}
main{max-width:52rem;margin:0 auto;padding:1.5rem}
header{display:flex;align-items:center;gap:1rem;border-bottom:3px solid var(--brand);padding-bottom:1rem;flex-wrap:wrap}
header img{max-height:40px}
h1{margin:0;font-size:1.5rem}
.overall{padding:1rem;border-radius:.5rem;margin:1.5rem 0;font-size:1.25rem;font-weight:600;border:2px solid}
.overall.none{border-color:var(--ok)}.overall.minor{border-color:var(--minor)}.overall.major{border-color:var(--major)}.overall.critical{border-color:var(--critical)}.overall.maintenance{border-color:var(--maint)}
.group{margin:1rem 0}.group>h3{font-size:1.05rem;margin:.5rem 0}
.component{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:.5rem 0}
.row{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;flex-wrap:wrap}
h3,h4{margin:0;font-size:1rem}
.status.ok{color:var(--ok)}.status.minor{color:var(--minor)}.status.major{color:var(--major)}.status.critical{color:var(--critical)}.status.maint{color:var(--maint)}
.desc,.uptime,.when,.meta{color:var(--muted);margin:.25rem 0;font-size:.875rem}
.bars{display:flex;gap:2px;list-style:none;padding:0;margin:.5rem 0 0}
.bar{flex:1;height:28px;border-radius:2px;min-width:2px;position:relative}
.bar:focus{outline:2px solid var(--fg);outline-offset:1px}
.bar .tip{display:none;position:absolute;bottom:34px;left:50%;transform:translateX(-50%);background:var(--fg);color:var(--bg);padding:.25rem .5rem;border-radius:.25rem;font-size:.75rem;white-space:nowrap;z-index:1}
.bar:hover .tip,.bar:focus .tip{display:block}
.bar.ok{background:var(--ok)}.bar.minor{background:var(--minor)}.bar.major{background:var(--major)}.bar.critical{background:var(--critical)}.bar.nodata{background:var(--nodata)}
.incident{border-left:4px solid var(--brand);padding:.25rem 1rem;margin:1rem 0}
.updates{padding-left:1.25rem}
time{color:var(--muted);font-size:.875rem}
nav.months ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem 1rem}
footer{margin-top:2rem;color:var(--muted);font-size:.875rem;border-top:1px solid var(--line);padding-top:1rem}
a{color:var(--fg);text-decoration-color:var(--brand);text-decoration-thickness:2px}
@media (max-width:480px){main{padding:1rem}.bars{gap:1px}.bar{min-width:1px}}
`;
}

function shell(d: PageData, title: string, body: string): string {
  const key = esc(d.page.key);
  const theme = d.page.theme && d.page.theme !== 'auto' ? ` data-theme="${d.page.theme}"` : '';
  return `<!doctype html>
<html lang="en"${theme}><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="stylesheet" href="/status/${key}/style.css?v=${cssVersion(d.page)}">
<link rel="alternate" type="application/atom+xml" title="${esc(d.page.name)} incidents" href="/status/${key}/history.atom">
</head>
<body><main>
<header>${d.page.logo_url ? `<img src="${esc(d.page.logo_url)}" alt="${esc(d.page.name)} logo">` : ''}<h1><a href="${esc(pagePath(d))}">${esc(d.page.name)}</a> status</h1></header>
${body}
<footer>${(d.page.links ?? []).map((l) => `<a href="${esc(l.url)}">${esc(l.title)}</a>`).join(' · ')}${d.page.links?.length ? ' · ' : ''}<a href="/status/${key}/history">Incident history</a> · <a href="/status/${key}/history.atom">Atom</a> · <a href="/status/${key}/history.rss">RSS</a> · <a href="/status/${key}/maintenance.ics">Maintenance calendar</a> · <a href="/status/${key}/api/v2/summary.json">JSON</a>${d.page.private ? '' : ` · <a href="/status/${key}/subscribe">Subscribe to updates</a>`}</footer>
</main></body></html>`;
}

/** A short version tag of the page's stylesheet (cache busting when colours or theme change). */
export function cssVersion(page: Pick<PageDef, 'brand_color' | 'theme'>): string {
  let h = 0;
  for (const ch of pageCss(page)) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return (h >>> 0).toString(36);
}

/** Where the page lives for readers: its first custom domain's root, else /status/<key>. */
function pagePath(d: PageData): string {
  return `/status/${d.page.key}`;
}

function fmtFor(d: PageData) {
  const tz = d.page.time_zone ?? 'UTC';
  return (t: number) => {
    let text: string;
    try {
      text = new Date(t).toLocaleString('en-GB', { timeZone: tz, dateStyle: 'medium', timeStyle: 'short' });
    } catch {
      text = new Date(t).toISOString();
    }
    return `${text} (${tz})`;
  };
}

function incidentBlock(d: PageData, i: SpIncident, level: 'h3' | 'h4' = 'h3'): string {
  const fmt = fmtFor(d);
  const names = Object.keys(i.components)
    .map((k) => d.page.components.find((c) => c.key === k)?.name ?? k)
    .join(', ');
  return `<article class="incident" id="${esc(i.id)}">
  <${level}>${esc(i.name)} <span class="impact ${esc(i.impact)}">— ${esc(i.status.replace('_', ' '))}</span></${level}>
  ${i.kind === 'maintenance' && i.scheduledFor !== null ? `<p class="when">Scheduled ${esc(fmt(i.scheduledFor))} – ${esc(fmt(i.scheduledUntil ?? i.scheduledFor))}</p>` : ''}
  ${names ? `<p class="meta">Affects: ${esc(names)}</p>` : ''}
  <ol class="updates">${i.updates.map((u) => `<li><strong>${esc(u.status.replace('_', ' '))}</strong> — ${esc(u.body)} <time datetime="${new Date(u.createdAt).toISOString()}">${esc(fmt(u.createdAt))}</time></li>`).join('')}</ol>
</article>`;
}

/** The public page as HTML: works without JavaScript, light/dark via prefers-color-scheme or the page's theme. */
export function renderHtml(d: PageData): string {
  const st = spStatus(d);
  const fmt = fmtFor(d);
  const dayIncidents = (day: number) =>
    d.incidents.filter(
      (i) => i.kind === 'incident' && i.createdAt < day + 86_400_000 && (i.resolvedAt ?? d.now) >= day,
    );
  const componentHtml = (c: PageData['page']['components'][number]) => {
    const s = statusOf(d, c.key);
    const bars = d.uptime.get(c.key) ?? [];
    const known = bars.filter((b) => b.pct !== null);
    const avg = known.length ? known.reduce((a, b) => a + (b.pct ?? 0), 0) / known.length : null;
    const barHtml = bars
      .map((b) => {
        const hits = dayIncidents(b.day).filter((i) => Object.hasOwn(i.components, c.key));
        const label = `${new Date(b.day).toISOString().slice(0, 10)}: ${b.pct === null ? 'no data' : `${b.pct.toFixed(2)}% uptime`}${hits.length ? `; incidents: ${hits.map((i) => i.name).join(', ')}` : ''}`;
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
        return `<li class="bar ${cls}" tabindex="0" aria-label="${esc(label)}"><span class="tip" aria-hidden="true">${esc(label)}</span></li>`;
      })
      .join('');
    return `<section class="component" aria-labelledby="c-${esc(c.key)}">
  <div class="row"><h4 id="c-${esc(c.key)}">${esc(c.name)}</h4><span class="status ${DOT[s]}">${STATUS_LABEL[s]}</span></div>
  ${c.description ? `<p class="desc">${esc(c.description)}</p>` : ''}
  ${bars.length ? `<ol class="bars" aria-label="${esc(c.name)}: uptime over the last ${bars.length} days">${barHtml}</ol><p class="uptime">${avg === null ? 'No uptime data yet' : `${avg.toFixed(2)}% uptime over ${bars.length} days`}</p>` : ''}
</section>`;
  };
  const visible = d.page.components.filter(
    (c) => !c.only_show_if_degraded || statusOf(d, c.key) !== 'operational',
  );
  // Components in display order; a group's members sit together under the group's heading.
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const c of visible) {
    if (!c.group) {
      parts.push(componentHtml(c));
      continue;
    }
    if (seen.has(c.group)) continue;
    seen.add(c.group);
    const members = visible.filter((m) => m.group === c.group);
    const worstStatus = members.map((m) => statusOf(d, m.key)).sort((a, b) => rank(b) - rank(a))[0];
    parts.push(`<section class="group" aria-label="${esc(c.group)}"><div class="row"><h3>${esc(c.group)}</h3><span class="status ${DOT[worstStatus]}">${STATUS_LABEL[worstStatus]}</span></div>
${members.map(componentHtml).join('\n')}</section>`);
  }
  const active = d.incidents.filter((i) => i.kind === 'incident' && i.resolvedAt === null);
  const maint = d.incidents.filter((i) => i.kind === 'maintenance' && i.resolvedAt === null);
  const past = d.incidents.filter(
    (i) => i.kind === 'incident' && i.resolvedAt !== null && d.now - i.resolvedAt < 14 * 86_400_000,
  );
  return shell(
    d,
    `${d.page.name} status`,
    `<p class="overall ${st.indicator}" role="status">${esc(st.description)}</p>
${active.length ? `<h2>Current incidents</h2>${active.map((i) => incidentBlock(d, i)).join('\n')}` : ''}
${maint.length ? `<h2>Scheduled maintenance</h2>${maint.map((i) => incidentBlock(d, i)).join('\n')}` : ''}
<h2>Components</h2>
${parts.join('\n') || '<p>No components.</p>'}
<h2>Past incidents</h2>
${past.length ? past.map((i) => incidentBlock(d, i)).join('\n') : '<p>No incidents in the last 14 days.</p>'}
<p><a href="/status/${esc(d.page.key)}/history">Incident history by month</a></p>
<p class="meta">Updated ${esc(fmt(d.now))}</p>`,
  );
}

const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** [start, end) of a `YYYY-MM` month in UTC, or null when malformed. */
export function monthRange(month: string): { from: number; to: number } | null {
  const m = MONTH_RE.exec(month);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]) - 1;
  return { from: Date.UTC(y, mo, 1), to: Date.UTC(y, mo + 1, 1) };
}

const monthName = (month: string) => {
  const r = monthRange(month)!;
  return new Date(r.from).toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
};

/** Incident history of one month (`incidents` are that month's), with links to the other months. */
export function renderHistory(d: PageData, month: string, incidents: SpIncident[], months: string[]): string {
  const list = incidents.filter((i) => i.kind === 'incident');
  const maint = incidents.filter((i) => i.kind === 'maintenance');
  const key = esc(d.page.key);
  const idx = months.indexOf(month);
  const nav = `<nav class="months" aria-label="Months"><ul>${months
    .map(
      (m) =>
        `<li><a href="/status/${key}/history/${m}"${m === month ? ' aria-current="page"' : ''}>${esc(monthName(m))}</a></li>`,
    )
    .join('')}</ul></nav>`;
  const prevNext = [
    idx >= 0 && idx + 1 < months.length
      ? `<a href="/status/${key}/history/${months[idx + 1]}">← ${esc(monthName(months[idx + 1]))}</a>`
      : '',
    idx > 0
      ? `<a href="/status/${key}/history/${months[idx - 1]}">${esc(monthName(months[idx - 1]))} →</a>`
      : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return shell(
    d,
    `${d.page.name} incident history — ${monthName(month)}`,
    `<h2>Incident history — ${esc(monthName(month))}</h2>
${list.length ? list.map((i) => incidentBlock(d, i)).join('\n') : '<p>No incidents this month.</p>'}
${maint.length ? `<h2>Maintenance</h2>${maint.map((i) => incidentBlock(d, i)).join('\n')}` : ''}
${prevNext ? `<p>${prevNext}</p>` : ''}
<h2>Other months</h2>
${nav}`,
  );
}

/** A small page for a private status page when nobody is signed in. */
export function renderSignInNeeded(name: string, consolePath: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(name)} status — sign in</title></head>
<body><main><h1>${esc(name)} status</h1><p>This status page is private. <a href="${esc(consolePath)}">Sign in to Vigil</a>, then open this page again.</p></main></body></html>`;
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
