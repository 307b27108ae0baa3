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

/**
 * Records one incoming alert under `fingerprint`. A repeat of the same state and content changes
 * nothing (idempotent ingestion); anything new marks the alert pending for the router.
 */
export async function upsertAlert(
  k: ADb,
  fingerprint: string,
  source: string,
  integration: string | null,
  a: IncomingAlert,
  now: number,
): Promise<UpsertOutcome> {
  const prev = await k
    .selectFrom('alerts_alerts')
    .selectAll()
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirst();
  const labels = JSON.stringify(a.labels);
  const annotations = JSON.stringify(a.annotations);
  if (!prev) {
    await k
      .insertInto('alerts_alerts')
      .values({
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
      })
      .execute();
    return 'created';
  }
  if (a.acknowledge) {
    if (Number(prev.acknowledged) === 1 || prev.state === 'resolved') return 'duplicate';
    await k
      .updateTable('alerts_alerts')
      .set({ acknowledged: 1, updated_at: now })
      .where('fingerprint', '=', fingerprint)
      .execute();
    return 'changed';
  }
  // Events v2 resolve/acknowledge carry no labels: keep what the trigger said.
  const keepContent = a.state === 'resolved' && Object.keys(a.labels).length === 0;
  const sameContent = keepContent || (prev.labels === labels && prev.annotations === annotations);
  if (prev.state === a.state && sameContent) return 'duplicate';
  const refire = prev.state === 'resolved' && a.state === 'firing';
  await k
    .updateTable('alerts_alerts')
    .set({
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
    })
    .where('fingerprint', '=', fingerprint)
    .execute();
  return 'changed';
}
