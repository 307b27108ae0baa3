/**
 * `/flags/<key>/edit`: the definition editor — description, owner, tags, variants and, per
 * environment, enabled/default, ordered targeting rules, and the fallthrough percentage split.
 * Checked locally before sending; the server's problems appear under the part they name. Saves
 * with If-Match, so a concurrent change is refused rather than lost.
 */
import { useEffect, useId, useState } from 'react';
import { ApiError, api, encodeKey, type Page, roleAtLeast } from '../../api.ts';
import { Link, navigate } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { EmptyState, ErrorBanner, Loading, ManagedBadge, PageHeader, useApi } from '../../ui/components.tsx';
import { useToast } from '../../ui/toast.tsx';
import { envColumns, useEnvironments } from './common.tsx';
import { rolloutProblems, StagedRolloutEditor, TriggersEditor } from './RolloutEditor.tsx';
import { RuleEditor, SplitEditor } from './Targeting.tsx';
import {
  type EnvSpec,
  FLAG_TYPES,
  type FlagDefinition,
  type FlagSpec,
  type FlagType,
  type SegmentDefinition,
} from './types.ts';
import { clean, type Problems, serverProblems, specProblems } from './validate.ts';

const META = ['key', 'managed', 'source', 'version', 'created_at', 'updated_at'];

function specOf(d: FlagDefinition): FlagSpec {
  const out = { ...d } as Record<string, unknown>;
  for (const k of META) delete out[k];
  return out as unknown as FlagSpec;
}

export function EditFlag({ flagKey }: { flagKey: string }) {
  const { user } = useSession();
  const { data, error } = useApi<FlagDefinition>(`/api/v1/flag-definitions/${encodeKey(flagKey)}`);
  const segs = useApi<Page<SegmentDefinition>>('/api/v1/flag-segments?limit=500');
  const { envs } = useEnvironments();
  const [spec, setSpec] = useState<FlagSpec | null>(null);
  const [version, setVersion] = useState<number>(0);
  useEffect(() => {
    if (data && spec === null) {
      setSpec(specOf(data));
      setVersion(data.version);
    }
  }, [data, spec]);
  if (error) return <ErrorBanner error={error} />;
  if (!data || !spec) return <Loading what="Loading the definition" />;
  if (data.managed) {
    return (
      <>
        <PageHeader title={`Edit ${flagKey}`} />
        <EmptyState title="This flag is declared in the ops plan.">
          <ManagedBadge obj={data} /> Change it in vigil.yaml and apply.{' '}
          <Link to={`/flags/${encodeKey(flagKey)}`}>Back to the flag</Link>
        </EmptyState>
      </>
    );
  }
  if (!roleAtLeast(user?.role, 'operator')) {
    return (
      <>
        <PageHeader title={`Edit ${flagKey}`} />
        <EmptyState title="Changing flag definitions needs the operator role." />
      </>
    );
  }
  return (
    <Editor
      flagKey={flagKey}
      spec={spec}
      version={version}
      segments={(segs.data?.items ?? []).map((s) => s.key)}
      envKeys={envColumns(envs, Object.keys(spec.environments)).map((e) => ({ key: e.key, name: e.name }))}
      onChange={setSpec}
    />
  );
}

