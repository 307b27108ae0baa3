/**
 * Targeting: a read-only rendering of an environment's rules for the flag page, and the editor
 * pieces (conditions, rules, splits) the definition editor and the segment editor share.
 */
import { useId } from 'react';
import { SplitBar } from './common.tsx';
import {
  type ConditionSpec,
  type EnvSpec,
  OPERATORS,
  type Operator,
  type RuleSpec,
  type SplitSpec,
} from './types.ts';

const OP_LABEL: Record<Operator, string> = {
  equals: 'equals',
  not_equals: 'does not equal',
  in: 'is one of',
  not_in: 'is not one of',
  starts_with: 'starts with',
  ends_with: 'ends with',
  contains: 'contains',
  matches: 'matches regex',
  semver_eq: 'version =',
  semver_lt: 'version <',
  semver_lte: 'version ≤',
  semver_gt: 'version >',
  semver_gte: 'version ≥',
  semver_caret: 'version ^ (same major)',
  semver_tilde: 'version ~ (same minor)',
  num_eq: 'number =',
  num_lt: 'number <',
  num_lte: 'number ≤',
  num_gt: 'number >',
  num_gte: 'number ≥',
  date_before: 'date before',
  date_after: 'date after',
  exists: 'is present',
};

/** Operators that take a list of alternatives (comma-separated in the form). */
const LIST_OPS = new Set<Operator>([
  'equals',
  'not_equals',
  'in',
  'not_in',
  'starts_with',
  'ends_with',
  'contains',
]);

export function conditionText(c: ConditionSpec): string {
  const vals = c.values ?? (c.value === undefined ? [] : [c.value]);
  const v = c.op === 'exists' ? '' : ` ${vals.map((x) => JSON.stringify(x)).join(', ')}`;
  return `${c.negate ? 'not ' : ''}${c.attribute || 'currentTime'} ${OP_LABEL[c.op] ?? c.op}${v}${c.case_insensitive ? ' (any case)' : ''}`;
}

export function splitBuckets(s: SplitSpec, variants: string[]): Array<{ variant: string; weight: number }> {
  if (s.percentage !== undefined) {
    const on = variants.includes('on') ? 'on' : variants[0];
    const off = variants.includes('off') ? 'off' : (variants[1] ?? variants[0]);
    return [
      { variant: on, weight: s.percentage },
      { variant: off, weight: 100 - s.percentage },
    ];
  }
  return s.buckets ?? [];
}

/** An environment's targeting as the flag page shows it. */
export function TargetingSummary({
  env,
  spec,
  variants,
  rolloutPercentage,
}: {
  env: string;
  spec: EnvSpec;
  variants: string[];
  /** Share served "on" by a started staged rollout (it replaces the fallthrough while it runs). */
  rolloutPercentage?: number | null;
}) {
  const rules = spec.targeting ?? [];
  return (
    <div className="flags-targeting">
      {rules.length === 0 ? <p className="muted">No targeting rules.</p> : null}
      {rules.length ? (
        <ol className="flags-rules">
          {rules.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rules are ordered and have no identity
            <li key={i}>
              <span className="flags-rule-no">Rule {i + 1}</span>{' '}
              {r.description ? <em>{r.description}: </em> : null}
              if{' '}
              {[
                ...(r.segments ?? []).map((s) => `in segment ${s}`),
                ...(r.conditions ?? []).map(conditionText),
              ].join(' and ')}{' '}
              → {r.variant !== undefined ? <strong>{r.variant}</strong> : 'split'}
              {r.split ? (
                <SplitBar buckets={splitBuckets(r.split, variants)} label={`Rule ${i + 1} split in ${env}`} />
              ) : null}
            </li>
          ))}
        </ol>
      ) : null}
      {rolloutPercentage !== undefined && rolloutPercentage !== null ? (
        <p>
          Everyone else: <strong>{rolloutPercentage} %</strong> on, from the staged rollout (it replaces the
          declared fallthrough while it is started).
        </p>
      ) : spec.rollout ? (
        <div>
          Everyone else: percentage split{spec.rollout.bucket_by ? ` by ${spec.rollout.bucket_by}` : ''}
          <SplitBar buckets={splitBuckets(spec.rollout, variants)} label={`Fallthrough split in ${env}`} />
        </div>
      ) : (
        <p>
          Everyone else:{' '}
          <strong>
            {spec.default_variant === undefined
              ? 'the flag’s default variant'
              : String(spec.default_variant ?? 'the caller’s code default')}
          </strong>
        </p>
      )}
    </div>
  );
}

