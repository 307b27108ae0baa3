/**
 * Create/edit forms for probes (per type: HTTP, TCP, DNS, TLS) and heartbeats. Fields the form
 * does not edit are kept on update; plan-managed objects are shown read-only.
 */
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError, api, type CatalogObject, encodeKey, roleAtLeast } from '../../api.ts';
import { navigate } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { ErrorBanner, Loading, ManagedBadge, PageHeader, useApi } from '../../ui/components.tsx';
import { Field, type FieldDef } from '../../ui/form.tsx';
import { useToast } from '../../ui/toast.tsx';
import { PROBE_TYPES, pathOf } from './common.tsx';

type Values = Record<string, string>;

const SLUG_RE = /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/;
const DUR_RE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Milliseconds of a duration like 1m30s, or null when it does not parse. */
export function durationMs(s: string): number | null {
  if (!DUR_RE.test(s)) return null;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * UNITS[m[2]];
  return total;
}

const DUR_HELP = 'A duration such as 30s, 5m, 1h30m.';

// ---------------------------------------------------------------- conversions between spec and text

function labelsToText(v: unknown): string {
  return Object.entries((v ?? {}) as Record<string, string>)
    .map(([k, val]) => `${k}=${val}`)
    .join('\n');
}

function parseLabels(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const eq = line.indexOf('=');
    if (eq <= 0) return `“${line}” is not name=value.`;
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

function headersToText(v: unknown): string {
  return Object.entries((v ?? {}) as Record<string, string>)
    .map(([k, val]) => `${k}: ${val}`)
    .join('\n');
}

function parseHeaders(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const c = line.indexOf(':');
    if (c <= 0) return `“${line}” is not Name: value.`;
    out[line.slice(0, c).trim()] = line.slice(c + 1).trim();
  }
  return out;
}

interface JsonAssertion {
  path: string;
  equals?: unknown;
  exists?: boolean;
}

function jsonToText(v: unknown): string {
  return ((v ?? []) as JsonAssertion[])
    .map((a) =>
      a.equals !== undefined
        ? `${a.path} = ${JSON.stringify(a.equals)}`
        : `${a.path} ${a.exists === false ? 'missing' : 'exists'}`,
    )
    .join('\n');
}

/** `path = value` (value as JSON when it parses, else text), `path exists` or `path missing`. */
function parseJsonAssertions(text: string): JsonAssertion[] | string {
  const out: JsonAssertion[] = [];
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const eq = line.indexOf('=');
    if (eq > 0) {
      const raw = line.slice(eq + 1).trim();
      let value: unknown = raw;
      try {
        value = JSON.parse(raw);
      } catch {
        // plain text
      }
      if (value !== null && typeof value === 'object')
        return `“${line}”: compare with a string, number, boolean or null.`;
      out.push({ path: line.slice(0, eq).trim(), equals: value });
    } else {
      const m = /^(\S+)\s+(exists|missing)$/.exec(line);
      if (!m) return `“${line}” is not “path = value”, “path exists” or “path missing”.`;
      out.push({ path: m[1], exists: m[2] === 'exists' });
    }
  }
  return out;
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

// ---------------------------------------------------------------- field sets

const YES_NO = [
  { value: 'true', label: 'Yes' },
  { value: 'false', label: 'No' },
];

function commonTop(
  creating: boolean,
  services: Array<{ value: string; label: string }>,
  heartbeat: boolean,
): FieldDef[] {
  return [
    {
      name: 'key',
      label: 'Key',
      required: true,
      createOnly: true,
      help: 'Lower-case letters, digits and dashes; it cannot change later.',
      pattern: {
        re: SLUG_RE,
        message: 'Use lower-case letters, digits and dashes, starting and ending with a letter or digit.',
      },
    },
    { name: 'name', label: 'Name', help: 'Shown in lists and alerts; defaults to the key.' },
    ...(heartbeat
      ? []
      : [
          {
            name: 'type',
            label: 'Type',
            type: 'select' as const,
            required: true,
            options: PROBE_TYPES,
            help: creating ? 'The fields below follow the type.' : undefined,
          },
        ]),
    { name: 'service', label: 'Service', type: 'select', options: services },
  ];
}

