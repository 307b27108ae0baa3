/** Editors for an environment's staged-rollout plan and for a flag's alert triggers. */
import { useId } from 'react';
import type { FlagSpec, StagedRolloutSpec } from './types.ts';

const DURATION = /^(\d+(\.\d+)?(ms|s|m|h|d|w|y))+$/;

/** Problems of a staged-rollout plan, keyed like the other editor problems. */
export function rolloutProblems(
  at: string,
  r: StagedRolloutSpec,
  kindIsBoolean: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!kindIsBoolean) out[at] = 'Staged rollouts need a boolean flag.';
  if (r.steps.length === 0) out[at] = 'A rollout needs at least one step.';
  let prev = 0;
  r.steps.forEach((s, i) => {
    const p = `${at}.steps.${i}`;
    if (!(s.percentage > 0 && s.percentage <= 100))
      out[p] = 'The percentage must be above 0 and at most 100.';
    else if (s.percentage < prev)
      out[p] = `Steps only go up: ${s.percentage} % is below the previous ${prev} %.`;
    else if (s.wait !== undefined && !DURATION.test(s.wait))
      out[p] = 'Wait is a duration such as 30m, 24h or 3d.';
    prev = s.percentage;
  });
  (r.guards ?? []).forEach((g, i) => {
    const text = typeof g === 'string' ? g : 'alert' in g ? g.alert : g.query;
    if (!text.trim()) out[`${at}.guards.${i}`] = 'A guard names an alert rule or a PromQL query.';
  });
  return out;
}

/** Guards as text lines: an alert rule key, or `query: <PromQL>`. */
function guardsToText(g: StagedRolloutSpec['guards']): string {
  return (g ?? [])
    .map((x) => (typeof x === 'string' ? x : 'alert' in x ? x.alert : `query: ${x.query}`))
    .join('\n');
}
function textToGuards(t: string): StagedRolloutSpec['guards'] {
  const lines = t
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.map((l) => (/^query:/i.test(l) ? { query: l.replace(/^query:\s*/i, '') } : l));
}

