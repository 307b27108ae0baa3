/**
 * Catalog kinds of the checks module: `check` (an active probe run on an interval) and
 * `heartbeat` (a dead man's switch pinged by jobs). Registering them gives /api/v1/checks and
 * /api/v1/heartbeats CRUD, plan/apply, audit and `<kind>.created|updated|deleted` events.
 */
import { Type } from '@sinclair/typebox';
import { Cron } from 'croner';
import { parseDuration } from '../../kernel/clock.ts';
import { SLUG_PATTERN } from '../../kernel/ids.ts';
import { registerKind } from '../catalog/kinds.ts';

const Slug = Type.String({ pattern: SLUG_PATTERN, maxLength: 64 });
const Dur = Type.String({ pattern: '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+$', maxLength: 32 });
const Labels = Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.String({ maxLength: 200 }), {
  maxProperties: 30,
});

export const PROBE_TYPES = ['http', 'tcp', 'dns', 'tls'] as const;
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'CAA'] as const;

const JsonAssertion = Type.Object(
  {
    path: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Dotted path, e.g. status or checks.0.ok',
    }),
    equals: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
    exists: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** Spec of an active probe (`checks:` in the plan). */
export const CheckSpec = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    type: Type.Union(PROBE_TYPES.map((t) => Type.Literal(t))),
    service: Type.Optional(Slug),
    interval: Type.Optional(Dur),
    timeout: Type.Optional(Dur),
    down_after: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    up_after: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    labels: Type.Optional(Labels),
    runbook: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
    location: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    // http
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    method: Type.Optional(Type.String({ pattern: '^[A-Z]{3,10}$' })),
    headers: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 4000 }))),
    body: Type.Optional(Type.String({ maxLength: 65536 })),
    expect_status: Type.Optional(
      Type.Array(
        Type.Union([Type.Integer({ minimum: 100, maximum: 599 }), Type.String({ pattern: '^[1-5]xx$' })]),
        {
          minItems: 1,
          maxItems: 50,
        },
      ),
    ),
    degraded_after: Type.Optional(Dur),
    body_contains: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    body_matches: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    json: Type.Optional(Type.Array(JsonAssertion, { maxItems: 20 })),
    follow_redirects: Type.Optional(Type.Boolean()),
    verify_tls: Type.Optional(Type.Boolean()),
    cert_expiry_warning: Type.Optional(Dur),
    max_body_kb: Type.Optional(Type.Integer({ minimum: 1, maximum: 10240 })),
    // tcp / tls
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    // dns
    record: Type.Optional(Type.Union(DNS_RECORD_TYPES.map((t) => Type.Literal(t)))),
    expect: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { maxItems: 50 })),
    resolver: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'ip or ip:port' })),
  },
  { additionalProperties: false },
);

/** Semantic checks of a probe spec (fields the type needs, interval floor, regex compiles). */
export function checkProbeSpec(s: any): string[] {
  const p: string[] = [];
  const dur = (f: string, min?: number) => {
    if (s[f] === undefined) return;
    const ms = parseDuration(s[f]);
    if (min !== undefined && ms < min) p.push(`${f} must be at least ${min / 1000}s (got ${s[f]})`);
  };
  dur('interval', 10_000);
  dur('timeout', 100);
  if (s.type === 'http') {
    if (!s.url) p.push('http checks need url');
    else {
      try {
        const u = new URL(s.url);
        if (u.protocol !== 'http:' && u.protocol !== 'https:')
          p.push(`url must be http(s) (got ${u.protocol})`);
      } catch {
        p.push(`url "${s.url}" is not a valid URL`);
      }
    }
    if (s.body_matches) {
      try {
        new RegExp(s.body_matches);
      } catch (e) {
        p.push(`body_matches is not a valid regular expression: ${(e as Error).message}`);
      }
    }
  } else if (s.type === 'tcp' || s.type === 'tls') {
    if (!s.host) p.push(`${s.type} checks need host`);
    if (s.type === 'tcp' && !s.port) p.push('tcp checks need port');
  } else if (s.type === 'dns') {
    if (!s.host) p.push('dns checks need host (the name to resolve)');
  }
  if (s.interval && s.timeout && parseDuration(s.timeout) > parseDuration(s.interval)) {
    p.push('timeout must not exceed interval');
  }
  return p;
}

registerKind({
  kind: 'check',
  plural: 'checks',
  label: 'check',
  keyStyle: 'slug',
  order: 20,
  writeRole: 'operator',
  filters: ['service', 'type'],
  spec: CheckSpec,
  references: (s) => (s.service ? [{ kind: 'service', key: s.service, field: 'service' }] : []),
  check: checkProbeSpec,
});

/** Spec of a heartbeat (`heartbeats:` in the plan). */
export const HeartbeatSpec = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    service: Type.Optional(Slug),
    slug: Type.Optional(Type.String({ pattern: '^[a-z0-9_-]{1,100}$' })),
    uuid: Type.Optional(
      Type.String({
        pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
      }),
    ),
    period: Type.Optional(Dur),
    schedule: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    grace: Type.Optional(Dur),
    max_run_time: Type.Optional(Dur),
    min_run_time: Type.Optional(Dur),
    manual_resume: Type.Optional(Type.Boolean()),
    labels: Type.Optional(Labels),
    runbook: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
  },
  { additionalProperties: false },
);

/** True when `tz` is an IANA time zone Node knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Semantic checks of a heartbeat spec (period xor schedule, cron parses, zone exists). */
export function checkHeartbeatSpec(s: any): string[] {
  const p: string[] = [];
  if (s.period && s.schedule) p.push('give either period or schedule, not both');
  if (s.time_zone && !isTimeZone(s.time_zone)) p.push(`unknown time zone "${s.time_zone}"`);
  if (s.time_zone && !s.schedule) p.push('time_zone applies to schedule only');
  if (s.schedule) {
    try {
      new Cron(s.schedule, {
        timezone: s.time_zone && isTimeZone(s.time_zone) ? s.time_zone : 'UTC',
        paused: true,
      });
    } catch (e) {
      p.push(`schedule "${s.schedule}" is not a valid cron expression: ${(e as Error).message}`);
    }
  }
  if (s.period && parseDuration(s.period) < 60_000) p.push('period must be at least 1m');
  if (s.min_run_time && s.max_run_time && parseDuration(s.min_run_time) >= parseDuration(s.max_run_time)) {
    p.push('min_run_time must be shorter than max_run_time');
  }
  return p;
}

registerKind({
  kind: 'heartbeat',
  plural: 'heartbeats',
  label: 'heartbeat',
  keyStyle: 'slug',
  order: 21,
  writeRole: 'operator',
  filters: ['service'],
  spec: HeartbeatSpec,
  references: (s) => (s.service ? [{ kind: 'service', key: s.service, field: 'service' }] : []),
  check: checkHeartbeatSpec,
});
