/** Read side of the alert store: filtered lists, one alert with its history, groups. */
import type { Db } from '../../db/db.ts';
import { notFound } from '../../kernel/errors.ts';
import type { DomainEvent, Timeline } from '../timeline/timeline.ts';
import { type Labels, matchesAll, parseMatcher } from './matchers.ts';
import { type ADb, type GroupRow, type StoredAlert, toAlert } from './store.ts';

export interface AlertFilter {
  state?: 'firing' | 'resolved';
  /** active | silenced | inhibited | muted | resolved */
  status?: string;
  /** Label matchers (`service=api`, `severity=~"crit.*"`). */
  matchers?: string[];
  source?: string;
  limit?: number;
  /** Opaque cursor from a previous page (`nextCursor`). */
  cursor?: string;
}

/** One page of alerts and the cursor of the next one (null on the last page). */
export interface AlertPage {
  alerts: StoredAlert[];
  nextCursor: string | null;
}

/** How many alerts are in each state/status (for the console's tabs). */
export interface AlertCounts {
  firing: number;
  active: number;
  silenced: number;
  inhibited: number;
  muted: number;
  resolved: number;
}

function encodeCursor(a: StoredAlert): string {
  return Buffer.from(`${a.updatedAt}:${a.fingerprint}`, 'utf8').toString('base64url');
}

function decodeCursor(c: string): { updatedAt: number; fingerprint: string } {
  const m = /^(\d+):(.+)$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  if (!m) throw new Error(`invalid cursor "${c}"`);
  return { updatedAt: Number(m[1]), fingerprint: m[2] };
}

export interface AlertGroup {
  id: string;
  route: string;
  groupKey: string;
  labels: Labels;
  incidentId: string | null;
  lastNotifiedAt: number | null;
  notifications: number;
  alerts: string[];
  createdAt: number;
}

export class AlertQueries {
  constructor(
    private db: Db,
    private timeline: Timeline,
  ) {}

  private get k(): ADb {
    return this.db.kysely as unknown as ADb;
  }

  /** Alerts, most recently changed first. */
  async list(f: AlertFilter = {}): Promise<StoredAlert[]> {
    return (await this.page(f)).alerts;
  }

  /**
   * A page of alerts, most recently changed first (ties by fingerprint), after `cursor`. Label
   * matchers are applied in memory over at most 20,000 rows past the cursor.
   */
  async page(f: AlertFilter = {}): Promise<AlertPage> {
    const ms = (f.matchers ?? []).map(parseMatcher);
    const limit = Math.min(f.limit ?? 200, 1000);
    let q = this.k
      .selectFrom('alerts_alerts')
      .selectAll()
      .orderBy('updated_at', 'desc')
      .orderBy('fingerprint', 'desc');
    if (f.state) q = q.where('state', '=', f.state);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.source) q = q.where('source', '=', f.source);
    if (f.cursor) {
      const c = decodeCursor(f.cursor);
      q = q.where((eb) =>
        eb.or([
          eb('updated_at', '<', c.updatedAt),
          eb.and([eb('updated_at', '=', c.updatedAt), eb('fingerprint', '<', c.fingerprint)]),
        ]),
      );
    }
    const out: StoredAlert[] = [];
    let more = false;
    const rows = await q.limit(ms.length ? 20_000 : limit + 1).execute();
    for (const r of rows) {
      const a = toAlert(r);
      if (ms.length && !matchesAll(ms, a.labels)) continue;
      if (out.length === limit) {
        more = true;
        break;
      }
      out.push(a);
    }
    return { alerts: out, nextCursor: more ? encodeCursor(out[out.length - 1]) : null };
  }

  /** Alert counts: firing ones by status, and resolved ones. */
  async counts(): Promise<AlertCounts> {
    const rows = await this.k
      .selectFrom('alerts_alerts')
      .select(['state', 'status', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy(['state', 'status'])
      .execute();
    const c: AlertCounts = { firing: 0, active: 0, silenced: 0, inhibited: 0, muted: 0, resolved: 0 };
    for (const r of rows) {
      const n = Number(r.n);
      if (r.state === 'resolved') c.resolved += n;
      else {
        c.firing += n;
        if (r.status in c && r.status !== 'resolved' && r.status !== 'firing')
          c[r.status as 'active' | 'silenced' | 'inhibited' | 'muted'] += n;
      }
    }
    return c;
  }

  async get(fingerprint: string): Promise<{ alert: StoredAlert; history: DomainEvent[]; groups: string[] }> {
    const r = await this.k
      .selectFrom('alerts_alerts')
      .selectAll()
      .where('fingerprint', '=', fingerprint)
      .executeTakeFirst();
    if (!r) throw notFound('alert', fingerprint);
    const groups = await this.k
      .selectFrom('alerts_group_members')
      .select('group_id')
      .where('fingerprint', '=', fingerprint)
      .execute();
    return {
      alert: toAlert(r),
      history: await this.timeline.forSubject('alert', fingerprint),
      groups: groups.map((g) => g.group_id),
    };
  }

  /** Current aggregation groups with their member fingerprints. */
  async groups(): Promise<AlertGroup[]> {
    const rows: GroupRow[] = await this.k
      .selectFrom('alerts_groups')
      .selectAll()
      .orderBy('created_at', 'desc')
      .limit(1000)
      .execute();
    const members = rows.length
      ? await this.k
          .selectFrom('alerts_group_members')
          .selectAll()
          .where(
            'group_id',
            'in',
            rows.map((r) => r.id),
          )
          .execute()
      : [];
    return rows.map((r) => ({
      id: r.id,
      route: r.route_id,
      groupKey: r.group_key,
      labels: JSON.parse(r.group_labels),
      incidentId: r.incident_id,
      lastNotifiedAt: r.last_notified_at == null ? null : Number(r.last_notified_at),
      notifications: Number(r.notifications),
      alerts: members.filter((m) => m.group_id === r.id).map((m) => m.fingerprint),
      createdAt: Number(r.created_at),
    }));
  }
}
