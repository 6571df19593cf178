import { useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Badge, Button, Card, EmptyState, PageHeader, QueryState, Select, Table, Tabs, Td, Th, Tr } from '../../ui/index.ts';
import { ApprovalInbox } from './ApprovalInbox.tsx';
import { BillDialog } from './BillDialog.tsx';
import { formatMinor, statusTone, statusWords } from './money.ts';
import { PolicyEditor } from './PolicyEditor.tsx';
import { VendorsList } from './VendorsList.tsx';

type Tab = 'bills' | 'approvals' | 'vendors' | 'policy';
type BillStatus = RouterOutputs['revenue']['bills']['list'][number]['status'];

/** Money out: the bills inbox, the signed-in member's approvals, vendors and the approval policy. */
export default function BillsPage() {
  const [params, setParams] = useSearchParams();
  const tab = (['bills', 'approvals', 'vendors', 'policy'] as const).find((id) => id === params.get('tab')) ?? 'bills';
  const canDecide = useCan('revenue.approval.decide');
  const inbox = trpc.revenue.approvals.inbox.useQuery(undefined, { enabled: canDecide });
  const tabs: { id: Tab; label: string; count?: number | undefined }[] = [
    { id: 'bills', label: 'Bills' },
    ...(canDecide ? [{ id: 'approvals' as const, label: 'My approvals', count: inbox.data?.length }] : []),
    { id: 'vendors', label: 'Vendors' },
    { id: 'policy', label: 'Approval policy' },
  ];
  return (
    <div>
      <PageHeader title="Bills" subtitle="Vendor bills, their approvals and payment" />
      <Tabs tabs={tabs} value={tab} onChange={(id) => setParams(id === 'bills' ? {} : { tab: id })} />
      <div className="mt-5">
        {tab === 'bills' ? <BillsInbox /> : null}
        {tab === 'approvals' ? <ApprovalInbox /> : null}
        {tab === 'vendors' ? <VendorsList /> : null}
        {tab === 'policy' ? <PolicyEditor /> : null}
      </div>
    </div>
  );
}

function BillsInbox() {
  const navigate = useNavigate();
  const canWrite = useCan('revenue.bill.write');
  const [status, setStatus] = useState<BillStatus | ''>('');
  const bills = trpc.revenue.bills.list.useQuery({ limit: 100, ...(status ? { status } : {}) });
  const [creating, setCreating] = useState(false);
  return (
    <Card
      title="Bills"
      actions={
        <div className="flex items-center gap-2">
          <label className="sr-only" htmlFor="bill-status-filter">
            Status
          </label>
          <Select id="bill-status-filter" className="w-48" value={status} onChange={(event) => setStatus(event.target.value as BillStatus | '')}>
            <option value="">Every status</option>
            {Object.entries(statusWords).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </Select>
          {canWrite ? (
            <Button variant="primary" size="sm" onClick={() => setCreating(true)}>
              New bill
            </Button>
          ) : null}
        </div>
      }
    >
      <QueryState
        query={bills}
        isEmpty={(rows) => rows.length === 0}
        empty={
          <EmptyState
            title={status ? 'No bills with this status' : 'No bills yet'}
            description="Bills you receive from vendors appear here with their approval state."
          />
        }
      >
        {(rows) => (
          <Table>
            <thead>
              <tr>
                <Th>Vendor</Th>
                <Th>Number</Th>
                <Th>Issued</Th>
                <Th>Due</Th>
                <Th className="text-right">Amount</Th>
                <Th>Status</Th>
                <Th>Approval</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((bill) => (
                <Tr key={bill.id} onClick={() => navigate(`/bills/${bill.id}`)} data-bill-row={bill.number}>
                  <Td className="font-medium text-slate-900">{bill.vendorName}</Td>
                  <Td>{bill.number}</Td>
                  <Td>{bill.issueDate}</Td>
                  <Td>{bill.dueDate ?? '—'}</Td>
                  <Td className="text-right tabular-nums">{formatMinor(bill.totalMinor, bill.currency)}</Td>
                  <Td>
                    <Badge tone={statusTone[bill.status]}>{statusWords[bill.status]}</Badge>
                  </Td>
                  <Td className="text-xs text-slate-500">{bill.approvalState ?? ''}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </QueryState>
      {creating ? <BillDialog onClose={() => setCreating(false)} /> : null}
    </Card>
  );
}