export function StagedRolloutEditor(props: {
  envName: string;
  value: StagedRolloutSpec | undefined;
  problems: Record<string, string>;
  at: string;
  onChange: (r: StagedRolloutSpec | undefined) => void;
}) {
  const id = useId();
  const r = props.value;
  const { problems, at } = props;
  return (
    <fieldset className="flags-splitedit">
      <legend>Staged rollout in {props.envName}</legend>
      <label className="flags-check">
        <input
          type="checkbox"
          checked={Boolean(r)}
          onChange={(e) =>
            props.onChange(
              e.target.checked
                ? {
                    steps: [
                      { percentage: 10, wait: '24h' },
                      { percentage: 50, wait: '3d' },
                      { percentage: 100 },
                    ],
                    on_guard_failure: 'pause',
                  }
                : undefined,
            )
          }
        />{' '}
        Roll out in steps (started from the flag page; Vigil advances it when each wait has passed and the
        guards are healthy)
      </label>
      {problems[at] ? <p className="field-error">{problems[at]}</p> : null}
      {r ? (
        <>
          <ol className="flags-steplist">
            {r.steps.map((s, i) => {
              const err = problems[`${at}.steps.${i}`];
              const set = (patch: Partial<typeof s>) =>
                props.onChange({ ...r, steps: r.steps.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: steps are positional
                <li key={i} className={err ? 'field-invalid' : undefined}>
                  <label>
                    <span>Step {i + 1} percentage</span>
                    <input
                      type="number"
                      min={1}
                      max={100}
                      value={Number.isNaN(s.percentage) ? '' : s.percentage}
                      aria-invalid={err ? true : undefined}
                      onChange={(e) =>
                        set({ percentage: e.target.value === '' ? Number.NaN : Number(e.target.value) })
                      }
                    />
                  </label>
                  <label>
                    <span>Step {i + 1} wait</span>
                    <input
                      value={s.wait ?? ''}
                      placeholder={i === r.steps.length - 1 ? 'none (final)' : '24h'}
                      aria-invalid={err ? true : undefined}
                      onChange={(e) => set({ wait: e.target.value.trim() || undefined })}
                    />
                  </label>
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={`Remove step ${i + 1}`}
                    onClick={() => props.onChange({ ...r, steps: r.steps.filter((_, j) => j !== i) })}
                  >
                    Remove
                  </button>
                  {err ? <p className="field-error">{err}</p> : null}
                </li>
              );
            })}
          </ol>
          <div className="flags-row">
            <button
              type="button"
              className="btn btn-small"
              onClick={() => props.onChange({ ...r, steps: [...r.steps, { percentage: 100 }] })}
            >
              Add step
            </button>
            <label className="flags-inline">
              <span>When a guard fails</span>
              <select
                value={r.on_guard_failure ?? 'pause'}
                onChange={(e) =>
                  props.onChange({ ...r, on_guard_failure: e.target.value as 'pause' | 'rollback' })
                }
              >
                <option value="pause">pause</option>
                <option value="rollback">roll back to 0 %</option>
              </select>
            </label>
            <label className="flags-inline">
              <span>Bucket by</span>
              <input
                value={r.bucket_by ?? ''}
                placeholder="targetingKey"
                onChange={(e) => props.onChange({ ...r, bucket_by: e.target.value.trim() || undefined })}
              />
            </label>
          </div>
          <div className="field">
            <label htmlFor={`${id}-g`}>Guards (one per line)</label>
            <textarea
              id={`${id}-g`}
              rows={3}
              className="flags-code"
              aria-describedby={`${id}-gh`}
              defaultValue={guardsToText(r.guards)}
              onChange={(e) => {
                const guards = textToGuards(e.target.value);
                props.onChange({ ...r, guards: guards?.length ? guards : undefined });
              }}
            />
            <p id={`${id}-gh`} className="help">
              An alert rule key (healthy while it does not fire), or <code>query: &lt;PromQL&gt;</code>{' '}
              (healthy while it returns nothing).
            </p>
          </div>
        </>
      ) : null}
    </fieldset>
  );
}

export function TriggersEditor(props: {
  value: FlagSpec['triggers'];
  envs: Array<{ key: string; name: string }>;
  onChange: (t: FlagSpec['triggers']) => void;
}) {
  const list = props.value ?? [];
  const set = (t: typeof list) => props.onChange(t.length ? t : undefined);
  return (
    <fieldset className="flags-splitedit">
      <legend>Alert triggers</legend>
      <p className="help">
        When the alert rule fires (in the environment, or anywhere), Vigil switches the flag.
      </p>
      {list.map((t, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: triggers are positional
        <div className="flags-bucket" key={i}>
          <label>
            <span>Trigger {i + 1} alert rule</span>
            <input
              value={t.alert}
              onChange={(e) => set(list.map((x, j) => (j === i ? { ...x, alert: e.target.value } : x)))}
            />
          </label>
          <label>
            <span>Environment</span>
            <select
              value={t.env ?? ''}
              onChange={(e) =>
                set(list.map((x, j) => (j === i ? { ...x, env: e.target.value || undefined } : x)))
              }
            >
              <option value="">where it fires</option>
              {props.envs.map((e) => (
                <option key={e.key} value={e.key}>
                  {e.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>Turn</span>
            <select
              value={t.set ?? 'off'}
              onChange={(e) =>
                set(list.map((x, j) => (j === i ? { ...x, set: e.target.value as 'on' | 'off' } : x)))
              }
            >
              <option value="off">off</option>
              <option value="on">on</option>
            </select>
          </label>
          <button
            type="button"
            className="btn btn-small"
            aria-label={`Remove trigger ${i + 1}`}
            onClick={() => set(list.filter((_, j) => j !== i))}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        className="btn btn-small"
        onClick={() => set([...list, { alert: '', set: 'off' }])}
      >
        Add trigger
      </button>
    </fieldset>
  );
}
