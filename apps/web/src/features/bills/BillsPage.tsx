import { useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import {
  Badge,
  Button,
  Card,
  Dialog,
  EmptyState,
  Field,
  FormError,
  Input,
  PageHeader,
  QueryState,
  Select,
  Table,
  Tabs,
  Td,
  Th,
  Tr,
  useToast,
} from '../../ui/index.ts';
import { ApprovalInbox } from './ApprovalInbox.tsx';
import { formatMinor, parseMinor, statusTone, statusWords } from './money.ts';
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
      {creating ? <NewBillDialog onClose={() => setCreating(false)} /> : null}
    </Card>
  );
}

interface LineDraft {
  description: string;
  amount: string;
}

function NewBillDialog({ onClose }: { onClose: () => void }) {
  const toast = useToast();
  const navigate = useNavigate();
  const utils = trpc.useUtils();
  const vendors = trpc.revenue.vendors.list.useQuery({ includeArchived: false });
  const today = new Date().toISOString().slice(0, 10);
  const [form, setForm] = useState({ vendorId: '', number: '', issueDate: today, dueDate: '', currency: 'USD', category: '' });
  const [lines, setLines] = useState<LineDraft[]>([{ description: '', amount: '' }]);
  const [lineError, setLineError] = useState<string | null>(null);
  const create = trpc.revenue.bills.create.useMutation();
  const submit = trpc.revenue.bills.submit.useMutation();

  async function save(event: { preventDefault(): void }, andSubmit: boolean) {
    event.preventDefault();
    const parsed = lines.map((line) => ({ description: line.description.trim(), amountMinor: parseMinor(line.amount, form.currency) }));
    const bad = parsed.findIndex((line) => line.amountMinor === null || !line.description);
    if (bad >= 0) {
      setLineError(`Line ${bad + 1} needs a description and an amount such as 120.50`);
      return;
    }
    setLineError(null);
    try {
      const bill = await create.mutateAsync({
        vendorId: form.vendorId,
        number: form.number,
        issueDate: form.issueDate,
        dueDate: form.dueDate || null,
        currency: form.currency,
        category: form.category || null,
        lines: parsed.map((line) => ({ description: line.description, amountMinor: line.amountMinor ?? 0 })),
      });
      if (andSubmit) await submit.mutateAsync({ id: bill.id });
      await utils.revenue.bills.list.invalidate();
      await utils.revenue.approvals.inbox.invalidate();
      toast(andSubmit ? 'Bill saved and sent for approval' : 'Bill saved');
      onClose();
      navigate(`/bills/${bill.id}`);
    } catch {
      // Shown by FormError / the fields below.
    }
  }

  const error = create.error ?? submit.error;
  return (
    <Dialog
      open
      onOpenChange={(open) => (open ? undefined : onClose())}
      title="New bill"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="new-bill" loading={create.isPending && !submit.isPending}>
            Save
          </Button>
          <Button variant="primary" onClick={(event) => void save(event, true)} loading={submit.isPending}>
            Save and submit
          </Button>
        </>
      }
    >
      <form id="new-bill" className="grid grid-cols-2 gap-3" onSubmit={(event) => void save(event, false)}>
        <Field label="Vendor" name="vendorId" error={error} required className="col-span-2">
          <Select value={form.vendorId} onChange={(event) => setForm({ ...form, vendorId: event.target.value })} required>
            <option value="">Choose a vendor…</option>
            {(vendors.data ?? []).map((vendor) => (
              <option key={vendor.id} value={vendor.id}>
                {vendor.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Bill number" name="number" error={error} required>
          <Input value={form.number} onChange={(event) => setForm({ ...form, number: event.target.value })} required />
        </Field>
        <Field label="Currency" name="currency" error={error} required>
          <Input value={form.currency} maxLength={3} onChange={(event) => setForm({ ...form, currency: event.target.value.toUpperCase() })} required />
        </Field>
        <Field label="Issued on" name="issueDate" error={error} required>
          <Input type="date" value={form.issueDate} onChange={(event) => setForm({ ...form, issueDate: event.target.value })} required />
        </Field>
        <Field label="Due on" name="dueDate" error={error}>
          <Input type="date" value={form.dueDate} onChange={(event) => setForm({ ...form, dueDate: event.target.value })} />
        </Field>
        <Field label="Category" name="category" error={error} className="col-span-2" hint="Approval rules can route by category">
          <Input value={form.category} onChange={(event) => setForm({ ...form, category: event.target.value })} />
        </Field>
        <fieldset className="col-span-2">
          <legend className="mb-1 text-xs font-medium text-slate-700">Lines</legend>
          <div className="flex flex-col gap-2">
            {lines.map((line, index) => (
              <div key={index} className="flex gap-2">
                <Input
                  aria-label={`Line ${index + 1} description`}
                  placeholder="Description"
                  value={line.description}
                  onChange={(event) => setLines(lines.map((item, at) => (at === index ? { ...item, description: event.target.value } : item)))}
                />
                <Input
                  aria-label={`Line ${index + 1} amount`}
                  placeholder="0.00"
                  inputMode="decimal"
                  className="w-32"
                  value={line.amount}
                  onChange={(event) => setLines(lines.map((item, at) => (at === index ? { ...item, amount: event.target.value } : item)))}
                />
                {lines.length > 1 ? (
                  <Button variant="ghost" size="sm" aria-label={`Remove line ${index + 1}`} onClick={() => setLines(lines.filter((_, at) => at !== index))}>
                    ✕
                  </Button>
                ) : null}
              </div>
            ))}
          </div>
          <Button variant="link" size="sm" className="mt-1" onClick={() => setLines([...lines, { description: '', amount: '' }])}>
            Add a line
          </Button>
          {lineError ? (
            <p className="mt-1 text-xs text-rose-600" role="alert">
              {lineError}
            </p>
          ) : null}
        </fieldset>
        <div className="col-span-2">
          <FormError error={error} fields={['vendorId', 'number', 'currency', 'issueDate', 'dueDate', 'category']} />
        </div>
      </form>
    </Dialog>
  );
}
