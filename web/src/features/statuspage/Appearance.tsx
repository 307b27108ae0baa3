/** `/status-pages/<key>/appearance` (name, logo, colours, theme, time zone, links, domains, privacy) and `/templates`. */
import { useState } from 'react';
import { api, encodeKey } from '../../api.ts';
import { useLiveEvents } from '../../live.ts';
import { Link, navigate } from '../../router.tsx';
import { EmptyState } from '../../ui/components.tsx';
import { type FieldDef, Form, type FormValues } from '../../ui/form.tsx';
import { SimpleTable } from '../../ui/table.tsx';
import { useToast } from '../../ui/toast.tsx';
import {
  can,
  INCIDENT_STATUSES,
  PageFrame,
  pagePath,
  STATUS_LABEL,
  type StatusPageObject,
  specOf,
  type Template,
  usePageObject,
} from './shared.tsx';

const zones = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
})();

const FIELDS: FieldDef[] = [
  { name: 'name', label: 'Name', required: true, help: 'The title of the public page.' },
  {
    name: 'url',
    label: 'Public URL',
    type: 'url',
    help: 'Where readers find the page; used in feeds and links.',
  },
  { name: 'logo_url', label: 'Logo URL', type: 'url', help: 'An https:// image shown next to the name.' },
  {
    name: 'brand_color',
    label: 'Brand colour',
    help: 'Hex colour such as #4f46e5, used for accents.',
    pattern: { re: /^#[0-9a-fA-F]{6}$/, message: 'Use a hex colour like #4f46e5.' },
  },
  {
    name: 'theme',
    label: 'Theme',
    type: 'select',
    options: [
      { value: 'auto', label: 'Automatic (follow the reader’s light/dark preference)' },
      { value: 'light', label: 'Always light' },
      { value: 'dark', label: 'Always dark' },
    ],
  },
  {
    name: 'time_zone',
    label: 'Time zone',
    type: 'select',
    options: zones.map((z) => ({ value: z, label: z })),
    help: 'Times on the public page are shown in this zone (UTC when empty).',
  },
  {
    name: 'hold_down',
    label: 'Hold-down',
    help: 'How long a check-driven status must hold before the page shows it, e.g. 2m (the default).',
    pattern: { re: /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/, message: 'Use a duration such as 30s, 2m or 1h.' },
  },
  {
    name: 'links',
    label: 'Footer links',
    type: 'textarea',
    help: 'One per line: Title | https://example.com',
    pattern: {
      re: /^(\s*[^|\n]+\|\s*https?:\/\/\S+\s*(\n|$))*$/,
      message: 'Each line needs a title, a "|" and an http(s) URL.',
    },
  },
  {
    name: 'domains',
    label: 'Custom domains',
    type: 'list',
    help: 'Host names (comma-separated) that serve this page at their root, e.g. status.example.com. Point them at Vigil.',
    pattern: {
      re: /^\s*[a-z0-9.-]+\.[a-z]{2,}\s*(,\s*[a-z0-9.-]+\.[a-z]{2,}\s*)*$/,
      message: 'Use lower-case host names such as status.example.com, separated by commas.',
    },
  },
  {
    name: 'default',
    label: 'Default page',
    type: 'select',
    options: [
      { value: 'true', label: 'Yes: also served at /status and /api/v2/*' },
      { value: 'false', label: 'No' },
    ],
  },
  {
    name: 'private',
    label: 'Visibility',
    type: 'select',
    required: true,
    options: [
      { value: 'false', label: 'Public: anyone can read it' },
      { value: 'true', label: 'Private: only people signed in to Vigil' },
    ],
  },
];

function toForm(p: StatusPageObject): FormValues {
  return {
    name: p.name,
    url: p.url ?? '',
    logo_url: p.logo_url ?? '',
    brand_color: p.brand_color ?? '',
    theme: p.theme ?? 'auto',
    time_zone: p.time_zone ?? '',
    hold_down: p.hold_down ?? '',
    links: (p.links ?? []).map((l) => `${l.title} | ${l.url}`).join('\n'),
    domains: (p.domains ?? []).join(', '),
    default: p.default === undefined ? '' : String(p.default),
    private: String(Boolean(p.private)),
  };
}

function fromForm(p: StatusPageObject, v: FormValues): Record<string, unknown> {
  const spec: Record<string, unknown> = { ...specOf(p) };
  const set = (k: string, val: unknown) => {
    if (val === '' || val === undefined || (Array.isArray(val) && val.length === 0)) delete spec[k];
    else spec[k] = val;
  };
  set('name', v.name.trim());
  set('url', v.url.trim());
  set('logo_url', v.logo_url.trim());
  set('brand_color', v.brand_color.trim());
  set('theme', v.theme === 'auto' ? '' : v.theme);
  set('time_zone', v.time_zone);
  set('hold_down', v.hold_down.trim());
  set(
    'links',
    v.links
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => {
        const [title, ...url] = l.split('|');
        return { title: title.trim(), url: url.join('|').trim() };
      }),
  );
  set(
    'domains',
    v.domains
      .split(',')
      .map((d) => d.trim().toLowerCase())
      .filter(Boolean),
  );
  set('default', v.default === '' ? '' : v.default === 'true');
  set('private', v.private === 'true' ? true : '');
  return spec;
}

