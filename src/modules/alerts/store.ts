/**
 * Row access for the alerts module's tables: the alert store (one row per fingerprint), groups
 * and their members, silences and integration keys. Callers pass a transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Tx } from '../../db/tx.ts';
import type { IncomingAlert } from './ingest.ts';
import type { Labels } from './matchers.ts';

export interface AlertRow {
  fingerprint: string;
  external_key: string;
  source: string;
  integration: string | null;
  state: string;
  labels: string;
  annotations: string;
  starts_at: number;
  ends_at: number | null;
  generator_url: string | null;
  value: number | null;
  acknowledged: number;
  status: string;
  reason: string | null;
  routes: string;
  pending: number;
  received: number;
  first_seen_at: number;
  updated_at: number;
}

export interface GroupRow {
  id: string;
  route_id: string;
  group_key: string;
  group_labels: string;
  incident_id: string | null;
  last_notified_at: number | null;
  last_notified_hash: string | null;
  notifications: number;
  created_at: number;
  updated_at: number;
}

export interface SilenceRow {
  id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  created_at: number;
  updated_at: number;
}

export interface AlertsDb {
  alerts_alerts: AlertRow;
  alerts_groups: GroupRow;
  alerts_group_members: { group_id: string; fingerprint: string; added_at: number; linked: number };
  alerts_silences: SilenceRow;
  alerts_integration_keys: { integration: string; secret: string; created_at: number };
}
export type ADb = Kysely<AlertsDb> | Transaction<AlertsDb>;
export const adb = (tx: Tx): ADb => tx.db as unknown as ADb;

/** An alert as the service hands it out. */
export interface StoredAlert {
  fingerprint: string;
  externalKey: string;
  source: string;
  integration: string | null;
  state: 'firing' | 'resolved';
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number | null;
  generatorUrl: string | null;
  value: number | null;
  acknowledged: boolean;
  /** active | silenced | inhibited | muted | resolved */
  status: string;
  reason: Record<string, unknown> | null;
  routes: string[];
  received: number;
  firstSeenAt: number;
  updatedAt: number;
}

/** Converts a row (numbers may come back as strings from PostgreSQL bigint). */
export function toAlert(r: AlertRow): StoredAlert {
  return {
    fingerprint: r.fingerprint,
    externalKey: r.external_key,
    source: r.source,
    integration: r.integration,
    state: r.state as 'firing' | 'resolved',
    labels: JSON.parse(r.labels),
    annotations: JSON.parse(r.annotations),
    startsAt: Number(r.starts_at),
    endsAt: r.ends_at == null ? null : Number(r.ends_at),
    generatorUrl: r.generator_url,
    value: r.value == null ? null : Number(r.value),
    acknowledged: Number(r.acknowledged) === 1,
    status: r.status,
    reason: r.reason ? JSON.parse(r.reason) : null,
    routes: JSON.parse(r.routes),
    received: Number(r.received),
    firstSeenAt: Number(r.first_seen_at),
    updatedAt: Number(r.updated_at),
  };
}

export type UpsertOutcome = 'created' | 'changed' | 'duplicate';

/** One incoming alert to record under its fingerprint. */
export interface UpsertItem {
  fingerprint: string;
  source: string;
  integration: string | null;
  alert: IncomingAlert;
}

/**
 * The decision for one incoming alert given the stored row (`prev`): the outcome and the row to
 * write (null for a duplicate). A repeat of the same state and content changes nothing
 * (idempotent ingestion); anything new marks the alert pending for the router.
 */
