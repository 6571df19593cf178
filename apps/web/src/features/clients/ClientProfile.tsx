import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { errorMessage, isMissingProcedure } from '../../lib/errors.ts';
import { formatDate, formatDateTime, formatMoney, formatRelative, humanize } from '../../lib/format.ts';
import { useKeysetList } from '../../lib/keyset.ts';
import { useTimeline } from '../../lib/timeline.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Avatar, Badge, Button, Card, EmptyState, ErrorState, PageHeader, PageSpinner, QueryState, Table, Tabs, Td, Th, Tr, useToast } from '../../ui/index.ts';
import { ContactFormDialog } from '../contacts/ContactForm.tsx';
import { DealFormDialog } from '../deals/DealForm.tsx';
import { NewProjectDialog } from '../projects/NewProjectDialog.tsx';
import { statusTone as projectTone } from '../projects/statusTone.ts';
import { TimelineList } from '../timeline/TimelineList.tsx';
import { NotesPanel } from './Notes.tsx';
import { ScopedFiles } from '../files/ScopedFiles.tsx';
import { ClientEmailsTab } from '../inbox/ClientEmailsTab.tsx';
import { ClientPortalTab } from '../portal/ClientPortalTab.tsx';
import { ClientBillingTab } from '../revenue/ClientBillingTab.tsx';
import { ClientAppointments } from '../scheduling/ClientAppointments.tsx';
import { ClientFormDialog } from './ClientForm.tsx';
import { clientStatusTone } from './statusTone.ts';
import { formatCustomValue } from './CustomFieldInputs.tsx';

type Tab = 'overview' | 'contacts' | 'deals' | 'projects' | 'files' | 'emails' | 'appointments' | 'billing' | 'notes' | 'portal' | 'timeline';

