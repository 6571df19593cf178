import { createContext, useContext, type CSSProperties } from 'react';
import { Navigate, NavLink, Outlet, useLocation, useParams } from 'react-router';
import { errorCode } from '../../lib/errors.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Button, ErrorState, PageSpinner } from '../../ui/index.ts';

export type Branding = RouterOutputs['portal']['auth']['branding'];
type Me = RouterOutputs['portal']['me']['profile'];

const PortalContext = createContext<Me | null>(null);

/** The signed-in portal user and the firm's branding (inside the portal shell only). */
export function usePortal(): Me {
  const me = useContext(PortalContext);
  if (!me) throw new Error('usePortal outside the portal shell');
  return me;
}

/** The accent colour as CSS variables the portal pages use. */
export function accentStyle(accent: string): CSSProperties {
  return { '--portal-accent': accent } as CSSProperties;
}

/** The firm's name, logo and accent: the top of every portal page (and of the settings preview). */
export function PortalHeader({ branding, children }: { branding: Branding; children?: React.ReactNode }) {
  return (
    <header className="border-b-4 bg-white" style={{ borderColor: branding.accent }}>
      <div className="mx-auto flex max-w-4xl flex-wrap items-center gap-3 px-4 py-3 sm:px-6">
        {branding.logoUrl ? (
          <img src={branding.logoUrl} alt="" className="size-9 rounded-md object-contain" />
        ) : (
          <span
            className="flex size-9 items-center justify-center rounded-md text-sm font-bold text-white"
            style={{ backgroundColor: branding.accent }}
            aria-hidden="true"
          >
            {branding.name.slice(0, 1).toUpperCase()}
          </span>
        )}
        <span className="min-w-0 flex-1 truncate text-base font-semibold text-slate-900" data-testid="portal-brand">
          {branding.name}
        </span>
        {children}
      </div>
    </header>
  );
}

const nav = [
  { to: '', label: 'Home', end: true },
  { to: 'projects', label: 'Projects', end: false },
  { to: 'files', label: 'Files', end: false },
  { to: 'approvals', label: 'Approvals', end: false },
  { to: 'invoices', label: 'Invoices', end: false },
  { to: 'proposals', label: 'Proposals', end: false },
];

/** /portal/:slug — the client's own shell: the firm's branding, four pages, sign out. */
export default function PortalShell() {
  const { slug = '' } = useParams();
  const location = useLocation();
  const profile = trpc.portal.me.profile.useQuery(undefined, { retry: false, staleTime: 60_000 });
  const logout = trpc.portal.auth.logout.useMutation({ onSettled: () => window.location.assign(`/portal/${slug}/sign-in`) });
  if (profile.isPending) return <PageSpinner />;
  if (profile.error) {
    if (errorCode(profile.error) === 'UNAUTHORIZED') {
      const next = `${location.pathname}${location.search}`;
      return <Navigate to={`/portal/${slug}/sign-in?next=${encodeURIComponent(next)}`} replace />;
    }
    return (
      <div className="p-6">
        <ErrorState error={profile.error} onRetry={() => void profile.refetch()} />
      </div>
    );
  }
  const me = profile.data;
  // A session of another firm's portal: send the browser to its own portal.
  if (me.branding.slug && me.branding.slug !== slug) return <Navigate to={`/portal/${me.branding.slug}`} replace />;
  return (
    <PortalContext.Provider value={me}>
      <div className="min-h-full bg-slate-50" style={accentStyle(me.branding.accent)}>
        <PortalHeader branding={me.branding}>
          <span className="hidden text-sm text-slate-600 sm:inline">{me.name}</span>
          <Button size="sm" variant="ghost" loading={logout.isPending} onClick={() => logout.mutate({ everywhere: false })}>
            Sign out
          </Button>
        </PortalHeader>
        <nav aria-label="Portal" className="border-b border-slate-200 bg-white">
          <ul className="mx-auto flex max-w-4xl gap-1 overflow-x-auto px-2 sm:px-4">
            {nav.map((item) => (
              <li key={item.label}>
                <NavLink
                  to={item.to ? `/portal/${slug}/${item.to}` : `/portal/${slug}`}
                  end={item.end}
                  className={({ isActive }) =>
                    `inline-flex min-h-11 items-center border-b-2 px-3 text-sm font-medium ${isActive ? 'text-slate-900' : 'border-transparent text-slate-500 hover:text-slate-800'}`
                  }
                  style={({ isActive }) => (isActive ? { borderColor: me.branding.accent } : undefined)}
                >
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main className="mx-auto max-w-4xl px-4 py-6 sm:px-6">
          <Outlet />
        </main>
        <footer className="mx-auto max-w-4xl px-4 pb-8 text-xs text-slate-500 sm:px-6">
          {me.branding.support ? (
            <p>
              Questions? Write to{' '}
              <a className="underline" href={`mailto:${me.branding.support}`}>
                {me.branding.support}
              </a>
              .
            </p>
          ) : null}
          <button type="button" className="mt-2 underline" onClick={() => logout.mutate({ everywhere: true })}>
            Sign out on every device
          </button>
        </footer>
      </div>
    </PortalContext.Provider>
  );
}
