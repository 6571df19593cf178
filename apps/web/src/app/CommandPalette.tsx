import * as RD from '@radix-ui/react-dialog';
import { keepPreviousData } from '@tanstack/react-query';
import { Command } from 'cmdk';
import { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { isMissingProcedure } from '../lib/errors.ts';
import { trpc, type RouterOutputs } from '../trpc.ts';
import { Spinner } from '../ui/Spinner.tsx';
import { Icon } from './icons.tsx';

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return debounced;
}

type Hit = RouterOutputs['search']['query']['groups'][number]['hits'][number];

const groupLabels: Record<string, string> = {
  client: 'Clients',
  contact: 'Contacts',
  deal: 'Deals',
  project: 'Projects',
  task: 'Tasks',
  email_thread: 'Emails',
  file: 'Files',
  approval: 'Approvals',
  appointment: 'Appointments',
  portal_user: 'Portal users',
  bill: 'Bills',
  vendor: 'Vendors',
  invoice: 'Invoices',
  proposal: 'Proposals',
  contract: 'Contracts',
  note: 'Notes',
  workflow: 'Workflows',
};

export function hrefFor(hit: Hit): string {
  switch (hit.type) {
    case 'client':
      return `/clients/${hit.id}`;
    case 'contact':
      return `/contacts/${hit.id}`;
    case 'project':
      return `/projects/${hit.id}`;
    case 'deal':
      return `/deals/${hit.id}`;
    case 'task':
      return hit.parentId ? `/projects/${hit.parentId}?task=${hit.id}` : '/projects';
    case 'file':
      // The Files page opens the folder and the file's drawer from the URL.
      return hit.parentId ? `/files?folder=${hit.parentId}&file=${hit.id}` : `/files?file=${hit.id}`;
    case 'email_thread':
      return `/inbox/${hit.id}`;
    case 'approval':
    case 'portal_user':
      return hit.clientId ? `/clients/${hit.clientId}?tab=portal` : '/clients';
    case 'appointment':
      return `/scheduling?appointment=${hit.id}`;
    case 'bill':
      return `/bills/${hit.id}`;
    case 'vendor':
      return '/bills?tab=vendors';
    case 'invoice':
      return `/revenue/invoices/${hit.id}`;
    case 'proposal':
      return `/agreements/proposals/${hit.id}`;
    case 'contract':
      return `/agreements/contracts/${hit.id}`;
    default:
      return '/';
  }
}

const pages = [
  { label: 'Home', to: '/' },
  { label: 'Clients', to: '/clients' },
  { label: 'Contacts', to: '/contacts' },
  { label: 'Deals', to: '/deals' },
  { label: 'Projects', to: '/projects' },
  { label: 'Scheduling', to: '/scheduling' },
  { label: 'Timeline', to: '/timeline' },
  { label: 'Workflows', to: '/workflows' },
  { label: 'Settings', to: '/settings' },
  { label: 'Import CSV', to: '/imports/new' },
];

export default function CommandPalette({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const navigate = useNavigate();
  const [query, setQuery] = useState('');
  const q = useDebounced(query.trim(), 120);
  const search = trpc.search.query.useQuery({ q, limit: 20 }, { enabled: q.length > 0, placeholderData: keepPreviousData, staleTime: 10_000 });
  const groups = useMemo(() => (q ? (search.data?.groups ?? []).map((g) => [g.type, g.hits] as const) : []), [search.data, q]);
  const hits = groups.flatMap(([, list]) => list);
  const go = (to: string) => {
    onOpenChange(false);
    navigate(to);
  };
  const matchingPages = pages.filter((p) => p.label.toLowerCase().includes(query.trim().toLowerCase()));
  return (
    <RD.Root open={open} onOpenChange={onOpenChange}>
      <RD.Portal>
        <RD.Overlay className="fixed inset-0 z-40 bg-slate-900/40" />
        <RD.Content
          className="fixed top-[14vh] left-1/2 z-50 w-[calc(100vw-2rem)] max-w-xl -translate-x-1/2 overflow-hidden rounded-xl bg-white shadow-2xl ring-1 ring-slate-900/10"
          aria-label="Command palette"
        >
          <RD.Title className="sr-only">Search</RD.Title>
          <RD.Description className="sr-only">Search every record and jump to it</RD.Description>
          <Command shouldFilter={false} label="Search" loop>
            <div className="flex items-center gap-2 border-b border-slate-100 px-3.5">
              <Icon name="search" className="size-4 text-slate-400" />
              <Command.Input
                value={query}
                onValueChange={setQuery}
                autoFocus
                placeholder="Search clients, contacts, deals, projects…"
                className="h-12 flex-1 border-0 bg-transparent text-sm text-slate-900 outline-none placeholder:text-slate-400 focus:ring-0"
                data-testid="command-input"
              />
              {search.isFetching ? <Spinner className="size-4 text-slate-400" /> : null}
              <kbd className="rounded border border-slate-200 px-1.5 text-[10px] text-slate-400">Esc</kbd>
            </div>
            <Command.List
              className="max-h-[55vh] overflow-y-auto p-1.5"
              data-testid="command-results"
              data-results-for={q && search.data && !search.isPlaceholderData ? q : ''}
            >
              {q.length > 0 && !search.isPending && hits.length === 0 && !search.error ? (
                <Command.Empty className="px-3 py-8 text-center text-sm text-slate-500">No results for “{q}”.</Command.Empty>
              ) : null}
              {search.error ? (
                <div className="px-3 py-4 text-sm text-slate-500">
                  {isMissingProcedure(search.error) ? 'Search is not enabled on this server yet.' : 'Search failed. Try again.'}
                </div>
              ) : null}
              {groups.map(([type, list]) => (
                <Command.Group key={type} heading={groupLabels[type] ?? type}>
                  {list.map((hit) => (
                    <Command.Item
                      key={`${hit.type}:${hit.id}`}
                      value={`${hit.type}:${hit.id}`}
                      onSelect={() => go(hrefFor(hit))}
                      className="flex cursor-pointer items-center gap-3 rounded-md px-3 py-2 text-sm text-slate-700"
                      data-testid="command-hit"
                    >
                      <span className="flex size-6 shrink-0 items-center justify-center rounded bg-slate-100 text-[10px] font-semibold text-slate-500 uppercase">
                        {hit.type.slice(0, 2)}
                      </span>
                      <span className="min-w-0 flex-1">
                        <span className="block truncate font-medium">{hit.title}</span>
                        {hit.subtitle ? <span className="block truncate text-xs text-slate-500">{hit.subtitle}</span> : null}
                      </span>
                    </Command.Item>
                  ))}
                </Command.Group>
              ))}
              {matchingPages.length > 0 ? (
                <Command.Group heading="Go to">
                  {matchingPages.map((p) => (
                    <Command.Item
                      key={p.to}
                      value={`page:${p.to}`}
                      onSelect={() => go(p.to)}
                      className="flex cursor-pointer items-center gap-3 rounded-md px-3 py-1.5 text-sm text-slate-600"
                    >
                      <span className="text-slate-400">→</span> {p.label}
                    </Command.Item>
                  ))}
                </Command.Group>
              ) : null}
            </Command.List>
            <div className="flex items-center gap-3 border-t border-slate-100 bg-slate-50 px-3.5 py-2 text-[11px] text-slate-500">
              <span>↑↓ navigate</span>
              <span>↵ open</span>
              <span>esc close</span>
            </div>
          </Command>
        </RD.Content>
      </RD.Portal>
    </RD.Root>
  );
}
