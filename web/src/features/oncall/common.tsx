/** Shared pieces of the on-call pages: API types, people's names, time formatting, durations. */
import type { ReactNode } from 'react';
import type { CatalogObject, Page } from '../../api.ts';
import { Link } from '../../router.tsx';
import { useApi } from '../../ui/components.tsx';

export interface ShiftOut {
  start: string;
  end: string;
  user: string | null;
  layer: string | null;
  override: boolean;
}

export interface NowItem {
  schedule: string;
  name: string | null;
  time_zone: string;
  user: string | null;
  shift: ShiftOut;
  next_handoff: { at: string; from: string | null; to: string | null } | null;
}

export interface LayerOut {
  key: string;
  name: string | null;
  items: Array<{ start: string; end: string; user: string; turn: number }>;
}

export interface OverrideOut {
  id: string | null;
  user: string | null;
  start: string;
  end: string;
  reason: string | null;
}

export interface ShiftsOut {
  schedule: string;
  from: string;
  to: string;
  items: ShiftOut[];
  layers?: LayerOut[];
  overrides?: OverrideOut[];
}

export interface Delivery {
  id: string;
  idempotency_key: string;
  status: 'pending' | 'sent' | 'failed';
  channel: { type: string; key: string };
  incident_id: string | null;
  recipient: string | null;
  kind: string;
  title: string;
  attempts: number;
  last_detail: string | null;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

/** Every user (key → display name), for showing names instead of e-mail addresses. */
export function usePeople(): { names: Map<string, string>; users: CatalogObject[] } {
  const { data } = useApi<Page<CatalogObject>>('/api/v1/users?limit=500');
  const users = data?.items ?? [];
  return { names: new Map(users.map((u) => [u.key, String(u.name ?? u.key)])), users };
}

/** A person's name (with the key as a tooltip), or a "nobody" badge for a gap. */
export function Person({ k, names }: { k: string | null; names: Map<string, string> }): ReactNode {
  if (k === null) return <span className="badge badge-danger">Nobody on call</span>;
  return (
    <Link to={`/users/${encodeURIComponent(k)}`} title={k}>
      {names.get(k) ?? k}
    </Link>
  );
}

/** An instant in a given zone, e.g. "Mon 23 Nov, 09:00". */
export function fmtIn(iso: string, zone: string, withWeekday = true): string {
  try {
    return new Date(iso).toLocaleString(undefined, {
      timeZone: zone,
      weekday: withWeekday ? 'short' : undefined,
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
  } catch {
    return new Date(iso).toISOString();
  }
}

/** A zoned time element (machine-readable instant, human text in `zone`). */
export function ZTime({ iso, zone }: { iso: string | null | undefined; zone: string }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={`${iso} (${zone})`}>
      {fmtIn(iso, zone)}
    </time>
  );
}

/** "in 3 h 20 min" / "2 d 4 h ago" relative to `now`. */
export function relative(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  const m = Math.round(abs / 60_000);
  let text: string;
  if (m < 1) text = 'less than a minute';
  else if (m < 60) text = `${m} min`;
  else if (m < 48 * 60) text = `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
  else
    text = `${Math.floor(m / 1440)} d${Math.floor((m % 1440) / 60) ? ` ${Math.floor((m % 1440) / 60)} h` : ''}`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** A target (`schedule:primary`, `{ type, key }`) as text. */
export function targetText(t: unknown): string {
  if (typeof t === 'string') return t;
  const o = t as { type?: string; key?: string };
  return `${o.type}:${o.key}`;
}

/** Link to what a target names. */
export function TargetLink({ t, names }: { t: unknown; names: Map<string, string> }) {
  const text = targetText(t);
  const i = text.indexOf(':');
  const [type, key] = [text.slice(0, i), text.slice(i + 1)];
  const to =
    type === 'schedule'
      ? `/oncall/schedules/${encodeURIComponent(key)}`
      : type === 'team'
        ? `/teams/${encodeURIComponent(key)}`
        : `/users/${encodeURIComponent(key)}`;
  const label = type === 'user' ? (names.get(key) ?? key) : key;
  return (
    <span className="oc-target">
      <span className="oc-target-type">{type}</span> <Link to={to}>{label}</Link>
    </span>
  );
}

const STATUS_TONE: Record<string, string> = { sent: 'ok', pending: 'warn', failed: 'danger' };

/** A delivery's status as a badge. */
export function DeliveryStatus({ status }: { status: string }) {
  return <span className={`badge badge-${STATUS_TONE[status] ?? 'neutral'}`}>{status}</span>;
}

/** A `<input type="datetime-local">` value for an instant (local time of the browser). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Milliseconds `zone` is ahead of UTC at instant `ms`. */
export function zoneOffset(ms: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(ms);
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour') % 24, n('minute'), n('second'));
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The local date (`YYYY-MM-DD`) of `ms` in `zone`. */
export function dateIn(ms: number, zone: string): string {
  return new Date(ms + zoneOffset(ms, zone)).toISOString().slice(0, 10);
}

/** The instant of local midnight starting `date` (`YYYY-MM-DD`) in `zone`. */
export function midnightIn(date: string, zone: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`);
  const first = guess - zoneOffset(guess, zone);
  return guess - zoneOffset(first, zone);
}

/** `date` plus `n` calendar days. */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
