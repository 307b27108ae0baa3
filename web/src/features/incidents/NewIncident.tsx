/** `/incidents/new`: declare an incident by hand (POST /api/v1/incidents). */
import { api, roleAtLeast } from '../../api.ts';
import { navigate } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { EmptyState, Loading, PageHeader } from '../../ui/components.tsx';
import { type FieldDef, Form, type FormValues } from '../../ui/form.tsx';
import { useToast } from '../../ui/toast.tsx';
import { type Incident, incidentPath } from './model.ts';
import { useKeys, useSeverities } from './shared.tsx';

export function NewIncident() {
  const { user } = useSession();
  const toast = useToast();
  const ladder = useSeverities();
  const services = useKeys('services', 'service');
  if (!roleAtLeast(user?.role, 'responder')) {
    return (
      <>
        <PageHeader title="Declare incident" />
        <EmptyState title="Declaring an incident needs the responder role.">
          Ask an admin for it, or page the on-call responder.
        </EmptyState>
      </>
    );
  }
  if (!ladder.length || !services.length) {
    return (
      <>
        <PageHeader title="Declare incident" />
        {ladder.length && !services.length ? (
          <EmptyState title="No services yet.">
            An incident belongs to a service: declare services in vigil.yaml or create one under Services.
          </EmptyState>
        ) : (
          <Loading />
        )}
      </>
    );
  }
  const fields: FieldDef[] = [
    { name: 'title', label: 'Title', required: true, help: 'What is broken, as users see it.' },
    {
      name: 'severity',
      label: 'Severity',
      type: 'select',
      required: true,
      options: [
        { value: '', label: 'Choose a severity…' },
        ...ladder.map((s) => ({
          value: s.key,
          label: `${s.label} — ${
            s.response_target === 'next_business_day'
              ? 'respond by the next business day'
              : `respond within ${s.response_target}`
          }`,
        })),
      ],
    },
    {
      name: 'service',
      label: 'Service',
      type: 'select',
      required: true,
      options: [
        { value: '', label: 'Choose a service…' },
        ...services.map((s) => ({ value: s.key, label: s.name })),
      ],
    },
    {
      name: 'summary',
      label: 'Summary',
      type: 'textarea',
      help: 'Optional. Impact and what is known so far (Markdown).',
    },
    {
      name: 'runbook',
      label: 'Runbook URL',
      type: 'url',
      help: 'Optional. Shown at the top of the incident page.',
      pattern: { re: /^(https?:\/\/\S+|\/\S*)$/, message: 'Use an http(s) URL or a path on this Vigil.' },
    },
  ];
  const submit = async (v: FormValues) => {
    const body: Record<string, unknown> = { title: v.title.trim(), severity: v.severity, service: v.service };
    if (v.summary?.trim()) body.summary = v.summary.trim();
    if (v.runbook?.trim()) body.links = [{ title: 'Runbook', url: v.runbook.trim() }];
    const inc = await api<Incident>('POST', '/api/v1/incidents', { body });
    toast.show(`Declared ${inc.human_id}.`);
    navigate(incidentPath(inc));
  };
  return (
    <>
      <PageHeader title="Declare incident">
        Opens the incident as triggered, requests paging for its service and starts the severity’s response
        target.
      </PageHeader>
      <section className="card">
        <Form
          fields={fields}
          initial={{ title: '', severity: '', service: '', summary: '', runbook: '' }}
          submitLabel="Declare incident"
          creating
          onSubmit={submit}
        />
      </section>
    </>
  );
}
