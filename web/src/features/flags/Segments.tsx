/** `/flag-segments`: reusable condition sets used by flag rules — list, create, edit, delete. */
import { useId, useState } from 'react';
import { ApiError, api, encodeKey, type Page, roleAtLeast } from '../../api.ts';
import { catalogTypes, useLiveEvents } from '../../live.ts';
import { Link, navigate } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import {
  EmptyState,
  ErrorBanner,
  Loading,
  ManagedBadge,
  PageHeader,
  Time,
  useApi,
} from '../../ui/components.tsx';
import { DataTable, usePaged } from '../../ui/table.tsx';
import { useToast } from '../../ui/toast.tsx';
import { Dialog } from './common.tsx';
import { ConditionEditor, conditionText } from './Targeting.tsx';
import type { ConditionSpec, FlagDefinition, SegmentDefinition } from './types.ts';
import { clean, conditionProblem, serverProblems } from './validate.ts';

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export function SegmentList() {
  const { user } = useSession();
  const [q, setQ] = useState('');
  const paged = usePaged<SegmentDefinition>('/api/v1/flag-segments', {}, 50);
  useLiveEvents(catalogTypes('segment'), paged.reload);
  const canWrite = roleAtLeast(user?.role, 'operator');
  const needle = q.trim().toLowerCase();
  const filtered = {
    ...paged,
    items: paged.items.filter(
      (s) =>
        !needle ||
        s.key.toLowerCase().includes(needle) ||
        (s.description ?? '').toLowerCase().includes(needle),
    ),
  };
  return (
    <>
      <PageHeader
        title="Flag segments"
        actions={
          canWrite ? (
            <Link className="btn btn-primary" to="/flag-segments/new">
              New segment
            </Link>
          ) : null
        }
      >
        Named sets of conditions (all must hold) that flag rules refer to, e.g. staff or beta testers.
      </PageHeader>
      <form className="filters" aria-label="Filter segments" onSubmit={(e) => e.preventDefault()}>
        <label className="filter">
          <span>Search</span>
          <input
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder="key or description"
          />
        </label>
      </form>
      <div className="flags-tw">
        <DataTable
          caption="Segments"
          paged={filtered}
          rowKey={(s) => s.key}
          columns={[
            {
              header: 'Segment',
              cell: (s) => (
                <>
                  <Link to={`/flag-segments/${encodeKey(s.key)}`}>{s.key}</Link> <ManagedBadge obj={s} />
                  {s.description ? <div className="muted">{s.description}</div> : null}
                </>
              ),
            },
            { header: 'Conditions', cell: (s) => s.conditions.map(conditionText).join(' and ') },
            { header: 'Updated', cell: (s) => <Time iso={s.updated_at} /> },
          ]}
          empty={
            <EmptyState title={needle ? 'No segments match.' : 'No segments yet.'}>
              {canWrite
                ? 'Declare them under flags.segments in vigil.yaml, or create one with “New segment”.'
                : 'Declare them under flags.segments in vigil.yaml.'}
            </EmptyState>
          }
        />
      </div>
    </>
  );
}

export function SegmentPage({ segKey }: { segKey: string | null }) {
  const creating = segKey === null;
  const { data, error } = useApi<SegmentDefinition>(
    creating ? null : `/api/v1/flag-segments/${encodeKey(segKey)}`,
  );
  if (!creating && error) {
    return (
      <>
        <PageHeader title={segKey ?? ''} />
        <ErrorBanner error={error} />
      </>
    );
  }
  if (!creating && !data) return <Loading what="Loading the segment" />;
  return <SegmentForm key={data?.version ?? 'new'} seg={data ?? null} />;
}

