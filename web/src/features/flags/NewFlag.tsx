/**
 * `/flags/new`: create a flag. Honours the plan's conventions (name pattern, required tags,
 * default off in the listed environments) before sending; the server validates again and its
 * messages appear under the field they concern.
 */
import { type ReactNode, useId, useState } from 'react';
import { ApiError, api, encodeKey, type Page, roleAtLeast } from '../../api.ts';
import { navigate } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { EmptyState, ErrorBanner, PageHeader, useApi } from '../../ui/components.tsx';
import { useToast } from '../../ui/toast.tsx';
import { conventionErrors, useEnvironments } from './common.tsx';
import { type Conventions, type EnvSpec, FLAG_TYPES, type FlagType, TYPE_LIFETIME } from './types.ts';
import { serverProblems } from './validate.ts';

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
type Kind = 'boolean' | 'string' | 'number' | 'object';
const SAMPLE: Record<Exclude<Kind, 'boolean'>, string> = {
  string: '{\n  "control": "Buy now",\n  "short": "Buy"\n}',
  number: '{\n  "low": 10,\n  "high": 100\n}',
  object: '{\n  "v1": { "layout": "list" },\n  "v2": { "layout": "grid" }\n}',
};

function FieldBox(props: {
  id: string;
  label: string;
  required?: boolean;
  help?: string;
  error?: string;
  children: ReactNode;
}) {
  return (
    <div className={`field${props.error ? ' field-invalid' : ''}`}>
      <label htmlFor={props.id}>
        {props.label}
        {props.required ? <span className="req"> (required)</span> : null}
      </label>
      {props.children}
      {props.help ? (
        <p id={`${props.id}-help`} className="help">
          {props.help}
        </p>
      ) : null}
      {props.error ? (
        <p id={`${props.id}-err`} className="field-error">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

const described = (id: string, help: boolean, error?: string) => ({
  'aria-invalid': error ? true : undefined,
  'aria-describedby':
    [help ? `${id}-help` : '', error ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined,
});

export function NewFlag() {
  const { user } = useSession();
  const toast = useToast();
  const id = useId();
  const conv = useApi<Conventions>('/api/v1/flag-conventions');
  const conventions =
    conv.error instanceof ApiError && conv.error.status === 404 ? null : (conv.data ?? null);
  const teams = useApi<Page<{ key: string; name: string }>>('/api/v1/teams?limit=500');
  const { envs } = useEnvironments();
  const [v, setV] = useState({
    key: '',
    description: '',
    type: 'release' as FlagType,
    owner: '',
    tags: '',
    kind: 'boolean' as Kind,
    variants: '',
    default_variant: '',
  });
  const [envState, setEnvState] = useState<Record<string, '' | 'off' | 'on'>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!roleAtLeast(user?.role, 'operator')) {
    return (
      <>
        <PageHeader title="New flag" />
        <EmptyState title="Creating flags needs the operator role." />
      </>
    );
  }
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) =>
    setV((s) => ({ ...s, [k]: e.target.value }));
  const tags = v.tags
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const parseVariants = (): Record<string, unknown> | string => {
    if (v.kind === 'boolean') return { on: true, off: false };
    try {
      const o = JSON.parse(v.variants || SAMPLE[v.kind]);
      if (!o || typeof o !== 'object' || Array.isArray(o) || Object.keys(o).length === 0)
        return 'Give a JSON object of name → value.';
      const bad = Object.values(o).some((x) =>
        v.kind === 'object' ? x === null || typeof x !== 'object' : typeof x !== v.kind,
      );
      return bad ? `Every variant value must be a ${v.kind === 'object' ? 'JSON object' : v.kind}.` : o;
    } catch (e) {
      return `Not JSON: ${(e as Error).message}`;
    }
  };
  const variantsNow = parseVariants();
  const variantNames = typeof variantsNow === 'string' ? [] : Object.keys(variantsNow);
  const onIn = Object.entries(envState)
    .filter(([, s]) => s === 'on')
    .map(([k]) => k);
  const submit = async () => {
    setFormError(null);
    const errs: Record<string, string> = {};
    if (!v.key.trim()) errs.key = 'Key is required.';
    else if (!KEY_RE.test(v.key))
      errs.key = 'Letters, digits and _ . : - (starting with a letter or digit), up to 128 characters.';
    if (typeof variantsNow === 'string') errs.variants = variantsNow;
    Object.assign(errs, {
      ...conventionErrors(conventions, { key: v.key, tags, type: v.type, onIn }),
      ...errs,
    });
    setErrors(errs);
    if (Object.keys(errs).length) {
      setFormError('Please fix the fields marked below.');
      return;
    }
    const variants = variantsNow as Record<string, unknown>;
    const defaultVariant = v.kind === 'boolean' ? 'off' : v.default_variant || Object.keys(variants)[0];
    const environments: Record<string, EnvSpec> = {};
    for (const [env, s] of Object.entries(envState)) {
      if (!s) continue;
      environments[env] =
        s === 'on'
          ? { enabled: true, ...(v.kind === 'boolean' ? { default_variant: 'on' } : {}) }
          : { enabled: false };
    }
    const body = {
      key: v.key.trim(),
      type: v.type,
      ...(v.description.trim() ? { description: v.description.trim() } : {}),
      ...(v.owner ? { owner: v.owner } : {}),
      tags,
      variants,
      default_variant: defaultVariant,
      environments,
    };
    setBusy(true);
    try {
      await api('POST', '/api/v1/flags', { body });
      toast.show(`Created ${body.key}.`);
      navigate(`/flags/${encodeKey(body.key)}`);
    } catch (e) {
      if (e instanceof ApiError) {
        const p = serverProblems(e.problem.errors ?? [], e.problem.detail);
        const placed: Record<string, string> = {};
        const rest: string[] = [];
        for (const [k, m] of Object.entries(p)) {
          const top = k.split('.')[0];
          if (['key', 'type', 'owner', 'tags', 'variants', 'description', 'environments'].includes(top))
            placed[top] = m;
          else if (top === 'default_variant') placed.variants = m;
          else rest.push(m);
        }
        if ((e.problem as { field?: string }).field === 'owner') placed.owner = e.message;
        setErrors(placed);
        setFormError(
          rest.length
            ? rest.join('; ')
            : Object.keys(placed).length
              ? 'Please fix the fields marked below.'
              : e.message,
        );
      } else setFormError(String(e));
    } finally {
      setBusy(false);
    }
  };
  const life = TYPE_LIFETIME[v.type];
  return (
    <>
      <PageHeader title="New flag">
        Flags start off everywhere unless you say otherwise; targeting and rollouts are set on the next page.
      </PageHeader>
      {conventions ? (
        <div className="banner banner-info">
          Conventions of this organisation
          {conventions.name_pattern ? `: keys follow ${conventions.name_pattern}` : ''}
          {conventions.prefixes?.length ? ` (prefixes ${conventions.prefixes.join(', ')})` : ''}
          {conventions.required_tags?.length
            ? `; tags ${conventions.required_tags.map((t) => `${t}:…`).join(', ')} are required`
            : ''}
          {conventions.default_off_in?.length
            ? `; new flags start off in ${conventions.default_off_in.join(', ')}`
            : ''}
          .
        </div>
      ) : null}
      <ErrorBanner error={conv.error instanceof ApiError && conv.error.status === 404 ? null : conv.error} />
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {formError ? (
          <div className="banner banner-error" role="alert">
            {formError}
          </div>
        ) : null}
        <FieldBox
          id={`${id}-key`}
          label="Key"
          required
          help="e.g. ui_new_exporter; it cannot be changed later."
          error={errors.key}
        >
          <input
            id={`${id}-key`}
            value={v.key}
            onChange={set('key')}
            autoComplete="off"
            {...described(`${id}-key`, true, errors.key)}
          />
        </FieldBox>
        <FieldBox id={`${id}-desc`} label="Description" error={errors.description}>
          <textarea
            id={`${id}-desc`}
            rows={2}
            value={v.description}
            onChange={set('description')}
            {...described(`${id}-desc`, false, errors.description)}
          />
        </FieldBox>
        <FieldBox
          id={`${id}-type`}
          label="Type"
          required
          help={
            life === null
              ? 'Permanent: never reported stale.'
              : `Expected to live about ${life} days; reported stale after that.`
          }
          error={errors.type}
        >
          <select
            id={`${id}-type`}
            value={v.type}
            onChange={set('type')}
            {...described(`${id}-type`, true, errors.type)}
          >
            {FLAG_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </FieldBox>
        <FieldBox id={`${id}-owner`} label="Owner team" error={errors.owner}>
          <select
            id={`${id}-owner`}
            value={v.owner}
            onChange={set('owner')}
            {...described(`${id}-owner`, false, errors.owner)}
          >
            <option value="">—</option>
            {(teams.data?.items ?? []).map((t) => (
              <option key={t.key} value={t.key}>
                {t.name}
              </option>
            ))}
          </select>
        </FieldBox>
        <FieldBox
          id={`${id}-tags`}
          label="Tags"
          help="Comma-separated, e.g. team:frontend, type:release"
          error={errors.tags}
        >
          <input
            id={`${id}-tags`}
            value={v.tags}
            onChange={set('tags')}
            {...described(`${id}-tags`, true, errors.tags)}
          />
        </FieldBox>
        <FieldBox
          id={`${id}-kind`}
          label="Value kind"
          help="Boolean flags have the variants on (true) and off (false)."
        >
          <select id={`${id}-kind`} value={v.kind} onChange={set('kind')} {...described(`${id}-kind`, true)}>
            <option value="boolean">boolean</option>
            <option value="string">string</option>
            <option value="number">number</option>
            <option value="object">JSON object</option>
          </select>
        </FieldBox>
        {v.kind !== 'boolean' ? (
          <>
            <FieldBox id={`${id}-var`} label="Variants (JSON: name → value)" required error={errors.variants}>
              <textarea
                id={`${id}-var`}
                rows={5}
                className="flags-code"
                value={v.variants || SAMPLE[v.kind]}
                onChange={set('variants')}
                {...described(`${id}-var`, false, errors.variants)}
              />
            </FieldBox>
            <FieldBox id={`${id}-def`} label="Default variant">
              <select id={`${id}-def`} value={v.default_variant} onChange={set('default_variant')}>
                {variantNames.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </FieldBox>
          </>
        ) : null}
        <fieldset
          className={`flags-envpick${errors.environments ? ' field-invalid' : ''}`}
          aria-describedby={errors.environments ? `${id}-env-err` : undefined}
        >
          <legend>Initial state per environment</legend>
          {envs.map((e) => {
            const offOnly = v.type !== 'kill-switch' && (conventions?.default_off_in ?? []).includes(e.key);
            return (
              <label key={e.key} className="flags-inline">
                <span>
                  {e.name}
                  {offOnly ? <span className="muted"> (must start off)</span> : null}
                </span>
                <select
                  value={envState[e.key] ?? ''}
                  onChange={(x) =>
                    setEnvState((s) => ({ ...s, [e.key]: x.target.value as '' | 'off' | 'on' }))
                  }
                >
                  <option value="">not configured (off)</option>
                  <option value="off">configured, off</option>
                  <option value="on">on{v.kind === 'boolean' ? '' : ' (default variant)'}</option>
                </select>
              </label>
            );
          })}
          {errors.environments ? (
            <p id={`${id}-env-err`} className="field-error">
              {errors.environments}
            </p>
          ) : null}
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create flag'}
          </button>
        </div>
      </form>
    </>
  );
}
