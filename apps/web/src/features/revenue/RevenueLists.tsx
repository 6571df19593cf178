import { useState } from 'react';
import { Link } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, EmptyState, Input, PageHeader, QueryState, Table, Td, Th, useToast } from '../../ui/index.ts';
import { ClientName } from '../clients/ClientName.tsx';
import { Money, RevenueNav } from './shared.tsx';

/** Payments and refunds, newest first. */
export function PaymentsPage() {
  const payments = trpc.revenue.payments.list.useQuery({ limit: 100 });
  return (
    <div>
      <PageHeader title="Revenue" subtitle="Payments received and refunds" />
      <RevenueNav />
      <Card>
        <QueryState
          query={payments}
          isEmpty={(d) => d.items.length === 0}
          empty={<EmptyState title="No payments yet" description="Record one from an issued invoice." />}
        >
          {(d) => (
            <Table>
              <thead>
                <tr>
                  <Th>Received</Th>
                  <Th>Client</Th>
                  <Th>Invoice</Th>
                  <Th>Method</Th>
                  <Th className="text-right">Amount</Th>
                  <Th className="text-right">Applied</Th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {d.items.map((p) => (
                  <tr key={p.id}>
                    <Td>{formatDate(p.receivedOn)}</Td>
                    <Td>
                      <ClientName id={p.clientId} />
                    </Td>
                    <Td>{p.invoiceId ? <Link to={`/revenue/invoices/${p.invoiceId}`}>{p.invoiceNumber ?? 'Invoice'}</Link> : '—'}</Td>
                    <Td>
                      {p.kind === 'refund' ? <Badge tone="rose">Refund</Badge> : null} {p.method.replace('_', ' ')}
                      {p.reference ? ` · ${p.reference}` : ''}
                    </Td>
                    <Td className="text-right">
                      <Money amount={p.amount} currency={p.currency} />
                    </Td>
                    <Td className="text-right">
                      <Money amount={p.applied} currency={p.currency} />
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </QueryState>
      </Card>
    </div>
  );
}

export function CreditNotesPage() {
  const notes = trpc.revenue.creditNotes.list.useQuery({ limit: 100 });
  return (
    <div>
      <PageHeader title="Revenue" subtitle="Credit notes: corrections of issued invoices" />
      <RevenueNav />
      <Card>
        <QueryState
          query={notes}
          isEmpty={(d) => d.items.length === 0}
          empty={<EmptyState title="No credit notes" description="Issue one from an issued invoice." />}
        >
          {(d) => (
            <Table>
              <thead>
                <tr>
                  <Th>Number</Th>
                  <Th>Client</Th>
                  <Th>Invoice</Th>
                  <Th>Reason</Th>
                  <Th>Date</Th>
                  <Th className="text-right">Amount</Th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {d.items.map((n) => (
                  <tr key={n.id}>
                    <Td className="font-medium">{n.number}</Td>
                    <Td>
                      <ClientName id={n.clientId} />
                    </Td>
                    <Td>
                      <Link to={`/revenue/invoices/${n.invoiceId}`}>{n.invoiceNumber}</Link>
                    </Td>
                    <Td>{n.reason}</Td>
                    <Td>{formatDate(n.issueDate)}</Td>
                    <Td className="text-right">
                      <Money amount={n.amount} currency={n.currency} />
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </QueryState>
      </Card>
    </div>
  );
}

export function PlansPage() {
  const toast = useToast();
  const utils = trpc.useUtils();
  const canWrite = useCan('revenue.plan.write');
  const plans = trpc.revenue.plans.list.useQuery({ limit: 100 });
  const onSuccess = () => void utils.revenue.plans.list.invalidate();
  const onError = (e: unknown) => toast(errorMessage(e), 'error');
  const pause = trpc.revenue.plans.pause.useMutation({ onSuccess, onError });
  const resume = trpc.revenue.plans.resume.useMutation({ onSuccess, onError });
  return (
    <div>
      <PageHeader title="Revenue" subtitle="Invoice plans: recurring invoices, deposits and milestones, issued by the scheduler once per period" />
      <RevenueNav />
      <Card>
        <QueryState
          query={plans}
          isEmpty={(d) => d.items.length === 0}
          empty={<EmptyState title="No invoice plans" description="Plans are created from workflows (revenue.createInvoicePlan) or the API." />}
        >
          {(d) => (
            <Table>
              <thead>
                <tr>
                  <Th>Plan</Th>
                  <Th>Client</Th>
                  <Th>Kind</Th>
                  <Th>Status</Th>
                  <Th>Next invoice</Th>
                  <Th className="text-right">Issued</Th>
                  <Th />
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {d.items.map((p) => (
                  <tr key={p.id}>
                    <Td className="font-medium">{p.name}</Td>
                    <Td>
                      <ClientName id={p.clientId} />
                    </Td>
                    <Td>
                      {p.kind === 'recurring'
                        ? `Every ${p.interval === 'quarterly' ? 'quarter' : 'month'} on day ${p.anchorDay}`
                        : p.kind === 'deposit'
                          ? `Deposit ${p.depositPercent}%`
                          : 'Milestones'}
                    </Td>
                    <Td>
                      <Badge tone={p.status === 'active' ? 'green' : p.status === 'paused' ? 'amber' : 'slate'}>{p.status}</Badge>
                    </Td>
                    <Td>{formatDate(p.nextRunOn)}</Td>
                    <Td className="text-right">
                      {p.issuedCount}
                      {p.skippedCount ? ` (+${p.skippedCount} skipped)` : ''}
                    </Td>
                    <Td className="text-right">
                      {canWrite && p.status === 'active' ? (
                        <Button size="sm" onClick={() => pause.mutate({ id: p.id })}>
                          Pause
                        </Button>
                      ) : null}
                      {canWrite && p.status === 'paused' ? (
                        <Button size="sm" onClick={() => resume.mutate({ id: p.id })}>
                          Resume
                        </Button>
                      ) : null}
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </QueryState>
      </Card>
    </div>
  );
}

const buckets = [
  ['current', 'Current'],
  ['days1to30', '1–30'],
  ['days31to60', '31–60'],
  ['days61to90', '61–90'],
  ['days90plus', '90+'],
  ['total', 'Total'],
] as const;

export function AgingPage() {
  const [asOf, setAsOf] = useState('');
  const report = trpc.revenue.reports.aging.useQuery(asOf ? { asOf } : {});
  return (
    <div>
      <PageHeader title="Revenue" subtitle="Accounts receivable aging: open balances by days past due" />
      <RevenueNav />
      <div className="mb-3 flex items-center gap-2 text-sm">
        <label htmlFor="aging-as-of" className="text-slate-600">
          As of
        </label>
        <Input id="aging-as-of" type="date" className="w-44" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
      </div>
      <QueryState
        query={report}
        isEmpty={(d) => d.overall.length === 0}
        empty={<EmptyState title="Nothing is owed" description="No issued invoice has an open balance." />}
      >
        {(d) => (
          <div className="space-y-4">
            {d.overall.map((row) => {
              const total = BigInt(row.total) || 1n;
              return (
                <Card key={row.currency} title={`All clients · ${row.currency} · ${row.invoices} open invoices`}>
                  {/* A bar per bucket: its share of what is owed. */}
                  <div className="grid grid-cols-6 gap-3 p-4" role="img" aria-label={`Aging chart in ${row.currency}`}>
                    {buckets.map(([key, label]) => (
                      <div key={key} className="text-center text-xs text-slate-600">
                        <div className="mx-auto flex h-24 w-8 items-end rounded bg-slate-100">
                          <div
                            className={key === 'total' ? 'w-full rounded bg-slate-400' : 'w-full rounded bg-indigo-500'}
                            style={{ height: `${Number((BigInt(row[key]) * 100n) / total)}%` }}
                          />
                        </div>
                        <div className="mt-1 font-medium">{label}</div>
                        <Money amount={row[key]} currency={row.currency} />
                      </div>
                    ))}
                  </div>
                </Card>
              );
            })}
            <Card title="Per client">
              <Table>
                <thead>
                  <tr>
                    <Th>Client</Th>
                    {buckets.map(([key, label]) => (
                      <Th key={key} className="text-right">
                        {label}
                      </Th>
                    ))}
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {d.clients.map((row) => (
                    <tr key={`${row.clientId}-${row.currency}`}>
                      <Td>
                        <ClientName id={row.clientId} />
                      </Td>
                      {buckets.map(([key]) => (
                        <Td key={key} className="text-right">
                          <Money amount={row[key]} currency={row.currency} />
                        </Td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </Table>
            </Card>
          </div>
        )}
      </QueryState>
    </div>
  );
}
