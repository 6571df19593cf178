import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { formatDate } from '../../lib/format.ts';
import { useKeysetList } from '../../lib/keyset.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, EmptyState, Input, PageHeader, QueryState, Select, Table, Td, Th, Tr } from '../../ui/index.ts';
import { ClientFormDialog } from './ClientForm.tsx';
import { formatCustomValue } from './CustomFieldInputs.tsx';
import { ExportButton } from './ExportButton.tsx';

type Sort = 'name' | 'created_at' | 'updated_at';
type Status = 'lead' | 'active' | 'past';
import { clientStatusTone } from './statusTone.ts';

export default function ClientListPage() {
  const navigate = useNavigate();
  const canWrite = useCan('crm.client.write');
  const canImport = useCan('crm.import.run');
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const [text, setText] = useState(params.get('q') ?? '');
  const q = params.get('q') ?? '';
  const status = (params.get('status') as Status | null) ?? undefined;
  const tag = params.get('tag') ?? undefined;
  const archived = params.get('archived') === '1';
  const sort = (params.get('sort') as Sort | null) ?? 'name';
  const direction = (params.get('dir') as 'asc' | 'desc' | null) ?? (sort === 'name' ? 'asc' : 'desc');
  const update = (patch: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };
  useEffect(() => {
    const t = setTimeout(() => {
      if (text.trim() !== q) update({ q: text.trim() || null });
    }, 250);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  const fields = trpc.crm.customFields.list.useQuery({ entity: 'client' });
  const tags = trpc.crm.tags.list.useQuery();
  const utils = trpc.useUtils();
  const clients = useKeysetList('crm.clients.list', { q: q || undefined, status, tag, archived, sort, direction, limit: 50 }, (input) =>
    utils.client.crm.clients.list.query(input),
  );
  const items = clients.items;
  const columns = (fields.data ?? []).slice(0, 4);
  const toggleSort = (key: Sort) => {
    if (sort === key) update({ dir: direction === 'asc' ? 'desc' : 'asc' });
    else update({ sort: key, dir: null });
  };
  const filtered = !!(q || status || tag || archived);
  return (
    <>
      <PageHeader
        title="Clients"
        subtitle="Every organization you work with."
        actions={
          <>
            <Link to="/duplicates" className="text-sm font-medium text-slate-600 hover:text-slate-900">
              Duplicates
            </Link>
            <ExportButton
              procedure="crm.clients.export"
              input={{ q: q || undefined, status, tag, archived, sort, direction }}
              label="Export the listed clients as CSV"
            />
            {canImport ? <Button onClick={() => navigate('/imports/new')}>Import CSV</Button> : null}
            {canWrite ? (
              <Button variant="primary" onClick={() => setCreating(true)}>
                New client
              </Button>
            ) : null}
          </>
        }
      />
      <Card>
        <div className="flex flex-wrap items-center gap-2 border-b border-slate-100 px-4 py-2.5">
          <Input className="w-64" placeholder="Filter by name, domain…" value={text} onChange={(e) => setText(e.target.value)} aria-label="Filter clients" />
          <Select className="w-36" aria-label="Status" value={status ?? ''} onChange={(e) => update({ status: e.target.value || null })}>
            <option value="">Any status</option>
            <option value="lead">Lead</option>
            <option value="active">Active</option>
            <option value="past">Past</option>
          </Select>
          <Select className="w-40" aria-label="Tag" value={tag ?? ''} onChange={(e) => update({ tag: e.target.value || null })}>
            <option value="">Any tag</option>
            {(tags.data ?? []).map((t) => (
              <option key={t.tag} value={t.tag}>
                {t.tag} ({t.clients})
              </option>
            ))}
          </Select>
          <label className="ml-1 inline-flex items-center gap-1.5 text-sm text-slate-600">
            <input
              type="checkbox"
              className="size-4 rounded border-slate-300 text-indigo-600"
              checked={archived}
              onChange={(e) => update({ archived: e.target.checked ? '1' : null })}
            />
            Archived
          </label>
          {filtered ? (
            <Button
              size="sm"
              variant="ghost"
              onClick={() => {
                setText('');
                setParams({}, { replace: true });
              }}
            >
              Clear filters
            </Button>
          ) : null}
        </div>
        <QueryState
          query={clients}
          isEmpty={() => items.length === 0}
          empty={
            filtered ? (
              <EmptyState title="No clients match these filters" />
            ) : (
              <EmptyState
                title="No clients yet"
                description="Add your first client or import a spreadsheet."
                action={
                  canWrite ? (
                    <Button variant="primary" onClick={() => setCreating(true)}>
                      New client
                    </Button>
                  ) : undefined
                }
              />
            )
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
                    <Th>Status</Th>
                    <Th>Tags</Th>
                    {columns.map((f) => (
                      <Th key={f.id}>{f.label}</Th>
                    ))}
                    <Th sort={sort === 'created_at' ? direction : null} onSort={() => toggleSort('created_at')}>
                      Created
                    </Th>
                    <Th sort={sort === 'updated_at' ? direction : null} onSort={() => toggleSort('updated_at')}>
                      Updated
                    </Th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {items.map((c) => (
                    <Tr key={c.id} onClick={() => navigate(`/clients/${c.id}`)}>
                      <Td>
                        <Link to={`/clients/${c.id}`} className="font-medium text-slate-900 hover:text-indigo-600" onClick={(e) => e.stopPropagation()}>
                          {c.name}
                        </Link>
                        {c.domain ? <span className="ml-2 text-xs text-slate-400">{c.domain}</span> : null}
                      </Td>
                      <Td>
                        <Badge tone={clientStatusTone[c.status]}>{c.status}</Badge>
                        {c.archivedAt ? (
                          <span className="ml-1">
                            <Badge tone="amber">archived</Badge>
                          </span>
                        ) : null}
                      </Td>
                      <Td>
                        <span className="flex gap-1">
                          {c.tags.slice(0, 3).map((t) => (
                            <Badge key={t}>{t}</Badge>
                          ))}
                        </span>
                      </Td>
                      {columns.map((f) => (
                        <Td key={f.id}>{formatCustomValue(f, c.customFields[f.key])}</Td>
                      ))}
                      <Td className="text-slate-500">{formatDate(c.createdAt)}</Td>
                      <Td className="text-slate-500">{formatDate(c.updatedAt)}</Td>
                    </Tr>
                  ))}
                </tbody>
              </Table>
              <div className="flex items-center justify-between border-t border-slate-100 px-4 py-2.5 text-xs text-slate-500">
                <span>{items.length} shown</span>
                {clients.hasNextPage ? (
                  <Button size="sm" loading={clients.isFetchingNextPage} onClick={() => void clients.fetchNextPage()}>
                    Load more
                  </Button>
                ) : null}
              </div>
            </>
          )}
        </QueryState>
      </Card>
      {creating ? <ClientFormDialog onClose={() => setCreating(false)} onSaved={(c) => navigate(`/clients/${c.id}`)} /> : null}
    </>
  );
}