export function Appearance({ pageKey, role }: { pageKey: string; role: string }) {
  const page = usePageObject(pageKey);
  const toast = useToast();
  useLiveEvents(['status_page.updated'], (e) => e.subject.key === pageKey && page.reload());
  const p = page.data;
  const readOnly = !p || p.managed || !can(role, 'operate');
  const remove = async () => {
    if (!p) return;
    if (
      !window.confirm(
        `Delete status page ${p.name}? Its public page, feeds and JSON stop answering. Incidents stay in the audit log.`,
      )
    )
      return;
    try {
      await api('DELETE', `/api/v1/status-pages/${encodeKey(p.key)}`, { version: p.version });
      toast.show(`Deleted status page ${p.name}.`);
      navigate('/status-pages');
    } catch (err) {
      toast.show((err as Error).message, 'error');
    }
  };
  return (
    <PageFrame pageKey={pageKey} tab="appearance" page={page} title="appearance">
      {p?.managed ? (
        <p className="banner banner-info">
          Declared in vigil.yaml{p.source ? ` (${p.source})` : ''}: change it there and apply the plan.
        </p>
      ) : null}
      {p ? (
        <div className="sp-split">
          <Form
            key={p.version}
            fields={FIELDS}
            initial={toForm(p)}
            readOnly={readOnly}
            submitLabel="Save appearance"
            onSubmit={async (v) => {
              await api('PUT', `/api/v1/status-pages/${encodeKey(p.key)}`, {
                body: fromForm(p, v),
                version: p.version,
              });
              toast.show('Appearance saved.');
              page.reload();
            }}
          />
          <aside className="card sp-swatch-card" aria-label="Brand colour sample">
            <h2>Sample</h2>
            <p className="muted">The public page uses the brand colour for its header rule and links.</p>
            <div
              className={`sp-swatch sp-swatch-${/^#[0-9a-fA-F]{6}$/.test(p.brand_color ?? '') ? 'set' : 'none'}`}
            >
              <svg width="100%" height="12" aria-hidden="true" focusable="false">
                <rect width="100%" height="12" rx="3" fill={p.brand_color ?? '#2563eb'} />
              </svg>
            </div>
            <p>
              <a href={`/status/${encodeKey(p.key)}`} target="_blank" rel="noreferrer">
                Open the public page<span className="sr-only"> (new tab)</span>
              </a>
            </p>
          </aside>
        </div>
      ) : null}
      {p && !readOnly ? (
        <section className="card sp-danger" aria-labelledby="sp-del">
          <h2 id="sp-del">Delete this page</h2>
          <p className="muted">Readers get a 404 afterwards.</p>
          <button type="button" className="btn btn-danger" onClick={() => void remove()}>
            Delete status page
          </button>
        </section>
      ) : null}
    </PageFrame>
  );
}

const TPL_FIELDS: FieldDef[] = [
  {
    name: 'key',
    label: 'Template key',
    required: true,
    createOnly: true,
    pattern: {
      re: /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
      message: 'Use lower-case letters, digits and dashes.',
    },
  },
  { name: 'name', label: 'Template name', required: true, help: 'Shown in the incident composer.' },
  { name: 'title', label: 'Incident title', help: 'Optional; e.g. “{{components}} unavailable”.' },
  {
    name: 'status',
    label: 'Incident status',
    type: 'select',
    options: INCIDENT_STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s] })),
  },
  {
    name: 'body',
    label: 'Message',
    type: 'textarea',
    required: true,
    help: '{{page}} becomes the page name, {{components}} the names of the affected components.',
  },
];