const TYPE_FIELDS: Record<string, FieldDef[]> = {
  http: [
    { name: 'url', label: 'URL', required: true, help: 'http:// or https://' },
    {
      name: 'method',
      label: 'Method',
      type: 'select',
      options: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m) => ({
        value: m,
        label: m,
      })),
      help: 'Default GET.',
    },
    { name: 'headers', label: 'Request headers', type: 'textarea', help: 'One “Name: value” per line.' },
    { name: 'body', label: 'Request body', type: 'textarea' },
    {
      name: 'expect_status',
      label: 'Expected status codes',
      help: 'Comma-separated codes or classes, e.g. 200, 204, 3xx. Default: 2xx and 3xx.',
    },
    {
      name: 'degraded_after',
      label: 'Degraded after',
      help: `Slower answers count as degraded. ${DUR_HELP}`,
    },
    { name: 'body_contains', label: 'Body contains', help: 'Plain text the body must contain.' },
    { name: 'body_matches', label: 'Body matches', help: 'A regular expression the body must match.' },
    {
      name: 'json',
      label: 'JSON assertions',
      type: 'textarea',
      help: 'One per line: “status = "ok"”, “checks.0.ok = true”, “data.id exists”.',
    },
    {
      name: 'follow_redirects',
      label: 'Follow redirects',
      type: 'select',
      options: YES_NO,
      help: 'Default yes (5 hops).',
    },
    {
      name: 'verify_tls',
      label: 'Verify TLS certificate',
      type: 'select',
      options: YES_NO,
      help: 'Default yes.',
    },
    {
      name: 'cert_expiry_warning',
      label: 'Certificate expiry warning',
      help: 'Degraded when the certificate expires sooner, e.g. 14d.',
    },
    { name: 'max_body_kb', label: 'Read at most (kB)', type: 'number', help: '1–10240; default 64.' },
  ],
  tcp: [
    { name: 'host', label: 'Host', required: true },
    { name: 'port', label: 'Port', type: 'number', required: true },
  ],
  dns: [
    { name: 'host', label: 'Name to resolve', required: true },
    {
      name: 'record',
      label: 'Record type',
      type: 'select',
      options: ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'CAA'].map((r) => ({ value: r, label: r })),
      help: 'Default A.',
    },
    {
      name: 'expect',
      label: 'Expected answers',
      help: 'Comma-separated; each must be present (MX as “10 mail.example.com”).',
    },
    { name: 'resolver', label: 'Resolver', help: 'ip or ip:port; default the system resolvers.' },
  ],
  tls: [
    { name: 'host', label: 'Host', required: true },
    { name: 'port', label: 'Port', type: 'number', help: 'Default 443.' },
    {
      name: 'cert_expiry_warning',
      label: 'Certificate expiry warning',
      help: 'Degraded when the certificate expires sooner, e.g. 14d.',
    },
    { name: 'verify_tls', label: 'Verify the chain', type: 'select', options: YES_NO, help: 'Default yes.' },
  ],
};

const PROBE_BOTTOM: FieldDef[] = [
  { name: 'interval', label: 'Interval', help: `At least 10s; default 1m. ${DUR_HELP}` },
  { name: 'timeout', label: 'Timeout', help: 'Default 10s; not longer than the interval.' },
  {
    name: 'down_after',
    label: 'Down after (failures)',
    type: 'number',
    help: 'Consecutive failures; default 2.',
  },
  {
    name: 'up_after',
    label: 'Up after (successes)',
    type: 'number',
    help: 'Consecutive successes; default 1.',
  },
  { name: 'labels', label: 'Labels', type: 'textarea', help: 'One name=value per line.' },
  { name: 'runbook', label: 'Runbook URL', type: 'url' },
];

const HEARTBEAT_FIELDS: FieldDef[] = [
  {
    name: 'mode',
    label: 'Schedule kind',
    type: 'select',
    required: true,
    options: [
      { value: 'period', label: 'Every period' },
      { value: 'cron', label: 'Cron expression' },
    ],
  },
  { name: 'period', label: 'Period', help: 'At least 1m; default 1d, e.g. 1h or 15m.' },
  { name: 'schedule', label: 'Cron expression', help: 'Five fields, e.g. 30 2 * * * (02:30 every day).' },
  { name: 'time_zone', label: 'Time zone', help: 'IANA name, e.g. Europe/Berlin; default UTC.' },
  { name: 'grace', label: 'Grace', help: `How late a ping may be before the heartbeat is down; default 1h.` },
  {
    name: 'max_run_time',
    label: 'Maximum run time',
    help: 'After /start, down if not finished by then (default: grace).',
  },
  {
    name: 'min_run_time',
    label: 'Minimum run time',
    help: 'A run finished faster is “suspiciously fast”: down.',
  },
  { name: 'slug', label: 'Slug', help: 'For /ping/<ping-key>/<slug> URLs; default the key.' },
  { name: 'manual_resume', label: 'Pings resume a paused heartbeat', type: 'select', options: YES_NO },
  { name: 'labels', label: 'Labels', type: 'textarea', help: 'One name=value per line.' },
  { name: 'runbook', label: 'Runbook URL', type: 'url' },
];

