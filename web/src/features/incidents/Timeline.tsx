/** An incident's timeline (every entry type in words) and the Markdown notes composer. */
import { type ReactNode, useState } from 'react';
import { ApiError, api } from '../../api.ts';
import { Link } from '../../router.tsx';
import { EmptyState, ErrorBanner, Loading, Time } from '../../ui/components.tsx';
import { useToast } from '../../ui/toast.tsx';
import { Markdown, MarkdownEditor } from './markdown.tsx';
import {
  formatDuration,
  type Incident,
  STATUS_LABEL,
  type Status,
  type TimelineEvent,
  who,
} from './model.ts';

const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const status = (v: unknown) => STATUS_LABEL[v as Status] ?? str(v);
/** A time from event data (epoch ms or ISO). */
function when(v: unknown): ReactNode {
  const ms =
    typeof v === 'number'
      ? v
      : typeof v === 'string'
        ? /^\d+$/.test(v)
          ? Number(v)
          : Date.parse(v)
        : Number.NaN;
  return Number.isNaN(ms) ? '—' : <Time iso={new Date(ms).toISOString()} />;
}
const ROLE: Record<string, string> = {
  commander: 'Incident commander',
  communications_lead: 'Communications lead',
};

/** Which filter group an entry belongs to. */
function groupOf(type: string): 'notes' | 'state' | 'alerts' | 'people' | 'followup' | 'other' {
  if (type.startsWith('incident.note')) return 'notes';
  if (/incident\.(alert_|auto_resolve)/.test(type)) return 'alerts';
  if (/incident\.(role_|responder_)/.test(type)) return 'people';
  if (/incident\.(postmortem|action_item)/.test(type)) return 'followup';
  if (type.startsWith('incident.')) return 'state';
  return 'other';
}

const GROUPS = [
  { value: '', label: 'Everything' },
  { value: 'notes', label: 'Notes' },
  { value: 'state', label: 'State, severity and targets' },
  { value: 'alerts', label: 'Alerts' },
  { value: 'people', label: 'Roles' },
  { value: 'followup', label: 'Postmortem and action items' },
  { value: 'other', label: 'Other modules' },
];

/** The tone of an entry's marker. */
function toneOf(type: string): string {
  if (/breached|overdue|reopened|alert_attached|opened$/.test(type)) return 'danger';
  if (/resolved|published/.test(type)) return 'ok';
  if (/acknowledged|status_changed|severity_changed|reminder|due/.test(type)) return 'warn';
  return 'neutral';
}

