import * as RD from '@radix-ui/react-dialog';
import * as DM from '@radix-ui/react-dropdown-menu';
import { useQueryClient } from '@tanstack/react-query';
import { Suspense, lazy, useEffect, useState } from 'react';
import { NavLink, Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { cn } from '../lib/cn.ts';
import { errorCode, errorMessage } from '../lib/errors.ts';
import { trpc } from '../trpc.ts';
import { Avatar, ErrorState, PageSpinner, useToast } from '../ui/index.ts';
import { Icon } from './icons.tsx';
import { SessionProvider, useCan, useMe } from './session.tsx';
import { CreateOrganizationDialog, CreateOrganizationPage } from './CreateOrganization.tsx';
import { NotificationBell } from '../features/communications/NotificationBell.tsx';

const CommandPalette = lazy(() => import('./CommandPalette.tsx'));

const nav = [
  { to: '/', label: 'Home', icon: 'home', end: true },
  { to: '/clients', label: 'Clients', icon: 'clients', permission: 'crm.client.read' },
  { to: '/contacts', label: 'Contacts', icon: 'contacts', permission: 'crm.contact.read' },
  { to: '/deals', label: 'Deals', icon: 'deals', permission: 'crm.deal.read' },
  { to: '/projects', label: 'Projects', icon: 'projects', permission: 'projects.project.read' },
  { to: '/inbox', label: 'Inbox', icon: 'inbox', permission: 'communications.mailbox.use' },
  { to: '/files', label: 'Files', icon: 'files', permission: 'files.read' },
  { to: '/agreements', label: 'Agreements', icon: 'duplicate', permission: 'agreements.read' },
  { to: '/scheduling', label: 'Scheduling', icon: 'calendar', permission: 'scheduling.read' },
  { to: '/revenue/invoices', label: 'Revenue', icon: 'deals', permission: 'revenue.invoice.read' },
  { to: '/bills', label: 'Bills', icon: 'check', permission: 'revenue.bill.read' },
  { to: '/timeline', label: 'Timeline', icon: 'timeline', permission: 'timeline.read' },
  { to: '/workflows', label: 'Workflows', icon: 'workflow', permission: 'workflow.definition.read' },
] as const;

/** Route guard: the signed-in area. UNAUTHORIZED from identity.auth.me sends the user to /login. */
export function RequireAuth() {
  const location = useLocation();
  const me = trpc.identity.auth.me.useQuery(undefined, { staleTime: 60_000 });
  if (me.isPending) return <PageSpinner />;
  if (me.error) {
    if (errorCode(me.error) === 'UNAUTHORIZED') {
      const next = location.pathname + location.search;
      return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
    }
    return <ErrorState error={me.error} onRetry={() => void me.refetch()} title="Could not load your session" />;
  }
  if (!me.data.activeOrganization) {
    return (
      <SessionProvider me={me.data}>
        <CreateOrganizationPage />
      </SessionProvider>
    );
  }
  return (
    <SessionProvider me={me.data}>
      <AppShell />
    </SessionProvider>
  );
}

function AppShell() {
  const [paletteOpen, setPaletteOpen] = useState(false);
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        setPaletteOpen((open) => !open);
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="flex h-full bg-slate-50">
      <aside className="hidden w-56 shrink-0 flex-col border-r border-slate-800 bg-slate-900 text-slate-300 md:flex">
        <div className="flex h-12 items-center gap-2 px-4">
          <span className="flex size-6 items-center justify-center rounded-md bg-indigo-500 text-xs font-bold text-white">U</span>
          <span className="text-sm font-semibold tracking-tight text-white">UBOS</span>
        </div>
        <NavLinks />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex h-12 shrink-0 items-center gap-3 border-b border-slate-200 bg-white px-4">
          <MobileNav />
          <OrganizationSwitcher />
          <button
            type="button"
            onClick={() => setPaletteOpen(true)}
            className="ml-auto flex h-8 shrink-0 items-center gap-2 rounded-md bg-slate-100 px-2.5 text-sm text-slate-500 ring-1 ring-transparent hover:bg-slate-200/70 sm:ml-2 sm:w-full sm:max-w-md sm:shrink"
            data-testid="open-command-palette"
            aria-label="Search (Ctrl K)"
          >
            <Icon name="search" className="size-4" />
            <span className="hidden flex-1 truncate text-left sm:inline">Search clients, contacts, projects…</span>
            <kbd className="hidden rounded border border-slate-300 bg-white px-1.5 font-sans text-[10px] font-medium text-slate-500 sm:inline">Ctrl K</kbd>
          </button>
          <div className="flex shrink-0 items-center gap-1 sm:ml-auto">
            <NotificationBell />
            <UserMenu />
          </div>
        </header>
        <main className="min-h-0 flex-1 overflow-y-auto">
          <div className="mx-auto max-w-7xl px-6 py-6">
            <Suspense fallback={<PageSpinner />}>
              <Outlet />
            </Suspense>
          </div>
        </main>
      </div>
      {paletteOpen ? (
        <Suspense fallback={null}>
          <CommandPalette open={paletteOpen} onOpenChange={setPaletteOpen} />
        </Suspense>
      ) : null}
    </div>
  );
}

