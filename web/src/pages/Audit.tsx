/** The audit log: who changed what, when; filter by object, actor and time; paginated. */
import { useState } from 'react';
import { Badge, EmptyState, PageHeader, Time } from '../ui/components.tsx';
import { DataTable, usePaged } from '../ui/table.tsx';

/** One audit entry as /api/v1/audit presents it. */
export interface AuditEntry {
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  object: { kind: string; key: string } | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
  source_ip: string | null;
}

const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

function Change({ e }: { e: AuditEntry }) {
  if (e.before === null && e.after === null) return <span className="muted">—</span>;
  if (e.before === undefined && e.after === undefined) return <span className="muted">—</span>;
  return (
    <details>
      <summary>Show change</summary>
      <div className="diff">
        {e.before !== null && e.before !== undefined ? (
          <div>
            <strong>Before</strong>
            <pre>{JSON.stringify(e.before, null, 2)}</pre>
          </div>
        ) : null}
        {e.after !== null && e.after !== undefined ? (
          <div>
            <strong>After</strong>
            <pre>{JSON.stringify(e.after, null, 2)}</pre>
          </div>
        ) : null}
      </div>
    </details>
  );
}

/** The audit page (admins). */
export function Audit() {
  const [form, setForm] = useState({ kind: '', key: '', actor: '', from: '', to: '' });
  const filters = {
    kind: form.kind,
    key: form.key,
    actor: form.actor,
    from: toIso(form.from),
    to: toIso(form.to),
  };
  const paged = usePaged<AuditEntry>('/api/v1/audit', filters, 50);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((s) => ({ ...s, [k]: e.target.value }));
  return (
    <>
      <PageHeader title="Audit log">
        Every change by a person, a token or the ops plan, hash-chained.
      </PageHeader>
      <form className="filters" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <label className="filter">
          <span>Object kind</span>
          <input type="search" value={form.kind} onChange={set('kind')} placeholder="team" />
        </label>
        <label className="filter">
          <span>Object key</span>
          <input type="search" value={form.key} onChange={set('key')} />
        </label>
        <label className="filter">
          <span>Actor</span>
          <input type="search" value={form.actor} onChange={set('actor')} />
        </label>
        <label className="filter">
          <span>From</span>
          <input type="datetime-local" value={form.from} onChange={set('from')} />
        </label>
        <label className="filter">
          <span>To</span>
          <input type="datetime-local" value={form.to} onChange={set('to')} />
        </label>
      </form>
      <DataTable
        caption="Audit entries"
        paged={paged}
        rowKey={(e) => e.id}
        columns={[
          { header: 'When', cell: (e) => <Time iso={e.at} /> },
          { header: 'Actor', cell: (e) => e.actor },
          { header: 'Action', cell: (e) => <code>{e.action}</code> },
          {
            header: 'Object',
            cell: (e) => (e.object ? <Badge>{`${e.object.kind}/${e.object.key}`}</Badge> : '—'),
          },
          { header: 'Change', cell: (e) => <Change e={e} /> },
        ]}
        empty={<EmptyState title="No audit entries match.">Change the filters or the time range.</EmptyState>}
      />
    </>
  );
}
