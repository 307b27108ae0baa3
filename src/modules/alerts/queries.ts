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
    const ms = (f.matchers ?? []).map(parseMatcher);
    const limit = Math.min(f.limit ?? 200, 1000);
    let q = this.k.selectFrom('alerts_alerts').selectAll().orderBy('updated_at', 'desc');
    if (f.state) q = q.where('state', '=', f.state);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.source) q = q.where('source', '=', f.source);
    if (!ms.length) return (await q.limit(limit).execute()).map(toAlert);
    const out: StoredAlert[] = [];
    for (const r of await q.limit(20_000).execute()) {
      const a = toAlert(r);
      if (matchesAll(ms, a.labels)) out.push(a);
      if (out.length >= limit) break;
    }
    return out;
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