// ---------------------------------------------------------------- validation and body

function specToValues(o: CatalogObject | undefined, heartbeat: boolean): Values {
  const v: Values = {};
  if (!o) {
    return heartbeat
      ? { mode: 'period', period: '1d', grace: '1h' }
      : { type: 'http', interval: '1m', timeout: '10s' };
  }
  for (const [k, val] of Object.entries(o)) {
    if (val === undefined || val === null || typeof val === 'object') continue;
    v[k] = String(val);
  }
  v.key = o.key;
  v.labels = labelsToText(o.labels);
  if (!heartbeat) {
    v.headers = headersToText(o.headers);
    v.json = jsonToText(o.json);
    v.expect_status = ((o.expect_status as unknown[]) ?? []).join(', ');
    v.expect = ((o.expect as unknown[]) ?? []).join(', ');
  } else {
    v.mode = o.schedule ? 'cron' : 'period';
    if (o.manual_resume !== undefined) v.manual_resume = o.manual_resume ? 'false' : 'true';
  }
  return v;
}

/** Local checks and the spec to send; errors keyed by field. */
function build(
  values: Values,
  fields: FieldDef[],
  heartbeat: boolean,
): { spec: Record<string, unknown>; errors: Values } {
  const errors: Values = {};
  const spec: Record<string, unknown> = {};
  const val = (n: string) => (values[n] ?? '').trim();
  for (const f of fields) {
    if (f.name === 'key' || f.name === 'mode') continue;
    const raw = val(f.name);
    if (raw === '') {
      if (f.required) errors[f.name] = `${f.label} is required.`;
      continue;
    }
    switch (f.name) {
      case 'labels': {
        const r = parseLabels(raw);
        if (typeof r === 'string') errors.labels = r;
        else spec.labels = r;
        break;
      }
      case 'headers': {
        const r = parseHeaders(raw);
        if (typeof r === 'string') errors.headers = r;
        else spec.headers = r;
        break;
      }
      case 'json': {
        const r = parseJsonAssertions(raw);
        if (typeof r === 'string') errors.json = r;
        else spec.json = r;
        break;
      }
      case 'expect_status': {
        const items = list(raw);
        const bad = items.find((s) => !/^[1-5]xx$/.test(s) && !(/^\d{3}$/.test(s) && +s >= 100 && +s <= 599));
        if (bad) errors.expect_status = `“${bad}” is neither a status code (100–599) nor a class like 2xx.`;
        else spec.expect_status = items.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
        break;
      }
      case 'expect':
        spec.expect = list(raw);
        break;
      case 'follow_redirects':
      case 'verify_tls':
        spec[f.name] = raw === 'true';
        break;
      case 'manual_resume':
        spec.manual_resume = raw === 'false';
        break;
      default:
        if (f.type === 'number') {
          const n = Number(raw);
          if (!Number.isInteger(n)) errors[f.name] = `${f.label} must be a whole number.`;
          else spec[f.name] = n;
        } else spec[f.name] = raw;
    }
  }
  for (const d of [
    'interval',
    'timeout',
    'degraded_after',
    'cert_expiry_warning',
    'period',
    'grace',
    'max_run_time',
    'min_run_time',
  ]) {
    if (typeof spec[d] === 'string' && durationMs(spec[d] as string) === null) errors[d] = DUR_HELP;
  }
  if (!heartbeat) {
    const interval = durationMs(String(spec.interval ?? '1m'));
    const timeout = durationMs(String(spec.timeout ?? '10s'));
    if (interval !== null && interval < 10_000) errors.interval ??= 'The interval must be at least 10s.';
    if (interval !== null && timeout !== null && timeout > interval)
      errors.timeout ??= 'The timeout must not exceed the interval.';
    if (spec.type === 'http' && typeof spec.url === 'string') {
      try {
        const u = new URL(spec.url);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') errors.url = 'Use an http:// or https:// URL.';
      } catch {
        errors.url = 'This is not a valid URL.';
      }
    }
    if (typeof spec.body_matches === 'string') {
      try {
        new RegExp(spec.body_matches);
      } catch (e) {
        errors.body_matches = `Not a valid regular expression: ${(e as Error).message}`;
      }
    }
    if (typeof spec.port === 'number' && (spec.port < 1 || spec.port > 65535))
      errors.port = 'Ports are 1–65535.';
    for (const n of ['down_after', 'up_after'] as const)
      if (typeof spec[n] === 'number' && ((spec[n] as number) < 1 || (spec[n] as number) > 20))
        errors[n] = 'Between 1 and 20.';
  } else {
    if (values.mode === 'cron') {
      delete spec.period;
      if (!spec.schedule) errors.schedule = 'A cron expression is required.';
      else if (String(spec.schedule).trim().split(/\s+/).length < 5)
        errors.schedule = 'A cron expression has five (or six) fields.';
    } else {
      delete spec.schedule;
      delete spec.time_zone;
      const p = durationMs(String(spec.period ?? '1d'));
      if (p !== null && p < 60_000) errors.period ??= 'The period must be at least 1m.';
    }
    const min = spec.min_run_time ? durationMs(String(spec.min_run_time)) : null;
    const max = spec.max_run_time ? durationMs(String(spec.max_run_time)) : null;
    if (min !== null && max !== null && min >= max)
      errors.min_run_time = 'Must be shorter than the maximum run time.';
  }
  return { spec, errors };
}