export default function ClientProfilePage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const toast = useToast();
  const utils = trpc.useUtils();
  const [params, setParams] = useSearchParams();
  const tab = (params.get('tab') as Tab | null) ?? 'overview';
  const canWrite = useCan('crm.client.write');
  const canFiles = useCan('files.read');
  const canEmails = useCan('communications.read');
  const canScheduling = useCan('scheduling.read');
  const canBilling = useCan('revenue.invoice.read');
  const [editing, setEditing] = useState(false);
  const client = trpc.crm.clients.get.useQuery({ id });
  const refresh = (c: { id: string }) => {
    utils.crm.clients.get.setData({ id: c.id }, c as never);
    void utils.crm.clients.list.invalidate();
  };
  const archive = trpc.crm.clients.archive.useMutation({
    onSuccess: (c) => (refresh(c), toast('Client archived')),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const restore = trpc.crm.clients.restore.useMutation({
    onSuccess: (c) => (refresh(c), toast('Client restored')),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  if (client.isPending) return <PageSpinner />;
  if (client.error) return <ErrorState error={client.error} onRetry={() => void client.refetch()} title="Could not load this client" />;
  const c = client.data;
  if (c.mergedInto) {
    return (
      <EmptyState
        title="This client was merged"
        description="Its records now live on the surviving client."
        action={
          <Button variant="primary" onClick={() => navigate(`/clients/${c.mergedInto}`)}>
            Open surviving client
          </Button>
        }
      />
    );
  }
  return (
    <>
      <PageHeader
        breadcrumb={
          <Link to="/clients" className="hover:text-slate-700">
            Clients
          </Link>
        }
        title={
          <span className="flex items-center gap-3">
            {c.name}
            <Badge tone={clientStatusTone[c.status]}>{c.status}</Badge>
            {c.archivedAt ? <Badge tone="amber">archived</Badge> : null}
          </span>
        }
        subtitle={[c.domain, c.website].filter(Boolean).join(' · ') || undefined}
        actions={
          canWrite ? (
            <>
              {c.archivedAt ? (
                <Button loading={restore.isPending} onClick={() => restore.mutate({ id })}>
                  Restore
                </Button>
              ) : (
                <Button variant="ghost" loading={archive.isPending} onClick={() => archive.mutate({ id })}>
                  Archive
                </Button>
              )}
              <Button variant="primary" onClick={() => setEditing(true)}>
                Edit
              </Button>
            </>
          ) : null
        }
      />
      <Tabs
        tabs={[
          { id: 'overview', label: 'Overview' },
          { id: 'contacts', label: 'Contacts' },
          { id: 'deals', label: 'Deals' },
          { id: 'projects', label: 'Projects' },
          ...(canFiles ? [{ id: 'files' as const, label: 'Files' }] : []),
          ...(canEmails ? [{ id: 'emails' as const, label: 'Emails' }] : []),
          ...(canScheduling ? [{ id: 'appointments' as const, label: 'Appointments' }] : []),
          ...(canBilling ? [{ id: 'billing' as const, label: 'Billing' }] : []),
          { id: 'notes', label: 'Notes' },
          { id: 'portal', label: 'Portal' },
          { id: 'timeline', label: 'Timeline' },
        ]}
        value={tab}
        onChange={(t) => setParams(t === 'overview' ? {} : { tab: t }, { replace: true })}
      />
      <div className="mt-5">
        {tab === 'overview' ? <Overview client={c} /> : null}
        {tab === 'contacts' ? <ContactsTab clientId={id} /> : null}
        {tab === 'deals' ? <DealsTab clientId={id} /> : null}
        {tab === 'projects' ? <ProjectsTab clientId={id} /> : null}
        {tab === 'files' && canFiles ? <ScopedFiles scope={{ clientId: id }} /> : null}
        {tab === 'emails' && canEmails ? <ClientEmailsTab clientId={id} /> : null}
        {tab === 'appointments' && canScheduling ? <ClientAppointments clientId={id} /> : null}
        {tab === 'billing' && canBilling ? <ClientBillingTab clientId={id} /> : null}
        {tab === 'notes' ? <NotesTab clientId={id} /> : null}
        {tab === 'portal' ? <ClientPortalTab clientId={id} /> : null}
        {tab === 'timeline' ? <TimelineTab clientId={id} /> : null}
      </div>
      {editing ? <ClientFormDialog client={c} onClose={() => setEditing(false)} /> : null}
    </>
  );
}

type ClientData = RouterOutputs['crm']['clients']['get'];

function Stat({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div className="rounded-lg bg-white px-4 py-3 shadow-xs ring-1 ring-slate-200">
      <div className="text-xs text-slate-500">{label}</div>
      <div className="mt-1 text-lg font-semibold text-slate-900">{value}</div>
    </div>
  );
}

function Overview({ client }: { client: ClientData }) {
  const fields = trpc.crm.customFields.list.useQuery({ entity: 'client' });
  const profile = trpc.crm.clients.profile.useQuery({ id: client.id }, { retry: false });
  const showProfile = !(profile.error && isMissingProcedure(profile.error));
  return (
    <div className="space-y-5">
      {showProfile && profile.data ? (
        <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
          <Stat label="Open deals" value={profile.data.openDealsCount} />
          <Stat label="Active projects" value={profile.data.activeProjectsCount} />
          <Stat label="Open tasks" value={profile.data.openTaskCount} />
          <Stat
            label="Last activity"
            value={<span className="text-sm">{profile.data.lastActivityAt ? formatRelative(profile.data.lastActivityAt) : '—'}</span>}
          />
        </div>
      ) : null}
      <div className="grid gap-5 lg:grid-cols-3">
        <Card title="Details" className="lg:col-span-2">
          <dl className="grid grid-cols-2 gap-x-6 gap-y-3 px-4 py-4 text-sm">
            <Detail label="Domain" value={client.domain ?? '—'} />
            <Detail
              label="Website"
              value={
                client.website ? (
                  <a href={client.website} target="_blank" rel="noreferrer" className="text-indigo-600 hover:underline">
                    {client.website}
                  </a>
                ) : (
                  '—'
                )
              }
            />
            <Detail label="Status" value={humanize(client.status)} />
            <Detail
              label="Tags"
              value={
                client.tags.length ? (
                  <span className="flex flex-wrap gap-1">
                    {client.tags.map((t) => (
                      <Badge key={t}>{t}</Badge>
                    ))}
                  </span>
                ) : (
                  '—'
                )
              }
            />
            {(fields.data ?? []).map((f) => (
              <Detail key={f.id} label={f.label} value={formatCustomValue(f, client.customFields[f.key])} />
            ))}
            <Detail label="Created" value={formatDateTime(client.createdAt)} />
            <Detail label="Updated" value={formatDateTime(client.updatedAt)} />
          </dl>
        </Card>
        <Card title="Key contacts">
          {showProfile && profile.data ? (
            profile.data.contacts.length ? (
              <ul className="divide-y divide-slate-100">
                {profile.data.contacts.slice(0, 6).map((p) => (
                  <li key={p.id}>
                    <Link to={`/contacts/${p.id}`} className="flex items-center gap-3 px-4 py-2.5 hover:bg-slate-50">
                      <Avatar name={p.name} size="sm" />
                      <span className="min-w-0">
                        <span className="block truncate text-sm font-medium text-slate-800">{p.name}</span>
                        <span className="block truncate text-xs text-slate-500">{[p.role, p.email].filter(Boolean).join(' · ')}</span>
                      </span>
                    </Link>
                  </li>
                ))}
              </ul>
            ) : (
              <EmptyState title="No contacts yet" />
            )
          ) : (
            <ClientContactsMini clientId={client.id} />
          )}
        </Card>
      </div>
    </div>
  );
}

function ClientContactsMini({ clientId }: { clientId: string }) {
  const contacts = trpc.crm.contacts.list.useQuery({ clientId, limit: 6 });
  return (
    <QueryState
      query={contacts}
      isEmpty={(d) => d.items.length === 0}
      empty={<EmptyState title="No contacts yet" />}
      loading={<div className="p-4 text-sm text-slate-400">Loading…</div>}
    >
      {(d) => (
        <ul className="divide-y divide-slate-100">
          {d.items.map((p) => (
            <li key={p.id}>
              <Link to={`/contacts/${p.id}`} className="flex items-center gap-3 px-4 py-2.5 hover:bg-slate-50">
                <Avatar name={p.name} size="sm" />
                <span className="min-w-0">
                  <span className="block truncate text-sm font-medium text-slate-800">{p.name}</span>
                  <span className="block truncate text-xs text-slate-500">
                    {[p.relationships.find((r) => r.clientId === clientId)?.role, p.email].filter(Boolean).join(' · ')}
                  </span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </QueryState>
  );
}

function Detail({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="mt-0.5 text-slate-800">{value}</dd>
    </div>
  );
}

function ContactsTab({ clientId }: { clientId: string }) {
  const canWrite = useCan('crm.contact.write');
  const navigate = useNavigate();
  const [adding, setAdding] = useState(false);
  const utils = trpc.useUtils();
  const contacts = useKeysetList('crm.contacts.list', { clientId, limit: 50 }, (input) => utils.client.crm.contacts.list.query(input));
  const items = contacts.items;
  return (
    <Card
      title="Contacts"
      actions={
        canWrite ? (
          <Button size="sm" variant="primary" onClick={() => setAdding(true)}>
            Add contact
          </Button>
        ) : null
      }
    >
      <QueryState query={contacts} isEmpty={() => items.length === 0} empty={<EmptyState title="No contacts for this client" />}>
        {() => (
          <Table>
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Role</Th>
                <Th>Email</Th>
                <Th>Phone</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((p) => (
                <Tr key={p.id} onClick={() => navigate(`/contacts/${p.id}`)}>
                  <Td className="font-medium text-slate-900">{p.name}</Td>
                  <Td>{p.relationships.find((r) => r.clientId === clientId)?.role ?? '—'}</Td>
                  <Td>{p.email ?? '—'}</Td>
                  <Td>{p.phone ?? '—'}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </QueryState>
      {adding ? <ContactFormDialog clientId={clientId} onClose={() => setAdding(false)} /> : null}
    </Card>
  );
}

function DealsTab({ clientId }: { clientId: string }) {
  const canWrite = useCan('crm.deal.write');
  const [adding, setAdding] = useState(false);
  const deals = trpc.crm.deals.list.useQuery({ clientId, limit: 100 });
  return (
    <Card
      title="Deals"
      actions={
        canWrite ? (
          <Button size="sm" variant="primary" onClick={() => setAdding(true)}>
            New deal
          </Button>
        ) : null
      }
    >
      <QueryState query={deals} isEmpty={(d) => d.items.length === 0} empty={<EmptyState title="No deals for this client" />}>
        {(d) => (
          <Table>
            <thead>
              <tr>
                <Th>Title</Th>
                <Th>Value</Th>
                <Th>Status</Th>
                <Th>Expected close</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {d.items.map((deal) => (
                <Tr key={deal.id}>
                  <Td className="font-medium text-slate-900">
                    <Link to={`/deals/${deal.id}`} className="hover:text-indigo-600">
                      {deal.title}
                    </Link>
                  </Td>
                  <Td>{formatMoney(deal.valueMinor, deal.currency)}</Td>
                  <Td>
                    <Badge tone={deal.status === 'won' ? 'green' : deal.status === 'lost' ? 'rose' : 'sky'}>{deal.status}</Badge>
                  </Td>
                  <Td className="text-slate-500">{formatDate(deal.expectedClose)}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </QueryState>
      {adding ? <DealFormDialog clientId={clientId} onClose={() => setAdding(false)} /> : null}
    </Card>
  );
}

function ProjectsTab({ clientId }: { clientId: string }) {
  const canWrite = useCan('projects.project.write');
  const navigate = useNavigate();
  const [creating, setCreating] = useState<null | 'blank' | 'template'>(null);
  const projects = trpc.projects.projects.list.useQuery({ clientId, limit: 100 });
  return (
    <Card
      title="Projects"
      actions={
        canWrite ? (
          <>
            <Button size="sm" onClick={() => setCreating('template')}>
              From template
            </Button>
            <Button size="sm" variant="primary" onClick={() => setCreating('blank')}>
              New project
            </Button>
          </>
        ) : null
      }
    >
      <QueryState query={projects} isEmpty={(d) => d.items.length === 0} empty={<EmptyState title="No projects for this client" />}>
        {(d) => (
          <Table>
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Status</Th>
                <Th>Start</Th>
                <Th>Due</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {d.items.map((p) => (
                <Tr key={p.id} onClick={() => navigate(`/projects/${p.id}`)}>
                  <Td className="font-medium text-slate-900">{p.name}</Td>
                  <Td>
                    <Badge tone={projectTone[p.status]}>{humanize(p.status)}</Badge>
                  </Td>
                  <Td className="text-slate-500">{formatDate(p.startDate)}</Td>
                  <Td className="text-slate-500">{formatDate(p.dueDate)}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </QueryState>
      {creating ? <NewProjectDialog mode={creating} clientId={clientId} onClose={() => setCreating(null)} /> : null}
    </Card>
  );
}

function NotesTab({ clientId }: { clientId: string }) {
  return <NotesPanel subjectType="client" subjectId={clientId} />;
}

function TimelineTab({ clientId }: { clientId: string }) {
  const timeline = useTimeline({ clientId, limit: 50 });
  const items = timeline.items;
  return (
    <Card
      title="Timeline"
      actions={
        <Button size="sm" variant="ghost" onClick={() => void timeline.refetch()}>
          Refresh
        </Button>
      }
    >
      <QueryState query={timeline}>
        {() => (
          <>
            <TimelineList entries={items} showClient={false} />
            {timeline.hasNextPage ? (
              <div className="border-t border-slate-100 p-3 text-center">
                <Button size="sm" loading={timeline.isFetchingNextPage} onClick={() => void timeline.fetchNextPage()}>
                  Load more
                </Button>
              </div>
            ) : null}
          </>
        )}
      </QueryState>
    </Card>
  );
}
