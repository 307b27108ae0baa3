/** Types, labels and small pieces shared by the status page screens. */
import type { ReactNode } from 'react';
import { ApiError, type CatalogObject, encodeKey, roleAtLeast } from '../../api.ts';
import { Link } from '../../router.tsx';
import { Badge, ErrorBanner, Loading, ManagedBadge, PageHeader, useApi } from '../../ui/components.tsx';

export const COMPONENT_STATUSES = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];
export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const STATUS_LABEL: Record<string, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
  none: 'None',
  minor: 'Minor',
  major: 'Major',
  critical: 'Critical',
  maintenance: 'Maintenance',
};

const TONE: Record<string, string> = {
  operational: 'ok',
  degraded_performance: 'warn',
  partial_outage: 'warn',
  major_outage: 'danger',
  under_maintenance: 'sp-maint',
  investigating: 'danger',
  identified: 'warn',
  monitoring: 'sp-maint',
  resolved: 'ok',
  scheduled: 'sp-maint',
  in_progress: 'warn',
  verifying: 'warn',
  completed: 'ok',
  none: 'ok',
  minor: 'warn',
  major: 'warn',
  critical: 'danger',
  maintenance: 'sp-maint',
};

/** A status (component, incident or maintenance) as a coloured pill with words, never colour alone. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge tone={TONE[status] ?? 'neutral'}>{STATUS_LABEL[status] ?? status.replaceAll('_', ' ')}</Badge>
  );
}

export interface ComponentDef {
  key: string;
  name: string;
  description?: string;
  group?: string;
  checks?: string[];
  services?: string[];
  only_show_if_degraded?: boolean;
}
export interface Template {
  key: string;
  name: string;
  title?: string;
  status?: IncidentStatus;
  body: string;
}
export interface StatusPageObject extends CatalogObject {
  name: string;
  url?: string;
  time_zone?: string;
  logo_url?: string;
  brand_color?: string;
  theme?: 'auto' | 'light' | 'dark';
  domains?: string[];
  private?: boolean;
  links?: Array<{ title: string; url: string }>;
  default?: boolean;
  hold_down?: string;
  templates?: Template[];
  components: ComponentDef[];
}

/** The spec fields of a page (what PUT /api/v1/status-pages/<key> takes). */
export function specOf(p: StatusPageObject): Record<string, unknown> {
  const { key, managed, source, version, created_at, updated_at, ...spec } = p;
  void key;
  void managed;
  void source;
  void version;
  void created_at;
  void updated_at;
  return spec;
}

export interface ComponentRow {
  key: string;
  name: string;
  status: ComponentStatus;
  automatic_status: ComponentStatus | null;
  manual_status: ComponentStatus | null;
  description: string | null;
  group: string | null;
  only_show_if_degraded: boolean;
  checks: string[];
  services: string[];
  updated_at: string | null;
}

export interface SpUpdate {
  id: string;
  status: string;
  body: string;
  affected: Array<{ code: string; old_status: string; new_status: string }>;
  created_at: string;
}
export interface SpIncident {
  id: string;
  page: string;
  kind: 'incident' | 'maintenance';
  name: string;
  status: string;
  impact: string;
  incident_id: string | null;
  components: Record<string, ComponentStatus>;
  scheduled_for: string | null;
  scheduled_until: string | null;
  created_at: string;
  resolved_at: string | null;
  updates: SpUpdate[];
}

export const pagePath = (key: string) => `/status-pages/${encodeKey(key)}`;
export const publicPath = (key: string) => `/status/${encodeKey(key)}`;

/** Messages of a problem document keyed by path below `body.` (e.g. `components.2.name`). */
export function errorsByPath(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(err instanceof ApiError)) return out;
  for (const e of err.problem.errors ?? []) {
    const p = e.path.replace(/^(body|querystring|params)\.?/, '') || '_';
    out[p] = out[p] ? `${out[p]}; ${e.message}` : e.message;
  }
  return out;
}

/** An error message for a form-level banner (problem detail, or the thrown error). */
export function messageOf(err: unknown): string {
  return err instanceof ApiError ? err.message : String((err as Error)?.message ?? err);
}

export type Tab = 'overview' | 'components' | 'incidents' | 'maintenance' | 'appearance' | 'templates';
const TABS: Array<{ id: Tab; label: string; path: string }> = [
  { id: 'overview', label: 'Status', path: '' },
  { id: 'incidents', label: 'Incidents', path: '/incidents' },
  { id: 'maintenance', label: 'Maintenance', path: '/maintenance' },
  { id: 'components', label: 'Components', path: '/components' },
  { id: 'appearance', label: 'Appearance', path: '/appearance' },
  { id: 'templates', label: 'Templates', path: '/templates' },
];

/** Loads a page's catalog object (for every screen of a page). */
export function usePageObject(key: string) {
  return useApi<StatusPageObject>(`/api/v1/status-pages/${encodeKey(key)}`);
}

/** Header of every screen of one page: title, badges, public links, and the page's tabs. */
export function PageFrame(props: {
  pageKey: string;
  tab: Tab;
  title?: string;
  page: ReturnType<typeof usePageObject>;
  actions?: ReactNode;
  children: ReactNode;
}) {
  const { page, pageKey } = props;
  if (page.error && !page.data)
    return (
      <>
        <PageHeader title="Status page" />
        <ErrorBanner error={page.error} />
        <p>
          <Link to="/status-pages">All status pages</Link>
        </p>
      </>
    );
  if (!page.data) return <Loading what="Loading the status page" />;
  const p = page.data;
  const base = pagePath(pageKey);
  return (
    <>
      <nav aria-label="Breadcrumb" className="sp-crumbs">
        <Link to="/status-pages">Status pages</Link> <span aria-hidden="true">›</span> {p.name}
      </nav>
      <PageHeader title={props.title ? `${p.name}: ${props.title}` : p.name} actions={props.actions}>
        <span className="sp-header-meta">
          <code>{p.key}</code> {p.default ? <Badge>default page</Badge> : null}
          {p.private ? <Badge tone="warn">private</Badge> : null}
          <ManagedBadge obj={p} />{' '}
          <a href={publicPath(p.key)} target="_blank" rel="noreferrer">
            Open the public page<span className="sr-only"> (new tab)</span>
          </a>
        </span>
      </PageHeader>
      <nav className="sp-tabs" aria-label="Status page sections">
        <ul>
          {TABS.map((t) => (
            <li key={t.id}>
              <Link to={`${base}${t.path}`} aria-current={t.id === props.tab ? 'page' : undefined}>
                {t.label}
              </Link>
            </li>
          ))}
          <li>
            <Link to={`${base}/subscribers`}>Subscribers</Link>
          </li>
        </ul>
      </nav>
      {props.children}
    </>
  );
}

/** Whether the signed-in role may do `what` on status pages. */
export function can(role: string, what: 'respond' | 'operate'): boolean {
  return roleAtLeast(role, what === 'respond' ? 'responder' : 'operator');
}

/** `datetime-local` value (local time) for an ISO instant. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
