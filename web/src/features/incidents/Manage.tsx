/**
 * The incident page's actions: acknowledge, resolve, state transitions, severity, roles, affected
 * services, links and merge. Writes that the API guards with ETags send If-Match with the version
 * the page shows; a 412 reloads the page and says so.
 */
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { ApiError, api } from '../../api.ts';
import { useToast } from '../../ui/toast.tsx';
import { type Incident, type Severity, STATUS_LABEL, type Status } from './model.ts';

export type Run = (
  label: string,
  path: string,
  body?: unknown,
  opts?: { ifMatch?: boolean; ok?: string },
) => Promise<boolean>;

/** Posts an incident action; toasts the outcome; reloads after success and after a stale version. */
export function useRun(inc: Incident, reload: () => void): { run: Run; busy: string | null } {
  const toast = useToast();
  const [busy, setBusy] = useState<string | null>(null);
  const run: Run = async (label, path, body, opts = {}) => {
    setBusy(label);
    try {
      await api('POST', `/api/v1/incidents/${encodeURIComponent(inc.id)}/${path}`, {
        body: body ?? {},
        version: opts.ifMatch === false ? undefined : inc.version,
      });
      toast.show(opts.ok ?? `${label}: done.`);
      reload();
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        toast.show(
          `${inc.human_id} changed while you were looking at it; the page now shows the latest state. Try again.`,
          'error',
        );
        reload();
      } else toast.show(`${label} failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
      return false;
    } finally {
      setBusy(null);
    }
  };
  return { run, busy };
}

const DESTRUCTIVE: Status[] = ['declined', 'cancelled'];

/** The big buttons next to the title: acknowledge and resolve. */
export function PrimaryActions({ inc, run, busy }: { inc: Incident; run: Run; busy: string | null }) {
  const [resolving, setResolving] = useState(false);
  const [note, setNote] = useState('');
  const open = inc.next_statuses.length > 0;
  if (!open) return null;
  const needsCommander = Boolean(inc.commander_required && !inc.commander);
  return (
    <div className="inc-primary">
      {inc.status === 'triggered' ? (
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy !== null}
          onClick={() =>
            void run('Acknowledge', 'acknowledge', undefined, { ok: `Acknowledged ${inc.human_id}.` })
          }
        >
          {busy === 'Acknowledge' ? 'Acknowledging…' : 'Acknowledge'}
        </button>
      ) : null}
      {inc.next_statuses.includes('resolved') && !resolving ? (
        <button type="button" className="btn" disabled={busy !== null} onClick={() => setResolving(true)}>
          Resolve…
        </button>
      ) : null}
      {resolving ? (
        <form
          className="inc-resolve"
          aria-label="Resolve the incident"
          onSubmit={async (e) => {
            e.preventDefault();
            const ok = await run('Resolve', 'resolve', note.trim() ? { note: note.trim() } : {}, {
              ok: `Resolved ${inc.human_id}.`,
            });
            if (ok) {
              setResolving(false);
              setNote('');
            }
          }}
        >
          {needsCommander ? (
            <p className="banner banner-error inc-inline-banner" role="note">
              This severity needs an incident commander before it can be resolved: assign one under Roles.
            </p>
          ) : null}
          <label htmlFor="inc-resolve-note">Resolution note (optional, Markdown)</label>
          <textarea id="inc-resolve-note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy !== null || needsCommander}>
              {busy === 'Resolve' ? 'Resolving…' : 'Resolve incident'}
            </button>
            <button type="button" className="btn" onClick={() => setResolving(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}

function Box({ title, children, id }: { title: string; id: string; children: ReactNode }) {
  return (
    <section className="inc-box" aria-labelledby={id}>
      <h3 id={id}>{title}</h3>
      {children}
    </section>
  );
}

/** The "Manage" card: state, severity, roles, services, links, merge. */
export function ManageIncident(props: {
  inc: Incident;
  run: Run;
  busy: string | null;
  ladder: Severity[];
  services: Array<{ key: string; name: string }>;
  users: Array<{ key: string; name: string }>;
}) {
  const { inc, run, busy, ladder, services, users } = props;
  const open = inc.next_statuses.length > 0;
  const moves = inc.next_statuses.filter((s) => s !== 'merged' && s !== 'resolved' && s !== 'acknowledged');
  const [to, setTo] = useState<string>('');
  const [stateNote, setStateNote] = useState('');
  const [severity, setSeverity] = useState(inc.severity);
  const [commander, setCommander] = useState(inc.commander ?? '');
  const [comms, setComms] = useState(inc.communications_lead ?? '');
  const [responder, setResponder] = useState('');
  const [service, setService] = useState('');
  const [linkTitle, setLinkTitle] = useState('');
  const [linkUrl, setLinkUrl] = useState('');
  const [into, setInto] = useState('');
  const [linkError, setLinkError] = useState<string | undefined>();
  // Fields that mirror the incident follow it when it changes (here or elsewhere).
  useEffect(() => {
    setSeverity(inc.severity);
    setCommander(inc.commander ?? '');
    setComms(inc.communications_lead ?? '');
  }, [inc.severity, inc.commander, inc.communications_lead]);
  const disabled = busy !== null;
  const submit = (fn: () => Promise<unknown>) => (e: FormEvent) => {
    e.preventDefault();
    void fn();
  };
  const userList = (
    <datalist id="inc-manage-users">
      {users.map((u) => (
        <option key={u.key} value={u.key}>
          {u.name}
        </option>
      ))}
    </datalist>
  );
  return (
    <div className="inc-manage">
      {userList}
      {open && moves.length ? (
        <Box title="State" id="inc-m-state">
          <form
            onSubmit={submit(async () => {
              if (!to) return;
              if (
                DESTRUCTIVE.includes(to as Status) &&
                !window.confirm(
                  `Mark ${inc.human_id} as ${STATUS_LABEL[to as Status].toLowerCase()}? This closes it for good.`,
                )
              )
                return;
              if (
                await run(
                  'Change state',
                  'status',
                  { status: to, ...(stateNote.trim() ? { note: stateNote.trim() } : {}) },
                  {
                    ok: `${inc.human_id} is now ${STATUS_LABEL[to as Status].toLowerCase()}.`,
                  },
                )
              ) {
                setTo('');
                setStateNote('');
              }
            })}
          >
            <div className="field">
              <label htmlFor="inc-m-to">Move to</label>
              <select id="inc-m-to" value={to} onChange={(e) => setTo(e.target.value)}>
                <option value="">Choose a state…</option>
                {moves.map((s) => (
                  <option key={s} value={s}>
                    {STATUS_LABEL[s]}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="inc-m-note">Note (optional)</label>
              <input id="inc-m-note" value={stateNote} onChange={(e) => setStateNote(e.target.value)} />
            </div>
            <button type="submit" className="btn" disabled={disabled || !to}>
              Change state
            </button>
          </form>
        </Box>
      ) : null}
      {open ? (
        <Box title="Severity" id="inc-m-sev">
          <form
            onSubmit={submit(() =>
              run(
                'Change severity',
                'severity',
                { severity },
                { ok: `Severity of ${inc.human_id} is now ${severity}.` },
              ),
            )}
          >
            <div className="field">
              <label htmlFor="inc-m-severity">Severity level</label>
              <select id="inc-m-severity" value={severity} onChange={(e) => setSeverity(e.target.value)}>
                {ladder.map((s) => (
                  <option key={s.key} value={s.key}>
                    {s.label} (respond{' '}
                    {s.response_target === 'next_business_day'
                      ? 'next business day'
                      : `within ${s.response_target}`}
                    )
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" className="btn" disabled={disabled || severity === inc.severity}>
              Change severity
            </button>
          </form>
        </Box>
      ) : null}
      <Box title="Roles" id="inc-m-roles">
        <form
          onSubmit={submit(() =>
            run(
              'Assign roles',
              'roles',
              {
                ...(commander.trim() !== (inc.commander ?? '')
                  ? { commander: commander.trim() || null }
                  : {}),
                ...(comms.trim() !== (inc.communications_lead ?? '')
                  ? { communications_lead: comms.trim() || null }
                  : {}),
              },
              { ok: 'Roles updated.' },
            ),
          )}
        >
          <div className="field">
            <label htmlFor="inc-m-commander">
              Incident commander{inc.commander_required ? ' (required to resolve)' : ''}
            </label>
            <input
              id="inc-m-commander"
              list="inc-manage-users"
              value={commander}
              placeholder="email"
              onChange={(e) => setCommander(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="inc-m-comms">Communications lead</label>
            <input
              id="inc-m-comms"
              list="inc-manage-users"
              value={comms}
              placeholder="email"
              onChange={(e) => setComms(e.target.value)}
            />
          </div>
          <button
            type="submit"
            className="btn"
            disabled={
              disabled ||
              (commander.trim() === (inc.commander ?? '') && comms.trim() === (inc.communications_lead ?? ''))
            }
          >
            Save roles
          </button>
        </form>
        <form
          className="inc-inline-form"
          onSubmit={submit(async () => {
            if (!responder.trim()) return;
            if (
              await run(
                'Add responder',
                'roles',
                { add_responders: [responder.trim()] },
                { ok: `${responder.trim()} added.` },
              )
            )
              setResponder('');
          })}
        >
          <div className="field">
            <label htmlFor="inc-m-responder">Add responder</label>
            <input
              id="inc-m-responder"
              list="inc-manage-users"
              value={responder}
              placeholder="email"
              onChange={(e) => setResponder(e.target.value)}
            />
          </div>
          <button type="submit" className="btn" disabled={disabled || !responder.trim()}>
            Add
          </button>
        </form>
        {inc.responders.length ? (
          <ul className="inc-chips" aria-label="Responders">
            {inc.responders.map((r) => (
              <li key={r}>
                {r}{' '}
                <button
                  type="button"
                  className="btn-icon"
                  aria-label={`Remove responder ${r}`}
                  disabled={disabled}
                  onClick={() =>
                    void run('Remove responder', 'roles', { remove_responders: [r] }, { ok: `${r} removed.` })
                  }
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </Box>
      {open ? (
        <Box title="Affected services and links" id="inc-m-links">
          <form
            className="inc-inline-form"
            onSubmit={submit(async () => {
              if (!service) return;
              if (
                await run(
                  'Add service',
                  'services',
                  { services: [service] },
                  { ifMatch: false, ok: `${service} added.` },
                )
              )
                setService('');
            })}
          >
            <div className="field">
              <label htmlFor="inc-m-service">Add affected service</label>
              <select id="inc-m-service" value={service} onChange={(e) => setService(e.target.value)}>
                <option value="">Choose…</option>
                {services
                  .filter((s) => !inc.services.includes(s.key))
                  .map((s) => (
                    <option key={s.key} value={s.key}>
                      {s.name}
                    </option>
                  ))}
              </select>
            </div>
            <button type="submit" className="btn" disabled={disabled || !service}>
              Add
            </button>
          </form>
          <form
            onSubmit={submit(async () => {
              const url = linkUrl.trim();
              if (!/^(https?:\/\/\S+|\/\S*)$/.test(url)) {
                setLinkError('Use an http(s) URL or a path on this Vigil.');
                return;
              }
              setLinkError(undefined);
              if (
                await run(
                  'Add link',
                  'links',
                  { title: linkTitle.trim() || 'Runbook', url },
                  { ifMatch: false, ok: 'Link added.' },
                )
              ) {
                setLinkTitle('');
                setLinkUrl('');
              }
            })}
          >
            <div className="field">
              <label htmlFor="inc-m-ltitle">Link title</label>
              <input
                id="inc-m-ltitle"
                value={linkTitle}
                placeholder="Runbook"
                onChange={(e) => setLinkTitle(e.target.value)}
              />
            </div>
            <div className={`field${linkError ? ' field-invalid' : ''}`}>
              <label htmlFor="inc-m-lurl">Link URL</label>
              <input
                id="inc-m-lurl"
                type="url"
                value={linkUrl}
                aria-invalid={linkError ? true : undefined}
                aria-describedby={linkError ? 'inc-m-lurl-err' : undefined}
                onChange={(e) => setLinkUrl(e.target.value)}
              />
              {linkError ? (
                <p id="inc-m-lurl-err" className="field-error">
                  {linkError}
                </p>
              ) : null}
            </div>
            <button type="submit" className="btn" disabled={disabled || !linkUrl.trim()}>
              Add link
            </button>
          </form>
        </Box>
      ) : null}
      {open && inc.next_statuses.includes('merged') ? (
        <Box title="Merge" id="inc-m-merge">
          <form
            onSubmit={submit(async () => {
              const target = into.trim();
              if (!target) return;
              if (!window.confirm(`Merge ${inc.human_id} into ${target}? ${inc.human_id} closes as merged.`))
                return;
              if (
                await run(
                  'Merge',
                  'merge',
                  { into: target },
                  { ifMatch: false, ok: `Merged into ${target}.` },
                )
              )
                setInto('');
            })}
          >
            <div className="field">
              <label htmlFor="inc-m-into">Merge into (INC id)</label>
              <input
                id="inc-m-into"
                value={into}
                placeholder="INC-…"
                onChange={(e) => setInto(e.target.value)}
              />
            </div>
            <button type="submit" className="btn btn-danger" disabled={disabled || !into.trim()}>
              Merge…
            </button>
          </form>
        </Box>
      ) : null}
    </div>
  );
}

/** Links an alert to the incident by its key (what alerting does automatically). */
export function AttachAlert({ run, busy }: { run: Run; busy: string | null }) {
  const [key, setKey] = useState('');
  const [title, setTitle] = useState('');
  return (
    <form
      className="inc-attach"
      aria-label="Link an alert"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!key.trim()) return;
        const body = { key: key.trim(), ...(title.trim() ? { title: title.trim() } : {}) };
        if (await run('Link alert', 'alerts', body, { ifMatch: false, ok: `Alert ${key.trim()} linked.` })) {
          setKey('');
          setTitle('');
        }
      }}
    >
      <div className="field">
        <label htmlFor="inc-al-key">Alert key</label>
        <input id="inc-al-key" value={key} onChange={(e) => setKey(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="inc-al-title">Alert title (optional)</label>
        <input id="inc-al-title" value={title} onChange={(e) => setTitle(e.target.value)} />
      </div>
      <button type="submit" className="btn" disabled={busy !== null || !key.trim()}>
        Link alert
      </button>
    </form>
  );
}
