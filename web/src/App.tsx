/** The console shell: skip link, header, navigation, live indicator, theme toggle and the routed page. */
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { roleAtLeast } from './api.ts';
import { type NavGroup, type NavItem, SECTIONS } from './features.ts';
import { connectLive, disconnectLive, useLiveState } from './live.ts';
import { Audit } from './pages/Audit.tsx';
import { KindDetail, KindForm, KindList, type KindView } from './pages/catalog.tsx';
import { servicesView, teamsView, usersView } from './pages/kinds.tsx';
import { Overview } from './pages/Overview.tsx';
import { Settings } from './pages/Settings.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { Tokens } from './pages/Tokens.tsx';
import { Link, match, useLocation } from './router.tsx';
import { useSession } from './session.tsx';
import { EmptyState, Loading, PageHeader } from './ui/components.tsx';
import { getTheme, setTheme, type ThemeChoice } from './ui/theme.ts';

const CORE_NAV: NavItem[] = [
  { to: '/', label: 'Overview', group: 'operate', order: 0 },
  { to: '/services', label: 'Services', group: 'catalog', order: 10 },
  { to: '/teams', label: 'Teams', group: 'catalog', order: 20 },
  { to: '/users', label: 'Users and roles', group: 'catalog', order: 30 },
  { to: '/tokens', label: 'API tokens', group: 'admin', order: 10, role: 'admin' },
  { to: '/audit', label: 'Audit log', group: 'admin', order: 20, role: 'admin' },
  { to: '/settings', label: 'Settings', group: 'admin', order: 30 },
];
const GROUPS: Array<{ id: NavGroup; label: string }> = [
  { id: 'operate', label: 'Operate' },
  { id: 'configure', label: 'Configure' },
  { id: 'catalog', label: 'Catalog' },
  { id: 'admin', label: 'Administration' },
];
const NAV: NavItem[] = [...CORE_NAV, ...SECTIONS.flatMap((s) => s.nav)];

function kindRoutes(view: KindView, path: string): ReactNode | undefined {
  if (path === `/${view.plural}`) return <KindList view={view} />;
  if (path === `/${view.plural}/new`) return <KindForm view={view} />;
  const edit = match(`/${view.plural}/:key/edit`, path);
  if (edit) return <KindForm key={edit.key} view={view} k={edit.key} />;
  const detail = match(`/${view.plural}/:key`, path);
  if (detail) return <KindDetail key={detail.key} view={view} k={detail.key} />;
  return undefined;
}

function route(path: string, role: string | undefined): ReactNode {
  if (path === '/') return <Overview />;
  for (const v of [servicesView, teamsView, usersView]) {
    const page = kindRoutes(v, path);
    if (page) return page;
  }
  if (path === '/tokens' || path === '/audit') {
    if (!roleAtLeast(role, 'admin')) {
      return (
        <>
          <PageHeader title="Not allowed" />
          <EmptyState title="This page needs the admin role." />
        </>
      );
    }
    return path === '/tokens' ? <Tokens /> : <Audit />;
  }
  if (path === '/settings') return <Settings />;
  for (const section of SECTIONS) {
    const page = section.route(path, { role: role ?? 'viewer' });
    if (page !== undefined) return page;
  }
  return (
    <>
      <PageHeader title="Page not found" />
      <EmptyState title={`Nothing lives at ${path}.`}>
        <Link to="/">Back to the overview</Link>
      </EmptyState>
    </>
  );
}

function ThemeToggle() {
  const [choice, setChoice] = useState<ThemeChoice>(getTheme());
  const next: Record<ThemeChoice, ThemeChoice> = { system: 'dark', dark: 'light', light: 'system' };
  const LABEL: Record<ThemeChoice, string> = { system: 'auto', dark: 'dark', light: 'light' };
  const ICON: Record<ThemeChoice, string> = { system: '◐', dark: '☾', light: '☀' };
  return (
    <button
      type="button"
      className="btn btn-ghost"
      title={`Switch to ${LABEL[next[choice]]}`}
      onClick={() => {
        setTheme(next[choice]);
        setChoice(next[choice]);
      }}
    >
      <span aria-hidden="true" className="glyph" data-glyph={ICON[choice]} /> Theme: {LABEL[choice]}
    </button>
  );
}

function LiveIndicator() {
  const s = useLiveState();
  const text = s === 'live' ? 'Live' : s === 'connecting' ? 'Reconnecting' : 'Offline';
  return (
    <span className={`live live-${s}`} role="status" title="Live updates from /api/v1/events/stream">
      <span className="live-dot" aria-hidden="true" /> {text}
    </span>
  );
}

/** The whole console. */
export function App() {
  const { status, user, signOut } = useSession();
  const { path } = useLocation();
  useEffect(() => {
    if (status === 'signed-in') connectLive();
    else disconnectLive();
  }, [status]);
  // After a client-side navigation, start screen readers and the keyboard at the new page.
  const firstPath = useRef(path);
  useEffect(() => {
    if (path !== firstPath.current) document.getElementById('main')?.focus();
  }, [path]);
  if (status === 'loading') return <Loading what="Starting the console" />;
  if (status === 'signed-out' || !user) return <SignIn />;
  // The navigation entry for this page: the longest one whose path is a prefix (so /alerts/rules
  // highlights "Rules", not also "Alerts").
  const within = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));
  const active = NAV.filter((n) => within(n.to)).sort((a, b) => b.to.length - a.to.length)[0]?.to;
  const current = (to: string) => to === active;
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="brand-mark glyph" aria-hidden="true" data-glyph="V" />
          Vigil
        </Link>
        <div className="topbar-right">
          <LiveIndicator />
          <ThemeToggle />
          <span className="who" title={user.email}>
            {user.name} <span className="muted">({user.role})</span>
          </span>
          <button type="button" className="btn" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav className="sidenav" aria-label="Main">
        {GROUPS.map((g) => {
          const items = NAV.filter(
            (n) => n.group === g.id && (!n.role || roleAtLeast(user.role, n.role)),
          ).sort((a, b) => a.order - b.order);
          if (!items.length) return null;
          return (
            <div className="nav-group" key={g.id}>
              <h2 className="nav-group-title" id={`nav-${g.id}`}>
                {g.label}
              </h2>
              <ul aria-labelledby={`nav-${g.id}`}>
                {items.map((n) => (
                  <li key={n.to}>
                    <Link to={n.to} aria-current={current(n.to) ? 'page' : undefined}>
                      {n.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {route(path, user.role)}
      </main>
    </div>
  );
}
