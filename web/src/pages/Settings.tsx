/** Settings: the organisation (name, base URL), the severity ladder, environments, and the build. */
import { api, type CatalogObject, type Page, roleAtLeast } from '../api.ts';
import { catalogTypes, useLiveEvents } from '../live.ts';
import { useSession } from '../session.tsx';
import {
  Badge,
  EmptyState,
  ErrorBanner,
  Facts,
  Loading,
  ManagedBadge,
  PageHeader,
  useApi,
} from '../ui/components.tsx';
import { type FieldDef, Form, toBody, toValues } from '../ui/form.tsx';
import { SimpleTable } from '../ui/table.tsx';
import { useToast } from '../ui/toast.tsx';

const ORG_FIELDS: FieldDef[] = [
  { name: 'name', label: 'Organisation name', required: true },
  {
    name: 'base_url',
    label: 'Base URL',
    type: 'url',
    help: 'The public address used in links (notifications, status pages).',
  },
];

function OrgForm() {
  const { user } = useSession();
  const toast = useToast();
  const org = useApi<CatalogObject>('/api/v1/org');
  useLiveEvents(catalogTypes('org'), org.reload);
  const isAdmin = roleAtLeast(user?.role, 'admin');
  // 404: no organisation yet; the form creates it.
  const missing = org.error && (org.error as { status?: number }).status === 404;
  if (org.error && !missing) return <ErrorBanner error={org.error} />;
  if (!org.data && !missing) return <Loading />;
  const obj = org.data;
  const save = async (values: Record<string, string>) => {
    const extra = obj
      ? Object.fromEntries(
          Object.entries(obj).filter(
            ([k]) =>
              ![
                'key',
                'managed',
                'source',
                'version',
                'created_at',
                'updated_at',
                'name',
                'base_url',
              ].includes(k),
          ),
        )
      : {};
    await api('PUT', '/api/v1/org', {
      body: { ...extra, ...toBody(ORG_FIELDS, values) },
      version: obj?.version,
    });
    toast.show('Saved the organisation.');
    org.reload();
  };
  return (
    <>
      {obj?.managed ? (
        <>
          <ManagedBadge obj={obj} />
          <p className="banner banner-info" role="note">
            Declared in the ops plan{obj.source ? ` at ${obj.source}` : ''}. Change it there and apply.
          </p>
        </>
      ) : null}
      <Form
        key={obj?.version ?? 0}
        fields={ORG_FIELDS}
        initial={toValues(ORG_FIELDS, obj)}
        readOnly={Boolean(obj?.managed) || !isAdmin}
        creating={!obj}
        submitLabel="Save organisation"
        onSubmit={save}
      />
    </>
  );
}

/** The settings page. */
export function Settings() {
  const severities = useApi<Page<CatalogObject>>('/api/v1/severities?limit=100');
  const envs = useApi<Page<CatalogObject>>('/api/v1/environments?limit=100');
  const version = useApi<{ version: string; commit: string | null; started_at: string; store: string }>(
    '/version',
  );
  useLiveEvents(catalogTypes('severity'), severities.reload);
  useLiveEvents(catalogTypes('environment'), envs.reload);
  const ladder = [...(severities.data?.items ?? [])].sort((a, b) => Number(a.rank) - Number(b.rank));
  const environments = [...(envs.data?.items ?? [])].sort(
    (a, b) => Number(a.order ?? 0) - Number(b.order ?? 0),
  );
  return (
    <>
      <PageHeader title="Settings">The organisation and the vocabulary every module shares.</PageHeader>
      <div className="grid-2">
        <section className="card" aria-labelledby="org-h">
          <h2 id="org-h">Organisation</h2>
          <OrgForm />
        </section>
        <section className="card" aria-labelledby="build-h">
          <h2 id="build-h">This Vigil</h2>
          {version.data ? (
            <Facts
              rows={[
                ['Version', version.data.version],
                [
                  'Commit',
                  version.data.commit ? <code key="c">{version.data.commit.slice(0, 12)}</code> : null,
                ],
                ['Store', version.data.store],
                ['Started', new Date(version.data.started_at).toLocaleString()],
              ]}
            />
          ) : (
            <Loading />
          )}
        </section>
      </div>
      <section className="card" aria-labelledby="sev-h">
        <h2 id="sev-h">Severity ladder</h2>
        <ErrorBanner error={severities.error} />
        {severities.data ? (
          <SimpleTable
            caption="Severity ladder, most severe first"
            rows={ladder}
            rowKey={(s) => s.key}
            columns={[
              { header: 'Rank', cell: (s) => String(s.rank) },
              {
                header: 'Severity',
                cell: (s) => (
                  <>
                    <Badge tone={Number(s.rank) <= 1 ? 'danger' : Number(s.rank) <= 2 ? 'warn' : 'neutral'}>
                      {s.key}
                    </Badge>{' '}
                    {String(s.label)} <ManagedBadge obj={s} />
                  </>
                ),
              },
              { header: 'Response target', cell: (s) => String(s.response_target ?? '—') },
              { header: 'Description', cell: (s) => String(s.description ?? '') },
            ]}
            empty={
              <EmptyState title="No severities defined.">
                Declare the ladder in vigil.yaml (severities:).
              </EmptyState>
            }
          />
        ) : severities.error ? null : (
          <Loading />
        )}
      </section>
      <section className="card" aria-labelledby="env-h">
        <h2 id="env-h">Environments</h2>
        {envs.data ? (
          <SimpleTable
            caption="Environments"
            rows={environments}
            rowKey={(e) => e.key}
            columns={[
              { header: 'Environment', cell: (e) => <code>{e.key}</code> },
              { header: 'Name', cell: (e) => String(e.name) },
              {
                header: 'Production',
                cell: (e) => (e.production ? <Badge tone="warn">production</Badge> : 'no'),
              },
              { header: 'Source', cell: (e) => <ManagedBadge obj={e} /> },
            ]}
            empty={<EmptyState title="No environments defined." />}
          />
        ) : (
          <Loading />
        )}
      </section>
    </>
  );
}
