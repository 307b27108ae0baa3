/**
 * Generic screens for catalog kinds (services, teams, users): a filterable paginated list, a detail
 * view with the object's timeline, and create/edit forms. Plan-managed objects are read-only.
 */
import { type ReactNode, useState } from 'react';
import { api, type CatalogObject, encodeKey, roleAtLeast } from '../api.ts';
import { catalogTypes, type LiveEvent, useLiveEvents } from '../live.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import {
  Badge,
  EmptyState,
  ErrorBanner,
  Facts,
  Loading,
  ManagedBadge,
  PageHeader,
  Time,
  useApi,
} from '../ui/components.tsx';
import { type FieldDef, Form, type FormValues, toBody, toValues } from '../ui/form.tsx';
import { type Column, DataTable, SimpleTable, usePaged } from '../ui/table.tsx';
import { useToast } from '../ui/toast.tsx';

/** How one catalog kind looks in the console. */
export interface KindView {
  kind: string;
  plural: string;
  /** Singular, lower case ("service"). */
  label: string;
  title: string;
  intro: string;
  keyField: FieldDef;
  /** Hook giving the spec fields the form edits (others, such as links or grants, are kept as they are). */
  useFields: () => FieldDef[];
  columns: Column<CatalogObject>[];
  filters?: FieldDef[];
  writeRole: 'admin' | 'operator';
  /** Extra sections on the detail page. */
  detail?: (obj: CatalogObject) => ReactNode;
}

const META = new Set(['key', 'managed', 'source', 'version', 'created_at', 'updated_at']);

/** The spec part of a presented object. */
export function specOf(obj: CatalogObject): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !META.has(k)));
}