function SegmentForm({ seg }: { seg: SegmentDefinition | null }) {
  const { user } = useSession();
  const toast = useToast();
  const id = useId();
  const creating = seg === null;
  const [key, setKey] = useState(seg?.key ?? '');
  const [description, setDescription] = useState(seg?.description ?? '');
  const [conds, setConds] = useState<ConditionSpec[]>(
    seg?.conditions ?? [{ attribute: '', op: 'ends_with', values: [] }],
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const defs = useApi<Page<FlagDefinition>>(creating ? null : '/api/v1/flag-definitions?limit=500');
  const readOnly = Boolean(seg?.managed) || !roleAtLeast(user?.role, 'operator');
  const users = creating ? [] : (defs.data?.items ?? []).filter((f) => usesSegment(f, seg.key));
  const save = async () => {
    const errs: Record<string, string> = {};
    if (creating && !KEY_RE.test(key))
      errs.key = 'Letters, digits and _ . : - (starting with a letter or digit).';
    if (conds.length === 0) errs.conditions = 'Add at least one condition.';
    conds.forEach((c, i) => {
      const p = conditionProblem(c);
      if (p) errs[`conditions.${i}`] = p;
    });
    setErrors(errs);
    setFormError(Object.keys(errs).length ? 'Please fix the fields marked below.' : null);
    if (Object.keys(errs).length) return;
    const body = clean({
      ...(description.trim() ? { description: description.trim() } : {}),
      conditions: conds,
    });
    setBusy(true);
    try {
      if (creating) await api('POST', '/api/v1/flag-segments', { body: { key, ...body } });
      else await api('PUT', `/api/v1/flag-segments/${encodeKey(seg.key)}`, { body, version: seg.version });
      toast.show(`Saved segment ${creating ? key : seg.key}.`);
      navigate('/flag-segments');
    } catch (e) {
      if (e instanceof ApiError) {
        const p = serverProblems(e.problem.errors ?? [], e.problem.detail);
        const general = p._;
        delete p._;
        setErrors(p);
        setFormError(
          e.status === 412
            ? 'Someone changed this segment since you opened it; reload to see their version.'
            : (general ?? e.message),
        );
      } else setFormError(String(e));
    } finally {
      setBusy(false);
    }
  };
  const title = creating ? 'New segment' : `Segment ${seg.key}`;
  return (
    <>
      <PageHeader
        title={title}
        actions={
          !creating && !readOnly ? (
            <button type="button" className="btn btn-danger" onClick={() => setConfirm(true)}>
              Delete
            </button>
          ) : null
        }
      >
        {seg?.managed ? <ManagedBadge obj={seg} /> : 'A user is in the segment when every condition holds.'}
      </PageHeader>
      {!creating ? (
        <p className="muted">
          Used by:{' '}
          {users.length
            ? users.map((f, i) => (
                <span key={f.key}>
                  {i ? ', ' : ''}
                  <Link to={`/flags/${encodeKey(f.key)}`}>{f.key}</Link>
                </span>
              ))
            : 'no flag'}
        </p>
      ) : null}
      <form
        className="form flags-segform"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        {formError ? (
          <div className="banner banner-error" role="alert">
            {formError}
          </div>
        ) : null}
        {creating ? (
          <div className={`field${errors.key ? ' field-invalid' : ''}`}>
            <label htmlFor={`${id}-key`}>
              Key<span className="req"> (required)</span>
            </label>
            <input
              id={`${id}-key`}
              value={key}
              onChange={(e) => setKey(e.target.value)}
              aria-invalid={errors.key ? true : undefined}
              aria-describedby={errors.key ? `${id}-key-e` : undefined}
            />
            {errors.key ? (
              <p id={`${id}-key-e`} className="field-error">
                {errors.key}
              </p>
            ) : null}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={`${id}-d`}>Description</label>
          <input
            id={`${id}-d`}
            value={description}
            disabled={readOnly}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        <fieldset className="flags-conds" disabled={readOnly}>
          <legend>Conditions (all must hold)</legend>
          {conds.map((c, i) => (
            <ConditionEditor
              // biome-ignore lint/suspicious/noArrayIndexKey: conditions are positional
              key={i}
              c={c}
              label={`condition ${i + 1}`}
              error={errors[`conditions.${i}`]}
              onChange={(nc) => setConds(conds.map((x, j) => (j === i ? nc : x)))}
              onRemove={() => setConds(conds.filter((_, j) => j !== i))}
            />
          ))}
          {errors.conditions ? <p className="field-error">{errors.conditions}</p> : null}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setConds([...conds, { attribute: '', op: 'equals', values: [] }])}
          >
            Add condition
          </button>
        </fieldset>
        {readOnly ? null : (
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? 'Saving…' : creating ? 'Create segment' : 'Save segment'}
            </button>
          </div>
        )}
      </form>
      {!creating ? (
        <Dialog title={`Delete segment ${seg.key}?`} open={confirm} onClose={() => setConfirm(false)}>
          <p>
            {users.length
              ? `It is used by ${users.map((f) => f.key).join(', ')}: remove it from their rules first.`
              : 'No flag uses it.'}
          </p>
          <div className="form-actions flags-dialog-actions">
            <button type="button" className="btn" onClick={() => setConfirm(false)}>
              Cancel
            </button>
            <button
              type="button"
              className="btn btn-danger"
              onClick={async () => {
                try {
                  await api('DELETE', `/api/v1/flag-segments/${encodeKey(seg.key)}`, {
                    version: seg.version,
                  });
                  toast.show(`Deleted segment ${seg.key}.`);
                  navigate('/flag-segments');
                } catch (e) {
                  setConfirm(false);
                  setFormError((e as Error).message);
                }
              }}
            >
              Delete segment
            </button>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}

/** Whether a flag's rules refer to the segment in any environment. */
function usesSegment(f: FlagDefinition, seg: string): boolean {
  return Object.values(f.environments ?? {}).some((e) =>
    (e.targeting ?? []).some((r) => (r.segments ?? []).includes(seg)),
  );
}