/** One entry in words (and Markdown for notes). */
export function describe(e: TimelineEvent, byId: Map<string, TimelineEvent>): ReactNode {
  const d = e.data;
  switch (e.type) {
    case 'incident.opened':
      return (
        <>
          Opened as <strong>{str(d.severity_label ?? d.severity)}</strong> on{' '}
          <strong>{str(d.service)}</strong>
          {d.summary ? <Markdown text={str(d.summary)} /> : null}
        </>
      );
    case 'incident.paging_requested':
      return d.reopened
        ? `Paging requested again for ${str(d.service)} (re-opened)`
        : `Paging requested for ${str(d.service)}`;
    case 'incident.acknowledged':
      return `Acknowledged by ${who(d.by)} after ${formatDuration(Number(d.after_ms))}`;
    case 'incident.status_changed':
      return (
        <>
          State <strong>{status(d.from)}</strong> → <strong>{status(d.to)}</strong>
        </>
      );
    case 'incident.resolved':
      return `Resolved by ${who(d.by)}, ${formatDuration(Number(d.duration_ms))} after opening`;
    case 'incident.severity_changed':
      return (
        <>
          Severity <strong>{str(d.from)}</strong> → <strong>{str(d.to)}</strong>
        </>
      );
    case 'incident.response_target_breached':
      return `Response target breached: not acknowledged within ${
        d.next_business_day ? 'the next business day' : formatDuration(Number(d.target_ms))
      } (${str(d.severity)})`;
    case 'incident.reopened':
      return `Re-opened (${str(d.reopen_count)}×): ${str(d.reason) || 'its alert fired again'}`;
    case 'incident.note_added':
      return <Markdown text={str(d.markdown)} />;
    case 'incident.note_corrected': {
      const orig = byId.get(str(d.corrects));
      return (
        <>
          <p className="inc-tl-sub">
            Correction of the note from {orig ? <Time iso={orig.at} /> : str(d.corrects)}
            {orig ? ` by ${who(orig.actor)}` : ''}:
          </p>
          <Markdown text={str(d.markdown)} />
        </>
      );
    }
    case 'incident.role_assigned':
      return d.user
        ? `${ROLE[str(d.role)] ?? str(d.role)}: ${str(d.user)}${d.previous ? ` (was ${str(d.previous)})` : ''}`
        : `${ROLE[str(d.role)] ?? str(d.role)} unassigned${d.previous ? ` (was ${str(d.previous)})` : ''}`;
    case 'incident.responder_added':
      return `Responder added: ${str(d.user)}`;
    case 'incident.responder_removed':
      return `Responder removed: ${str(d.user)}`;
    case 'incident.services_added':
      return `Affected services added: ${(d.services as string[] | undefined)?.join(', ') ?? ''}`;
    case 'incident.link_added':
      return (
        <>
          Link added:{' '}
          <a href={str(d.url)} target="_blank" rel="noreferrer noopener">
            {str(d.title)}
          </a>
        </>
      );
    case 'incident.alert_attached':
      return (
        <>
          Alert firing: <code>{str(d.alert)}</code>
          {d.title ? ` — ${str(d.title)}` : ''}
        </>
      );
    case 'incident.alert_resolved':
      return (
        <>
          Alert resolved: <code>{str(d.alert)}</code>
        </>
      );
    case 'incident.auto_resolve_scheduled':
      return <>All alerts resolved: auto-resolve at {when(d.at)} unless an alert fires again</>;
    case 'incident.merged':
      return (
        <>
          Merged into{' '}
          <Link to={`/incidents/${encodeURIComponent(str(d.into_human_id ?? d.into))}`}>
            {str(d.into_human_id ?? d.into)}
          </Link>
        </>
      );
    case 'incident.merged_from':
      return (
        <>
          <Link to={`/incidents/${encodeURIComponent(str(d.from_human_id ?? d.from))}`}>
            {str(d.from_human_id ?? d.from)}
          </Link>{' '}
          was merged into this incident
        </>
      );
    case 'incident.postmortem_due':
      return <>Postmortem due by {when(d.due_at)}</>;
    case 'incident.postmortem_reminder':
      return <>Reminder: the postmortem is due {when(d.due_at)}</>;
    case 'incident.postmortem_overdue':
      return <>The postmortem is overdue (was due {when(d.due_at)})</>;
    case 'incident.postmortem_started':
      return 'Postmortem started';
    case 'incident.postmortem_edited':
      return 'Postmortem edited';
    case 'incident.postmortem_status_changed':
      return `Postmortem ${str(d.from).replace('_', ' ')} → ${str(d.to).replace('_', ' ')}`;
    case 'incident.action_item_added':
      return (
        <>
          Action item added: {str(d.title)}
          {d.owner ? ` (owner ${str(d.owner)})` : ''}
          {d.due_at ? <> — due {when(d.due_at)}</> : null}
        </>
      );
    case 'incident.action_item_updated': {
      const parts = Object.entries(d)
        .filter(([k]) => !['id', 'human_id', 'item'].includes(k))
        .map(
          ([k, v]) =>
            `${k.replace('_at', '')} ${v === null ? 'cleared' : k === 'due_at' ? new Date(Number(v)).toISOString().slice(0, 10) : String(v).replace('_', ' ')}`,
        );
      return `Action item updated: ${parts.join(', ')}`;
    }
    default: {
      const fields = Object.entries(d).filter(([k]) => k !== 'id' && k !== 'human_id');
      return (
        <>
          <code>{e.type}</code>
          {fields.length ? (
            <span className="inc-tl-fields">
              {fields.map(([k, v]) => (
                <span key={k}>
                  {k}: {typeof v === 'object' ? JSON.stringify(v) : String(v)}
                </span>
              ))}
            </span>
          ) : null}
        </>
      );
    }
  }
}

