import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { formatDate, formatDateTime, formatMoney } from '../../lib/format.ts';
import { useTimeline } from '../../lib/timeline.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, EmptyState, ErrorState, PageHeader, PageSpinner, QueryState } from '../../ui/index.ts';
import { ClientName } from '../clients/ClientName.tsx';
import { formatCustomValue } from '../clients/CustomFieldInputs.tsx';
import { NotesPanel } from '../clients/Notes.tsx';
import { TimelineList } from '../timeline/TimelineList.tsx';
import { CloseDealDialog } from './CloseDealDialog.tsx';
import { type Deal, DealEditForm, ProjectTemplateName } from './DealForm.tsx';

const statusTone = { open: 'sky', won: 'green', lost: 'rose' } as const;
const statusWord = { open: 'Open', won: 'Won', lost: 'Lost' } as const;

/** One deal: every field (edited in place), its notes, its timeline and the records it led to. */
export default function DealPage() {
  const { id = '' } = useParams();
  const canWrite = useCan('crm.deal.write');
  const deal = trpc.crm.deals.get.useQuery({ id }, { retry: false });
  const [editing, setEditing] = useState(false);
  const [closing, setClosing] = useState<'won' | 'lost' | null>(null);
  if (deal.isPending) return <PageSpinner />;
  if (deal.error) return <ErrorState error={deal.error} onRetry={() => void deal.refetch()} title="Could not load this deal" />;
  const d = deal.data;
  return (
    <>
      <PageHeader
        breadcrumb={
          <Link to="/deals" className="hover:text-slate-700">
            Deals
          </Link>
        }
        title={
          <span className="flex items-center gap-3">
            {d.title}
            <Badge tone={statusTone[d.status]}>{statusWord[d.status]}</Badge>
            {d.archivedAt ? <Badge tone="amber">archived</Badge> : null}
          </span>
        }
        subtitle={
          <span>
            <ClientName id={d.clientId} /> · {formatMoney(d.valueMinor, d.currency)}
          </span>
        }
        actions={
          canWrite && !editing ? (
            <>
              {d.status === 'open' ? (
                <>
                  <Button variant="ghost" className="text-emerald-700" onClick={() => setClosing('won')}>
                    Mark won
                  </Button>
                  <Button variant="ghost" className="text-rose-700" onClick={() => setClosing('lost')}>
                    Mark lost
                  </Button>
                </>
              ) : null}
              <Button variant="primary" onClick={() => setEditing(true)}>
                Edit
              </Button>
            </>
          ) : null
        }
      />
      <div className="grid gap-5 lg:grid-cols-3">
        <div className="space-y-5 lg:col-span-2">
          <Card title="Details">{editing ? <DealEditForm deal={d} onDone={() => setEditing(false)} /> : <DealDetails deal={d} />}</Card>
          <NotesPanel subjectType="deal" subjectId={d.id} />
        </div>
        <div className="space-y-5">
          <LedTo deal={d} />
          <DealTimeline dealId={d.id} />
        </div>
      </div>
      {closing ? <CloseDealDialog deal={d} outcome={closing} onClose={() => setClosing(null)} /> : null}
    </>
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

function DealDetails({ deal }: { deal: Deal }) {
  const pipeline = trpc.crm.pipelines.getDefault.useQuery();
  const fields = trpc.crm.customFields.list.useQuery({ entity: 'deal' });
  const members = trpc.identity.members.list.useQuery(undefined, { staleTime: 300_000 });
  const stage = pipeline.data?.stages.find((s) => s.id === deal.stageId);
  const owner = deal.ownerId ? (members.data?.find((m) => m.userId === deal.ownerId)?.name ?? '…') : 'No owner';
  return (
    <dl className="grid grid-cols-2 gap-x-6 gap-y-3 px-4 py-4 text-sm" data-testid="deal-details">
      <Detail label="Client" value={<ClientName id={deal.clientId} />} />
      <Detail label="Stage" value={stage?.name ?? '…'} />
      <Detail label="Value" value={formatMoney(deal.valueMinor, deal.currency)} />
      <Detail label="Expected close" value={deal.expectedClose ? formatDate(deal.expectedClose) : '—'} />
      <Detail label="Owner" value={owner} />
      <Detail label="Project template" value={<ProjectTemplateName id={deal.projectTemplateId} />} />
      {deal.status !== 'open' ? (
        <>
          <Detail label={deal.status === 'won' ? 'Won on' : 'Lost on'} value={formatDateTime(deal.closedAt)} />
          <Detail label={deal.status === 'won' ? 'Note' : 'Reason'} value={deal.closeReason ?? '—'} />
        </>
      ) : null}
      {(fields.data ?? []).map((f) => (
        <Detail key={f.key} label={f.label} value={formatCustomValue(f, deal.customFields[f.key])} />
      ))}
      <Detail label="Created" value={formatDateTime(deal.createdAt)} />
      <Detail label="Last changed" value={formatDateTime(deal.updatedAt)} />
    </dl>
  );
}

/** The records the deal led to: its engagement's projects (and invoices, once revenue links them). */
function LedTo({ deal }: { deal: Deal }) {
  const engagements = trpc.crm.engagements.list.useQuery({ clientId: deal.clientId });
  const projects = trpc.projects.projects.list.useQuery({ clientId: deal.clientId, limit: 100 });
  const mine = (engagements.data ?? []).filter((e) => e.dealId === deal.id);
  const projectIds = new Set(mine.flatMap((e) => e.projectIds));
  const invoiceCount = mine.reduce((n, e) => n + e.invoiceIds.length, 0);
  const led = (projects.data?.items ?? []).filter((p) => projectIds.has(p.id));
  return (
    <Card title="What it led to">
      <QueryState
        query={engagements}
        isEmpty={() => mine.length === 0}
        empty={
          <EmptyState
            title="Nothing yet"
            description={
              deal.status === 'won' ? 'Projects opened for this deal appear here.' : 'When the deal is won, its engagement, projects and invoices appear here.'
            }
          />
        }
      >
        {() => (
          <ul className="divide-y divide-slate-100 text-sm">
            {mine.map((e) => (
              <li key={e.id} className="px-4 py-2.5 text-slate-700">
                Engagement “{e.name}”
              </li>
            ))}
            {led.map((p) => (
              <li key={p.id} className="px-4 py-2.5">
                <Link to={`/projects/${p.id}`} className="font-medium text-indigo-700 hover:underline">
                  Project: {p.name}
                </Link>
              </li>
            ))}
            {projectIds.size > led.length ? <li className="px-4 py-2.5 text-slate-500">{projectIds.size - led.length} more projects</li> : null}
            {invoiceCount > 0 ? (
              <li className="px-4 py-2.5 text-slate-700">
                {invoiceCount} {invoiceCount === 1 ? 'invoice' : 'invoices'}
              </li>
            ) : null}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}

function DealTimeline({ dealId }: { dealId: string }) {
  const timeline = useTimeline({ entity: { type: 'crm.deal', id: dealId }, limit: 20 });
  return (
    <Card
      title="Timeline"
      actions={
        <Button size="sm" variant="ghost" onClick={() => void timeline.refetch()}>
          Refresh
        </Button>
      }
    >
      <QueryState query={timeline} isEmpty={() => timeline.items.length === 0} empty={<EmptyState title="Nothing recorded yet" />}>
        {() => (
          <>
            <TimelineList entries={timeline.items} showClient={false} />
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
