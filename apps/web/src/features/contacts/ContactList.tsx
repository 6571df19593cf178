import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { formatDate } from '../../lib/format.ts';
import { useKeysetList } from '../../lib/keyset.ts';
import { ExportButton } from '../clients/ExportButton.tsx';
import { trpc } from '../../trpc.ts';
import { errorMessage } from '../../lib/errors.ts';
import { Avatar, Button, Card, EmptyState, Input, PageHeader, QueryState, Table, Td, Th, Tr, useToast } from '../../ui/index.ts';
import { ClientName } from '../clients/ClientName.tsx';
import { ContactFormDialog } from './ContactForm.tsx';

type Sort = 'name' | 'created_at' | 'updated_at';

export default function ContactListPage() {
  const navigate = useNavigate();
  const canWrite = useCan('crm.contact.write');
  const [params, setParams] = useSearchParams();
  const [text, setText] = useState(params.get('q') ?? '');
  const [creating, setCreating] = useState(false);
  const q = params.get('q') ?? '';
  const archived = params.get('archived') === '1';
  const sort = (params.get('sort') as Sort | null) ?? 'name';
  const direction = (params.get('dir') as 'asc' | 'desc' | null) ?? (sort === 'name' ? 'asc' : 'desc');
  const update = (patch: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) v ? next.set(k, v) : next.delete(k);
    setParams(next, { replace: true });
  };
  useEffect(() => {
    const t = setTimeout(() => text.trim() !== q && update({ q: text.trim() || null }), 250);
    return () => clearTimeout(t);
  }, [text]); // eslint-disable-line react-hooks/exhaustive-deps
  const utils = trpc.useUtils();
  const contacts = useKeysetList('crm.contacts.list', { q: q || undefined, archived, sort, direction, limit: 50 }, (input) =>
    utils.client.crm.contacts.list.query(input),
  );
  const items = contacts.items;
  const toggleSort = (key: Sort) => (sort === key ? update({ dir: direction === 'asc' ? 'desc' : 'asc' }) : update({ sort: key, dir: null }));
  return (
    <>
      <PageHeader
        title="Contacts"
        subtitle="People at your clients."
        actions={
          <>
            <Link to="/duplicates" className="text-sm font-medium text-slate-600 hover:text-slate-900">
              Review duplicates
            </Link>
            <ExportButton procedure="crm.contacts.export" input={{ q: q || undefined, archived, sort, direction }} label="Export the listed contacts as CSV" />
            {canWrite ? (
              <Button variant="primary" onClick={() => setCreating(true)}>
                New contact
              </Button>
            ) : null}
          </>
        }
      />
      {canWrite ? <LinkSuggestions /> : null}
      <Card>
        <div className="flex flex-wrap items-center gap-2 border-b border-slate-100 px-4 py-2.5">
          <Input className="w-64" placeholder="Filter by name, email…" value={text} onChange={(e) => setText(e.target.value)} aria-label="Filter contacts" />
          <label className="ml-1 inline-flex items-center gap-1.5 text-sm text-slate-600">
            <input
              type="checkbox"
              className="size-4 rounded border-slate-300 text-indigo-600"
              checked={archived}
              onChange={(e) => update({ archived: e.target.checked ? '1' : null })}
            />
            Archived
          </label>
        </div>
        <QueryState
          query={contacts}
          isEmpty={() => items.length === 0}
          empty={
            <EmptyState
              title={q || archived ? 'No contacts match' : 'No contacts yet'}
              action={
                canWrite && !q ? (
                  <Button variant="primary" onClick={() => setCreating(true)}>
                    New contact
                  </Button>
                ) : undefined
              }
            />
          }
        >
          {() => (
            <>
              <Table>
                <thead>
                  <tr>
                    <Th sort={sort === 'name' ? direction : null} onSort={() => toggleSort('name')}>
                      Name
                    </Th>
                    <Th>Email</Th>
                    <Th>Phone</Th>
                    <Th>Client</Th>
                    <Th sort={sort === 'created_at' ? direction : null} onSort={() => toggleSort('created_at')}>
                      Created
                    </Th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {items.map((p) => (
                    <Tr key={p.id} onClick={() => navigate(`/contacts/${p.id}`)}>
                      <Td>
                        <span className="flex items-center gap-2">
                          <Avatar name={p.name} size="sm" />
                          <span className="font-medium text-slate-900">{p.name}</span>
                          {p.title ? <span className="text-xs text-slate-400">{p.title}</span> : null}
                        </span>
                      </Td>
                      <Td>{p.email ?? '—'}</Td>
                      <Td>{p.phone ?? '—'}</Td>
                      <Td>{p.relationships[0] ? <ClientName id={p.relationships[0].clientId} /> : '—'}</Td>
                      <Td className="text-slate-500">{formatDate(p.createdAt)}</Td>
                    </Tr>
                  ))}
                </tbody>
              </Table>
              {contacts.hasNextPage ? (
                <div className="border-t border-slate-100 p-3 text-center">
                  <Button size="sm" loading={contacts.isFetchingNextPage} onClick={() => void contacts.fetchNextPage()}>
                    Load more
                  </Button>
                </div>
              ) : null}
            </>
          )}
        </QueryState>
      </Card>
      {creating ? <ContactFormDialog onClose={() => setCreating(false)} onSaved={(c) => navigate(`/contacts/${c.id}`)} /> : null}
    </>
  );
}

/** Contacts at no client whose email domain is a client's domain: one click links them. */
function LinkSuggestions() {
  const toast = useToast();
  const utils = trpc.useUtils();
  const suggestions = trpc.crm.contacts.linkSuggestions.useQuery({ limit: 5 });
  const link = trpc.crm.contacts.linkClient.useMutation({
    onSuccess: (contact) => {
      toast(`${contact.name} linked`);
      void utils.crm.contacts.invalidate();
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const items = suggestions.data ?? [];
  if (items.length === 0) return null;
  return (
    <Card title="Suggested links" className="mb-4">
      <ul className="divide-y divide-slate-100" aria-label="Suggested links">
        {items.map((s) => (
          <li key={s.contactId} className="flex items-center justify-between gap-3 px-4 py-2.5 text-sm" data-suggestion={s.contactName}>
            <span className="text-slate-700">
              <span className="font-medium text-slate-900">{s.contactName}</span> ({s.email}) has an email at {s.clientName}’s domain.
            </span>
            <Button
              size="sm"
              loading={link.isPending && link.variables?.contactId === s.contactId}
              onClick={() => link.mutate({ contactId: s.contactId, clientId: s.clientId })}
              aria-label={`Link ${s.contactName} to ${s.clientName}`}
            >
              Link to {s.clientName}
            </Button>
          </li>
        ))}
      </ul>
    </Card>
  );
}
