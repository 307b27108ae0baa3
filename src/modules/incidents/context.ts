/**
 * Shared plumbing of the incidents services: typed access to the module's tables, settings and
 * severities from the catalog, incident lookup, and the optimistic-concurrency `mutate` loop.
 */
import type { Kysely } from 'kysely';
import type { Db } from '../../db/db.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { TimerStore } from '../../engines/timers.ts';
import type { Clock } from '../../kernel/clock.ts';
import { invalid, notFound, preconditionFailed } from '../../kernel/errors.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { Timeline } from '../timeline/timeline.ts';
import { effectiveSettings, type IncidentSettings, SETTINGS_KIND, type SettingsSpecT } from './kinds.ts';
import { type IDb, type Incident, type IncidentRow, type IncidentsDb, toIncident } from './types.ts';

export interface Deps {
  db: Db;
  clock: Clock;
  timeline: Timeline;
  timers: TimerStore;
  catalog: CatalogService;
  audit: AuditLog;
  baseUrl: string;
}

/** Configuration snapshot taken before a transaction. */
export interface Config {
  settings: IncidentSettings;
  severities: Map<string, SeverityInfo>;
}

/** A severity level of the ladder; 400 listing the known keys when unknown. */
export function severityOf(cfg: Config, key: string): SeverityInfo {
  const s = cfg.severities.get(key);
  if (!s)
    throw invalid(
      `unknown severity "${key}"; known: ${[...cfg.severities.keys()].join(', ') || '(none declared)'}`,
    );
  return s;
}

export interface SeverityInfo {
  key: string;
  label: string;
  rank: number;
  responseTarget: string;
  /** null = next business day. */
  responseTargetMs: number | null;
}

/** A change computed by a mutation: row patch plus timeline events (none = no-op). */
export interface Change {
  patch: Partial<IncidentRow>;
  events: Array<{ type: string; data: Record<string, unknown> }>;
  /** Extra work in the same transaction, after the row is updated. */
  after?: (tx: Tx, updated: Incident, cfg: Config) => Promise<void>;
}

class LostRace extends Error {}

export const SUBJECT = 'incident';

/** The module's tables through a transaction or the pool. */
export function idb(x: Tx | Db): IDb {
  return ('kysely' in x ? x.kysely : x.db) as unknown as Kysely<IncidentsDb>;
}

/** Base class of the incidents services. */
export class IncidentsBase {
  constructor(protected deps: Deps) {}

  protected get now(): number {
    return this.deps.clock.now();
  }

  url(id: string): string {
    return `${this.deps.baseUrl}/incidents/${id}`;
  }

  /** Effective incident settings (defaults when the plan declares none). */
  async settings(): Promise<IncidentSettings> {
    const o = await this.deps.catalog.get(SETTINGS_KIND, 'default').catch(() => null);
    return effectiveSettings(o?.spec as SettingsSpecT | undefined);
  }

  /**
   * Settings and the severity ladder, read before a transaction opens: on SQLite a read through
   * the pool inside a transaction would wait for the transaction's own connection.
   */
  async config(): Promise<Config> {
    const [settings, sevs] = await Promise.all([
      this.settings(),
      this.deps.catalog.list('severity', { limit: 500 }),
    ]);
    const severities = new Map<string, SeverityInfo>();
    for (const o of sevs.items) {
      const s = o.spec as {
        label: string;
        rank: number;
        response_target: string;
        response_target_ms?: number | null;
      };
      severities.set(o.key, {
        key: o.key,
        label: s.label,
        rank: s.rank,
        responseTarget: s.response_target,
        responseTargetMs: s.response_target === 'next_business_day' ? null : (s.response_target_ms ?? null),
      });
    }
    return { settings, severities };
  }

  protected async requireService(key: string): Promise<void> {
    const o = await this.deps.catalog.get('service', key).catch(() => null);
    if (!o) throw invalid(`unknown service "${key}"`);
  }

  /** Loads an incident by id or human id (404 otherwise). */
  async load(x: Tx | Db, idOrHumanId: string): Promise<Incident> {
    const row = await idb(x)
      .selectFrom('incidents_incidents')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrHumanId), eb('human_id', '=', idOrHumanId)]))
      .executeTakeFirst();
    if (!row) throw notFound('incident', idOrHumanId);
    return toIncident(row);
  }

  /** Appends an incident event in `tx` with the id/human id every consumer needs. */
  protected async emit(
    tx: Tx,
    inc: Pick<Incident, 'id' | 'humanId'>,
    type: string,
    actor: string,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    await this.deps.timeline.append(tx, {
      type,
      subject: { kind: SUBJECT, key: inc.id },
      actor,
      data: { id: inc.id, human_id: inc.humanId, ...data },
    });
  }

  /**
   * Read–compute–conditional-update in one transaction, retried when another writer bumped the
   * version in between, so concurrent acks/resolves never lose an update. `expectedVersion`
   * (from If-Match) turns a mismatch into 412 instead of a retry.
   */
  protected async mutate(
    idOrHumanId: string,
    actor: string,
    compute: (inc: Incident, tx: Tx, cfg: Config) => Promise<Change | null> | Change | null,
    expectedVersion?: number,
  ): Promise<Incident> {
    const cfg = await this.config();
    for (let attempt = 0; ; attempt++) {
      try {
        return await inTransaction(this.deps.db, async (tx) => {
          const inc = await this.load(tx, idOrHumanId);
          if (expectedVersion !== undefined && inc.version !== expectedVersion) {
            throw preconditionFailed(
              `incident ${inc.humanId} is at version ${inc.version}, not ${expectedVersion}; reload and retry`,
            );
          }
          const change = await compute(inc, tx, cfg);
          if (!change) return inc;
          const now = this.now;
          const res = await idb(tx)
            .updateTable('incidents_incidents')
            .set({ ...change.patch, version: inc.version + 1, updated_at: now })
            .where('id', '=', inc.id)
            .where('version', '=', inc.version)
            .executeTakeFirst();
          if (Number(res.numUpdatedRows) !== 1) throw new LostRace();
          const updated = await this.load(tx, inc.id);
          // Audit before timeline, like the catalog: both take advisory locks on PostgreSQL.
          await this.deps.audit.append(tx, {
            actor,
            action: change.events[0]?.type ?? 'incident.updated',
            object: { kind: 'incident', key: inc.humanId },
            before: { status: inc.status, severity: inc.severity, version: inc.version },
            after: { ...change.patch, version: inc.version + 1 },
          });
          for (const e of change.events) await this.emit(tx, inc, e.type, actor, e.data);
          await change.after?.(tx, updated, cfg);
          return updated;
        });
      } catch (err) {
        if (!(err instanceof LostRace) || attempt >= 20) throw err;
      }
    }
  }
}
