import { useState } from 'react';
import { Link } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import type { RouterOutputs } from '../../trpc.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, Dialog, EmptyState, PageHeader, QueryState, Tabs, useToast } from '../../ui/index.ts';
import { cn } from '../../lib/cn.ts';

type Kind = 'client' | 'contact';
type Group = RouterOutputs['crm']['duplicates']['list'][number];
const reasonLabel = { email: 'Same email', domain: 'Same domain', name: 'Same name', similar_name: 'Similar name' } as const;

export default function DuplicatesPage() {
  const [kind, setKind] = useState<Kind>('client');
  const [reviewing, setReviewing] = useState<Group | null>(null);
  const groups = trpc.crm.duplicates.list.useQuery({ kind, limit: 50 });
  return (
    <>
      <PageHeader title="Duplicates" subtitle="Records that look like the same organization or person. Review side by side and merge." />
      <Tabs
        tabs={[
          { id: 'client', label: 'Clients' },
          { id: 'contact', label: 'Contacts' },
        ]}
        value={kind}
        onChange={setKind}
      />
      <div className="mt-5">
        <Card>
          <QueryState query={groups} isEmpty={(d) => d.length === 0} empty={<EmptyState title="No duplicates found" description="Nice and tidy." />}>
            {(list) => (
              <ul className="divide-y divide-slate-100">
                {list.map((g) => (
                  <li key={`${g.reason}:${g.key}`} className="flex items-center gap-4 px-4 py-3">
                    <Badge tone={g.reason === 'similar_name' ? 'amber' : 'rose'}>{reasonLabel[g.reason]}</Badge>
                    <div className="min-w-0 flex-1 text-sm">
                      <div className="truncate font-medium text-slate-900">{g.records.map((r) => r.name).join('  ·  ')}</div>
                      <div className="truncate text-xs text-slate-500">
                        {g.key} · score {g.score.toFixed(2)}
                      </div>
                    </div>
                    <Button size="sm" onClick={() => setReviewing(g)}>
                      Review
                    </Button>
                  </li>
                ))}
              </ul>
            )}
          </QueryState>
        </Card>
      </div>
      {reviewing ? <MergeDialog kind={kind} group={reviewing} onClose={() => setReviewing(null)} /> : null}
    </>
  );
}

function MergeDialog({ kind, group, onClose }: { kind: Kind; group: Group; onClose: () => void }) {
  const canMerge = useCan('crm.record.merge');
  const toast = useToast();
  const utils = trpc.useUtils();
  const [a, b] = group.records;
  const [survivor, setSurvivor] = useState(a?.id ?? '');
  const done = () => {
    toast('Records merged');
    void utils.crm.duplicates.list.invalidate();
    void utils.crm.clients.invalidate();
    void utils.crm.contacts.invalidate();
    onClose();
  };
  const mergeClients = trpc.crm.clients.merge.useMutation({ onSuccess: done, onError: (e) => toast(errorMessage(e), 'error') });
  const mergeContacts = trpc.crm.contacts.merge.useMutation({ onSuccess: done, onError: (e) => toast(errorMessage(e), 'error') });
  if (!a || !b) return null;
  const merged = survivor === a.id ? b.id : a.id;
  const pending = mergeClients.isPending || mergeContacts.isPending;
  return (
    <Dialog
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title="Review and merge"
      description="Choose the record to keep. The other one is archived and everything linked to it moves to the survivor."
      size="xl"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          {canMerge ? (
            <Button
              variant="primary"
              loading={pending}
              onClick={() =>
                kind === 'client'
                  ? mergeClients.mutate({ survivorId: survivor, mergedId: merged })
                  : mergeContacts.mutate({ survivorId: survivor, mergedId: merged })
              }
            >
              Merge into selected
            </Button>
          ) : null}
        </>
      }
    >
      <div className="grid grid-cols-2 gap-4">
        {[a, b].map((r) => (
          <Side key={r.id} kind={kind} id={r.id} selected={survivor === r.id} onSelect={() => setSurvivor(r.id)} />
        ))}
      </div>
      {!canMerge ? <p className="mt-3 text-sm text-slate-500">Only owners and admins can merge records.</p> : null}
    </Dialog>
  );
}

function Side({ kind, id, selected, onSelect }: { kind: Kind; id: string; selected: boolean; onSelect: () => void }) {
  const client = trpc.crm.clients.get.useQuery({ id }, { enabled: kind === 'client' });
  const contact = trpc.crm.contacts.get.useQuery({ id }, { enabled: kind === 'contact' });
  const data = kind === 'client' ? client.data : contact.data;
  const rows: [string, string][] = data
    ? kind === 'client' && client.data
      ? [
          ['Name', client.data.name],
          ['Domain', client.data.domain ?? '—'],
          ['Website', client.data.website ?? '—'],
          ['Status', client.data.status],
          ['Tags', client.data.tags.join(', ') || '—'],
          ['Created', formatDateTime(client.data.createdAt)],
        ]
      : contact.data
        ? [
            ['Name', contact.data.name],
            ['Email', contact.data.email ?? '—'],
            ['Phone', contact.data.phone ?? '—'],
            ['Title', contact.data.title ?? '—'],
            ['Clients', String(contact.data.relationships.length)],
            ['Created', formatDateTime(contact.data.createdAt)],
          ]
        : []
    : [];
  return (
    <button
      type="button"
      onClick={onSelect}
      className={cn('rounded-lg p-4 text-left ring-2 transition', selected ? 'bg-indigo-50/50 ring-indigo-500' : 'ring-slate-200 hover:ring-slate-300')}
    >
      <div className="mb-3 flex items-center justify-between">
        <span className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{selected ? 'Keep this one' : 'Merge into the other'}</span>
        <span className={cn('size-4 rounded-full border-2', selected ? 'border-indigo-600 bg-indigo-600 ring-2 ring-white ring-inset' : 'border-slate-300')} />
      </div>
      <dl className="space-y-2 text-sm">
        {rows.map(([k, v]) => (
          <div key={k} className="flex gap-3">
            <dt className="w-20 shrink-0 text-slate-500">{k}</dt>
            <dd className="min-w-0 truncate text-slate-900">{v}</dd>
          </div>
        ))}
      </dl>
      <Link
        to={kind === 'client' ? `/clients/${id}` : `/contacts/${id}`}
        onClick={(e) => e.stopPropagation()}
        className="mt-3 inline-block text-xs text-indigo-600 hover:underline"
      >
        Open record
      </Link>
    </button>
  );
}
