/** Pure status-page rules: status ranking, the page indicator, and Statuspage v2 vocabulary. */
import type { ComponentStatus } from './kinds.ts';

export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];
export type Impact = 'none' | 'minor' | 'major' | 'critical' | 'maintenance';
export type Indicator = Impact;

const RANK: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

/** The worse of two component statuses. */
export function worst(a: ComponentStatus, b: ComponentStatus): ComponentStatus {
  return RANK[b] > RANK[a] ? b : a;
}

/** An incident's impact from the statuses it sets on components. */
export function impactOf(statuses: ComponentStatus[]): Impact {
  const w = statuses.reduce<ComponentStatus>((acc, s) => worst(acc, s), 'operational');
  return w === 'major_outage'
    ? 'critical'
    : w === 'partial_outage'
      ? 'major'
      : w === 'degraded_performance'
        ? 'minor'
        : 'none';
}

const IMPACT_RANK: Record<Impact, number> = { none: 0, maintenance: 1, minor: 2, major: 3, critical: 4 };

/** Statuspage's top-level status: from component statuses and unresolved incidents' impact. */
export function pageStatus(
  components: ComponentStatus[],
  openImpacts: Impact[],
): { indicator: Indicator; description: string } {
  let indicator: Indicator = 'none';
  const w = components.reduce<ComponentStatus>((acc, s) => worst(acc, s), 'operational');
  if (w === 'under_maintenance') indicator = 'maintenance';
  if (w === 'degraded_performance') indicator = 'minor';
  if (w === 'partial_outage') indicator = 'major';
  if (w === 'major_outage') indicator = 'critical';
  for (const i of openImpacts) if (IMPACT_RANK[i] > IMPACT_RANK[indicator]) indicator = i;
  const description =
    w === 'major_outage'
      ? 'Major System Outage'
      : w === 'partial_outage'
        ? 'Partial System Outage'
        : w === 'degraded_performance'
          ? 'Partially Degraded Service'
          : indicator === 'critical'
            ? 'Major Service Outage'
            : indicator === 'major'
              ? 'Partial Service Outage'
              : indicator === 'minor'
                ? 'Minor Service Outage'
                : w === 'under_maintenance' || indicator === 'maintenance'
                  ? 'Service Under Maintenance'
                  : 'All Systems Operational';
  return { indicator, description };
}

/** Human labels for component statuses (the HTML page and feeds). */
export const STATUS_LABEL: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

/** Automatic component status from the states of its checks (worst wins; unknown counts as operational). */
export function statusFromChecks(states: Array<string | undefined>): ComponentStatus {
  let s: ComponentStatus = 'operational';
  for (const st of states) {
    if (st === 'down') s = worst(s, 'major_outage');
    else if (st === 'degraded' || st === 'late') s = worst(s, 'degraded_performance');
  }
  return s;
}
