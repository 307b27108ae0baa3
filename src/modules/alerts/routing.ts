/**
 * The route tree with Alertmanager's semantics (prometheus/alertmanager dispatch/route.go):
 * the root matches everything; children are tried in order, a matching child without
 * `continue` stops the search; a node none of whose children match is the match itself.
 * Unset fields inherit from the parent. `group_by: ['...']` groups by all labels.
 */
import { parseDuration } from '../../kernel/clock.ts';
import { type Labels, type Matcher, matchesAll, parseMatcher } from './matchers.ts';

export interface RouteTarget {
  escalation_policy?: string;
  channel?: string;
}

export interface IncidentConfig {
  open: boolean;
  severity_from?: string;
  severity_map?: Record<string, string>;
  default_severity?: string;
  service_label?: string;
  /**
   * Set when the route names an escalation policy but no `incident` setting: paging needs an
   * incident to acknowledge, so one is opened per group, at the least severe level when the
   * alert's severity label names no severity.
   */
  implicit?: boolean;
}

/** A route with its inherited settings resolved. */
export interface CompiledRoute {
  id: string;
  matchers: Matcher[];
  continue: boolean;
  target: RouteTarget | null;
  groupBy: string[] | 'all';
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
  incident: IncidentConfig | null;
  children: CompiledRoute[];
}

/** The spec of one node of the tree as the plan/kind holds it. */
export interface RouteSpec {
  key?: string;
  matchers?: string[];
  continue?: boolean;
  target?: RouteTarget;
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  incident?: IncidentConfig;
  routes?: RouteSpec[];
}

/** Alertmanager's defaults for the root route. */
export const ROOT_DEFAULTS = { groupWait: 30_000, groupInterval: 5 * 60_000, repeatInterval: 4 * 3_600_000 };

const ROOT: Omit<CompiledRoute, 'id' | 'matchers' | 'continue' | 'children'> = {
  target: null,
  groupBy: [],
  ...ROOT_DEFAULTS,
  incident: null,
};

/** Compiles a route spec (root when `parent` is absent) with inheritance. */
export function compileRoute(
  spec: RouteSpec,
  parent: CompiledRoute | null = null,
  path = 'root',
): CompiledRoute {
  const base = parent ?? (ROOT as CompiledRoute);
  const groupBy = spec.group_by
    ? spec.group_by.includes('...')
      ? 'all'
      : [...spec.group_by].sort()
    : base.groupBy;
  const node: CompiledRoute = {
    id: spec.key ?? path,
    matchers: parent ? (spec.matchers ?? []).map(parseMatcher) : [],
    continue: spec.continue ?? false,
    target: spec.target && (spec.target.escalation_policy || spec.target.channel) ? spec.target : base.target,
    groupBy,
    groupWait: spec.group_wait ? parseDuration(spec.group_wait) : base.groupWait,
    groupInterval: spec.group_interval ? parseDuration(spec.group_interval) : base.groupInterval,
    repeatInterval: spec.repeat_interval ? parseDuration(spec.repeat_interval) : base.repeatInterval,
    // An implicit incident (see IncidentConfig.implicit) follows the target, it is not inherited.
    incident: spec.incident ?? (base.incident?.implicit ? null : base.incident),
    children: [],
  };
  if (!node.incident && node.target?.escalation_policy) node.incident = { open: true, implicit: true };
  node.children = (spec.routes ?? []).map((c, i) => compileRoute(c, node, `${path}.${i}`));
  return node;
}

/** The routes an alert with `labels` goes to (at least the root). */
export function matchRoutes(route: CompiledRoute, labels: Labels): CompiledRoute[] {
  if (!matchesAll(route.matchers, labels)) return [];
  const all: CompiledRoute[] = [];
  for (const child of route.children) {
    const m = matchRoutes(child, labels);
    all.push(...m);
    if (m.length > 0 && !child.continue) break;
  }
  return all.length ? all : [route];
}

/** All routes of a tree by id (for resolving a group's route at flush time). */
export function indexRoutes(
  route: CompiledRoute,
  into = new Map<string, CompiledRoute>(),
): Map<string, CompiledRoute> {
  into.set(route.id, route);
  for (const c of route.children) indexRoutes(c, into);
  return into;
}

/** The labels an alert is grouped on for `route`, and the group's stable key. */
export function groupOf(route: CompiledRoute, labels: Labels): { key: string; labels: Labels } {
  const names = route.groupBy === 'all' ? Object.keys(labels).sort() : route.groupBy;
  const gl: Labels = {};
  for (const n of names) if (labels[n] !== undefined && labels[n] !== '') gl[n] = labels[n];
  const key = `{${Object.keys(gl)
    .map((k) => `${k}=${JSON.stringify(gl[k])}`)
    .join(',')}}`;
  return { key, labels: gl };
}
