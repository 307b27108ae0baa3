/** `/flags`: every flag with its state per environment, filters, search, and on/off switches. */
import { useEffect, useMemo, useState } from 'react';
import { roleAtLeast, withQuery } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link, useLocation } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import {
  Badge,
  EmptyState,
  ErrorBanner,
  Loading,
  ManagedBadge,
  PageHeader,
  useApi,
} from '../../ui/components.tsx';
import { useToast } from '../../ui/toast.tsx';
import { canIn, envColumns, PercentBar, Switch, useEnvironments, useToggle } from './common.tsx';
import {
  type EnvState,
  FLAG_EVENTS,
  FLAG_TYPES,
  type FlagList as FlagListData,
  type FlagSummary,
} from './types.ts';

const PAGE = 50;

/** Badges that say what kind of flag this is and whether it needs attention. */
export function FlagBadges({ f }: { f: FlagSummary }) {
  return (
    <>
      <Badge tone={f.type === 'kill-switch' ? 'danger' : 'neutral'}>{f.type}</Badge>
      {f.stale ? (
        <span className="badge badge-warn" title={f.stale_reason}>
          stale
        </span>
      ) : null}
      {f.archived ? <Badge>archived</Badge> : null}
      {f.convention_problems.length ? (
        <span className="badge badge-warn" title={f.convention_problems.join('; ')}>
          breaks conventions
        </span>
      ) : null}
      <ManagedBadge obj={f} />
    </>
  );
}

/** The rollout or split share next to a switch. */
export function EnvNote({ s }: { s: EnvState }) {
  if (s.rollout && s.rollout.status !== 'pending') {
    return (
      <span className="flags-envnote">
        <Badge
          tone={
            s.rollout.status === 'running' ? 'accent' : s.rollout.status === 'paused' ? 'warn' : 'neutral'
          }
        >
          rollout {s.rollout.status.replace('_', ' ')}
        </Badge>
        <PercentBar value={s.rollout.percentage} label="Rollout percentage" />
      </span>
    );
  }
  if (s.enabled && s.percentage !== null && s.percentage > 0 && s.percentage < 100) {
    return (
      <span className="flags-envnote">
        <PercentBar value={s.percentage} label="Share served on" />
      </span>
    );
  }
  return null;
}