/** Sidebar links (filtered by the member's permissions) and Settings. */
function NavLinks({ onNavigate }: { onNavigate?: () => void }) {
  const me = useMe();
  const canSettings = useCan('identity.member.read');
  const linkClass = ({ isActive }: { isActive: boolean }) =>
    cn(
      'flex items-center gap-2.5 rounded-md px-2.5 py-1.5 text-sm font-medium',
      isActive ? 'bg-slate-800 text-white' : 'text-slate-400 hover:bg-slate-800/60 hover:text-slate-100',
    );
  return (
    <>
      <nav className="flex-1 space-y-0.5 px-2 py-2" aria-label="Main">
        {nav
          .filter((item) => !('permission' in item) || (me.permissions as readonly string[]).includes(item.permission))
          .map((item) => (
            <NavLink key={item.to} to={item.to} end={'end' in item ? item.end : false} className={linkClass} onClick={onNavigate}>
              <Icon name={item.icon} className="size-4 shrink-0" />
              {item.label}
            </NavLink>
          ))}
      </nav>
      {canSettings ? (
        <div className="px-2 pb-3">
          <NavLink to="/settings" className={linkClass} onClick={onNavigate}>
            <Icon name="settings" className="size-4" />
            Settings
          </NavLink>
        </div>
      ) : null}
    </>
  );
}

/** The sidebar as a left sheet on small screens. */
function MobileNav() {
  const [open, setOpen] = useState(false);
  return (
    <RD.Root open={open} onOpenChange={setOpen}>
      <RD.Trigger className="-ml-1 rounded-md p-1.5 text-slate-600 hover:bg-slate-100 md:hidden" aria-label="Open navigation">
        <svg viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" className="size-5" aria-hidden="true">
          <path d="M3 5h14M3 10h14M3 15h14" />
        </svg>
      </RD.Trigger>
      <RD.Portal>
        <RD.Overlay className="fixed inset-0 z-40 bg-slate-900/40 md:hidden" />
        <RD.Content className="fixed inset-y-0 left-0 z-50 flex w-64 flex-col bg-slate-900 text-slate-300 shadow-2xl md:hidden">
          <RD.Title className="flex h-12 items-center gap-2 px-4 text-sm font-semibold text-white">
            <span className="flex size-6 items-center justify-center rounded-md bg-indigo-500 text-xs font-bold">U</span>
            UBOS
          </RD.Title>
          <RD.Description className="sr-only">Navigation</RD.Description>
          <NavLinks onNavigate={() => setOpen(false)} />
        </RD.Content>
      </RD.Portal>
    </RD.Root>
  );
}