/** The timeline with a filter, and (for responders) the notes composer below it. */
export function IncidentTimeline(props: {
  incident: Incident;
  events: TimelineEvent[] | undefined;
  error: unknown;
  canWrite: boolean;
  onChange: () => void;
}) {
  const { incident, events, canWrite } = props;
  const toast = useToast();
  const [group, setGroup] = useState('');
  const [note, setNote] = useState('');
  const [corrects, setCorrects] = useState<TimelineEvent | null>(null);
  const [noteError, setNoteError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  if (props.error) return <ErrorBanner error={props.error} />;
  if (!events) return <Loading what="Loading the timeline" />;
  const byId = new Map(events.map((e) => [e.id, e]));
  const corrected = new Set(
    events.filter((e) => e.type === 'incident.note_corrected').map((e) => str(e.data.corrects)),
  );
  const shown = group ? events.filter((e) => groupOf(e.type) === group) : events;
  const submit = async () => {
    if (!note.trim()) {
      setNoteError('Write the note first.');
      return;
    }
    setBusy(true);
    setNoteError(undefined);
    try {
      await api('POST', `/api/v1/incidents/${incident.id}/notes`, {
        body: { markdown: note, ...(corrects ? { corrects: corrects.id } : {}) },
      });
      setNote('');
      setCorrects(null);
      toast.show(corrects ? 'Correction added to the timeline.' : 'Note added to the timeline.');
      props.onChange();
    } catch (err) {
      setNoteError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <div className="inc-tl-tools">
        <div className="filter">
          <label htmlFor="inc-tl-group">Show</label>
          <select id="inc-tl-group" value={group} onChange={(e) => setGroup(e.target.value)}>
            {GROUPS.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </select>
        </div>
        <a
          className="btn"
          href={`/api/v1/incidents/${encodeURIComponent(incident.id)}/timeline.md`}
          download={`${incident.human_id}-timeline.md`}
        >
          Export as Markdown
        </a>
      </div>
      {shown.length === 0 ? (
        <EmptyState title="Nothing of this kind on the timeline yet." />
      ) : (
        <ol className="inc-tl" aria-label={`Timeline of ${incident.human_id}`}>
          {shown.map((e) => (
            <li key={e.id} className={`inc-tl-item inc-tone-${toneOf(e.type)}`} data-type={e.type}>
              <div className="inc-tl-meta">
                <Time iso={e.at} /> <span className="muted">· {who(e.actor)}</span>
                {corrected.has(e.id) ? <span className="badge badge-warn">corrected below</span> : null}
              </div>
              <div className="inc-tl-body">{describe(e, byId)}</div>
              {canWrite && e.type.startsWith('incident.note') ? (
                <button
                  type="button"
                  className="btn btn-small btn-ghost inc-tl-correct"
                  onClick={() => {
                    setCorrects(e);
                    setNote(str(e.data.markdown));
                    document.getElementById('inc-composer')?.scrollIntoView({ block: 'center' });
                  }}
                >
                  Correct this note
                </button>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      {canWrite ? (
        <section id="inc-composer" className="inc-composer" aria-label="Add a note">
          {corrects ? (
            <div className="banner banner-info">
              Correcting the note from <Time iso={corrects.at} /> by {who(corrects.actor)}. The original stays
              on the timeline; the correction is a new entry.{' '}
              <button
                type="button"
                className="btn btn-small"
                onClick={() => {
                  setCorrects(null);
                  setNote('');
                }}
              >
                Cancel correction
              </button>
            </div>
          ) : null}
          <MarkdownEditor
            label={corrects ? 'Correction' : 'Note'}
            value={note}
            onChange={setNote}
            onSubmit={() => void submit()}
            error={noteError}
            disabled={busy}
            help="Markdown (tables, lists, links). Ctrl+Enter adds it. Notes are never edited: correct one instead."
          />
          <div className="form-actions">
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void submit()}>
              {busy ? 'Adding…' : corrects ? 'Add correction' : 'Add note'}
            </button>
          </div>
        </section>
      ) : null}
    </>
  );
}