function Editor(props: {
  flagKey: string;
  spec: FlagSpec;
  version: number;
  segments: string[];
  envKeys: Array<{ key: string; name: string }>;
  onChange: (s: FlagSpec) => void;
}) {
  const { spec, flagKey } = props;
  const toast = useToast();
  const id = useId();
  const [problems, setProblems] = useState<Problems>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [variantsText, setVariantsText] = useState(
    JSON.stringify(spec.variants ?? { on: true, off: false }, null, 2),
  );
  const [variantsError, setVariantsError] = useState<string | null>(null);
  const variants = Object.keys(spec.variants ?? { on: true, off: false });
  const set = (patch: Partial<FlagSpec>) => props.onChange({ ...spec, ...patch });
  const setEnv = (env: string, e: EnvSpec | undefined) => {
    const next = { ...spec.environments };
    if (e) next[env] = e;
    else delete next[env];
    set({ environments: next });
  };
  const save = async () => {
    setFormError(null);
    const local = specProblems(spec, props.segments);
    const boolean = Object.values(spec.variants ?? { on: true }).every((x) => typeof x === 'boolean');
    for (const [env, e] of Object.entries(spec.environments)) {
      if (e.staged_rollout)
        Object.assign(
          local,
          rolloutProblems(`environments.${env}.staged_rollout`, e.staged_rollout, boolean),
        );
    }
    const badTrigger = (spec.triggers ?? []).findIndex((t) => !t.alert.trim());
    if (badTrigger >= 0) local.triggers = `Trigger ${badTrigger + 1} needs an alert rule key.`;
    if (variantsError) local.variants = variantsError;
    setProblems(local);
    if (Object.keys(local).length) {
      setFormError(
        `Fix ${Object.keys(local).length} problem${Object.keys(local).length > 1 ? 's' : ''} marked below.`,
      );
      return;
    }
    setBusy(true);
    try {
      await api('PUT', `/api/v1/flag-definitions/${encodeKey(flagKey)}`, {
        body: clean(spec),
        version: props.version,
      });
      toast.show(`Saved ${flagKey}.`);
      navigate(`/flags/${encodeKey(flagKey)}`);
    } catch (e) {
      if (e instanceof ApiError) {
        if (e.status === 412)
          setFormError(
            'Someone changed this flag since you opened it. Reload the page to edit the new version (your edits are not saved).',
          );
        else {
          const p = serverProblems(e.problem.errors ?? [], e.problem.detail);
          const general = p._;
          delete p._;
          setProblems(p);
          setFormError(
            general ??
              (Object.keys(p).length ? 'The server refused some parts; see the messages below.' : e.message),
          );
        }
      } else setFormError(String(e));
    } finally {
      setBusy(false);
    }
  };
  const otherProblems = Object.entries(problems).filter(
    ([k]) =>
      !k.startsWith('environments.') &&
      !['variants', 'default_variant', 'off_variant', 'triggers'].includes(k),
  );
  return (
    <>
      <PageHeader
        title={`Edit ${flagKey}`}
        actions={
          <Link className="btn" to={`/flags/${encodeKey(flagKey)}`}>
            Cancel
          </Link>
        }
      >
        Changes apply to every environment’s served flags as soon as you save.
      </PageHeader>
      <form
        className="flags-editor"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        {formError ? (
          <div className="banner banner-error" role="alert">
            {formError}
            {otherProblems.length ? (
              <ul>
                {otherProblems.map(([k, v]) => (
                  <li key={k}>
                    {k === '_' ? '' : `${k}: `}
                    {v}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        <section className="card" aria-labelledby={`${id}-gen`}>
          <h2 id={`${id}-gen`}>General</h2>
          <div className="flags-grid">
            <div className="field">
              <label htmlFor={`${id}-desc`}>Description</label>
              <textarea
                id={`${id}-desc`}
                rows={2}
                value={spec.description ?? ''}
                onChange={(e) => set({ description: e.target.value || undefined })}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-type`}>Type</label>
              <select
                id={`${id}-type`}
                value={spec.type}
                onChange={(e) => set({ type: e.target.value as FlagType })}
              >
                {FLAG_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${id}-owner`}>Owner team</label>
              <input
                id={`${id}-owner`}
                value={spec.owner ?? ''}
                onChange={(e) => set({ owner: e.target.value || undefined })}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-tags`}>Tags (comma-separated)</label>
              <input
                id={`${id}-tags`}
                defaultValue={(spec.tags ?? []).join(', ')}
                onChange={(e) =>
                  set({
                    tags: e.target.value
                      .split(',')
                      .map((t) => t.trim())
                      .filter(Boolean),
                  })
                }
              />
            </div>
          </div>
          <div className={`field${(variantsError ?? problems.variants) ? ' field-invalid' : ''}`}>
            <label htmlFor={`${id}-var`}>Variants (JSON object: name → value)</label>
            <textarea
              id={`${id}-var`}
              rows={4}
              className="flags-code"
              value={variantsText}
              aria-invalid={(variantsError ?? problems.variants) ? true : undefined}
              aria-describedby={(variantsError ?? problems.variants) ? `${id}-var-e` : undefined}
              onChange={(e) => {
                setVariantsText(e.target.value);
                try {
                  const v = JSON.parse(e.target.value);
                  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('an object is needed');
                  set({ variants: v });
                  setVariantsError(null);
                } catch (err) {
                  setVariantsError(`Not a JSON object: ${(err as Error).message}`);
                }
              }}
            />
            {(variantsError ?? problems.variants) ? (
              <p id={`${id}-var-e`} className="field-error">
                {variantsError ?? problems.variants}
              </p>
            ) : null}
          </div>
          <div className="flags-grid">
            <VariantSelect
              label="Default variant"
              value={spec.default_variant}
              variants={variants}
              allowNull
              error={problems.default_variant}
              onChange={(v) => set({ default_variant: v })}
            />
            <VariantSelect
              label="Off variant (served when disabled)"
              value={spec.off_variant}
              variants={variants}
              error={problems.off_variant}
              onChange={(v) => set({ off_variant: v ?? undefined })}
            />
          </div>
          <TriggersEditor value={spec.triggers} envs={props.envKeys} onChange={(t) => set({ triggers: t })} />
          {problems.triggers ? <p className="field-error">{problems.triggers}</p> : null}
        </section>
        {props.envKeys.map((env) => (
          <EnvEditor
            key={env.key}
            env={env.key}
            envName={env.name}
            spec={spec.environments[env.key]}
            variants={variants}
            segments={props.segments}
            problems={problems}
            onChange={(e) => setEnv(env.key, e)}
          />
        ))}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save definition'}
          </button>
        </div>
      </form>
    </>
  );
}

function VariantSelect(props: {
  label: string;
  value: string | null | undefined;
  variants: string[];
  allowNull?: boolean;
  inherit?: boolean;
  error?: string;
  onChange: (v: string | null | undefined) => void;
}) {
  const id = useId();
  const val = props.value === undefined ? '__unset' : props.value === null ? '__null' : props.value;
  return (
    <div className={`field${props.error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        value={val}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-e` : undefined}
        onChange={(e) =>
          props.onChange(
            e.target.value === '__unset' ? undefined : e.target.value === '__null' ? null : e.target.value,
          )
        }
      >
        <option value="__unset">{props.inherit ? 'as the flag’s default' : '— not set —'}</option>
        {props.allowNull ? <option value="__null">the caller’s code default</option> : null}
        {props.variants.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
      {props.error ? (
        <p id={`${id}-e`} className="field-error">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

function EnvEditor(props: {
  env: string;
  envName: string;
  spec: EnvSpec | undefined;
  variants: string[];
  segments: string[];
  problems: Problems;
  onChange: (e: EnvSpec | undefined) => void;
}) {
  const { spec: e, env, problems } = props;
  const id = useId();
  const at = `environments.${env}`;
  const envProblem = problems[at];
  if (!e) {
    return (
      <section className="card" aria-labelledby={`${id}-h`}>
        <h2 id={`${id}-h`}>{props.envName}</h2>
        <p className="muted">Not configured: the flag is off here.</p>
        <button type="button" className="btn" onClick={() => props.onChange({ enabled: false })}>
          Configure {props.envName}
        </button>
      </section>
    );
  }
  const rules = e.targeting ?? [];
  const setRules = (r: typeof rules) => props.onChange({ ...e, targeting: r.length ? r : undefined });
  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{props.envName}</h2>
      {envProblem ? <p className="field-error">{envProblem}</p> : null}
      <div className="flags-grid">
        <label className="flags-check">
          <input
            type="checkbox"
            checked={e.enabled}
            onChange={(x) => props.onChange({ ...e, enabled: x.target.checked })}
          />{' '}
          Enabled (declared state)
        </label>
        <VariantSelect
          label="Default variant here"
          value={e.default_variant}
          variants={props.variants}
          allowNull
          inherit
          error={problems[`${at}.default_variant`]}
          onChange={(v) => {
            const next = { ...e };
            if (v === undefined) delete next.default_variant;
            else next.default_variant = v;
            props.onChange(next);
          }}
        />
      </div>
      <h3>Targeting rules</h3>
      <p className="help">Evaluated in order; the first rule whose conditions all hold decides.</p>
      {rules.map((r, i) => (
        <RuleEditor
          // biome-ignore lint/suspicious/noArrayIndexKey: rules are positional
          key={i}
          rule={r}
          index={i}
          count={rules.length}
          env={props.envName}
          variants={props.variants}
          segments={props.segments}
          problems={problems}
          path={`${at}.targeting.${i}`}
          onChange={(nr) => setRules(rules.map((x, j) => (j === i ? nr : x)))}
          onMove={(d) => {
            const next = [...rules];
            const [x] = next.splice(i, 1);
            next.splice(i + d, 0, x);
            setRules(next);
          }}
          onRemove={() => setRules(rules.filter((_, j) => j !== i))}
        />
      ))}
      <button
        type="button"
        className="btn"
        onClick={() =>
          setRules([
            ...rules,
            { conditions: [{ attribute: '', op: 'equals', values: [] }], variant: props.variants[0] },
          ])
        }
      >
        Add rule
      </button>
      <h3>Everyone else</h3>
      <label className="flags-check">
        <input
          type="checkbox"
          checked={Boolean(e.rollout)}
          onChange={(x) => {
            const next = { ...e };
            if (x.target.checked) {
              const on = props.variants.includes('on') ? 'on' : props.variants[0];
              const off = props.variants.includes('off') ? 'off' : (props.variants[1] ?? props.variants[0]);
              next.rollout = {
                buckets: [
                  { variant: on, weight: 10 },
                  { variant: off, weight: 90 },
                ],
              };
            } else delete next.rollout;
            props.onChange(next);
          }}
        />{' '}
        Percentage split instead of the default variant
      </label>
      {e.rollout ? (
        <SplitEditor
          split={e.rollout}
          variants={props.variants}
          label={`Fallthrough split in ${props.envName}`}
          error={problems[`${at}.rollout`]}
          onChange={(s) => props.onChange({ ...e, rollout: s })}
        />
      ) : null}
      <StagedRolloutEditor
        envName={props.envName}
        value={e.staged_rollout}
        problems={problems}
        at={`${at}.staged_rollout`}
        onChange={(r) => {
          const next = { ...e };
          if (r) next.staged_rollout = r;
          else delete next.staged_rollout;
          props.onChange(next);
        }}
      />
      <button type="button" className="btn btn-small btn-danger" onClick={() => props.onChange(undefined)}>
        Remove {props.envName} configuration
      </button>
    </section>
  );
}
