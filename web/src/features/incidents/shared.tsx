/** Pieces shared by the incident pages: catalog look-ups, badges and the response-target clock. */
import { useEffect, useState } from 'react';
import type { CatalogObject, Page } from '../../api.ts';
import { catalogTypes, useLiveEvents } from '../../live.ts';
import { Badge, useApi } from '../../ui/components.tsx';
import {
  formatDuration,
  type Incident,
  type Severity,
  STATUS_LABEL,
  type Status,
  statusTone,
} from './model.ts';

/** The severity ladder, most severe first. */
export function useSeverities(): Severity[] {
  const { data, reload } = useApi<Page<CatalogObject>>('/api/v1/severities?limit=500');
  useLiveEvents(catalogTypes('severity'), reload);
  return ((data?.items ?? []) as unknown as Severity[]).slice().sort((a, b) => a.rank - b.rank);
}

/** Keys (and names) of a catalog kind, for selects and suggestions. */
export function useKeys(plural: string, kind: string): Array<{ key: string; name: string }> {
  const { data, reload } = useApi<Page<CatalogObject>>(`/api/v1/${plural}?limit=500`);
  useLiveEvents(catalogTypes(kind), reload);
  return (data?.items ?? []).map((o) => ({
    key: o.key,
    name: typeof o.name === 'string' && o.name ? o.name : o.key,
  }));
}

export function StatusBadge({ status }: { status: Status }) {
  return <Badge tone={statusTone(status)}>{STATUS_LABEL[status] ?? status}</Badge>;
}

/** A severity pill; the most severe rank is loud. */
export function SeverityBadge({ severity, ladder }: { severity: string; ladder: Severity[] }) {
  const s = ladder.find((l) => l.key === severity);
  const tone = s ? (s.rank === 0 ? 'danger' : s.rank === 1 ? 'warn' : 'neutral') : 'neutral';
  return (
    <Badge tone={tone}>
      <span title={s?.description}>{s?.label ?? severity}</span>
    </Badge>
  );
}

/** The current time, updated every `everyMs` (for countdowns; display only). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(t);
  }, [everyMs]);
  return now;
}

/** Where the incident stands against its response target: met, breached, or time left. */
export function responseState(
  i: Incident,
  now: number,
): { tone: string; text: string; detail: string; counting: boolean } {
  const due = i.response_due_at ? Date.parse(i.response_due_at) : null;
  if (i.response_target_breached) {
    return {
      tone: 'danger',
      text: 'Response target breached',
      detail: i.acknowledged_at
        ? `acknowledged after ${formatDuration(i.time_to_acknowledge_ms)}`
        : `${formatDuration(now - Date.parse(i.breached_at ?? i.response_due_at ?? i.opened_at))} ago, not acknowledged`,
      counting: false,
    };
  }
  if (i.acknowledged_at) {
    return {
      tone: 'ok',
      text: 'Response target met',
      detail: `acknowledged after ${formatDuration(i.time_to_acknowledge_ms)}`,
      counting: false,
    };
  }
  if (due === null) return { tone: 'neutral', text: 'No response target', detail: '', counting: false };
  if (!['triggered'].includes(i.status))
    return { tone: 'neutral', text: 'No response needed', detail: STATUS_LABEL[i.status], counting: false };
  const left = due - now;
  if (left <= 0)
    return {
      tone: 'danger',
      text: 'Response target due',
      detail: `overdue by ${formatDuration(-left)}`,
      counting: true,
    };
  return {
    tone: left < 5 * 60_000 ? 'danger' : 'warn',
    text: `Acknowledge within ${formatDuration(left)}`,
    detail: `target ${formatDuration(i.response_target_ms)}`,
    counting: true,
  };
}
