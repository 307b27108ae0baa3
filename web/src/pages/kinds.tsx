/** The console's views of the catalog kinds: services, teams, users (with their grants). */
import { useState } from 'react';
import { api, type CatalogObject, encodeKey, roleAtLeast } from '../api.ts';
import { useSession } from '../session.tsx';
import { Badge, EmptyState, ErrorBanner, Loading, ManagedBadge, Time, useApi } from '../ui/components.tsx';
import type { FieldDef } from '../ui/form.tsx';
import { SimpleTable } from '../ui/table.tsx';
import { useToast } from '../ui/toast.tsx';
import { type KindView, ObjectLink } from './catalog.tsx';

const ROLE_OPTIONS = ['viewer', 'responder', 'operator', 'admin'].map((r) => ({ value: r, label: r }));
const SLUG_HELP = 'Lower-case letters, digits and dashes; it cannot change later.';
const SLUG = {
  re: /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/,
  message: 'Use lower-case letters, digits and dashes, starting and ending with a letter or digit.',
};

const tags = (v: unknown) =>
  Array.isArray(v) && v.length ? v.map((t) => <Badge key={String(t)}>{String(t)}</Badge>) : null;
const nameCell = (plural: string) => (o: CatalogObject) => (
  <>
    <ObjectLink plural={plural} k={o.key}>
      {String(o.name ?? o.key)}
    </ObjectLink>{' '}
    <ManagedBadge obj={o} />
  </>
);

/** Team keys for owner/team pickers. */
function useTeamOptions(): Array<{ value: string; label: string }> {
  const { data } = useApi<{ items: CatalogObject[] }>('/api/v1/teams?limit=500');
  return (data?.items ?? []).map((t) => ({ value: t.key, label: `${String(t.name)} (${t.key})` }));
}

export const servicesView: KindView = {
  kind: 'service',
  plural: 'services',
  label: 'service',
  title: 'Services',
  intro: 'What you run, who owns it, and how critical it is.',
  writeRole: 'operator',
  keyField: { name: 'key', label: 'Key', required: true, createOnly: true, help: SLUG_HELP, pattern: SLUG },
  useFields() {
    const teams = useTeamOptions();
    return [
      { name: 'name', label: 'Name', required: true },
      { name: 'owner', label: 'Owner team', type: 'select', required: true, options: teams },
      {
        name: 'tier',
        label: 'Tier',
        type: 'select',
        numeric: true,
        options: [1, 2, 3, 4].map((n) => ({ value: String(n), label: `Tier ${n}` })),
        help: 'Tier 1 is the most critical.',
      },
      { name: 'tags', label: 'Tags', type: 'list', help: 'Comma-separated.' },
      { name: 'description', label: 'Description', type: 'textarea' },
    ];
  },
  columns: [
    { header: 'Service', cell: nameCell('services') },
    { header: 'Key', cell: (o) => <code>{o.key}</code> },
    { header: 'Owner', cell: (o) => <ObjectLink plural="teams" k={String(o.owner)} /> },
    { header: 'Tier', cell: (o) => (o.tier ? `Tier ${o.tier}` : '—') },
    { header: 'Tags', cell: (o) => tags(o.tags) },
  ],
  filters: [
    { name: 'owner', label: 'Owner' },
    {
      name: 'tier',
      label: 'Tier',
      type: 'select',
      options: [1, 2, 3, 4].map((n) => ({ value: String(n), label: `Tier ${n}` })),
    },
    { name: 'tags', label: 'Tag' },
  ],
  detail: (o) => {
    const links = (o.links as Array<{ title: string; url: string }> | undefined) ?? [];
    return links.length ? (
      <section className="card" aria-labelledby="links-h">
        <h2 id="links-h">Links</h2>
        <ul className="links">
          {links.map((l) => (
            <li key={l.url}>
              <a href={l.url} rel="noreferrer noopener" target="_blank">
                {l.title}
              </a>
            </li>
          ))}
        </ul>
      </section>
    ) : null;
  },
};

function TeamMembers({ team }: { team: string }) {
  const users = useApi<{ items: CatalogObject[] }>(
    `/api/v1/users?teams=${encodeURIComponent(team)}&limit=100`,
  );
  const services = useApi<{ items: CatalogObject[] }>(
    `/api/v1/services?owner=${encodeURIComponent(team)}&limit=100`,
  );
  return (
    <div className="grid-2">
      <section className="card" aria-labelledby="members-h">
        <h2 id="members-h">Members</h2>
        {users.error ? <ErrorBanner error={users.error} /> : null}
        {users.data ? (
          <SimpleTable
            caption="Members"
            rows={users.data.items}
            rowKey={(u) => u.key}
            columns={[
              { header: 'Name', cell: nameCell('users') },
              { header: 'Role', cell: (u) => <Badge>{String(u.role)}</Badge> },
            ]}
            empty={<EmptyState title="No members." />}
          />
        ) : users.error ? null : (
          <Loading />
        )}
      </section>
      <section className="card" aria-labelledby="owned-h">
        <h2 id="owned-h">Services owned</h2>
        {services.data ? (
          <SimpleTable
            caption="Services owned"
            rows={services.data.items}
            rowKey={(s) => s.key}
            columns={[
              { header: 'Service', cell: nameCell('services') },
              { header: 'Tier', cell: (s) => (s.tier ? `Tier ${s.tier}` : '—') },
            ]}
            empty={<EmptyState title="This team owns no services." />}
          />
        ) : (
          <Loading />
        )}
      </section>
    </div>
  );
}