export function FlagList() {
  const { user } = useSession();
  const toast = useToast();
  const { query } = useLocation();
  const [f, setF] = useState({
    q: query.get('q') ?? '',
    tag: query.get('tag') ?? '',
    type: query.get('type') ?? '',
    stale: query.get('stale') ?? '',
    owner: query.get('owner') ?? '',
    archived: query.get('archived') ?? '',
  });
  const [page, setPage] = useState(0);
  // The tag filter is applied by the server; wait for a pause in typing before asking.
  const [tag, setTag] = useState(f.tag.trim());
  useEffect(() => {
    const t = window.setTimeout(() => setTag(f.tag.trim()), 250);
    return () => window.clearTimeout(t);
  }, [f.tag]);
  const path = withQuery('/api/v1/flags', { tag, type: f.type, stale: f.stale });
  const { data, error, reload } = useApi<FlagListData>(path);
  const { envs, error: envError } = useEnvironments();
  useLiveEvents(FLAG_EVENTS, reload);
  const canWrite = roleAtLeast(user?.role, 'operator');
  const toggle = useToggle(
    (msg) => {
      toast.show(msg);
      reload();
    },
    (e) => toast.show(String((e as Error).message ?? e), 'error'),
  );
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => {
    const next = { ...f, [k]: e.target.value };
    setF(next);
    setPage(0);
    // Keep the filters in the address so a filtered list can be shared and survives a reload
    // (replaceState: no navigation, no scroll jump while typing).
    history.replaceState(null, '', withQuery('/flags', next));
  };
  const items = useMemo(() => {
    const q = f.q.trim().toLowerCase();
    const owner = f.owner.trim().toLowerCase();
    return (data?.items ?? []).filter(
      (x) =>
        (f.archived === 'yes' ? x.archived : f.archived === 'all' ? true : !x.archived) &&
        (!owner || (x.owner ?? '').toLowerCase().includes(owner)) &&
        (!q || x.key.toLowerCase().includes(q) || (x.description ?? '').toLowerCase().includes(q)),
    );
  }, [data, f.q, f.owner, f.archived]);
  const owners = useMemo(
    () => [...new Set((data?.items ?? []).map((x) => x.owner).filter((o): o is string => Boolean(o)))].sort(),
    [data],
  );
  const cols = envColumns(envs, [...new Set(items.flatMap((x) => Object.keys(x.environments)))].sort());
  const pages = Math.max(1, Math.ceil(items.length / PAGE));
  const shown = items.slice(page * PAGE, page * PAGE + PAGE);
  const filtered = Object.values(f).some(Boolean);
  const s = data?.summary;
  return (
    <>
      <PageHeader
        title="Feature flags"
        actions={
          canWrite ? (
            <Link className="btn btn-primary" to="/flags/new">
              New flag
            </Link>
          ) : null
        }
      >
        Kill switches, rollouts and experiments per environment. Switching a flag overrides its declared state
        until someone resets it.
      </PageHeader>
      <form className="filters" aria-label="Filter flags" onSubmit={(e) => e.preventDefault()}>
        <label className="filter">
          <span>Search</span>
          <input type="search" value={f.q} onChange={set('q')} placeholder="key or description" />
        </label>
        <label className="filter">
          <span>Tag</span>
          <input type="search" value={f.tag} onChange={set('tag')} placeholder="team:frontend" />
        </label>
        <label className="filter">
          <span>Type</span>
          <select value={f.type} onChange={set('type')}>
            <option value="">Any</option>
            {FLAG_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label className="filter">
          <span>Staleness</span>
          <select value={f.stale} onChange={set('stale')}>
            <option value="">Any</option>
            <option value="true">Stale</option>
            <option value="false">Not stale</option>
          </select>
        </label>
        <label className="filter">
          <span>Owner</span>
          <input type="search" value={f.owner} onChange={set('owner')} list="flags-owners" />
          <datalist id="flags-owners">
            {owners.map((o) => (
              <option key={o} value={o} />
            ))}
          </datalist>
        </label>
        <label className="filter">
          <span>Archived</span>
          <select value={f.archived} onChange={set('archived')}>
            <option value="">Hide</option>
            <option value="all">Show too</option>
            <option value="yes">Only archived</option>
          </select>
        </label>
      </form>
      <ErrorBanner error={error ?? envError} />
      {s ? (
        <p className="muted flags-summary">
          {s.flags} flag{s.flags === 1 ? '' : 's'} · median lifespan {s.median_lifespan_days ?? '—'} days ·{' '}
          {s.over_60_days} older than 60 days · {s.retired} retired
          {' · '}
          <Link to="/flags/flagd">Import or export flagd files</Link>
          {data?.conventions ? (
            <>
              {' '}
              · conventions:{' '}
              <Link to="/flags/new">{data.conventions.name_pattern ?? 'tags and defaults'}</Link>
            </>
          ) : null}
        </p>
      ) : null}
      {!data ? (
        error ? null : (
          <Loading what="Loading flags" />
        )
      ) : items.length === 0 ? (
        <EmptyState title={filtered ? 'No flags match these filters.' : 'No flags yet.'}>
          {filtered
            ? 'Clear a filter or search for another key.'
            : canWrite
              ? 'Declare flags in the flags: section of vigil.yaml, import a flagd file, or create one with “New flag”.'
              : 'Declare flags in the flags: section of vigil.yaml and apply, or ask an operator.'}
        </EmptyState>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
        <section className="table-wrap flags-tw" tabIndex={0} aria-label="Flags">
          <table className="flags-table">
            <caption className="sr-only">Flags and their state per environment</caption>
            <thead>
              <tr>
                <th scope="col">Flag</th>
                <th scope="col">Owner</th>
                {cols.map((e) => (
                  <th key={e.key} scope="col">
                    {e.name}
                    {e.production ? <span className="sr-only"> (production)</span> : null}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((x) => (
                <tr key={x.key}>
                  <td className="flags-keycell">
                    <Link to={`/flags/${encodeURIComponent(x.key)}`} className="flags-key">
                      {x.key}
                    </Link>
                    {x.description ? <div className="muted flags-desc">{x.description}</div> : null}
                    <div>
                      <FlagBadges f={x} />
                    </div>
                  </td>
                  <td>{x.owner ?? <span className="muted">—</span>}</td>
                  {cols.map((e) => {
                    const st = x.environments[e.key];
                    if (!st) {
                      return (
                        <td key={e.key} className="muted">
                          <span className="sr-only">not configured in {e.name}</span>
                          <span aria-hidden="true">—</span>
                        </td>
                      );
                    }
                    const canToggle = canIn(user, 'responder', { environment: e.key, team: x.owner });
                    return (
                      <td key={e.key}>
                        <div className="flags-envcell">
                          <Switch
                            checked={st.enabled}
                            label={`${x.key} in ${e.name}`}
                            disabled={!canToggle || x.archived}
                            title={canToggle ? undefined : 'Switching flags needs the responder role'}
                            onChange={(next) =>
                              toggle.request({
                                flag: x.key,
                                env: e.key,
                                envName: e.name,
                                enabled: next,
                                production: Boolean(e.production),
                                killSwitch: x.type === 'kill-switch',
                              })
                            }
                          />
                          {st.override ? (
                            <span
                              className="badge badge-warn"
                              title={`${st.override.by}: ${st.override.reason}`}
                            >
                              override
                            </span>
                          ) : null}
                        </div>
                        <EnvNote s={st} />
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          {pages > 1 ? (
            <nav className="pager" aria-label="Flag pages">
              <button type="button" className="btn" disabled={page === 0} onClick={() => setPage(page - 1)}>
                ← Previous
              </button>
              <span className="muted">
                Page {page + 1} of {pages}
              </span>
              <button
                type="button"
                className="btn"
                disabled={page >= pages - 1}
                onClick={() => setPage(page + 1)}
              >
                Next →
              </button>
            </nav>
          ) : null}
        </section>
      )}
      {toggle.dialog}
    </>
  );
}