function OrganizationSwitcher() {
  const me = useMe();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const toast = useToast();
  const [creating, setCreating] = useState(false);
  const switchOrg = trpc.identity.auth.switchOrganization.useMutation({
    onSuccess: async () => {
      queryClient.clear();
      navigate('/');
    },
    onError: (error) => toast(errorMessage(error), 'error'),
  });
  const active = me.activeOrganization;
  return (
    <>
      <DM.Root>
        <DM.Trigger asChild>
          <button
            type="button"
            className="flex h-8 items-center gap-2 rounded-md px-2 text-sm font-semibold text-slate-900 hover:bg-slate-100"
            data-testid="org-switcher"
          >
            <span className="flex size-5 items-center justify-center rounded bg-indigo-100 text-[10px] font-bold text-indigo-700">
              {active?.name.slice(0, 1).toUpperCase()}
            </span>
            <span className="max-w-28 truncate sm:max-w-48">{active?.name}</span>
            <Icon name="chevron" className="size-3.5 text-slate-400" />
          </button>
        </DM.Trigger>
        <DM.Portal>
          <DM.Content align="start" sideOffset={4} className="z-50 min-w-60 rounded-lg bg-white p-1 text-sm shadow-lg ring-1 ring-slate-200">
            <DM.Label className="px-2 py-1.5 text-xs font-medium text-slate-500">Organizations</DM.Label>
            {me.organizations.map((org) => (
              <DM.Item
                key={org.id}
                onSelect={() => {
                  if (org.id !== active?.id) switchOrg.mutate({ organizationId: org.id });
                }}
                className="flex cursor-pointer items-center justify-between gap-3 rounded-md px-2 py-1.5 text-slate-700 outline-none data-[highlighted]:bg-slate-100"
              >
                <span className="truncate">{org.name}</span>
                <span className="flex items-center gap-1.5 text-xs text-slate-400">
                  {org.role}
                  {org.id === active?.id ? <Icon name="check" className="size-3.5 text-indigo-600" /> : null}
                </span>
              </DM.Item>
            ))}
            <DM.Separator className="my-1 h-px bg-slate-100" />
            <DM.Item
              onSelect={() => setCreating(true)}
              className="flex cursor-pointer items-center gap-2 rounded-md px-2 py-1.5 text-slate-700 outline-none data-[highlighted]:bg-slate-100"
            >
              <Icon name="plus" className="size-3.5" /> New organization
            </DM.Item>
          </DM.Content>
        </DM.Portal>
      </DM.Root>
      {creating ? <CreateOrganizationDialog onClose={() => setCreating(false)} /> : null}
    </>
  );
}

function UserMenu() {
  const me = useMe();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const logout = trpc.identity.auth.logout.useMutation({
    onSettled: () => {
      queryClient.clear();
      navigate('/login', { replace: true });
    },
  });
  return (
    <DM.Root>
      <DM.Trigger asChild>
        <button type="button" className="flex items-center gap-2 rounded-full p-0.5 pr-2 hover:bg-slate-100" data-testid="user-menu">
          <Avatar name={me.user.name} size="sm" />
          <span className="hidden text-sm text-slate-700 sm:inline">{me.user.name}</span>
        </button>
      </DM.Trigger>
      <DM.Portal>
        <DM.Content align="end" sideOffset={4} className="z-50 min-w-56 rounded-lg bg-white p-1 text-sm shadow-lg ring-1 ring-slate-200">
          <div className="px-2 py-1.5">
            <div className="font-medium text-slate-900">{me.user.name}</div>
            <div className="text-xs text-slate-500">{me.user.email}</div>
            <div className="mt-1 text-xs text-slate-500">
              Role: <span className="font-medium text-slate-700">{me.role}</span>
            </div>
          </div>
          <DM.Separator className="my-1 h-px bg-slate-100" />
          <DM.Item
            onSelect={() => navigate('/account')}
            className="flex cursor-pointer items-center gap-2 rounded-md px-2 py-1.5 text-slate-700 outline-none data-[highlighted]:bg-slate-100"
          >
            <Icon name="contacts" className="size-4" /> My account
          </DM.Item>
          <DM.Item
            onSelect={() => logout.mutate()}
            className="flex cursor-pointer items-center gap-2 rounded-md px-2 py-1.5 text-slate-700 outline-none data-[highlighted]:bg-slate-100"
          >
            <Icon name="logout" className="size-4" /> Log out
          </DM.Item>
        </DM.Content>
      </DM.Portal>
    </DM.Root>
  );
}
