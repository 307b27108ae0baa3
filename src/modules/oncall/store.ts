/**
 * On-call runtime data: the configuration read from the catalog (schedules with their API
 * overrides, policies, channels, contacts, paging routes, team membership), escalation state
 * rows, and the calendar-feed secret.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Db } from '../../db/db.ts';
import type { Tx } from '../../db/tx.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { ConfigObject } from '../catalog/catalog-store.ts';
import type { EscalationState } from './escalation.ts';
import type { EscalationPolicy } from './policy.ts';
import type { Schedule, ScheduleOverride } from './types.ts';

interface Tables {
  oncall_escalations: {
    incident_id: string;
    policy_key: string;
    status: string;
    incident: string;
    state: string;
    created_at: number;
    updated_at: number;
  };
  oncall_overrides: {
    id: string;
    schedule_key: string;
    user_key: string | null;
    start_at: number;
    end_at: number;
    reason: string | null;
    created_by: string;
    created_at: number;
  };
  oncall_secrets: { name: string; value: string; created_at: number };
}

/** Kysely typed for this module's tables. */
export function ok(db: Db | Tx): Kysely<Tables> {
  return ('kysely' in db ? db.kysely : db.db) as unknown as Kysely<Tables>;
}

/** The paging event's incident facts (used to write messages). */
export interface IncidentInfo {
  id: string;
  human_id?: string;
  title?: string;
  severity: string;
  service?: string;
  summary?: string;
  url?: string;
  /** The policy the incident's opener named (an alert route's target). */
  escalation_policy?: string;
}

/** An escalation as stored. */
export interface EscalationRow {
  incidentId: string;
  policyKey: string;
  incident: IncidentInfo;
  state: EscalationState;
}

/** Every object of a kind (the catalog pages at 500). */
export async function listAll(catalog: CatalogService, kind: string): Promise<ConfigObject[]> {
  const out: ConfigObject[] = [];
  let cursor: string | undefined;
  do {
    const page = await catalog.list(kind, { limit: 500, cursor });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

export class OncallStore {
  constructor(
    private db: Db,
    private catalog: CatalogService,
  ) {}

  /** A schedule from the catalog with API overrides appended (they win over plan overrides). */
  async schedule(key: string): Promise<Schedule> {
    const o = await this.catalog.get('schedule', key);
    return this.withOverrides(o);
  }

  async schedules(): Promise<Schedule[]> {
    return Promise.all((await listAll(this.catalog, 'schedule')).map((o) => this.withOverrides(o)));
  }

  private async withOverrides(o: ConfigObject): Promise<Schedule> {
    const s = { key: o.key, ...(o.spec as Omit<Schedule, 'key'>) };
    const extra = await this.overrides(o.key);
    return { ...s, overrides: [...(s.overrides ?? []), ...extra] };
  }

  async overrides(scheduleKey: string): Promise<Array<ScheduleOverride & { id: string }>> {
    const rows = await ok(this.db)
      .selectFrom('oncall_overrides')
      .selectAll()
      .where('schedule_key', '=', scheduleKey)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      user: r.user_key,
      start: Number(r.start_at),
      end: Number(r.end_at),
      ...(r.reason ? { reason: r.reason } : {}),
    }));
  }

  async policies(): Promise<Map<string, EscalationPolicy>> {
    return new Map(
      (await listAll(this.catalog, 'escalation_policy')).map((o) => [
        o.key,
        { key: o.key, ...o.spec } as EscalationPolicy,
      ]),
    );
  }

  /** Team key → member user keys, from the users' `teams`. */
  async teams(): Promise<Map<string, string[]>> {
    const m = new Map<string, string[]>();
    for (const u of await listAll(this.catalog, 'user'))
      for (const t of (u.spec.teams as string[] | undefined) ?? []) m.set(t, [...(m.get(t) ?? []), u.key]);
    return m;
  }

  async find(kind: string, key: string): Promise<ConfigObject | null> {
    return this.catalog.get(kind, key).catch(() => null);
  }

  async getEscalation(tx: Tx | Db, incidentId: string): Promise<EscalationRow | undefined> {
    const r = await ok(tx)
      .selectFrom('oncall_escalations')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .executeTakeFirst();
    return r
      ? {
          incidentId: r.incident_id,
          policyKey: r.policy_key,
          incident: JSON.parse(r.incident),
          state: JSON.parse(r.state),
        }
      : undefined;
  }

  /** Escalations by incident id (those that exist), one query per 500 ids. */
  async getEscalations(tx: Tx | Db, incidentIds: string[]): Promise<Map<string, EscalationRow>> {
    const out = new Map<string, EscalationRow>();
    const ids = [...new Set(incidentIds)];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await ok(tx)
        .selectFrom('oncall_escalations')
        .selectAll()
        .where('incident_id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows)
        out.set(r.incident_id, {
          incidentId: r.incident_id,
          policyKey: r.policy_key,
          incident: JSON.parse(r.incident),
          state: JSON.parse(r.state),
        });
    }
    return out;
  }

  /**
   * Writes escalations (insert, or replace all but `created_at`), one multi-row statement per
   * chunk: a batch of work writes each escalation's last state once.
   */
  async saveEscalations(tx: Tx, rows: EscalationRow[], now: number): Promise<void> {
    const values = rows.map((row) => ({
      incident_id: row.incidentId,
      policy_key: row.policyKey,
      status: row.state.status,
      incident: JSON.stringify(row.incident),
      state: JSON.stringify(row.state),
      created_at: now,
      updated_at: now,
    }));
    for (let i = 0; i < values.length; i += 500) {
      await ok(tx)
        .insertInto('oncall_escalations')
        .values(values.slice(i, i + 500))
        .onConflict((oc) =>
          oc.column('incident_id').doUpdateSet((eb) => ({
            policy_key: eb.ref('excluded.policy_key'),
            status: eb.ref('excluded.status'),
            incident: eb.ref('excluded.incident'),
            state: eb.ref('excluded.state'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  }

  /** The secret behind calendar-feed tokens (created on first use). */
  async feedSecret(now: number): Promise<Buffer> {
    const read = async () =>
      (
        await ok(this.db)
          .selectFrom('oncall_secrets')
          .select('value')
          .where('name', '=', 'calendar-feeds')
          .executeTakeFirst()
      )?.value;
    let v = await read();
    if (!v) {
      await ok(this.db)
        .insertInto('oncall_secrets')
        .values({ name: 'calendar-feeds', value: randomBytes(32).toString('base64'), created_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      v = await read();
    }
    return Buffer.from(v!, 'base64');
  }
}

/** The URL token of a calendar feed (`schedule:<key>` or `user:<key>`). */
export function feedToken(secret: Buffer, feed: string): string {
  return createHmac('sha256', secret).update(`feed:${feed}`).digest('base64url').slice(0, 32);
}
