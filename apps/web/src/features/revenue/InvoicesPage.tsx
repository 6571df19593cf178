import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { formatDate } from '../../lib/format.ts';
import { trpc, type RouterInputs } from '../../trpc.ts';
import { Button, Card, Checkbox, EmptyState, PageHeader, QueryState, Select, Table, Td, Th, Tr } from '../../ui/index.ts';
import { ClientName } from '../clients/ClientName.tsx';
import { Money, RevenueNav, StatusBadge } from './shared.tsx';

type Status = NonNullable<RouterInputs['revenue']['invoices']['list']['status']>;
const statuses: { value: Status | ''; label: string }[] = [
  { value: '', label: 'All statuses' },
  { value: 'draft', label: 'Drafts' },
  { value: 'pending_approval', label: 'Waiting for approval' },
  { value: 'approved', label: 'Approved' },
  { value: 'issued', label: 'Issued' },
  { value: 'partially_paid', label: 'Partly paid' },
  { value: 'paid', label: 'Paid' },
  { value: 'void', label: 'Void' },
];

/** Invoices, newest first, 50 a page (keyset); the page's totals per currency. */
export default function InvoicesPage() {
  const navigate = useNavigate();
  const canWrite = useCan('revenue.invoice.write');
  const [status, setStatus] = useState<Status | ''>('');
  const [overdue, setOverdue] = useState(false);
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const list = trpc.revenue.invoices.list.useQuery({
    ...(status ? { status } : {}),
    ...(overdue ? { overdue: true } : {}),
    ...(cursor ? { cursor } : {}),
    limit: 50,
  });
  const reset = () => setCursors([]);
  return (
    <div>
      <PageHeader
        title="Revenue"
        subtitle="Invoices, payments and what clients owe"
        actions={
          canWrite ? (
            <Button variant="primary" onClick={() => navigate('/revenue/invoices/new')}>
              New invoice
            </Button>
          ) : null
        }
      />
      <RevenueNav />
      <div className="mb-3 flex flex-wrap items-center gap-3">
        <Select aria-label="Status" value={status} onChange={(e) => (setStatus(e.target.value as Status | ''), reset())} className="w-48">
          {statuses.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </Select>
        <Checkbox label="Overdue only" checked={overdue} onChange={(e) => (setOverdue(e.target.checked), reset())} />
      </div>
      <Card>
        <QueryState
          query={list}
          isEmpty={(d) => d.items.length === 0}
          empty={
            <EmptyState
              title={status || overdue ? 'No invoices match' : 'No invoices yet'}
              description={canWrite ? 'Create one with “New invoice”.' : undefined}
            />
          }
        >
          {(d) => {
            const totals = new Map<string, { total: bigint; balance: bigint }>();
            for (const item of d.items) {
              if (item.status === 'void') continue;
              const sum = totals.get(item.currency) ?? { total: 0n, balance: 0n };
              sum.total += BigInt(item.totals.total);
              sum.balance += BigInt(item.totals.balance);
              totals.set(item.currency, sum);
            }
            return (
              <>
                <Table>
                  <thead>
                    <tr>
                      <Th>Number</Th>
                      <Th>Client</Th>
                      <Th>Status</Th>
                      <Th>Issued</Th>
                      <Th>Due</Th>
                      <Th className="text-right">Total</Th>
                      <Th className="text-right">Balance</Th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {d.items.map((item) => (
                      <Tr key={item.id} onClick={() => navigate(`/revenue/invoices/${item.id}`)}>
                        <Td className="font-medium text-slate-900">
                          <Link to={`/revenue/invoices/${item.id}`} onClick={(e) => e.stopPropagation()}>
                            {item.number ?? 'Draft'}
                          </Link>
                        </Td>
                        <Td>
                          <ClientName id={item.clientId} />
                        </Td>
                        <Td>
                          <StatusBadge status={item.status} overdue={item.overdue} />
                        </Td>
                        <Td className="text-slate-500">{formatDate(item.issueDate)}</Td>
                        <Td className="text-slate-500">{formatDate(item.dueDate)}</Td>
                        <Td className="text-right">
                          <Money amount={item.totals.total} currency={item.currency} />
                        </Td>
                        <Td className="text-right">
                          <Money amount={item.totals.balance} currency={item.currency} />
                        </Td>
                      </Tr>
                    ))}
                  </tbody>
                </Table>
                <div className="flex flex-wrap items-center justify-between gap-3 border-t border-slate-100 px-4 py-2.5 text-sm text-slate-600">
                  <div data-testid="invoice-totals">
                    {[...totals].map(([currency, sum]) => (
                      <span key={currency} className="mr-4">
                        This page: <Money amount={sum.total} currency={currency} className="font-medium" /> invoiced,{' '}
                        <Money amount={sum.balance} currency={currency} className="font-medium" /> open
                      </span>
                    ))}
                  </div>
                  <div className="flex gap-2">
                    <Button size="sm" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
                      Newer
                    </Button>
                    <Button size="sm" disabled={!d.nextCursor} onClick={() => d.nextCursor && setCursors((c) => [...c, d.nextCursor as string])}>
                      Older
                    </Button>
                  </div>
                </div>
              </>
            );
          }}
        </QueryState>
      </Card>
    </div>
  );
}
