/** Building blocks shared by the flag pages: environments, switches, dialogs, split bars, conventions. */
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { ApiError, api, encodeKey, type Page, roleAtLeast, type SessionUser } from '../../api.ts';
import { useApi } from '../../ui/components.tsx';
import type { Conventions, Environment, FlagType } from './types.ts';

/** Every environment, in their declared order (production last when equal). */
export function useEnvironments(): { envs: Environment[]; loaded: boolean; error: unknown } {
  const { data, error } = useApi<Page<Environment>>('/api/v1/environments?limit=500');
  const envs = [...(data?.items ?? [])].sort(
    (a, b) => (a.order ?? 99) - (b.order ?? 99) || a.key.localeCompare(b.key),
  );
  return { envs, loaded: data !== undefined, error };
}

/** A scoped grant as /api/v1/auth/me reports it (role × team × environments). */
interface Grant {
  role: string;
  team?: string;
  environments?: string[];
}

/**
 * Whether the signed-in person holds `need` for a flag in an environment: the base role, or a
 * scoped grant covering the environment (and the flag's owner team) — the server's rule for
 * switching flags (`assertCan` with `{ environment, team }`), so the console enables exactly what
 * the API will accept.
 */
export function canIn(
  user: SessionUser | null | undefined,
  need: string,
  scope: { environment?: string; team?: string | null },
): boolean {
  if (!user) return false;
  if (roleAtLeast(user.role, need)) return true;
  const grants = (user as SessionUser & { grants?: Grant[] }).grants ?? [];
  return grants.some(
    (g) =>
      roleAtLeast(g.role, need) &&
      (g.team === undefined || g.team === (scope.team ?? undefined)) &&
      (g.environments === undefined ||
        (scope.environment !== undefined && g.environments.includes(scope.environment))),
  );
}

/** The environments to show for a flag: the known ones first (in order), then any others it names. */
export function envColumns(envs: Environment[], named: string[]): Environment[] {
  const known = new Set(envs.map((e) => e.key));
  return [...envs, ...named.filter((k) => !known.has(k)).map((key) => ({ key, name: key }))];
}

/** A modal dialog on the native <dialog> element (focus trapped, Escape closes). */
export function Dialog(props: { title: string; open: boolean; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} className="flags-dialog" aria-labelledby={id} onClose={props.onClose}>
      <h2 id={id}>{props.title}</h2>
      {props.open ? props.children : null}
    </dialog>
  );
}

/** What the toggle dialog asks for. */
export interface ToggleRequest {
  flag: string;
  env: string;
  envName: string;
  enabled: boolean;
  production: boolean;
  killSwitch: boolean;
}

/**
 * Turns a flag on/off in one environment. Production environments and kill switches need an
 * explicit confirmation with a reason (and optionally the incident it belongs to, which puts the
 * toggle on that incident's timeline); elsewhere the reason defaults to "toggled in the console".
 */
export function useToggle(onDone: (msg: string) => void, onError: (e: unknown) => void) {
  const [pending, setPending] = useState<ToggleRequest | null>(null);
  const send = async (r: ToggleRequest, reason: string, incident?: string) => {
    await api(
      'POST',
      `/api/v1/flags/${encodeKey(r.flag)}/environments/${encodeKey(r.env)}/${r.enabled ? 'on' : 'off'}`,
      {
        body: { reason, ...(incident ? { incident } : {}) },
      },
    );
    onDone(`${r.flag} is ${r.enabled ? 'on' : 'off'} in ${r.envName}.`);
  };
  const request = (r: ToggleRequest) => {
    if (r.production || r.killSwitch) setPending(r);
    else send(r, 'toggled in the console').catch(onError);
  };
  const dialog = (
    <Dialog
      title={pending ? `Turn ${pending.flag} ${pending.enabled ? 'on' : 'off'} in ${pending.envName}?` : ''}
      open={pending !== null}
      onClose={() => setPending(null)}
    >
      {pending ? (
        <ToggleForm
          req={pending}
          onCancel={() => setPending(null)}
          onSubmit={async (reason, incident) => {
            await send(pending, reason, incident);
            setPending(null);
          }}
        />
      ) : null}
    </Dialog>
  );
  return { request, dialog };
}