/** The list screen with filters. */
export function KindList({ view }: { view: KindView }) {
  const { user } = useSession();
  const [filters, setFilters] = useState<Record<string, string>>({});
  const paged = usePaged<CatalogObject>(`/api/v1/${view.plural}`, filters);
  useLiveEvents(catalogTypes(view.kind), paged.reload);
  const canWrite = roleAtLeast(user?.role, view.writeRole);
  return (
    <>
      <PageHeader
        title={view.title}
        actions={
          canWrite ? (
            <Link className="btn btn-primary" to={`/${view.plural}/new`}>
              New {view.label}
            </Link>
          ) : null
        }
      >
        {view.intro}
      </PageHeader>
      {view.filters?.length ? (
        <form className="filters" aria-label={`Filter ${view.plural}`} onSubmit={(e) => e.preventDefault()}>
          {view.filters.map((f) => (
            <div key={f.name} className="filter">
              <label htmlFor={`filter-${f.name}`}>{f.label}</label>
              {f.type === 'select' ? (
                <select
                  id={`filter-${f.name}`}
                  value={filters[f.name] ?? ''}
                  onChange={(e) => setFilters((s) => ({ ...s, [f.name]: e.target.value }))}
                >
                  <option value="">Any</option>
                  {(f.options ?? []).map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={`filter-${f.name}`}
                  type="search"
                  value={filters[f.name] ?? ''}
                  onChange={(e) => setFilters((s) => ({ ...s, [f.name]: e.target.value }))}
                />
              )}
            </div>
          ))}
        </form>
      ) : null}
      <DataTable
        caption={view.title}
        columns={view.columns}
        paged={paged}
        rowKey={(o) => o.key}
        empty={
          <EmptyState
            title={
              Object.values(filters).some(Boolean)
                ? `No ${view.plural} match these filters.`
                : `No ${view.plural} yet.`
            }
          >
            Declare them in vigil.yaml and apply,{' '}
            {canWrite ? `or create one with “New ${view.label}”.` : 'or ask an admin.'}
          </EmptyState>
        }
      />
    </>
  );
}

/** A link to an object's detail page. */
export function ObjectLink({ plural, k, children }: { plural: string; k: string; children?: ReactNode }) {
  return <Link to={`/${plural}/${encodeKey(k)}`}>{children ?? k}</Link>;
}

/** The recent timeline of one object. */
export function SubjectEvents({ kind, k }: { kind: string; k: string }) {
  const { data, error, reload } = useApi<{ items: LiveEvent[] }>(
    `/api/v1/events?subject_kind=${encodeURIComponent(kind)}&subject_key=${encodeURIComponent(k)}&limit=20`,
  );
  useLiveEvents(catalogTypes(kind), (e) => e.subject.key === k && reload());
  if (error) return <ErrorBanner error={error} />;
  if (!data) return <Loading />;
  return (
    <SimpleTable
      caption={`Timeline of ${k}`}
      rows={data.items}
      rowKey={(e) => e.id}
      columns={[
        { header: 'When', cell: (e) => <Time iso={e.at} /> },
        { header: 'Event', cell: (e) => <code>{e.type}</code> },
        { header: 'By', cell: (e) => e.actor },
      ]}
      empty={<EmptyState title="No events for this object yet." />}
    />
  );
}

/** The detail screen. */
export function KindDetail({ view, k }: { view: KindView; k: string }) {
  const { user } = useSession();
  const toast = useToast();
  const specFields = view.useFields();
  const { data: obj, error, reload } = useApi<CatalogObject>(`/api/v1/${view.plural}/${encodeKey(k)}`);
  useLiveEvents(
    catalogTypes(view.kind),
    (e) => e.subject.key === k && e.type.endsWith('.updated') && reload(),
  );
  if (error) return <ErrorBanner error={error} />;
  if (!obj) return <Loading />;
  const canWrite = roleAtLeast(user?.role, view.writeRole);
  const remove = async () => {
    if (!window.confirm(`Delete ${view.label} ${obj.key}?`)) return;
    try {
      await api('DELETE', `/api/v1/${view.plural}/${encodeKey(obj.key)}`, { version: obj.version });
      toast.show(`Deleted ${view.label} ${obj.key}.`);
      navigate(`/${view.plural}`);
    } catch (err) {
      toast.show(String((err as Error).message), 'error');
    }
  };
  const name = typeof obj.name === 'string' ? obj.name : obj.key;
  return (
    <>
      <PageHeader
        title={name}
        actions={
          <>
            <Link className="btn" to={`/${view.plural}/${encodeKey(obj.key)}/edit`}>
              {obj.managed || !canWrite ? 'View form' : 'Edit'}
            </Link>
            {canWrite && !obj.managed ? (
              <button type="button" className="btn btn-danger" onClick={remove}>
                Delete
              </button>
            ) : null}
          </>
        }
      >
        <span className="kind-tag">{view.label}</span> <code>{obj.key}</code> <ManagedBadge obj={obj} />
      </PageHeader>
      <section className="card" aria-labelledby="facts-h">
        <h2 id="facts-h">Details</h2>
        <Facts
          rows={[
            ...specFields.map((f): [string, ReactNode] => {
              const v = obj[f.name];
              return [
                f.label,
                Array.isArray(v)
                  ? v.map((x) => <Badge key={String(x)}>{String(x)}</Badge>)
                  : (v as ReactNode),
              ];
            }),
            ['Version', obj.version],
            ['Updated', <Time key="u" iso={obj.updated_at} />],
          ]}
        />
      </section>
      {view.detail?.(obj)}
      <section className="card" aria-labelledby="events-h">
        <h2 id="events-h">Timeline</h2>
        <SubjectEvents kind={view.kind} k={obj.key} />
      </section>
    </>
  );
}

/** The create (k undefined) or edit screen. */
export function KindForm({ view, k }: { view: KindView; k?: string }) {
  const { user } = useSession();
  const toast = useToast();
  const specFields = view.useFields();
  const { data: obj, error } = useApi<CatalogObject>(k ? `/api/v1/${view.plural}/${encodeKey(k)}` : null);
  if (error) return <ErrorBanner error={error} />;
  if (k && !obj) return <Loading />;
  const fields = [view.keyField, ...specFields];
  const canWrite = roleAtLeast(user?.role, view.writeRole);
  const readOnly = Boolean(obj?.managed) || !canWrite;
  const initial: FormValues = obj
    ? { ...toValues(fields, obj), [view.keyField.name]: obj.key }
    : toValues(fields, undefined);
  const submit = async (values: FormValues) => {
    const body = toBody(specFields, values);
    if (obj) {
      const spec = specOf(obj);
      for (const f of specFields) delete spec[f.name];
      const saved = await api<CatalogObject>('PUT', `/api/v1/${view.plural}/${encodeKey(obj.key)}`, {
        body: { ...spec, ...body },
        version: obj.version,
      });
      toast.show(`Saved ${view.label} ${saved.key}.`);
      navigate(`/${view.plural}/${encodeKey(saved.key)}`);
    } else {
      const key = (values[view.keyField.name] ?? '').trim();
      const saved = await api<CatalogObject>('POST', `/api/v1/${view.plural}`, { body: { key, ...body } });
      toast.show(`Created ${view.label} ${saved.key}.`);
      navigate(`/${view.plural}/${encodeKey(saved.key)}`);
    }
  };
  return (
    <>
      <PageHeader title={obj ? `${readOnly ? '' : 'Edit '}${view.label} ${obj.key}` : `New ${view.label}`}>
        {obj ? <ManagedBadge obj={obj} /> : view.intro}
      </PageHeader>
      {obj?.managed ? (
        <div className="banner banner-info" role="note">
          This {view.label} is declared in the ops plan{obj.source ? ` at ${obj.source}` : ''}. Change it
          there and apply; the console shows it read-only.
        </div>
      ) : !canWrite ? (
        <div className="banner banner-info" role="note">
          Changing {view.plural} needs the {view.writeRole} role.
        </div>
      ) : null}
      <section className="card">
        <Form
          fields={fields}
          initial={initial}
          creating={!obj}
          readOnly={readOnly}
          submitLabel={obj ? 'Save changes' : `Create ${view.label}`}
          onSubmit={submit}
        />
      </section>
    </>
  );
}