/** Server messages without a field path (semantic checks) go under the field they name. */
function placeServerErrors(err: ApiError, known: Set<string>): { placed: Values; rest: string[] } {
  const placed: Values = {};
  const rest: string[] = [];
  for (const [k, v] of Object.entries(err.fieldErrors())) {
    if (known.has(k)) {
      placed[k] = v;
      continue;
    }
    for (const msg of v.split('; ')) {
      // "timeout must not exceed interval" belongs to timeout: the field a message starts with wins.
      const candidates = [...known].filter((f) => f !== 'key');
      const named =
        candidates.find((f) => msg.startsWith(`${f} `)) ??
        candidates.find((f) => new RegExp(`(^|\\s)${f}(\\s|$)`).test(msg));
      if (named) placed[named] = placed[named] ? `${placed[named]}; ${msg}` : msg;
      else rest.push(k === '_' ? msg : `${k}: ${msg}`);
    }
  }
  return { placed, rest };
}

/** The create/edit page for a probe (`heartbeat` false) or a heartbeat. */
export function CheckForm({ k, heartbeat = false }: { k?: string; heartbeat?: boolean }) {
  const plural = heartbeat ? 'heartbeats' : 'checks';
  const label = heartbeat ? 'heartbeat' : 'check';
  const { user } = useSession();
  const toast = useToast();
  const obj = useApi<CatalogObject>(k ? `/api/v1/${plural}/${encodeKey(k)}` : null);
  const services = useApi<{ items: CatalogObject[] }>('/api/v1/services?limit=500');
  const [values, setValues] = useState<Values | null>(k ? null : specToValues(undefined, heartbeat));
  const [errors, setErrors] = useState<Values>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (obj.data) setValues(specToValues(obj.data, heartbeat));
  }, [obj.data, heartbeat]);
  useEffect(() => {
    if (Object.keys(errors).length)
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);
  if (obj.error) return <ErrorBanner error={obj.error} />;
  if (!values) return <Loading />;
  const o = obj.data;
  const canWrite = roleAtLeast(user?.role, 'operator');
  const readOnly = Boolean(o?.managed) || !canWrite;
  const creating = !o;
  const serviceOptions = (services.data?.items ?? []).map((s) => ({
    value: s.key,
    label: `${String(s.name ?? s.key)} (${s.key})`,
  }));
  const type = values.type ?? 'http';
  const fields: FieldDef[] = heartbeat
    ? [
        ...commonTop(creating, serviceOptions, true),
        ...HEARTBEAT_FIELDS.filter((f) =>
          values.mode === 'cron' ? f.name !== 'period' : f.name !== 'schedule' && f.name !== 'time_zone',
        ),
      ]
    : [...commonTop(creating, serviceOptions, false), ...(TYPE_FIELDS[type] ?? []), ...PROBE_BOTTOM];
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setErrors({});
    setFormError(null);
    const key = (values.key ?? '').trim();
    const { spec, errors: local } = build(values, fields, heartbeat);
    if (creating && !SLUG_RE.test(key)) {
      local.key = key
        ? 'Use lower-case letters, digits and dashes, starting and ending with a letter or digit.'
        : 'Key is required.';
    }
    if (Object.keys(local).length) {
      setErrors(local);
      setFormError('Please fix the fields marked below.');
      return;
    }
    setBusy(true);
    try {
      if (o) {
        // Keep what this form does not edit (e.g. location, uuid), drop what it does.
        const keep: Record<string, unknown> = {};
        const edited = new Set([
          ...Object.values(TYPE_FIELDS).flatMap((fs) => fs.map((f) => f.name)),
          ...PROBE_BOTTOM.map((f) => f.name),
          ...HEARTBEAT_FIELDS.map((f) => f.name),
          'name',
          'service',
          'type',
        ]);
        for (const [f, v] of Object.entries(o)) {
          if (
            ['key', 'managed', 'source', 'version', 'created_at', 'updated_at'].includes(f) ||
            edited.has(f)
          )
            continue;
          keep[f] = v;
        }
        await api('PUT', `/api/v1/${plural}/${encodeKey(o.key)}`, {
          body: { ...keep, ...spec },
          version: o.version,
        });
        toast.show(`Saved ${label} ${o.key}.`);
        navigate(pathOf(heartbeat ? 'heartbeat' : 'check', o.key));
      } else {
        await api('POST', `/api/v1/${plural}`, { body: { key, ...spec } });
        toast.show(`Created ${label} ${key}.`);
        navigate(pathOf(heartbeat ? 'heartbeat' : 'check', key));
      }
    } catch (err) {
      if (err instanceof ApiError) {
        const { placed, rest } = placeServerErrors(err, new Set(fields.map((f) => f.name)));
        setErrors(placed);
        setFormError(
          err.status === 412
            ? `This ${label} was changed by someone else since you opened it. Reload to see the current version.`
            : rest.length
              ? rest.join('; ')
              : Object.keys(placed).length
                ? 'Please fix the fields marked below.'
                : err.message,
        );
      } else setFormError(String(err));
    } finally {
      setBusy(false);
    }
  };
  const title = o ? `${readOnly ? '' : 'Edit '}${label} ${o.key}` : heartbeat ? 'New heartbeat' : 'New check';
  return (
    <>
      <PageHeader title={title}>
        {o ? (
          <ManagedBadge obj={o} />
        ) : heartbeat ? (
          'A dead man’s switch: your job pings Vigil, and silence raises the alarm.'
        ) : (
          'A probe Vigil runs on an interval against your endpoint.'
        )}
      </PageHeader>
      {o?.managed ? (
        <div className="banner banner-info" role="note">
          This {label} is declared in the ops plan{o.source ? ` at ${o.source}` : ''}. Change it there and
          apply; the console shows it read-only.
        </div>
      ) : !canWrite ? (
        <div className="banner banner-info" role="note">
          Changing checks needs the operator role.
        </div>
      ) : null}
      <section className="card">
        <form ref={formRef} className="form" onSubmit={submit} noValidate aria-label={title}>
          {formError ? (
            <div className="banner banner-error" role="alert">
              {formError}
            </div>
          ) : null}
          {fields.map((f) => (
            <Field
              key={f.name}
              def={f}
              value={values[f.name] ?? ''}
              error={errors[f.name]}
              disabled={readOnly || busy || (f.createOnly && !creating)}
              onChange={(v) => setValues((s) => ({ ...(s ?? {}), [f.name]: v }))}
            />
          ))}
          {readOnly ? null : (
            <div className="form-actions">
              <button type="submit" className="btn btn-primary" disabled={busy}>
                {busy ? 'Saving…' : o ? 'Save changes' : `Create ${label}`}
              </button>
              <button
                type="button"
                className="btn"
                onClick={() => navigate(o ? pathOf(heartbeat ? 'heartbeat' : 'check', o.key) : '/checks')}
              >
                Cancel
              </button>
            </div>
          )}
        </form>
      </section>
    </>
  );
}
