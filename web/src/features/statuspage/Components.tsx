/** `/status-pages/<key>/components`: components and groups, their order, descriptions and links. */
import { useEffect, useId, useMemo, useState } from 'react';
import { api, encodeKey, type Page } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Badge, EmptyState, useApi } from '../../ui/components.tsx';
import { useToast } from '../../ui/toast.tsx';
import {
  type ComponentDef,
  can,
  errorsByPath,
  messageOf,
  PageFrame,
  type StatusPageObject,
  specOf,
  usePageObject,
} from './shared.tsx';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

interface Row extends ComponentDef {
  _id: number;
}

/** Picks keys from a list: the chosen ones with remove buttons, and a select to add another. */
function KeyPicker(props: {
  label: string;
  value: string[];
  options: Array<{ key: string; name: string }>;
  disabled?: boolean;
  onChange: (v: string[]) => void;
}) {
  const id = useId();
  const [pick, setPick] = useState('');
  const rest = props.options.filter((o) => !props.value.includes(o.key));
  const nameOf = (k: string) => props.options.find((o) => o.key === k)?.name;
  return (
    <fieldset className="sp-picker">
      <legend>{props.label}</legend>
      {props.value.length ? (
        <ul className="sp-chips">
          {props.value.map((k) => (
            <li key={k}>
              <span>
                {nameOf(k) ?? k} <code className="muted">{k}</code>
                {nameOf(k) ? null : <span className="muted"> (not found)</span>}
              </span>
              {props.disabled ? null : (
                <button
                  type="button"
                  className="btn-icon"
                  aria-label={`Remove ${k} from ${props.label.toLowerCase()}`}
                  onClick={() => props.onChange(props.value.filter((x) => x !== k))}
                >
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">None.</p>
      )}
      {props.disabled ? null : (
        <div className="sp-inline">
          <label htmlFor={id} className="sr-only">
            Add to {props.label.toLowerCase()}
          </label>
          <select id={id} value={pick} onChange={(e) => setPick(e.target.value)}>
            <option value="">{rest.length ? `Choose…` : 'Nothing more to add'}</option>
            {rest.map((o) => (
              <option key={o.key} value={o.key}>
                {o.name} ({o.key})
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn btn-small"
            disabled={!pick}
            onClick={() => {
              props.onChange([...props.value, pick]);
              setPick('');
            }}
          >
            Add<span className="sr-only"> to {props.label.toLowerCase()}</span>
          </button>
        </div>
      )}
    </fieldset>
  );
}

function TextField(props: {
  label: string;
  value: string;
  error?: string;
  help?: string;
  required?: boolean;
  disabled?: boolean;
  list?: string;
  multiline?: boolean;
  onChange: (v: string) => void;
}) {
  const id = useId();
  const describedBy = [props.help ? `${id}-h` : '', props.error ? `${id}-e` : ''].filter(Boolean).join(' ');
  const common = {
    id,
    value: props.value,
    disabled: props.disabled,
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': describedBy || undefined,
  };
  return (
    <div className={`field${props.error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {props.label}
        {props.required ? <span className="req"> (required)</span> : null}
      </label>
      {props.multiline ? (
        <textarea {...common} rows={2} onChange={(e) => props.onChange(e.target.value)} />
      ) : (
        <input {...common} type="text" list={props.list} onChange={(e) => props.onChange(e.target.value)} />
      )}
      {props.help ? (
        <p id={`${id}-h`} className="help">
          {props.help}
        </p>
      ) : null}
      {props.error ? (
        <p id={`${id}-e`} className="field-error">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

let nextId = 1;
const toRows = (p: StatusPageObject): Row[] => p.components.map((c) => ({ ...c, _id: nextId++ }));

export function ComponentsEditor({ pageKey, role }: { pageKey: string; role: string }) {
  const page = usePageObject(pageKey);
  const toast = useToast();
  const checks = useApi<Page<{ key: string; name: string }>>('/api/v1/checks?limit=500');
  const heartbeats = useApi<Page<{ key: string; name: string }>>('/api/v1/heartbeats?limit=500');
  const services = useApi<Page<{ key: string; name: string }>>('/api/v1/services?limit=500');
  const [rows, setRows] = useState<Row[] | null>(null);
  /** The version of the page the rows were loaded from (what a save replaces, with If-Match). */
  const [baseline, setBaseline] = useState<StatusPageObject | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [stale, setStale] = useState(false);
  const dirty = useMemo(
    () =>
      rows !== null &&
      baseline !== null &&
      JSON.stringify(rows.map(({ _id, ...c }) => c)) !== JSON.stringify(baseline.components),
    [rows, baseline],
  );
  const adopt = (o: StatusPageObject) => {
    setBaseline(o);
    setRows(toRows(o));
    setStale(false);
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: adopt only sets state
  useEffect(() => {
    const d = page.data;
    if (!d) return;
    if (baseline === null || (d.version > baseline.version && !dirty)) adopt(d);
    else if (d.version > baseline.version) setStale(true);
  }, [page.data, baseline, dirty]);
  useLiveEvents(['status_page.updated'], (e) => {
    if (e.subject.key === pageKey) page.reload();
  });

  const p = page.data;
  const readOnly = !p || p.managed || !can(role, 'operate');
  const checkOptions = [...(checks.data?.items ?? []), ...(heartbeats.data?.items ?? [])].map((c) => ({
    key: c.key,
    name: c.name ?? c.key,
  }));
  const serviceOptions = (services.data?.items ?? []).map((s) => ({ key: s.key, name: s.name ?? s.key }));
  const groups = [...new Set((rows ?? []).map((r) => r.group).filter(Boolean))] as string[];

  const update = (i: number, patch: Partial<ComponentDef>) =>
    setRows((rs) => (rs ? rs.map((r, j) => (j === i ? { ...r, ...patch } : r)) : rs));
  const move = (i: number, d: -1 | 1) =>
    setRows((rs) => {
      if (!rs) return rs;
      const next = [...rs];
      const [r] = next.splice(i, 1);
      next.splice(i + d, 0, r);
      return next;
    });

  const save = async () => {
    if (!baseline || !rows) return;
    setFormError(null);
    const local: Record<string, string> = {};
    const seen = new Set<string>();
    rows.forEach((r, i) => {
      if (!SLUG.test(r.key))
        local[`components.${i}.key`] = 'Use lower-case letters, digits and inner dashes.';
      else if (seen.has(r.key)) local[`components.${i}.key`] = `Another component already uses "${r.key}".`;
      seen.add(r.key);
      if (!r.name.trim()) local[`components.${i}.name`] = 'Name is required.';
    });
    setErrors(local);
    if (Object.keys(local).length) {
      setFormError('Please fix the fields marked below.');
      return;
    }
    setBusy(true);
    try {
      const components = rows.map(({ _id, ...c }) => {
        const out: ComponentDef = { key: c.key.trim(), name: c.name.trim() };
        if (c.description?.trim()) out.description = c.description.trim();
        if (c.group?.trim()) out.group = c.group.trim();
        if (c.checks?.length) out.checks = c.checks;
        if (c.services?.length) out.services = c.services;
        if (c.only_show_if_degraded) out.only_show_if_degraded = true;
        return out;
      });
      const saved = await api<StatusPageObject>('PUT', `/api/v1/status-pages/${encodeKey(baseline.key)}`, {
        body: { ...specOf(baseline), components },
        version: baseline.version,
      });
      adopt(saved);
      setErrors({});
      toast.show('Components saved.');
      page.reload();
    } catch (err) {
      const e = errorsByPath(err);
      setErrors(e);
      setFormError(
        Object.keys(e).some((k) => k.startsWith('components.'))
          ? 'Please fix the fields marked below.'
          : messageOf(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <PageFrame pageKey={pageKey} tab="components" page={page} title="components">
      {p?.managed ? (
        <p className="banner banner-info">
          This page is declared in vigil.yaml{p.source ? ` (${p.source})` : ''}: change its components there
          and apply the plan.
        </p>
      ) : !can(role, 'operate') ? (
        <p className="banner banner-info">
          You can read the components; changing them needs the operator role.
        </p>
      ) : null}
      {stale ? (
        <div className="banner banner-error" role="alert">
          Someone else changed this page while you were editing. Saving will be refused;{' '}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              if (page.data) adopt(page.data);
              setErrors({});
              setFormError(null);
            }}
          >
            Discard my changes and reload
          </button>
        </div>
      ) : null}
      {formError ? (
        <div className="banner banner-error" role="alert">
          {formError}
        </div>
      ) : null}
      <datalist id="sp-groups">
        {groups.map((g) => (
          <option key={g} value={g} />
        ))}
      </datalist>
      {rows && rows.length === 0 ? (
        <EmptyState title="No components yet.">
          Components are the parts of your product readers care about (API, web app, sign-in…).
          {readOnly ? null : ' Add the first one below.'}
        </EmptyState>
      ) : null}
      <ol className="sp-components">
        {(rows ?? []).map((r, i) => (
          <li key={r._id} className="card sp-component">
            <fieldset disabled={busy}>
              <legend>
                {i + 1}. {r.name || 'New component'}{' '}
                {r.only_show_if_degraded ? <Badge>only shown if degraded</Badge> : null}
              </legend>
              <div className="sp-grid">
                <TextField
                  label="Key"
                  required
                  value={r.key}
                  disabled={readOnly}
                  error={errors[`components.${i}.key`]}
                  help="Used by the CLI and the API."
                  onChange={(v) => update(i, { key: v })}
                />
                <TextField
                  label="Name"
                  required
                  value={r.name}
                  disabled={readOnly}
                  error={errors[`components.${i}.name`]}
                  onChange={(v) => update(i, { name: v })}
                />
                <TextField
                  label="Group"
                  value={r.group ?? ''}
                  disabled={readOnly}
                  list="sp-groups"
                  error={errors[`components.${i}.group`]}
                  help="Components with the same group sit together under its heading."
                  onChange={(v) => update(i, { group: v })}
                />
                <TextField
                  label="Description"
                  multiline
                  value={r.description ?? ''}
                  disabled={readOnly}
                  error={errors[`components.${i}.description`]}
                  onChange={(v) => update(i, { description: v })}
                />
              </div>
              <div className="sp-grid">
                <KeyPicker
                  label="Checks"
                  value={r.checks ?? []}
                  options={checkOptions}
                  disabled={readOnly}
                  onChange={(v) => update(i, { checks: v })}
                />
                <KeyPicker
                  label="Services"
                  value={r.services ?? []}
                  options={serviceOptions}
                  disabled={readOnly}
                  onChange={(v) => update(i, { services: v })}
                />
              </div>
              {errors[`components.${i}.checks`] || errors[`components.${i}.services`] ? (
                <p className="field-error">
                  {errors[`components.${i}.checks`] ?? errors[`components.${i}.services`]}
                </p>
              ) : null}
              <div className="sp-row-actions">
                <label className="sp-check">
                  <input
                    type="checkbox"
                    checked={Boolean(r.only_show_if_degraded)}
                    disabled={readOnly}
                    onChange={(e) => update(i, { only_show_if_degraded: e.target.checked })}
                  />{' '}
                  Only show if degraded
                </label>
                {readOnly ? null : (
                  <span className="sp-inline">
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={i === 0}
                      onClick={() => move(i, -1)}
                    >
                      Move up<span className="sr-only"> {r.name}</span>
                    </button>
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={i === rows!.length - 1}
                      onClick={() => move(i, 1)}
                    >
                      Move down<span className="sr-only"> {r.name}</span>
                    </button>
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      onClick={() => {
                        if (
                          window.confirm(
                            `Remove component ${r.name || r.key}? It disappears from the public page when you save.`,
                          )
                        )
                          setRows((rs) => rs!.filter((_, j) => j !== i));
                      }}
                    >
                      Remove<span className="sr-only"> {r.name}</span>
                    </button>
                  </span>
                )}
              </div>
            </fieldset>
          </li>
        ))}
      </ol>
      {errors.components ? <p className="field-error">{errors.components}</p> : null}
      {readOnly || !rows ? null : (
        <div className="form-actions sp-inline">
          <button
            type="button"
            className="btn"
            onClick={() => setRows((rs) => [...(rs ?? []), { _id: nextId++, key: '', name: '' }])}
          >
            Add component
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy || !dirty}
            onClick={() => void save()}
          >
            {busy ? 'Saving…' : 'Save components'}
          </button>
          {dirty ? <span className="muted">Unsaved changes</span> : null}
        </div>
      )}
    </PageFrame>
  );
}
