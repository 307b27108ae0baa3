/**
 * Row types of the foundation tables. Portable choices: epoch-millisecond integers (bigint) for
 * times, JSON as text, booleans as 0/1 integers, ULID text primary keys.
 */
import type { Generated } from 'kysely';

/** Configuration objects (teams, users, services, environments, severities, org …), one table. */
export interface ConfigObjectRow {
  id: string;
  kind: string;
  key: string;
  spec: string;
  /** 1 when declared by the ops plan (read-only through the API). */
  managed: number;
  /** The plan file:line that declares it, when managed. */
  source: string | null;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface EventRow {
  seq: Generated<number>;
  id: string;
  at: number;
  type: string;
  subject_kind: string;
  subject_key: string;
  actor: string;
  data: string;
}

export interface AuditRow {
  seq: Generated<number>;
  id: string;
  at: number;
  actor: string;
  action: string;
  object_kind: string;
  object_key: string;
  before: string | null;
  after: string | null;
  request_id: string | null;
  source_ip: string | null;
  prev_hash: string;
  hash: string;
}

export interface TimerRow {
  id: string;
  kind: string;
  key: string;
  due_at: number;
  payload: string;
  claimed_by: string | null;
  claimed_until: number | null;
  attempts: number;
  created_at: number;
}

export interface EngineLeaseRow {
  name: string;
  holder: string;
  expires_at: number;
}

export interface ApiTokenRow {
  id: string;
  name: string;
  prefix: string;
  token_hash: string;
  user_key: string | null;
  role: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface PlanApplyRow {
  id: string;
  at: number;
  actor: string;
  files: string;
  summary: string;
  changes: string;
}

export interface EventConsumerRow {
  name: string;
  seq: number;
  updated_at: number;
}

export interface Database {
  event_consumers: EventConsumerRow;
  config_objects: ConfigObjectRow;
  events: EventRow;
  audit_events: AuditRow;
  timers: TimerRow;
  engine_leases: EngineLeaseRow;
  api_tokens: ApiTokenRow;
  plan_applies: PlanApplyRow;
}
