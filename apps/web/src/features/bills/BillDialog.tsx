import { useState } from 'react';
import { useNavigate } from 'react-router';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Button, Dialog, Field, FormError, Input, Select, useToast } from '../../ui/index.ts';
import { minorToText, parseMinor } from './money.ts';

type Bill = RouterOutputs['revenue']['bills']['get'];

interface LineDraft {
  description: string;
  amount: string;
}

/** A new bill, or (with `bill`) a change of one: changing what approvers approved re-opens approval. */
export function BillDialog({ bill, onClose }: { bill?: Bill; onClose: () => void }) {
  const toast = useToast();
  const navigate = useNavigate();
  const utils = trpc.useUtils();
  const vendors = trpc.revenue.vendors.list.useQuery({ includeArchived: false });
  const today = new Date().toISOString().slice(0, 10);
  const [form, setForm] = useState({
    vendorId: bill?.vendorId ?? '',
    number: bill?.number ?? '',
    issueDate: bill?.issueDate ?? today,
    dueDate: bill?.dueDate ?? '',
    currency: bill?.currency ?? 'USD',
    category: bill?.category ?? '',
  });
  const [lines, setLines] = useState<LineDraft[]>(
    bill
      ? bill.lines.map((line) => ({ description: line.description, amount: minorToText(line.amountMinor, bill.currency) }))
      : [{ description: '', amount: '' }],
  );
  const [lineError, setLineError] = useState<string | null>(null);
  const create = trpc.revenue.bills.create.useMutation();
  const update = trpc.revenue.bills.update.useMutation();
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
    const fields = {
      vendorId: form.vendorId,
      number: form.number,
      issueDate: form.issueDate,
      dueDate: form.dueDate || null,
      currency: form.currency,
      category: form.category || null,
      lines: parsed.map((line) => ({ description: line.description, amountMinor: line.amountMinor ?? 0 })),
    };
    try {
      if (bill) {
        const saved = await update.mutateAsync({ id: bill.id, ...fields });
        await utils.revenue.bills.get.invalidate({ id: bill.id });
        toast(
          saved.version !== bill.version && (bill.status === 'pending_approval' || bill.status === 'approved')
            ? 'Bill changed: approval starts again'
            : 'Bill saved',
        );
      } else {
        const created = await create.mutateAsync(fields);
        if (andSubmit) await submit.mutateAsync({ id: created.id });
        toast(andSubmit ? 'Bill saved and sent for approval' : 'Bill saved');
        navigate(`/bills/${created.id}`);
      }
      await utils.revenue.bills.list.invalidate();
      await utils.revenue.approvals.inbox.invalidate();
      onClose();
    } catch {
      // Shown by FormError / the fields below.
    }
  }

  const error = create.error ?? submit.error ?? update.error;
  return (
    <Dialog
      open
      onOpenChange={(open) => (open ? undefined : onClose())}
      title={bill ? `Change bill ${bill.number}` : 'New bill'}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="new-bill" variant={bill ? 'primary' : 'secondary'} loading={(create.isPending && !submit.isPending) || update.isPending}>
            Save
          </Button>
          {bill ? null : (
            <Button variant="primary" onClick={(event) => void save(event, true)} loading={submit.isPending}>
              Save and submit
            </Button>
          )}
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