export function applyIncoming(
  prev: AlertRow | undefined,
  item: UpsertItem,
  now: number,
): { outcome: UpsertOutcome; row: AlertRow | null } {
  const { fingerprint, source, integration, alert: a } = item;
  const labels = JSON.stringify(a.labels);
  const annotations = JSON.stringify(a.annotations);
  if (!prev) {
    return {
      outcome: 'created',
      row: {
        fingerprint,
        external_key: a.externalKey,
        source,
        integration,
        state: a.state,
        labels,
        annotations,
        starts_at: a.startsAt,
        ends_at: a.endsAt,
        generator_url: a.generatorUrl,
        value: a.value,
        acknowledged: a.acknowledge ? 1 : 0,
        status: a.state === 'resolved' ? 'resolved' : 'active',
        reason: null,
        routes: '[]',
        pending: 1,
        received: 1,
        first_seen_at: now,
        updated_at: now,
      },
    };
  }
  if (a.acknowledge) {
    if (Number(prev.acknowledged) === 1 || prev.state === 'resolved')
      return { outcome: 'duplicate', row: null };
    return { outcome: 'changed', row: { ...prev, acknowledged: 1, updated_at: now } };
  }
  // Events v2 resolve/acknowledge carry no labels: keep what the trigger said.
  const keepContent = a.state === 'resolved' && Object.keys(a.labels).length === 0;
  const sameContent = keepContent || (prev.labels === labels && prev.annotations === annotations);
  if (prev.state === a.state && sameContent) return { outcome: 'duplicate', row: null };
  const refire = prev.state === 'resolved' && a.state === 'firing';
  return {
    outcome: 'changed',
    row: {
      ...prev,
      state: a.state,
      ...(keepContent ? {} : { labels, annotations }),
      starts_at: refire ? a.startsAt : Number(prev.starts_at),
      ends_at: a.state === 'resolved' ? (a.endsAt ?? now) : null,
      value: a.value ?? prev.value,
      acknowledged: refire ? 0 : Number(prev.acknowledged),
      status: a.state === 'resolved' ? 'resolved' : prev.status === 'resolved' ? 'active' : prev.status,
      pending: 1,
      received: Number(prev.received) + 1,
      updated_at: now,
    },
  };
}

/** Rows per multi-row statement (20 columns × 250 stays under both engines' parameter limits). */
const CHUNK = 250;
/** What ingestion changes on an existing alert (routing owns reason, routes; the rest is fixed). */
const UPDATE_COLUMNS: Array<keyof AlertRow> = [
  'state',
  'labels',
  'annotations',
  'starts_at',
  'ends_at',
  'value',
  'acknowledged',
  'status',
  'pending',
  'received',
  'updated_at',
];

/**
 * Records incoming alerts in order (a later one sees what an earlier one of the same batch did):
 * one read of the stored rows, then multi-row `INSERT … ON CONFLICT (fingerprint) DO UPDATE`
 * of the rows that changed. Returns one outcome per item.
 */
export async function upsertAlerts(k: ADb, items: UpsertItem[], now: number): Promise<UpsertOutcome[]> {
  const current = new Map<string, AlertRow>();
  const fps = [...new Set(items.map((i) => i.fingerprint))];
  for (let i = 0; i < fps.length; i += 500) {
    const rows = await k
      .selectFrom('alerts_alerts')
      .selectAll()
      .where('fingerprint', 'in', fps.slice(i, i + 500))
      .execute();
    for (const r of rows) current.set(r.fingerprint, r);
  }
  const dirty = new Map<string, AlertRow>();
  const out: UpsertOutcome[] = [];
  for (const item of items) {
    const { outcome, row } = applyIncoming(current.get(item.fingerprint), item, now);
    out.push(outcome);
    if (row) {
      current.set(item.fingerprint, row);
      dirty.set(item.fingerprint, row);
    }
  }
  const rows = [...dirty.values()];
  for (let i = 0; i < rows.length; i += CHUNK) {
    await k
      .insertInto('alerts_alerts')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc
          .column('fingerprint')
          .doUpdateSet(
            (eb) => Object.fromEntries(UPDATE_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)])) as never,
          ),
      )
      .execute();
  }
  return out;
}

/** Records one incoming alert under `fingerprint` (see `upsertAlerts`). */
export async function upsertAlert(
  k: ADb,
  fingerprint: string,
  source: string,
  integration: string | null,
  a: IncomingAlert,
  now: number,
): Promise<UpsertOutcome> {
  const [o] = await upsertAlerts(k, [{ fingerprint, source, integration, alert: a }], now);
  return o;
}