/** One condition's inputs. */
export function ConditionEditor(props: {
  c: ConditionSpec;
  label: string;
  error?: string;
  disabled?: boolean;
  onChange: (c: ConditionSpec) => void;
  onRemove: () => void;
}) {
  const { c } = props;
  const id = useId();
  const list = LIST_OPS.has(c.op);
  const vals = c.values ?? (c.value === undefined ? [] : [c.value]);
  // What the person typed is kept beside the parsed value (`_raw`, dropped before sending), so a
  // trailing comma survives the round trip through the parsed list.
  const raw = (c as ConditionSpec & { _raw?: string })._raw;
  const text = raw ?? vals.map(String).join(list ? ', ' : '');
  const setOp = (op: Operator) => {
    const next: ConditionSpec & { _raw?: string } = { ...c, op };
    delete next._raw;
    // Re-shape the value: lists for string operators, one value for the others.
    const v = vals.map(String);
    delete next.value;
    delete next.values;
    if (op === 'exists') {
      // no value
    } else if (LIST_OPS.has(op)) next.values = v;
    else if (v.length)
      next.value = op.startsWith('num_') && v[0] !== '' && !Number.isNaN(Number(v[0])) ? Number(v[0]) : v[0];
    props.onChange(next);
  };
  const setText = (t: string) => {
    const next: ConditionSpec & { _raw?: string } = { ...c, _raw: t };
    delete next.value;
    delete next.values;
    if (list) {
      next.values = t
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    } else if (t !== '') {
      next.value = c.op.startsWith('num_') && !Number.isNaN(Number(t)) && t.trim() !== '' ? Number(t) : t;
    }
    props.onChange(next);
  };
  return (
    <fieldset className={`flags-cond${props.error ? ' field-invalid' : ''}`} disabled={props.disabled}>
      <legend className="sr-only">{props.label}</legend>
      <div className="field">
        <label htmlFor={`${id}-a`}>Attribute</label>
        <input
          id={`${id}-a`}
          value={c.attribute}
          placeholder="email"
          onChange={(e) => props.onChange({ ...c, attribute: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-o`}>Operator</label>
        <select id={`${id}-o`} value={c.op} onChange={(e) => setOp(e.target.value as Operator)}>
          {OPERATORS.map((o) => (
            <option key={o} value={o}>
              {OP_LABEL[o]}
            </option>
          ))}
        </select>
      </div>
      {c.op === 'exists' ? null : (
        <div className="field flags-cond-value">
          <label htmlFor={`${id}-v`}>{list ? 'Values (comma-separated)' : 'Value'}</label>
          <input
            id={`${id}-v`}
            value={text}
            aria-invalid={props.error ? true : undefined}
            aria-describedby={props.error ? `${id}-e` : undefined}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
      )}
      <div className="flags-cond-flags">
        <label>
          <input
            type="checkbox"
            checked={Boolean(c.negate)}
            onChange={(e) => props.onChange({ ...c, negate: e.target.checked || undefined })}
          />{' '}
          Negate
        </label>
        {list || c.op === 'matches' ? (
          <label>
            <input
              type="checkbox"
              checked={Boolean(c.case_insensitive)}
              onChange={(e) => props.onChange({ ...c, case_insensitive: e.target.checked || undefined })}
            />{' '}
            Any case
          </label>
        ) : null}
        <button
          type="button"
          className="btn btn-small"
          onClick={props.onRemove}
          aria-label={`Remove ${props.label}`}
        >
          Remove
        </button>
      </div>
      {props.error ? (
        <p id={`${id}-e`} className="field-error flags-cond-error">
          {props.error}
        </p>
      ) : null}
    </fieldset>
  );
}

/** The buckets of a split with a live bar. */
export function SplitEditor(props: {
  split: SplitSpec;
  variants: string[];
  label: string;
  error?: string;
  disabled?: boolean;
  onChange: (s: SplitSpec) => void;
}) {
  const id = useId();
  const buckets = splitBuckets(props.split, props.variants);
  const set = (b: Array<{ variant: string; weight: number }>) => {
    const next: SplitSpec = { ...props.split, buckets: b };
    delete next.percentage;
    props.onChange(next);
  };
  return (
    <fieldset className="flags-splitedit" disabled={props.disabled}>
      <legend>{props.label}</legend>
      <SplitBar buckets={buckets} label={`${props.label} preview`} />
      {buckets.map((b, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: buckets are positional
        <div className="flags-bucket" key={i}>
          <label>
            <span>Variant</span>
            <select
              value={b.variant}
              onChange={(e) => set(buckets.map((x, j) => (j === i ? { ...x, variant: e.target.value } : x)))}
            >
              {props.variants.map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>Weight</span>
            <input
              type="number"
              min={0}
              step={1}
              value={Number.isNaN(b.weight) ? '' : b.weight}
              onChange={(e) =>
                set(
                  buckets.map((x, j) =>
                    j === i
                      ? { ...x, weight: e.target.value === '' ? Number.NaN : Number(e.target.value) }
                      : x,
                  ),
                )
              }
            />
          </label>
          <button
            type="button"
            className="btn btn-small"
            aria-label={`Remove bucket ${i + 1}`}
            onClick={() => set(buckets.filter((_, j) => j !== i))}
          >
            Remove
          </button>
        </div>
      ))}
      <div className="flags-row">
        <button
          type="button"
          className="btn btn-small"
          onClick={() => set([...buckets, { variant: props.variants[0] ?? 'on', weight: 0 }])}
        >
          Add bucket
        </button>
        <label className="flags-inline">
          <span>Bucket by</span>
          <input
            id={`${id}-by`}
            value={props.split.bucket_by ?? ''}
            placeholder="targetingKey"
            onChange={(e) => {
              const next = { ...props.split, buckets };
              delete next.percentage;
              if (e.target.value) next.bucket_by = e.target.value;
              else delete next.bucket_by;
              props.onChange(next);
            }}
          />
        </label>
      </div>
      <p className="help">
        Weights are relative (e.g. 10 and 90 = 10 %). Users are bucketed by murmur3 over the flag key and the
        attribute, so raising the first bucket only adds users.
      </p>
      {props.error ? <p className="field-error">{props.error}</p> : null}
    </fieldset>
  );
}

/** One targeting rule's editor. */
export function RuleEditor(props: {
  rule: RuleSpec;
  index: number;
  count: number;
  env: string;
  variants: string[];
  segments: string[];
  problems: Record<string, string>;
  path: string;
  onChange: (r: RuleSpec) => void;
  onMove: (delta: number) => void;
  onRemove: () => void;
}) {
  const { rule: r, path, problems } = props;
  const id = useId();
  const name = `Rule ${props.index + 1} in ${props.env}`;
  const conds = r.conditions ?? [];
  return (
    <fieldset className={`flags-rule${problems[path] ? ' field-invalid' : ''}`}>
      <legend>Rule {props.index + 1}</legend>
      <div className="field">
        <label htmlFor={`${id}-d`}>Description</label>
        <input
          id={`${id}-d`}
          value={r.description ?? ''}
          onChange={(e) => props.onChange({ ...r, description: e.target.value || undefined })}
        />
      </div>
      {problems[path] ? <p className="field-error">{problems[path]}</p> : null}
      <p className="flags-sub">All of these conditions:</p>
      {conds.map((c, j) => (
        <ConditionEditor
          // biome-ignore lint/suspicious/noArrayIndexKey: conditions are positional
          key={j}
          c={c}
          label={`condition ${j + 1} of ${name}`}
          error={problems[`${path}.conditions.${j}`]}
          onChange={(nc) => props.onChange({ ...r, conditions: conds.map((x, k) => (k === j ? nc : x)) })}
          onRemove={() => props.onChange({ ...r, conditions: conds.filter((_, k) => k !== j) })}
        />
      ))}
      <button
        type="button"
        className="btn btn-small"
        onClick={() =>
          props.onChange({ ...r, conditions: [...conds, { attribute: '', op: 'equals', values: [] }] })
        }
      >
        Add condition
      </button>
      {props.segments.length ? (
        <fieldset className="flags-segpick">
          <legend>…and in every one of these segments</legend>
          {props.segments.map((s) => (
            <label key={s}>
              <input
                type="checkbox"
                checked={(r.segments ?? []).includes(s)}
                onChange={(e) => {
                  const cur = new Set(r.segments ?? []);
                  if (e.target.checked) cur.add(s);
                  else cur.delete(s);
                  props.onChange({ ...r, segments: cur.size ? [...cur] : undefined });
                }}
              />{' '}
              {s}
            </label>
          ))}
          {problems[`${path}.segments`] ? (
            <p className="field-error">{problems[`${path}.segments`]}</p>
          ) : null}
        </fieldset>
      ) : null}
      <div className="flags-row">
        <label className="flags-inline">
          <span>Serve</span>
          <select
            value={r.split ? '__split' : (r.variant ?? '')}
            aria-invalid={problems[`${path}.variant`] ? true : undefined}
            onChange={(e) => {
              const v = e.target.value;
              const next: RuleSpec = { ...r };
              if (v === '__split') {
                delete next.variant;
                next.split = {
                  buckets: props.variants
                    .slice(0, 2)
                    .map((x, i) => ({ variant: x, weight: i === 0 ? 50 : 50 })),
                };
              } else {
                delete next.split;
                next.variant = v || undefined;
              }
              props.onChange(next);
            }}
          >
            <option value="">— choose —</option>
            {props.variants.map((v) => (
              <option key={v} value={v}>
                variant {v}
              </option>
            ))}
            <option value="__split">a percentage split</option>
          </select>
        </label>
        {problems[`${path}.variant`] ? (
          <span className="field-error">{problems[`${path}.variant`]}</span>
        ) : null}
      </div>
      {r.split ? (
        <SplitEditor
          split={r.split}
          variants={props.variants}
          label={`Split of ${name}`}
          error={problems[`${path}.split`]}
          onChange={(s) => props.onChange({ ...r, split: s })}
        />
      ) : null}
      <div className="flags-row">
        <button
          type="button"
          className="btn btn-small"
          disabled={props.index === 0}
          onClick={() => props.onMove(-1)}
          aria-label={`Move ${name} up`}
        >
          ↑ Up
        </button>
        <button
          type="button"
          className="btn btn-small"
          disabled={props.index === props.count - 1}
          onClick={() => props.onMove(1)}
          aria-label={`Move ${name} down`}
        >
          ↓ Down
        </button>
        <button
          type="button"
          className="btn btn-small btn-danger"
          onClick={props.onRemove}
          aria-label={`Remove ${name}`}
        >
          Remove rule
        </button>
      </div>
    </fieldset>
  );
}