export function Templates({ pageKey, role }: { pageKey: string; role: string }) {
  const page = usePageObject(pageKey);
  const toast = useToast();
  const [editing, setEditing] = useState<Template | 'new' | null>(null);
  useLiveEvents(['status_page.updated'], (e) => e.subject.key === pageKey && page.reload());
  const p = page.data;
  const readOnly = !p || p.managed || !can(role, 'operate');
  const templates = p?.templates ?? [];
  const put = async (next: Template[]) => {
    if (!p) return;
    const spec = specOf(p);
    if (next.length) spec.templates = next;
    else delete spec.templates;
    await api('PUT', `/api/v1/status-pages/${encodeKey(p.key)}`, { body: spec, version: p.version });
    page.reload();
  };
  return (
    <PageFrame
      pageKey={pageKey}
      tab="templates"
      page={page}
      title="templates"
      actions={
        readOnly ? null : (
          <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
            New template
          </button>
        )
      }
    >
      <p className="muted">
        Templates pre-fill the incident composer with a title, status and message for situations you expect.
      </p>
      <SimpleTable
        caption="Message templates"
        rows={templates}
        rowKey={(t) => t.key}
        empty={
          <EmptyState title="No templates yet.">
            {readOnly
              ? 'Operators can add templates here or in vigil.yaml.'
              : 'Use “New template” to add one.'}
          </EmptyState>
        }
        columns={[
          {
            header: 'Template',
            cell: (t) => (
              <>
                <strong>{t.name}</strong> <code className="muted">{t.key}</code>
              </>
            ),
          },
          { header: 'Title', cell: (t) => t.title ?? <span className="muted">—</span> },
          { header: 'Status', cell: (t) => (t.status ? STATUS_LABEL[t.status] : '—') },
          { header: 'Message', cell: (t) => <span className="sp-clip">{t.body}</span> },
          {
            header: 'Actions',
            cell: (t) => (
              <span className="sp-inline">
                <Link
                  to={`${pagePath(pageKey)}/incidents/new?template=${encodeKey(t.key)}`}
                  className="btn btn-small"
                >
                  Use<span className="sr-only"> template {t.name}</span>
                </Link>
                {readOnly ? null : (
                  <>
                    <button type="button" className="btn btn-small" onClick={() => setEditing(t)}>
                      Edit<span className="sr-only"> template {t.name}</span>
                    </button>
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      onClick={async () => {
                        if (!window.confirm(`Delete template ${t.name}?`)) return;
                        try {
                          await put(templates.filter((x) => x.key !== t.key));
                          toast.show(`Deleted template ${t.name}.`);
                        } catch (err) {
                          toast.show((err as Error).message, 'error');
                        }
                      }}
                    >
                      Delete<span className="sr-only"> template {t.name}</span>
                    </button>
                  </>
                )}
              </span>
            ),
          },
        ]}
      />
      {editing && p ? (
        <section className="card" aria-labelledby="sp-tpl-form">
          <h2 id="sp-tpl-form">{editing === 'new' ? 'New template' : `Edit template ${editing.name}`}</h2>
          <Form
            key={editing === 'new' ? 'new' : editing.key}
            fields={TPL_FIELDS}
            creating={editing === 'new'}
            initial={
              editing === 'new'
                ? { key: '', name: '', title: '', status: 'investigating', body: '' }
                : {
                    key: editing.key,
                    name: editing.name,
                    title: editing.title ?? '',
                    status: editing.status ?? '',
                    body: editing.body,
                  }
            }
            submitLabel={editing === 'new' ? 'Add template' : 'Save template'}
            onSubmit={async (v) => {
              const t: Template = { key: v.key.trim(), name: v.name.trim(), body: v.body.trim() };
              if (v.title.trim()) t.title = v.title.trim();
              if (v.status) t.status = v.status as Template['status'];
              if (editing === 'new' && templates.some((x) => x.key === t.key))
                throw new Error(`A template with key "${t.key}" already exists.`);
              const next =
                editing === 'new' ? [...templates, t] : templates.map((x) => (x.key === editing.key ? t : x));
              await put(next);
              toast.show(`Saved template ${t.name}.`);
              setEditing(null);
            }}
          />
          <button type="button" className="btn" onClick={() => setEditing(null)}>
            Cancel
          </button>
        </section>
      ) : null}
    </PageFrame>
  );
}