export const teamsView: KindView = {
  kind: 'team',
  plural: 'teams',
  label: 'team',
  title: 'Teams',
  intro: 'Teams own services and take the pager.',
  writeRole: 'admin',
  keyField: { name: 'key', label: 'Key', required: true, createOnly: true, help: SLUG_HELP, pattern: SLUG },
  useFields: () => [
    { name: 'name', label: 'Name', required: true },
    { name: 'description', label: 'Description', type: 'textarea' },
  ],
  columns: [
    { header: 'Team', cell: nameCell('teams') },
    { header: 'Key', cell: (o) => <code>{o.key}</code> },
    { header: 'Description', cell: (o) => String(o.description ?? '') },
  ],
  detail: (o) => <TeamMembers team={o.key} />,
};

interface Grant {
  role: string;
  team?: string;
  environments?: string[];
}

/** Admins hand a person a one-time link to set (or reset) their password. */
function PasswordLink({ user }: { user: CatalogObject }) {
  const session = useSession();
  const toast = useToast();
  const [link, setLink] = useState<{ url: string; expires_at: string } | null>(null);
  if (!roleAtLeast(session.user?.role, 'admin')) return null;
  const create = async () => {
    try {
      setLink(await api('POST', `/api/v1/users/${encodeKey(user.key)}/password-reset`));
    } catch (err) {
      toast.show((err as Error).message, 'error');
    }
  };
  return (
    <section className="card" aria-labelledby="pw-h">
      <h2 id="pw-h">Sign-in</h2>
      {link ? (
        <>
          <p>
            Send this link to {String(user.name)}; it works once, until <Time iso={link.expires_at} />.
          </p>
          <code className="secret-value" data-testid="reset-link">
            {link.url}
          </code>
        </>
      ) : (
        <p>
          <button type="button" className="btn" onClick={create}>
            Create a password link
          </button>{' '}
          <span className="muted">for setting or resetting the password.</span>
        </p>
      )}
    </section>
  );
}

function Grants({ user }: { user: CatalogObject }) {
  const grants = (user.grants as Grant[] | undefined) ?? [];
  return (
    <section className="card" aria-labelledby="grants-h">
      <h2 id="grants-h">Role and grants</h2>
      <p>
        Base role: <Badge tone="accent">{String(user.role)}</Badge>
      </p>
      <SimpleTable
        caption="Grants"
        rows={grants.map((g, i) => ({ ...g, i }))}
        rowKey={(g) => String(g.i)}
        columns={[
          { header: 'Role', cell: (g) => <Badge>{g.role}</Badge> },
          { header: 'Team', cell: (g) => (g.team ? <ObjectLink plural="teams" k={g.team} /> : 'all teams') },
          {
            header: 'Environments',
            cell: (g) => (g.environments?.length ? g.environments.join(', ') : 'all'),
          },
        ]}
        empty={<EmptyState title="No extra grants.">The base role applies everywhere.</EmptyState>}
      />
    </section>
  );
}

export const usersView: KindView = {
  kind: 'user',
  plural: 'users',
  label: 'user',
  title: 'Users and roles',
  intro: 'People, their base role, teams and scoped grants.',
  writeRole: 'admin',
  keyField: {
    name: 'key',
    label: 'Email',
    type: 'email',
    required: true,
    createOnly: true,
    help: 'The key is the email address.',
  },
  useFields: (): FieldDef[] => [
    { name: 'name', label: 'Name', required: true },
    { name: 'role', label: 'Role', type: 'select', required: true, options: ROLE_OPTIONS },
    { name: 'teams', label: 'Teams', type: 'list', help: 'Team keys, comma-separated.' },
    { name: 'time_zone', label: 'Time zone', help: 'IANA name, e.g. Europe/Berlin.' },
  ],
  columns: [
    { header: 'User', cell: nameCell('users') },
    { header: 'Email', cell: (o) => o.key },
    { header: 'Role', cell: (o) => <Badge>{String(o.role)}</Badge> },
    {
      header: 'Teams',
      cell: (o) =>
        Array.isArray(o.teams)
          ? o.teams.map((t, i) => (
              <span key={t}>
                {i > 0 ? ', ' : ''}
                <ObjectLink plural="teams" k={t} />
              </span>
            ))
          : null,
    },
    { header: 'Grants', cell: (o) => (Array.isArray(o.grants) ? o.grants.length : 0) },
  ],
  filters: [
    { name: 'role', label: 'Role', type: 'select', options: ROLE_OPTIONS },
    { name: 'teams', label: 'Team' },
  ],
  detail: (o) => (
    <>
      <Grants user={o} />
      <PasswordLink user={o} />
    </>
  ),
};
