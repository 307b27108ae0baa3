/** `/status-pages`: every status page with its overall status; `/status-pages/new` creates one. */
import { api, encodeKey } from '../../api.ts';
import { catalogTypes, useLiveEvents } from '../../live.ts';
import { Link, navigate } from '../../router.tsx';
import { Badge, EmptyState, ManagedBadge, PageHeader, useApi } from '../../ui/components.tsx';
import { type FieldDef, Form } from '../../ui/form.tsx';
import { DataTable, usePaged } from '../../ui/table.tsx';
import { useToast } from '../../ui/toast.tsx';
import { can, pagePath, publicPath, StatusBadge, type StatusPageObject } from './shared.tsx';

const LIVE = [...catalogTypes('status_page'), 'statuspage.component_changed', 'statuspage.incident_updated'];

function Overall({ pageKey }: { pageKey: string }) {
  const s = useApi<{ status: { indicator: string; description: string } }>(
    `/api/v1/status-pages/${encodeKey(pageKey)}/summary`,
  );
  useLiveEvents(['statuspage.component_changed', 'statuspage.incident_updated'], s.reload);
  if (s.error) return <span className="muted">unavailable</span>;
  if (!s.data) return <span className="muted">…</span>;
  return (
    <span className="sp-overall-cell">
      <StatusBadge status={s.data.status.indicator} /> {s.data.status.description}
    </span>
  );
}

export function PagesList({ role }: { role: string }) {
  const paged = usePaged<StatusPageObject>('/api/v1/status-pages', {});
  useLiveEvents(LIVE, paged.reload);
  return (
    <>
      <PageHeader
        title="Status pages"
        actions={
          can(role, 'operate') ? (
            <Link to="/status-pages/new" className="btn btn-primary">
              New status page
            </Link>
          ) : null
        }
      >
        Public pages your customers read: components, incidents and scheduled maintenance.
      </PageHeader>
      <DataTable
        caption="Status pages"
        paged={paged}
        rowKey={(p) => p.key}
        empty={
          <EmptyState title="No status pages yet.">
            {can(role, 'operate') ? (
              <p>
                Create one with <Link to="/status-pages/new">New status page</Link>, or declare it under{' '}
                <code>status_pages:</code> in vigil.yaml and apply the plan.
              </p>
            ) : (
              <p>
                An operator can create one here or declare it under <code>status_pages:</code> in vigil.yaml.
              </p>
            )}
          </EmptyState>
        }
        columns={[
          {
            header: 'Page',
            cell: (p) => (
              <>
                <Link to={pagePath(p.key)}>{p.name}</Link> <code className="muted">{p.key}</code>{' '}
                {p.default ? <Badge>default</Badge> : null}
                {p.private ? <Badge tone="warn">private</Badge> : null}
                <ManagedBadge obj={p} />
              </>
            ),
          },
          { header: 'Status', cell: (p) => <Overall pageKey={p.key} /> },
          { header: 'Components', cell: (p) => p.components.length, className: 'num' },
          {
            header: 'Public page',
            cell: (p) => (
              <a href={publicPath(p.key)} target="_blank" rel="noreferrer">
                {publicPath(p.key)}
                <span className="sr-only"> (opens in a new tab)</span>
              </a>
            ),
          },
        ]}
      />
    </>
  );
}

const NEW_FIELDS: FieldDef[] = [
  {
    name: 'key',
    label: 'Key',
    required: true,
    createOnly: true,
    help: 'Served at /status/<key>. Lower-case letters, digits and dashes.',
    pattern: {
      re: /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
      message: 'Use lower-case letters, digits and inner dashes (e.g. "public").',
    },
  },
  { name: 'name', label: 'Name', required: true, help: 'The title readers see, e.g. your product name.' },
  {
    name: 'default',
    label: 'Default page',
    type: 'select',
    options: [
      { value: 'true', label: 'Yes: also serve it at /status and /api/v2/*' },
      { value: 'false', label: 'No' },
    ],
  },
];

export function NewPage({ role }: { role: string }) {
  const toast = useToast();
  if (!can(role, 'operate'))
    return (
      <>
        <PageHeader title="New status page" />
        <EmptyState title="Creating status pages needs the operator role." />
      </>
    );
  return (
    <>
      <PageHeader title="New status page">
        Add components, appearance and templates after creating it.
      </PageHeader>
      <Form
        fields={NEW_FIELDS}
        initial={{ key: '', name: '', default: '' }}
        creating
        submitLabel="Create status page"
        onSubmit={async (v) => {
          const created = await api<StatusPageObject>('POST', '/api/v1/status-pages', {
            body: {
              key: v.key.trim(),
              name: v.name.trim(),
              ...(v.default ? { default: v.default === 'true' } : {}),
              components: [],
            },
          });
          toast.show(`Created status page ${created.name}.`);
          navigate(`${pagePath(created.key)}/components`);
        }}
      />
    </>
  );
}
