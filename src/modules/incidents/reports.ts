/**
 * Incident reports over a period (incidents opened in [from, to)): MTTA and MTTR per severity,
 * service or team, incidents per week, response-target compliance and noise. Definitions are in
 * docs/incidents.md; the computation is pure so it is tested without a store.
 */

import { weekStart } from './time.ts';
import type { Incident } from './types.ts';

export type GroupBy = 'severity' | 'service' | 'team';

export interface ReportRow {
  group: string;
  incidents: number;
  acknowledged: number;
  resolved: number;
  /** Mean ms from open to first acknowledge, over acknowledged incidents. */
  mtta_ms: number | null;
  /** Mean ms from open to resolve, over resolved incidents. */
  mttr_ms: number | null;
  /** Median ms from open to resolve. */
  mttr_p50_ms: number | null;
  /** Incidents acknowledged by their response target / incidents whose target applied. */
  response_target_met: number;
  response_target_total: number;
  response_target_compliance: number | null;
  alerts: number;
  alerts_per_incident: number | null;
  /** Resolved automatically within 5 minutes of opening (noise). */
  auto_resolved_within_5m: number;
}

export interface Report {
  from: number;
  to: number;
  group_by: GroupBy;
  totals: ReportRow;
  groups: ReportRow[];
  per_week: Array<{ week: string; incidents: number }>;
}

export interface ReportInput {
  incidents: Incident[];
  /** Linked alert count by incident id. */
  alertCounts: Map<string, number>;
  /** Owning team by service key (for group_by=team). */
  teamOf: Map<string, string>;
  from: number;
  to: number;
  groupBy: GroupBy;
  timeZone: string;
}

const AUTO = 'system:auto-resolve';
const FIVE_MIN = 5 * 60_000;

const mean = (xs: number[]) => (xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : null);
function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : Math.round((s[m - 1] + s[m]) / 2);
}

/**
 * Whether the incident was acknowledged before its response deadline (null: not decided yet).
 * The breach timer fires at the deadline, so an acknowledge at that very instant has missed it.
 */
export function metTarget(i: Incident, now: number): boolean | null {
  if (i.responseDueAt === null) return null;
  if (i.breachedAt !== null) return false;
  if (i.acknowledgedAt !== null) return i.acknowledgedAt < i.responseDueAt;
  return now >= i.responseDueAt ? false : null;
}

function row(group: string, list: Incident[], alertCounts: Map<string, number>, now: number): ReportRow {
  const acked = list.filter((i) => i.acknowledgedAt !== null);
  const resolved = list.filter((i) => i.resolvedAt !== null && i.status === 'resolved');
  const ttr = resolved.map((i) => i.resolvedAt! - i.openedAt);
  const verdicts = list.map((i) => metTarget(i, now)).filter((v): v is boolean => v !== null);
  const met = verdicts.filter(Boolean).length;
  const alerts = list.reduce((n, i) => n + (alertCounts.get(i.id) ?? 0), 0);
  return {
    group,
    incidents: list.length,
    acknowledged: acked.length,
    resolved: resolved.length,
    mtta_ms: mean(acked.map((i) => i.acknowledgedAt! - i.openedAt)),
    mttr_ms: mean(ttr),
    mttr_p50_ms: median(ttr),
    response_target_met: met,
    response_target_total: verdicts.length,
    response_target_compliance: verdicts.length ? met / verdicts.length : null,
    alerts,
    alerts_per_incident: list.length ? alerts / list.length : null,
    auto_resolved_within_5m: resolved.filter(
      (i) => i.resolvedBy === AUTO && i.resolvedAt! - i.openedAt <= FIVE_MIN,
    ).length,
  };
}

/** Computes the report; `now` decides whether an open, unacknowledged incident has missed its target. */
export function computeReport(r: ReportInput, now: number): Report {
  const inRange = r.incidents.filter(
    (i) => i.openedAt >= r.from && i.openedAt < r.to && i.status !== 'merged',
  );
  const keyOf = (i: Incident) =>
    r.groupBy === 'severity'
      ? i.severity
      : r.groupBy === 'service'
        ? i.service
        : (r.teamOf.get(i.service) ?? '(none)');
  const groups = new Map<string, Incident[]>();
  for (const i of inRange) groups.set(keyOf(i), [...(groups.get(keyOf(i)) ?? []), i]);
  const weeks = new Map<string, number>();
  for (const i of inRange) {
    const w = weekStart(i.openedAt, r.timeZone);
    weeks.set(w, (weeks.get(w) ?? 0) + 1);
  }
  return {
    from: r.from,
    to: r.to,
    group_by: r.groupBy,
    totals: row('(all)', inRange, r.alertCounts, now),
    groups: [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([g, list]) => row(g, list, r.alertCounts, now)),
    per_week: [...weeks.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([week, incidents]) => ({ week, incidents })),
  };
}

const CSV_COLUMNS: Array<keyof ReportRow> = [
  'group',
  'incidents',
  'acknowledged',
  'resolved',
  'mtta_ms',
  'mttr_ms',
  'mttr_p50_ms',
  'response_target_met',
  'response_target_total',
  'response_target_compliance',
  'alerts',
  'alerts_per_incident',
  'auto_resolved_within_5m',
];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The report as CSV: one row per group, then the totals row. */
export function reportCsv(rep: Report): string {
  const lines = [[rep.group_by, ...CSV_COLUMNS.slice(1)].join(',')];
  for (const g of [...rep.groups, rep.totals]) lines.push(CSV_COLUMNS.map((c) => csvCell(g[c])).join(','));
  return `${lines.join('\n')}\n`;
}
