/** API tokens: list, issue (the secret is shown exactly once), revoke. */
import { useState } from 'react';
import { api, type Page } from '../api.ts';
import { Badge, EmptyState, ErrorBanner, Loading, PageHeader, Time, useApi } from '../ui/components.tsx';
import { type FieldDef, Form, toBody } from '../ui/form.tsx';
import { SimpleTable } from '../ui/table.tsx';
import { useToast } from '../ui/toast.tsx';

interface Token {
  id: string;
  name: string;
  prefix: string;
  role: string;
  user: string | null;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

const FIELDS: FieldDef[] = [
  { name: 'name', label: 'Name', required: true, help: 'What uses it, e.g. “ci-deploy”.' },
  {
    name: 'role',
    label: 'Role',
    type: 'select',
    required: true,
    options: ['viewer', 'responder', 'operator', 'admin'].map((r) => ({ value: r, label: r })),
  },
  {
    name: 'expires_at',
    label: 'Expires',
    type: 'datetime',
    help: 'Leave empty for a token that does not expire.',
  },
];

/** The tokens page (admins). */
export function Tokens() {
  const toast = useToast();
  const list = useApi<Page<Token>>('/api/v1/tokens');
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [formKey, setFormKey] = useState(0);
  const issue = async (values: Record<string, string>) => {
    const created = await api<Token & { secret: string }>('POST', '/api/v1/tokens', {
      body: toBody(FIELDS, values),
    });
    setSecret({ name: created.name, secret: created.secret });
    setFormKey((n) => n + 1);
    toast.show(`Issued token ${created.name}.`);
    list.reload();
  };
  const revoke = async (t: Token) => {
    if (!window.confirm(`Revoke token ${t.name}? Anything using it stops working.`)) return;
    try {
      await api('DELETE', `/api/v1/tokens/${encodeURIComponent(t.id)}`);
      toast.show(`Revoked token ${t.name}.`);
      list.reload();
    } catch (err) {
      toast.show((err as Error).message, 'error');
    }
  };
  const copy = async () => {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret.secret);
      toast.show('Copied to the clipboard.', 'info');
    } catch {
      toast.show('Copy failed; select the text and copy it.', 'error');
    }
  };
  return (
    <>
      <PageHeader title="API tokens">
        Tokens authenticate the CLI, CI jobs and integrations (Authorization: Bearer).
      </PageHeader>
      {secret ? (
        <section className="card secret" aria-labelledby="secret-h">
          <h2 id="secret-h">Token “{secret.name}” issued</h2>
          <p>Copy the secret now: Vigil stores only a hash and will not show it again.</p>
          <div className="secret-row">
            <code className="secret-value" data-testid="token-secret">
              {secret.secret}
            </code>
            <button type="button" className="btn" onClick={copy}>
              Copy
            </button>
            <button type="button" className="btn" onClick={() => setSecret(null)}>
              Done
            </button>
          </div>
        </section>
      ) : null}
      <div className="grid-2 grid-wide-left">
        <section className="card" aria-labelledby="tokens-h">
          <h2 id="tokens-h">Tokens</h2>
          {list.error ? <ErrorBanner error={list.error} /> : null}
          {list.data ? (
            <SimpleTable
              caption="API tokens"
              rows={list.data.items}
              rowKey={(t) => t.id}
              columns={[
                { header: 'Name', cell: (t) => t.name },
                { header: 'Prefix', cell: (t) => <code>{t.prefix}</code> },
                { header: 'Role', cell: (t) => <Badge>{t.role}</Badge> },
                { header: 'Created', cell: (t) => <Time iso={t.created_at} /> },
                { header: 'Last used', cell: (t) => <Time iso={t.last_used_at} /> },
                {
                  header: 'Status',
                  cell: (t) =>
                    t.revoked_at ? (
                      <Badge tone="danger">revoked</Badge>
                    ) : t.expires_at && Date.parse(t.expires_at) < Date.now() ? (
                      <Badge tone="warn">expired</Badge>
                    ) : (
                      <Badge tone="ok">active</Badge>
                    ),
                },
                {
                  header: 'Actions',
                  cell: (t) =>
                    t.revoked_at ? null : (
                      <button
                        type="button"
                        className="btn btn-small btn-danger"
                        onClick={() => revoke(t)}
                        aria-label={`Revoke ${t.name}`}
                      >
                        Revoke
                      </button>
                    ),
                },
              ]}
              empty={<EmptyState title="No tokens yet.">Issue one with the form.</EmptyState>}
            />
          ) : list.error ? null : (
            <Loading />
          )}
        </section>
        <section className="card" aria-labelledby="issue-h">
          <h2 id="issue-h">Issue a token</h2>
          <Form
            key={formKey}
            fields={FIELDS}
            initial={{ name: '', role: 'viewer', expires_at: '' }}
            submitLabel="Issue token"
            creating
            onSubmit={issue}
          />
        </section>
      </div>
    </>
  );
}