function ToggleForm(props: {
  req: ToggleRequest;
  onCancel: () => void;
  onSubmit: (reason: string, incident?: string) => Promise<void>;
}) {
  const [reason, setReason] = useState('');
  const [incident, setIncident] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const { req } = props;
  return (
    <form
      className="form"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        if (!reason.trim()) {
          setError('Say why (it goes to the audit log and the flag history).');
          return;
        }
        setBusy(true);
        try {
          await props.onSubmit(reason.trim(), incident.trim() || undefined);
        } catch (err) {
          setError(err instanceof ApiError ? err.message : String(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <p>
        {req.production ? (
          <>
            <strong>{req.envName}</strong> is a production environment.{' '}
          </>
        ) : null}
        {req.killSwitch ? (
          <>
            <strong>{req.flag}</strong> is a kill switch
            {req.enabled ? '' : ': turning it off stops the feature for everybody'}.{' '}
          </>
        ) : null}
        The change takes effect at once for every client.
      </p>
      <div className={`field${error ? ' field-invalid' : ''}`}>
        <label htmlFor={`${id}-reason`}>
          Reason<span className="req"> (required)</span>
        </label>
        <textarea
          id={`${id}-reason`}
          rows={2}
          value={reason}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-err` : undefined}
          onChange={(e) => setReason(e.target.value)}
        />
        {error ? (
          <p id={`${id}-err`} className="field-error">
            {error}
          </p>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor={`${id}-inc`}>Incident (optional)</label>
        <input
          id={`${id}-inc`}
          value={incident}
          placeholder="INC-2026-11-23-001"
          aria-describedby={`${id}-inc-help`}
          onChange={(e) => setIncident(e.target.value)}
        />
        <p id={`${id}-inc-help`} className="help">
          The toggle is also recorded on that incident’s timeline.
        </p>
      </div>
      <div className="form-actions flags-dialog-actions">
        <button type="button" className="btn" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className={`btn ${req.enabled ? 'btn-primary' : 'btn-danger'}`} disabled={busy}>
          {busy ? 'Working…' : `Turn ${req.enabled ? 'on' : 'off'}`}
        </button>
      </div>
    </form>
  );
}

/** An on/off switch (role="switch"); clicking asks to change, the parent decides. */
export function Switch(props: {
  checked: boolean;
  label: string;
  disabled?: boolean;
  title?: string;
  onChange: (next: boolean) => void;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={props.checked}
      aria-label={props.label}
      title={props.title}
      disabled={props.disabled}
      className={`flags-switch${props.checked ? ' is-on' : ''}`}
      onClick={() => props.onChange(!props.checked)}
    >
      <span className="flags-switch-knob" aria-hidden="true" />
      <span className="flags-switch-text">{props.checked ? 'On' : 'Off'}</span>
    </button>
  );
}

const BAR_TONES = ['a', 'b', 'c', 'd', 'e', 'f'];

/** A stacked bar of a split's buckets with a text legend (the figures are the accessible part). */
export function SplitBar({
  buckets,
  label,
}: {
  buckets: Array<{ variant: string; weight: number }>;
  label: string;
}) {
  const total = buckets.reduce((a, b) => a + b.weight, 0);
  const pct = (w: number) => (total > 0 ? Math.round((w / total) * 1000) / 10 : 0);
  // Buckets are positional (the same variant may appear twice): the position is their identity.
  const rows = buckets.map((b, i) => ({
    ...b,
    id: `${i}:${b.variant}`,
    tone: BAR_TONES[i % BAR_TONES.length],
  }));
  return (
    <figure className="flags-split" aria-label={label}>
      <div className="flags-split-bar" aria-hidden="true">
        {rows.map((b) =>
          b.weight > 0 ? (
            <span
              key={b.id}
              className={`flags-split-seg tone-${b.tone}`}
              style={{ width: `${pct(b.weight)}%` }}
            />
          ) : null,
        )}
      </div>
      <figcaption className="flags-split-legend">
        {rows.map((b) => (
          <span key={b.id}>
            <span className={`flags-swatch tone-${b.tone}`} aria-hidden="true" />
            {b.variant} {pct(b.weight)} %
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** A percentage as a single progress bar (served "on" share). */
export function PercentBar({ value, label }: { value: number; label: string }) {
  return (
    <span className="flags-percent">
      <span
        className="flags-percent-bar"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value}
      >
        <span className="flags-percent-fill" style={{ width: `${Math.min(100, Math.max(0, value))}%` }} />
      </span>
      <span className="flags-percent-text">{value} %</span>
    </span>
  );
}

/** The name regex for a template like `{prefix}_{feature}` (same as the server's namePatternRegex). */
export function namePatternRegex(pattern: string, prefixes?: string[]): RegExp {
  if (pattern.startsWith('^')) return new RegExp(pattern);
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const prefix = prefixes?.length ? `(?:${prefixes.map(esc).join('|')})` : '[a-z][a-z0-9]*';
  const parts = pattern.split(/(\{prefix\}|\{feature\})/);
  const body = parts
    .map((p) => (p === '{prefix}' ? prefix : p === '{feature}' ? '[a-z0-9]+(?:_[a-z0-9]+)*' : esc(p)))
    .join('');
  return new RegExp(`^${body}$`);
}

/** Checks a new flag against the conventions: field name → message. */
export function conventionErrors(
  c: Conventions | null | undefined,
  flag: { key: string; tags: string[]; type: FlagType; onIn: string[] },
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!c) return out;
  if (c.name_pattern) {
    let re: RegExp | null = null;
    try {
      re = namePatternRegex(c.name_pattern, c.prefixes);
    } catch {
      re = null;
    }
    if (re && flag.key && !re.test(flag.key)) {
      out.key = `The key must follow ${c.name_pattern}${c.prefixes?.length ? ` (prefixes: ${c.prefixes.join(', ')})` : ''}, e.g. ${example(c)}.`;
    }
  }
  const missing = (c.required_tags ?? []).filter(
    (t) => !flag.tags.some((x) => x === t || x.startsWith(`${t}:`)),
  );
  if (missing.length)
    out.tags = `Add the required tag${missing.length > 1 ? 's' : ''} ${missing.map((t) => `${t}:…`).join(', ')}.`;
  if (flag.type !== 'kill-switch') {
    const bad = (c.default_off_in ?? []).filter((e) => flag.onIn.includes(e));
    if (bad.length) out.environments = `New flags must start off in ${bad.join(', ')}.`;
  }
  return out;
}

function example(c: Conventions): string {
  const prefix = c.prefixes?.[0] ?? 'ui';
  return (c.name_pattern ?? '').startsWith('^')
    ? 'a key matching the pattern'
    : (c.name_pattern ?? '').replace('{prefix}', prefix).replace('{feature}', 'new_exporter');
}

/** "3 d 4 h" from milliseconds. */
export function formatWait(ms: number): string {
  if (ms <= 0) return 'no wait';
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  const parts: string[] = [];
  let rest = ms;
  for (const [size, u] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${u}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return parts.join(' ') || `${ms} ms`;
}

/** A value for display: strings quoted, others as JSON. */
export function showValue(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : JSON.stringify(v);
}
