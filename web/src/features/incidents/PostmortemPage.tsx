/**
 * `/incidents/<id>/postmortem`: the postmortem editor. The body is Markdown; each `## ` section of
 * the template gets its own editor with a preview (or the whole document in one). Saving sends
 * If-Match; when someone else saved first, the page keeps your text and offers to load theirs or
 * overwrite it. Status: draft → in review → published (final). Action items below.
 */
import { type FormEvent, type KeyboardEvent, useEffect, useState } from 'react';
import { ApiError, api, roleAtLeast } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { Badge, EmptyState, ErrorBanner, Loading, PageHeader, Time, useApi } from '../../ui/components.tsx';
import { SimpleTable } from '../../ui/table.tsx';
import { useToast } from '../../ui/toast.tsx';
import { Markdown, MarkdownEditor } from './markdown.tsx';
import { type ActionItem, type Incident, incidentPath, type Postmortem } from './model.ts';
import { useKeys } from './shared.tsx';

interface Doc {
  preamble: string;
  sections: Array<{ heading: string; content: string }>;
}

/** Splits a Markdown document at its `## ` headings (the template's sections). */
export function splitSections(body: string): Doc {
  const lines = body.split('\n');
  const doc: Doc = { preamble: '', sections: [] };
  const pre: string[] = [];
  let cur: { heading: string; lines: string[] } | null = null;
  const flush = () => {
    if (cur) doc.sections.push({ heading: cur.heading, content: cur.lines.join('\n').trim() });
  };
  let fence = false;
  for (const l of lines) {
    if (/^(```|~~~)/.test(l)) fence = !fence;
    const m = !fence && /^## (.+)$/.exec(l);
    if (m) {
      flush();
      cur = { heading: m[1].trim(), lines: [] };
    } else if (cur) cur.lines.push(l);
    else pre.push(l);
  }
  flush();
  doc.preamble = pre.join('\n').trim();
  return doc;
}

export function joinSections(doc: Doc): string {
  const parts = [doc.preamble.trim(), ...doc.sections.map((s) => `## ${s.heading}\n\n${s.content.trim()}`)];
  return `${parts.filter(Boolean).join('\n\n')}\n`;
}

const STATUS_TEXT = { draft: 'Draft', in_review: 'In review', published: 'Published' } as const;
const ITEM_STATUSES: Array<ActionItem['status']> = ['open', 'in_progress', 'done', 'cancelled'];
const ITEM_LABEL: Record<ActionItem['status'], string> = {
  open: 'Open',
  in_progress: 'In progress',
  done: 'Done',
  cancelled: 'Cancelled',
};

function ActionItems({ pm, canWrite, reload }: { pm: Postmortem; canWrite: boolean; reload: () => void }) {
  const toast = useToast();
  const users = useKeys('users', 'user');
  const [title, setTitle] = useState('');
  const [owner, setOwner] = useState('');
  const [due, setDue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!title.trim()) {
      setError('An action item needs a title.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api('POST', `/api/v1/incidents/${encodeURIComponent(pm.incident_id)}/action-items`, {
        body: {
          title: title.trim(),
          ...(owner.trim() ? { owner: owner.trim() } : {}),
          // A due date means the end of that day in the viewer's zone.
          ...(due ? { due_at: new Date(`${due}T23:59:59`).toISOString() } : {}),
        },
      });
      setTitle('');
      setOwner('');
      setDue('');
      toast.show('Action item added.');
      reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const patch = async (item: ActionItem, body: Record<string, unknown>) => {
    try {
      await api('PATCH', `/api/v1/action-items/${encodeURIComponent(item.id)}`, { body });
      toast.show(`Updated “${item.title}”.`);
      reload();
    } catch (err) {
      toast.show(`Could not update the action item: ${(err as Error).message}`, 'error');
    }
  };
  const now = Date.now();
  return (
    <>
      <SimpleTable<ActionItem>
        caption="Action items"
        rows={pm.action_items}
        rowKey={(i) => i.id}
        columns={[
          { header: 'Action item', cell: (i) => i.title },
          { header: 'Owner', cell: (i) => i.owner ?? <span className="muted">unassigned</span> },
          {
            header: 'Due',
            cell: (i) => {
              const late =
                i.due_at && Date.parse(i.due_at) < now && (i.status === 'open' || i.status === 'in_progress');
              return (
                <>
                  <Time iso={i.due_at} /> {late ? <Badge tone="danger">overdue</Badge> : null}
                </>
              );
            },
          },
          {
            header: 'Status',
            cell: (i) =>
              canWrite ? (
                <select
                  aria-label={`Status of “${i.title}”`}
                  value={i.status}
                  onChange={(e) => void patch(i, { status: e.target.value })}
                >
                  {ITEM_STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {ITEM_LABEL[s]}
                    </option>
                  ))}
                </select>
              ) : (
                <Badge tone={i.status === 'done' ? 'ok' : 'neutral'}>{ITEM_LABEL[i.status]}</Badge>
              ),
          },
        ]}
        empty={
          <EmptyState title="No action items yet.">Every follow-up gets an owner and a due date.</EmptyState>
        }
      />
      {canWrite ? (
        <form className="inc-item-form" aria-label="Add an action item" onSubmit={add} noValidate>
          <datalist id="inc-pm-users">
            {users.map((u) => (
              <option key={u.key} value={u.key}>
                {u.name}
              </option>
            ))}
          </datalist>
          <div className={`field${error ? ' field-invalid' : ''}`}>
            <label htmlFor="inc-ai-title">
              New action item <span className="req">(required)</span>
            </label>
            <input
              id="inc-ai-title"
              value={title}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? 'inc-ai-err' : undefined}
              onChange={(e) => setTitle(e.target.value)}
            />
            {error ? (
              <p id="inc-ai-err" className="field-error">
                {error}
              </p>
            ) : null}
          </div>
          <div className="field">
            <label htmlFor="inc-ai-owner">Owner</label>
            <input
              id="inc-ai-owner"
              list="inc-pm-users"
              placeholder="email"
              value={owner}
              onChange={(e) => setOwner(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="inc-ai-due">Due date</label>
            <input id="inc-ai-due" type="date" value={due} onChange={(e) => setDue(e.target.value)} />
          </div>
          <div className="form-actions">
            <button type="submit" className="btn" disabled={busy}>
              Add action item
            </button>
          </div>
        </form>
      ) : null}
    </>
  );
}

export function PostmortemPage({ id }: { id: string }) {
  const { user } = useSession();
  const toast = useToast();
  const inc = useApi<Incident>(`/api/v1/incidents/${encodeURIComponent(id)}`);
  const {
    data: pm,
    error,
    reload,
  } = useApi<Postmortem>(`/api/v1/incidents/${encodeURIComponent(id)}/postmortem`);
  const [doc, setDoc] = useState<Doc | null>(null);
  const [whole, setWhole] = useState(false);
  const [text, setText] = useState('');
  const [dirty, setDirty] = useState(false);
  const [base, setBase] = useState<number | null>(null);
  const [conflict, setConflict] = useState<Postmortem | null>(null);
  const [changedElsewhere, setChangedElsewhere] = useState(false);
  const [busy, setBusy] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  // Take the server's text whenever we are not holding unsaved edits.
  useEffect(() => {
    if (!pm || dirty) return;
    setDoc(splitSections(pm.body));
    setText(pm.body);
    setBase(pm.version);
  }, [pm, dirty]);
  // A newer version arrived (live) while this page holds unsaved edits.
  useEffect(() => {
    if (pm && dirty && base !== null && pm.version !== base) setChangedElsewhere(true);
  }, [pm, dirty, base]);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
  useLiveEvents(
    [
      'incident.postmortem_edited',
      'incident.postmortem_status_changed',
      'incident.action_item_added',
      'incident.action_item_updated',
      'incident.resolved',
    ],
    (e) => {
      if (!pm || e.subject.key !== pm.incident_id) return;
      if (dirty && e.type.startsWith('incident.postmortem') && e.actor !== user?.email)
        setChangedElsewhere(true);
      reload();
      inc.reload();
    },
  );
  if (error) {
    return (
      <>
        <PageHeader title="Postmortem" />
        {error instanceof ApiError && error.status === 404 ? (
          <EmptyState title="This incident has no postmortem yet.">
            Start one from <Link to={`/incidents/${encodeURIComponent(id)}`}>the incident page</Link>.{' '}
            Severities that need one get it when they are resolved.
          </EmptyState>
        ) : (
          <ErrorBanner error={error} />
        )}
      </>
    );
  }
  if (!pm || !doc || !inc.data) return <Loading what="Loading the postmortem" />;
  const incident = inc.data;
  const canWrite = roleAtLeast(user?.role, 'responder') && pm.status !== 'published';
  const body = whole ? text : joinSections(doc);
  // Stable editor keys: the heading, numbered when a heading repeats.
  const seen = new Map<string, number>();
  const keyed = doc.sections.map((s) => {
    const n = (seen.get(s.heading) ?? 0) + 1;
    seen.set(s.heading, n);
    return { ...s, key: n > 1 ? `${s.heading} (${n})` : s.heading };
  });
  const edit = (next: Doc) => {
    setDoc(next);
    setText(joinSections(next));
    setDirty(true);
  };
  const save = async (status?: Postmortem['status'], version = base ?? pm.version) => {
    setBusy(true);
    setSaveError(null);
    try {
      const payload: Record<string, unknown> = {};
      if (dirty || pm.generated) payload.body = body;
      if (status) payload.status = status;
      const next = await api<Postmortem>(
        'PUT',
        `/api/v1/incidents/${encodeURIComponent(pm.incident_id)}/postmortem`,
        {
          body: payload,
          version,
        },
      );
      setConflict(null);
      setChangedElsewhere(false);
      setDirty(false);
      setDoc(splitSections(next.body));
      setText(next.body);
      setBase(next.version);
      toast.show(status ? `Postmortem is now ${STATUS_TEXT[status].toLowerCase()}.` : 'Postmortem saved.');
      reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        const theirs = await api<Postmortem>(
          'GET',
          `/api/v1/incidents/${encodeURIComponent(pm.incident_id)}/postmortem`,
        );
        setConflict(theirs);
      } else setSaveError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const onKey = (e: KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's' && canWrite) {
      e.preventDefault();
      void save();
    }
  };
  const overdue = pm.status !== 'published' && pm.due_at && Date.parse(pm.due_at) < Date.now();
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Ctrl+S anywhere in the editor saves
    <div onKeyDown={onKey}>
      <nav aria-label="Breadcrumb" className="inc-crumbs">
        <Link to="/incidents">Incidents</Link> <span aria-hidden="true">›</span>{' '}
        <Link to={incidentPath(incident)}>{incident.human_id}</Link> <span aria-hidden="true">›</span>{' '}
        Postmortem
      </nav>
      <PageHeader
        title={`Postmortem: ${incident.human_id}`}
        actions={
          roleAtLeast(user?.role, 'responder') ? (
            <>
              {pm.status === 'draft' ? (
                <button type="button" className="btn" disabled={busy} onClick={() => void save('in_review')}>
                  Submit for review
                </button>
              ) : null}
              {pm.status === 'in_review' ? (
                <>
                  <button type="button" className="btn" disabled={busy} onClick={() => void save('draft')}>
                    Back to draft
                  </button>
                  <button
                    type="button"
                    className="btn btn-primary"
                    disabled={busy || incident.status !== 'resolved'}
                    title={incident.status !== 'resolved' ? 'Resolve the incident first' : undefined}
                    onClick={() => {
                      if (
                        window.confirm('Publish the postmortem? Published postmortems can no longer change.')
                      )
                        void save('published');
                    }}
                  >
                    Publish
                  </button>
                </>
              ) : null}
            </>
          ) : null
        }
      >
        {incident.title} ·{' '}
        <Badge tone={pm.status === 'published' ? 'ok' : 'warn'}>{STATUS_TEXT[pm.status]}</Badge>
        {pm.due_at && pm.status !== 'published' ? (
          <span className={overdue ? 'inc-overdue' : undefined}>
            {overdue ? ' overdue since ' : ' due '}
            <Time iso={pm.due_at} />
          </span>
        ) : null}
        {pm.published_at ? (
          <>
            {' '}
            published <Time iso={pm.published_at} />
          </>
        ) : null}
      </PageHeader>
      {pm.status === 'in_review' && incident.status !== 'resolved' ? (
        <p className="banner banner-info">Resolve {incident.human_id} before publishing its postmortem.</p>
      ) : null}
      {conflict ? (
        <div className="banner banner-error" role="alert">
          <p>
            Someone saved this postmortem while you were editing (now version {conflict.version}, updated{' '}
            <Time iso={conflict.updated_at} />
            ). Your text is still here.
          </p>
          <details>
            <summary>Their version</summary>
            <pre className="inc-conflict">{conflict.body}</pre>
          </details>
          <div className="form-actions">
            <button
              type="button"
              className="btn"
              onClick={() => {
                setDirty(false);
                setConflict(null);
                reload();
              }}
            >
              Discard mine, load theirs
            </button>
            <button
              type="button"
              className="btn btn-danger"
              onClick={() => void save(undefined, conflict.version)}
            >
              Overwrite with mine
            </button>
          </div>
        </div>
      ) : null}
      {changedElsewhere && !conflict ? (
        <p className="banner banner-info" role="status">
          Someone else changed this postmortem. Saving will ask what to keep.
        </p>
      ) : null}
      {saveError ? (
        <div className="banner banner-error" role="alert">
          {saveError}
        </div>
      ) : null}
      {pm.generated && canWrite ? (
        <p className="banner banner-info">
          This draft was generated from the timeline. Edit the sections and save; until then it follows the
          timeline.
        </p>
      ) : null}
      {canWrite ? (
        <section className="card" aria-labelledby="inc-pm-edit-h">
          <div className="inc-pm-head">
            <h2 id="inc-pm-edit-h">Write</h2>
            <label className="inc-check">
              <input
                type="checkbox"
                checked={whole}
                onChange={(e) => {
                  if (!e.target.checked) setDoc(splitSections(text));
                  setWhole(e.target.checked);
                }}
              />{' '}
              Edit as one document
            </label>
          </div>
          {whole ? (
            <MarkdownEditor
              label="Postmortem (Markdown)"
              value={text}
              rows={24}
              onChange={(v) => {
                setText(v);
                setDirty(true);
              }}
            />
          ) : (
            <>
              {keyed.map((s, i) => (
                <MarkdownEditor
                  key={s.key}
                  label={s.heading}
                  value={s.content}
                  rows={Math.min(14, Math.max(3, s.content.split('\n').length + 1))}
                  onChange={(v) =>
                    edit({
                      ...doc,
                      sections: doc.sections.map((x, j) => (j === i ? { ...x, content: v } : x)),
                    })
                  }
                />
              ))}
              {doc.sections.length === 0 ? (
                <p className="muted">This postmortem has no “## ” sections; edit it as one document.</p>
              ) : null}
            </>
          )}
          <div className="form-actions inc-pm-save">
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy || (!dirty && !pm.generated)}
              onClick={() => void save()}
            >
              {busy ? 'Saving…' : 'Save'}
            </button>
            <span className="muted" aria-live="polite">
              {dirty
                ? 'Unsaved changes (Ctrl+S saves)'
                : pm.generated
                  ? 'Generated, not saved yet'
                  : `Saved · version ${pm.version}`}
            </span>
          </div>
        </section>
      ) : (
        <article className="card inc-pm-read" aria-label="Postmortem">
          <Markdown text={pm.body} />
        </article>
      )}
      <section className="card" aria-labelledby="inc-ai-h">
        <h2 id="inc-ai-h">Action items</h2>
        <ActionItems pm={pm} canWrite={roleAtLeast(user?.role, 'responder')} reload={reload} />
      </section>
    </div>
  );
}
