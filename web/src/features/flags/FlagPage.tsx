/**
 * `/flags/<key>`: one flag — state per environment with switches and overrides, staged rollouts
 * (progress, next step, start/pause/resume/roll back), targeting per environment, an evaluation
 * preview for a JSON context, and the history of changes with before/after.
 */
import { useId, useState } from 'react';
import { ApiError, api, encodeKey, roleAtLeast } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link, navigate } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import {
  Badge,
  EmptyState,
  ErrorBanner,
  Facts,
  Loading,
  PageHeader,
  Time,
  useApi,
} from '../../ui/components.tsx';
import { useToast } from '../../ui/toast.tsx';
import {
  canIn,
  Dialog,
  envColumns,
  formatWait,
  PercentBar,
  Switch,
  showValue,
  useEnvironments,
  useToggle,
} from './common.tsx';
import { EnvNote, FlagBadges } from './FlagList.tsx';
import { FlagHistory } from './History.tsx';
import { TargetingSummary } from './Targeting.tsx';
import {
  type Environment,
  FLAG_EVENTS,
  type FlagDefinition,
  type FlagDetail,
  type PreviewResult,
  type RolloutView,
} from './types.ts';

export function FlagPage({ flagKey }: { flagKey: string }) {
  const { user } = useSession();
  const toast = useToast();
  const path = `/api/v1/flags/${encodeKey(flagKey)}`;
  const { data, error, reload } = useApi<FlagDetail>(path);
  const defn = useApi<FlagDefinition>(`/api/v1/flag-definitions/${encodeKey(flagKey)}`);
  const { envs } = useEnvironments();
  useLiveEvents([...FLAG_EVENTS], (e) => {
    if (e.subject.key !== flagKey) return;
    if (e.type === 'flag.deleted') {
      toast.show(`${flagKey} was deleted.`, 'info');
      navigate('/flags');
      return;
    }
    reload();
    defn.reload();
  });
  const canToggleIn = (env: string) => canIn(user, 'responder', { environment: env, team: data?.owner });
  const canOperate = roleAtLeast(user?.role, 'operator');
  const toggle = useToggle(
    (msg) => {
      toast.show(msg);
      reload();
    },
    (e) => toast.show(String((e as Error).message ?? e), 'error'),
  );
  const [confirmDelete, setConfirmDelete] = useState(false);
  if (error) {
    return (
      <>
        <PageHeader title={flagKey} />
        <ErrorBanner error={error} />
        {error instanceof ApiError && error.status === 404 ? (
          <EmptyState title="There is no such flag.">
            <Link to="/flags">All flags</Link>
          </EmptyState>
        ) : null}
      </>
    );
  }
  if (!data) return <Loading what={`Loading ${flagKey}`} />;
  const f = data;
  const cols = envColumns(envs, Object.keys(f.environments)).filter((e) => f.environments[e.key]);
  const spec = defn.data;
  const variants = Object.keys(spec?.variants ?? { on: true, off: false });
  const rollouts = cols.filter((e) => f.environments[e.key]?.rollout);
  const archive = async (archived: boolean) => {
    if (!spec) return;
    const {
      key: _k,
      managed: _m,
      source: _s,
      version,
      created_at: _c,
      updated_at: _u,
      ...rest
    } = spec as FlagDefinition & {
      created_at?: string;
      updated_at?: string;
    };
    try {
      await api('PUT', `/api/v1/flag-definitions/${encodeKey(flagKey)}`, {
        body: { ...rest, archived: archived || undefined },
        version,
      });
      toast.show(archived ? `${flagKey} archived: clients get FLAG_NOT_FOUND.` : `${flagKey} restored.`);
      reload();
      defn.reload();
    } catch (e) {
      toast.show(String((e as Error).message), 'error');
    }
  };
  return (
    <>
      <PageHeader
        title={f.key}
        actions={
          canOperate && !f.managed ? (
            <>
              <Link className="btn btn-primary" to={`/flags/${encodeKey(f.key)}/edit`}>
                Edit targeting
              </Link>
              <button type="button" className="btn" onClick={() => void archive(!f.archived)}>
                {f.archived ? 'Restore' : 'Archive'}
              </button>
              <button type="button" className="btn btn-danger" onClick={() => setConfirmDelete(true)}>
                Delete
              </button>
            </>
          ) : null
        }
      >
        {f.description ?? 'No description.'}
      </PageHeader>
      <p>
        <FlagBadges f={f} />
      </p>
      {f.convention_problems.length ? (
        <div className="banner banner-info">
          This flag does not follow the conventions: {f.convention_problems.join('; ')}.
        </div>
      ) : null}
      <section className="card" aria-labelledby="flag-facts">
        <h2 id="flag-facts">About</h2>
        <Facts
          rows={[
            ['Type', f.type],
            ['Value kind', f.kind],
            ['Owner', f.owner],
            ['Tags', f.tags.length ? f.tags.map((t) => <Badge key={t}>{t}</Badge>) : null],
            [
              'Variants',
              spec
                ? Object.entries(spec.variants ?? { on: true, off: false })
                    .map(([k, v]) => `${k} = ${showValue(v)}`)
                    .join(', ')
                : null,
            ],
            ['Age', `${f.lifespan_days} days`],
            [
              'Staleness',
              f.stale ? f.stale_reason : `not stale${f.stale_reason ? ` (${f.stale_reason})` : ''}`,
            ],
            [
              'Triggers',
              f.triggers.length
                ? f.triggers
                    .map((t) => `when alert ${t.alert} fires${t.env ? ` in ${t.env}` : ''}: turn ${t.set}`)
                    .join('; ')
                : null,
            ],
            ['Updated', <Time key="u" iso={f.updated_at} />],
          ]}
        />
      </section>
      <section className="card" aria-labelledby="flag-envs">
        <h2 id="flag-envs">Environments</h2>
        {cols.length === 0 ? (
          <EmptyState title="Not configured in any environment: the flag is off everywhere.">
            {f.managed
              ? 'Add environments to it in vigil.yaml.'
              : 'Use “Edit targeting” to configure an environment.'}
          </EmptyState>
        ) : (
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
          <section className="table-wrap flags-tw" tabIndex={0} aria-label="State per environment">
            <table>
              <caption className="sr-only">State per environment</caption>
              <thead>
                <tr>
                  <th scope="col">Environment</th>
                  <th scope="col">Served</th>
                  <th scope="col">Declared</th>
                  <th scope="col">Override</th>
                  <th scope="col">Share on</th>
                </tr>
              </thead>
              <tbody>
                {cols.map((e) => {
                  const st = f.environments[e.key];
                  const canToggle = canToggleIn(e.key);
                  return (
                    <tr key={e.key}>
                      <th scope="row">
                        {e.name} {e.production ? <Badge tone="warn">production</Badge> : null}
                      </th>
                      <td>
                        <Switch
                          checked={st.enabled}
                          label={`${f.key} in ${e.name}`}
                          disabled={!canToggle || f.archived}
                          title={canToggle ? undefined : 'Switching flags needs the responder role'}
                          onChange={(next) =>
                            toggle.request({
                              flag: f.key,
                              env: e.key,
                              envName: e.name,
                              enabled: next,
                              production: Boolean(e.production),
                              killSwitch: f.type === 'kill-switch',
                            })
                          }
                        />
                      </td>
                      <td>{st.declared_enabled ? 'on' : 'off'}</td>
                      <td>
                        {st.override ? (
                          <div className="flags-override">
                            <span>
                              <strong>{st.override.enabled ? 'on' : 'off'}</strong> by {st.override.by},{' '}
                              <Time iso={st.override.at} />
                            </span>
                            <span className="muted">“{st.override.reason}”</span>
                            {st.override.incident ? <span>incident {st.override.incident}</span> : null}
                            {canToggle ? <ResetOverride flag={f.key} env={e} onDone={reload} /> : null}
                          </div>
                        ) : (
                          <span className="muted">none</span>
                        )}
                      </td>
                      <td>
                        {st.percentage === null ? (
                          <span className="muted">—</span>
                        ) : (
                          <PercentBar value={st.percentage} label={`Share on in ${e.name}`} />
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
        )}
      </section>
      {rollouts.length ? (
        <section className="card" aria-labelledby="flag-rollouts">
          <h2 id="flag-rollouts">Staged rollouts</h2>
          {rollouts.map((e) => (
            <Rollout
              key={e.key}
              flag={f.key}
              env={e}
              r={f.environments[e.key].rollout!}
              canOperate={canOperate}
              onDone={reload}
            />
          ))}
        </section>
      ) : null}
      <section className="card" aria-labelledby="flag-targeting">
        <h2 id="flag-targeting">Targeting</h2>
        {!spec ? (
          <Loading what="Loading targeting" />
        ) : Object.keys(spec.environments).length === 0 ? (
          <p className="muted">No environment configured.</p>
        ) : (
          envColumns(envs, Object.keys(spec.environments))
            .filter((e) => spec.environments[e.key])
            .map((e) => (
              <div key={e.key} className="flags-target-env">
                <h3>
                  {e.name}{' '}
                  <EnvNote
                    s={
                      f.environments[e.key] ?? {
                        enabled: false,
                        declared_enabled: false,
                        override: null,
                        rollout: null,
                        percentage: null,
                      }
                    }
                  />
                </h3>
                <TargetingSummary
                  env={e.name}
                  spec={spec.environments[e.key]}
                  variants={variants}
                  rolloutPercentage={
                    f.environments[e.key]?.rollout && f.environments[e.key].rollout?.status !== 'pending'
                      ? f.environments[e.key].rollout?.percentage
                      : null
                  }
                />
              </div>
            ))
        )}
      </section>
      <Preview flag={f.key} envs={cols} />
      <section className="card" aria-labelledby="flag-history">
        <h2 id="flag-history">History</h2>
        <FlagHistory flag={f.key} />
      </section>
      {toggle.dialog}
      <Dialog title={`Delete ${f.key}?`} open={confirmDelete} onClose={() => setConfirmDelete(false)}>
        <p>
          Clients asking for it get FLAG_NOT_FOUND and fall back to their code default. Archiving keeps the
          history and counts for the lifespan figure; deleting cannot be undone.
        </p>
        <div className="form-actions flags-dialog-actions">
          <button type="button" className="btn" onClick={() => setConfirmDelete(false)}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-danger"
            onClick={async () => {
              try {
                await api('DELETE', `/api/v1/flag-definitions/${encodeKey(f.key)}`, {
                  version: spec?.version,
                });
                toast.show(`Deleted ${f.key}.`);
                navigate('/flags');
              } catch (err) {
                setConfirmDelete(false);
                toast.show(String((err as Error).message), 'error');
              }
            }}
          >
            Delete flag
          </button>
        </div>
      </Dialog>
    </>
  );
}

function ResetOverride({ flag, env, onDone }: { flag: string; env: Environment; onDone: () => void }) {
  const toast = useToast();
  return (
    <button
      type="button"
      className="btn btn-small"
      onClick={async () => {
        try {
          const r = await api<{ enabled: boolean }>(
            'DELETE',
            `/api/v1/flags/${encodeKey(flag)}/environments/${encodeKey(env.key)}/override`,
          );
          toast.show(
            `Override cleared: ${flag} follows its definition in ${env.name} (${r.enabled ? 'on' : 'off'}).`,
          );
          onDone();
        } catch (e) {
          toast.show(String((e as Error).message), 'error');
        }
      }}
    >
      Reset to declared
    </button>
  );
}

const STATUS_TONE: Record<RolloutView['status'], string> = {
  pending: 'neutral',
  running: 'accent',
  paused: 'warn',
  completed: 'ok',
  rolled_back: 'danger',
};

function Rollout(props: {
  flag: string;
  env: Environment;
  r: RolloutView;
  canOperate: boolean;
  onDone: () => void;
}) {
  const { r, env } = props;
  const toast = useToast();
  const [confirm, setConfirm] = useState<null | 'rollback'>(null);
  const [busy, setBusy] = useState(false);
  const verb = async (v: 'start' | 'pause' | 'resume' | 'rollback') => {
    setBusy(true);
    try {
      await api(
        'POST',
        `/api/v1/flags/${encodeKey(props.flag)}/environments/${encodeKey(env.key)}/rollout/${v}`,
        { body: {} },
      );
      const done = { start: 'started', pause: 'paused', resume: 'resumed', rollback: 'rolled back' }[v];
      toast.show(`Rollout of ${props.flag} in ${env.name} ${done}.`);
      props.onDone();
    } catch (e) {
      toast.show(String((e as Error).message), 'error');
    } finally {
      setBusy(false);
      setConfirm(null);
    }
  };
  const current = r.status === 'pending' ? -1 : r.step - 1;
  return (
    <div className="flags-rollout">
      <h3>
        {env.name} <Badge tone={STATUS_TONE[r.status]}>{r.status.replace('_', ' ')}</Badge>
      </h3>
      <ol className="flags-steps" aria-label={`Steps in ${env.name}`}>
        {r.steps.map((s, i) => {
          const state =
            r.status === 'completed' || (i < current && r.status !== 'rolled_back')
              ? 'done'
              : i === current && r.status !== 'rolled_back'
                ? 'current'
                : 'todo';
          return (
            <li
              key={`${s.percentage}-${s.wait_ms}`}
              className={`flags-step is-${state}`}
              aria-current={state === 'current' ? 'step' : undefined}
            >
              <span className="flags-step-pct">{s.percentage} %</span>
              <span className="flags-step-wait">{s.wait_ms ? `for ${formatWait(s.wait_ms)}` : 'final'}</span>
              <span className="sr-only">
                {state === 'done' ? ' (done)' : state === 'current' ? ' (current step)' : ''}
              </span>
            </li>
          );
        })}
      </ol>
      <Facts
        rows={[
          ['Serving', <PercentBar key="p" value={r.percentage} label={`Rollout share in ${env.name}`} />],
          ['Next step', r.next_step_at ? <Time key="n" iso={r.next_step_at} /> : null],
          ['Guards', <Guards key="g" r={r} />],
          ['When a guard fails', r.on_guard_failure === 'pause' ? 'pause' : 'roll back to 0 %'],
          ['Paused because', r.paused_reason],
        ]}
      />
      {props.canOperate ? (
        <div className="flags-row">
          {r.status === 'pending' || r.status === 'completed' || r.status === 'rolled_back' ? (
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy}
              onClick={() => void verb('start')}
            >
              {r.status === 'pending' ? 'Start rollout' : 'Start again from step 1'}
            </button>
          ) : null}
          {r.status === 'running' ? (
            <button type="button" className="btn" disabled={busy} onClick={() => void verb('pause')}>
              Pause
            </button>
          ) : null}
          {r.status === 'paused' ? (
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy}
              onClick={() => void verb('resume')}
            >
              Resume
            </button>
          ) : null}
          {r.status === 'running' || r.status === 'paused' || r.status === 'pending' ? (
            <button
              type="button"
              className="btn btn-danger"
              disabled={busy}
              onClick={() => setConfirm('rollback')}
            >
              Roll back
            </button>
          ) : null}
        </div>
      ) : (
        <p className="muted">Starting, pausing and rolling back need the operator role.</p>
      )}
      <Dialog
        title={`Roll back ${props.flag} in ${env.name}?`}
        open={confirm === 'rollback'}
        onClose={() => setConfirm(null)}
      >
        <p>Everybody in {env.name} gets the off variant again (0 %). Starting again begins at step 1.</p>
        <div className="form-actions flags-dialog-actions">
          <button type="button" className="btn" onClick={() => setConfirm(null)}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-danger"
            disabled={busy}
            onClick={() => void verb('rollback')}
          >
            Roll back to 0 %
          </button>
        </div>
      </Dialog>
    </div>
  );
}

const GUARD_STATE: Record<string, { tone: string; text: string }> = {
  healthy: { tone: 'ok', text: 'healthy' },
  firing: { tone: 'danger', text: 'firing' },
  checked_by_engine: { tone: 'neutral', text: 'checked each minute' },
};

/** The rollout's guards with their state (alert guards: firing or not; queries: the engine checks). */
function Guards({ r }: { r: RolloutView }) {
  if (!r.guards.length) return <>none</>;
  const states = r.guard_states ?? [];
  return (
    <ul className="flags-guards">
      {r.guards.map((g, i) => {
        const name = 'alert' in g ? g.alert : g.query;
        const st = states[i] ? GUARD_STATE[states[i].state] : null;
        return (
          <li key={name}>
            {'alert' in g ? 'alert ' : 'query '}
            <code>{name}</code> {st ? <Badge tone={st.tone}>{st.text}</Badge> : null}
          </li>
        );
      })}
    </ul>
  );
}

function Preview({ flag, envs }: { flag: string; envs: Environment[] }) {
  const id = useId();
  const [text, setText] = useState('{\n  "targetingKey": "user-1",\n  "email": "someone@example.com"\n}');
  const [env, setEnv] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<Record<string, PreviewResult> | null>(null);
  const run = async () => {
    let context: unknown;
    try {
      context = JSON.parse(text);
      if (!context || typeof context !== 'object' || Array.isArray(context))
        throw new Error('the context must be a JSON object');
    } catch (e) {
      setError(`Not a JSON object: ${(e as Error).message}`);
      return;
    }
    setError(null);
    try {
      const r = await api<{ results: Record<string, PreviewResult> }>(
        'POST',
        `/api/v1/flags/${encodeKey(flag)}/evaluate`,
        {
          body: { context, ...(env ? { env } : {}) },
        },
      );
      setResult(r.results);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const name = (k: string) => envs.find((e) => e.key === k)?.name ?? k;
  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Evaluation preview</h2>
      <form
        className="flags-preview"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <div className={`field${error ? ' field-invalid' : ''}`}>
          <label htmlFor={`${id}-ctx`}>Evaluation context (JSON)</label>
          <textarea
            id={`${id}-ctx`}
            rows={5}
            className="flags-code"
            value={text}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-err` : `${id}-help`}
            onChange={(e) => setText(e.target.value)}
          />
          <p id={`${id}-help`} className="help">
            As an application would send it; nothing is stored. Date rules use the server’s current time
            unless you pass currentTime.
          </p>
          {error ? (
            <p id={`${id}-err`} className="field-error">
              {error}
            </p>
          ) : null}
        </div>
        <div className="flags-row">
          <label className="flags-inline">
            <span>Environment</span>
            <select value={env} onChange={(e) => setEnv(e.target.value)}>
              <option value="">All</option>
              {envs.map((e) => (
                <option key={e.key} value={e.key}>
                  {e.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="btn btn-primary">
            Evaluate
          </button>
        </div>
      </form>
      {result ? (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
        <section className="table-wrap flags-tw" tabIndex={0} aria-label="Evaluation results">
          <p className="sr-only" role="status">
            {`Evaluated in ${Object.keys(result).length} environment${Object.keys(result).length === 1 ? '' : 's'}.`}
          </p>
          <table>
            <caption className="sr-only">Evaluation results per environment</caption>
            <thead>
              <tr>
                <th scope="col">Environment</th>
                <th scope="col">Variant</th>
                <th scope="col">Value</th>
                <th scope="col">Reason</th>
                <th scope="col">Decided by</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(result).map(([k, r]) => (
                <tr key={k}>
                  <th scope="row">{name(k)}</th>
                  <td>{r.variant ?? <span className="muted">code default</span>}</td>
                  <td>
                    <code>{showValue(r.value)}</code>
                  </td>
                  <td>
                    <Badge
                      tone={r.reason === 'ERROR' ? 'danger' : r.reason === 'DISABLED' ? 'warn' : 'neutral'}
                    >
                      {r.reason}
                    </Badge>
                    {r.error_code ? ` ${r.error_code}: ${r.error_message ?? ''}` : null}
                  </td>
                  <td>
                    {r.rule
                      ? `rule ${r.rule}`
                      : r.reason === 'SPLIT'
                        ? 'the fallthrough split'
                        : r.reason === 'DISABLED'
                          ? 'flag off here'
                          : 'default variant'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </section>
  );
}
