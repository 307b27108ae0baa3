/**
 * Inbound payload parsers: Alertmanager webhook (version 4; Grafana sends the same shape),
 * PagerDuty Events API v2 and a generic JSON webhook with a dotted-path mapping. Each turns a
 * request body into normalised alerts; unknown fields are ignored.
 */
import { createHash } from 'node:crypto';
import type { Labels } from './matchers.ts';

/** One alert as a source reports it, before it is stored. */
export interface IncomingAlert {
  /** The sender's identity for the alert (Alertmanager fingerprint, Events v2 dedup_key, …). */
  externalKey: string;
  state: 'firing' | 'resolved';
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number | null;
  generatorUrl: string | null;
  value: number | null;
  /** Events v2 `acknowledge`: keep the alert firing but mark it acknowledged. */
  acknowledge?: boolean;
}

/** Stable 16-hex-digit hash (label sets, integration-scoped keys). */
export function hash16(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

/** Fingerprint of a label set (sorted), for senders that do not give one. */
export function labelsFingerprint(labels: Labels): string {
  return hash16(
    JSON.stringify(
      Object.keys(labels)
        .sort()
        .map((k) => [k, labels[k]]),
    ),
  );
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap(v: unknown): Labels {
  const out: Labels = {};
  if (!isObj(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    if (x === null || x === undefined) continue;
    out[k] = typeof x === 'string' ? x : typeof x === 'object' ? JSON.stringify(x) : String(x);
  }
  return out;
}

function time(v: unknown): number | null {
  if (typeof v !== 'string' || v === '' || v.startsWith('0001-01-01')) return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

/** Parses an Alertmanager (or Grafana) webhook body; returns errors when it has no alerts array. */
export function parseAlertmanager(body: unknown, now: number): { alerts: IncomingAlert[]; errors: string[] } {
  if (!isObj(body) || !Array.isArray(body.alerts))
    return { alerts: [], errors: ['body must be an object with an alerts array'] };
  const common = stringMap(body.commonLabels);
  const alerts: IncomingAlert[] = [];
  const errors: string[] = [];
  for (const [i, a] of body.alerts.entries()) {
    if (!isObj(a)) {
      errors.push(`alerts[${i}] must be an object`);
      continue;
    }
    const labels = { ...common, ...stringMap(a.labels) };
    if (Object.keys(labels).length === 0) {
      errors.push(`alerts[${i}] has no labels`);
      continue;
    }
    const endsAt = time(a.endsAt);
    const state =
      a.status === 'resolved' || (a.status !== 'firing' && endsAt !== null && endsAt <= now)
        ? 'resolved'
        : 'firing';
    alerts.push({
      externalKey:
        typeof a.fingerprint === 'string' && a.fingerprint ? a.fingerprint : labelsFingerprint(labels),
      state,
      labels,
      annotations: stringMap(a.annotations),
      startsAt: time(a.startsAt) ?? now,
      endsAt: state === 'resolved' ? (endsAt ?? now) : null,
      generatorUrl: typeof a.generatorURL === 'string' && a.generatorURL ? a.generatorURL : null,
      value: typeof a.value === 'number' ? a.value : null,
    });
  }
  return { alerts, errors };
}

export const EVENTS_V2_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
const ACTIONS = ['trigger', 'acknowledge', 'resolve'];

/** A validated Events v2 event, or the `errors[]` PagerDuty-compatible clients expect. */
export function parseEventsV2(
  body: unknown,
  now: number,
  newKey: () => string,
):
  | { ok: true; routingKey: string; dedupKey: string; alert: IncomingAlert }
  | { ok: false; errors: string[] } {
  if (!isObj(body)) return { ok: false, errors: ['Event object is invalid: body must be a JSON object'] };
  const errors: string[] = [];
  const routingKey = body.routing_key;
  if (typeof routingKey !== 'string' || !routingKey.trim()) errors.push("'routing_key' is missing or blank");
  const action = body.event_action;
  if (typeof action !== 'string' || !ACTIONS.includes(action))
    errors.push("'event_action' is missing or invalid (expected trigger, acknowledge or resolve)");
  const dk = body.dedup_key;
  if (dk !== undefined && dk !== null && (typeof dk !== 'string' || dk.length > 255))
    errors.push("'dedup_key' must be a string of at most 255 characters");
  if ((action === 'acknowledge' || action === 'resolve') && (typeof dk !== 'string' || !dk))
    errors.push(`'dedup_key' is required for ${action} events`);
  const p = body.payload;
  if (action === 'trigger') {
    if (!isObj(p)) errors.push("'payload' is missing or not an object");
    else {
      if (typeof p.summary !== 'string' || !p.summary.trim())
        errors.push("'payload.summary' is missing or blank");
      else if (p.summary.length > 1024) errors.push("'payload.summary' must be at most 1024 characters");
      if (typeof p.source !== 'string' || !p.source.trim())
        errors.push("'payload.source' is missing or blank");
      if (!EVENTS_V2_SEVERITIES.includes(p.severity as never))
        errors.push("'payload.severity' is invalid (expected critical, error, warning or info)");
      if (p.timestamp !== undefined && time(p.timestamp) === null)
        errors.push("'payload.timestamp' is not an ISO 8601 time");
      if (p.custom_details !== undefined && !isObj(p.custom_details) && typeof p.custom_details !== 'string')
        errors.push("'payload.custom_details' must be an object");
    }
  }
  if (errors.length) return { ok: false, errors };
  const dedupKey = typeof dk === 'string' && dk ? dk : newKey();
  const payload = isObj(p) ? p : {};
  const labels: Labels = {};
  if (typeof payload.summary === 'string') labels.alertname = payload.summary.slice(0, 200);
  for (const f of ['severity', 'source', 'component', 'group', 'class']) {
    if (typeof payload[f] === 'string' && payload[f]) labels[f] = payload[f] as string;
  }
  const annotations: Labels = {};
  if (typeof payload.summary === 'string') annotations.summary = payload.summary;
  if (payload.custom_details !== undefined)
    annotations.custom_details =
      typeof payload.custom_details === 'string'
        ? payload.custom_details
        : JSON.stringify(payload.custom_details);
  if (Array.isArray(body.links)) {
    const l = body.links.find((x) => isObj(x) && typeof x.href === 'string') as { href: string } | undefined;
    if (l) annotations.runbook_url = l.href;
  }
  return {
    ok: true,
    routingKey: routingKey as string,
    dedupKey,
    alert: {
      externalKey: dedupKey,
      state: action === 'resolve' ? 'resolved' : 'firing',
      acknowledge: action === 'acknowledge',
      labels,
      annotations,
      startsAt: time(payload.timestamp) ?? now,
      endsAt: action === 'resolve' ? now : null,
      generatorUrl: typeof body.client_url === 'string' ? body.client_url : null,
      value: null,
    },
  };
}

/** Reads a dotted path (`data.items.0.name`) from a JSON document. */
export function getPath(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (cur === null || cur === undefined) return undefined;
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isObj(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

export interface WebhookMapping {
  summary?: string;
  severity?: string;
  dedup_key?: string;
  status?: string;
  resolved_values?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const str = (v: unknown) =>
  v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v);

/** Maps a generic JSON webhook body to one alert with the integration's field mapping. */
export function parseWebhook(
  body: unknown,
  mapping: WebhookMapping,
  now: number,
): { alert?: IncomingAlert; errors: string[] } {
  if (!isObj(body) && !Array.isArray(body)) return { errors: ['body must be a JSON object'] };
  const summary = str(getPath(body, mapping.summary ?? 'summary'));
  if (!summary) return { errors: [`no summary at "${mapping.summary ?? 'summary'}"`] };
  const labels: Labels = { alertname: summary.slice(0, 200) };
  const severity = str(getPath(body, mapping.severity ?? 'severity'));
  if (severity) labels.severity = severity;
  for (const [name, path] of Object.entries(mapping.labels ?? {})) {
    const v = str(getPath(body, path));
    if (v !== undefined) labels[name] = v;
  }
  const annotations: Labels = { summary };
  for (const [name, path] of Object.entries(mapping.annotations ?? {})) {
    const v = str(getPath(body, path));
    if (v !== undefined) annotations[name] = v;
  }
  const status = str(getPath(body, mapping.status ?? 'status'))?.toLowerCase();
  const resolvedValues = (mapping.resolved_values ?? ['resolved', 'ok', 'recovered', 'closed']).map((v) =>
    v.toLowerCase(),
  );
  const resolved = status !== undefined && resolvedValues.includes(status);
  const dedup = str(getPath(body, mapping.dedup_key ?? 'dedup_key'));
  return {
    errors: [],
    alert: {
      externalKey: dedup ?? labelsFingerprint(labels),
      state: resolved ? 'resolved' : 'firing',
      labels,
      annotations,
      startsAt: now,
      endsAt: resolved ? now : null,
      generatorUrl: null,
      value: null,
    },
  };
}
