import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate } from '../../lib/format.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Button, Card, Dialog, EmptyState, Field, FormError, Input, PageHeader, QueryState, Select, Table, Td, Th, useToast } from '../../ui/index.ts';
import { ClientName } from '../clients/ClientName.tsx';
import { TotalsTable } from './InvoiceEditor.tsx';
import { decimalToMinor, formatMoney, minorToDecimal } from './money.ts';
import { Money, RevenueNav, StatusBadge } from './shared.tsx';

type Invoice = RouterOutputs['revenue']['invoices']['get'];

/** One invoice: its status and actions, lines and totals, payments and credit notes, the PDF. */
export default function InvoicePage() {
  const { id = '' } = useParams();
  const invoice = trpc.revenue.invoices.get.useQuery({ id });
  return (
    <div>
      <RevenueNav />
      <QueryState query={invoice}>{(inv) => <InvoiceView invoice={inv} />}</QueryState>
    </div>
  );
}

function InvoiceView({ invoice }: { invoice: Invoice }) {
  const navigate = useNavigate();
  const toast = useToast();
  const utils = trpc.useUtils();
  const canWrite = useCan('revenue.invoice.write');
  const canApprove = useCan('revenue.invoice.approve');
  const canVoid = useCan('revenue.invoice.void');
  const canPay = useCan('revenue.payment.write');
  const canCredit = useCan('revenue.credit_note.write');
  const [dialog, setDialog] = useState<null | 'payment' | 'credit' | 'void'>(null);
  const done = (message: string) => (updated: { id: string }) => {
    void utils.revenue.invoices.get.invalidate({ id: updated.id });
    void utils.revenue.payments.list.invalidate();
    toast(message);
  };
  const onError = (e: unknown) => toast(errorMessage(e), 'error');
  const submit = trpc.revenue.invoices.submitForApproval.useMutation({ onSuccess: done('Submitted for approval'), onError });
  const approve = trpc.revenue.invoices.approve.useMutation({ onSuccess: done('Invoice approved'), onError });
  const issue = trpc.revenue.invoices.issue.useMutation({ onSuccess: done('Invoice issued'), onError });
  const send = trpc.revenue.invoices.send.useMutation({ onSuccess: done('Invoice emailed to the billing contact'), onError });
  const pdf = trpc.revenue.invoices.pdfUrl.useMutation({
    onSuccess: (link) => {
      // A data: URL (a draft's preview) opens through a blob, which browsers allow.
      if (link.url.startsWith('data:')) {
        const bytes = Uint8Array.from(atob(link.url.slice(link.url.indexOf(',') + 1)), (c) => c.charCodeAt(0));
        window.open(URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' })), '_blank');
      } else window.open(link.url, '_blank');
    },
    onError,
  });
  const editable = ['draft', 'pending_approval', 'approved'].includes(invoice.status);
  const open = invoice.status === 'issued' || invoice.status === 'partially_paid';
  const issued = invoice.number !== null && invoice.status !== 'void';
  const totals = {
    subtotal: BigInt(invoice.totals.subtotal),
    documentDiscount: BigInt(invoice.totals.discount),
    taxes: invoice.taxBreakdown.map((tax) => ({ ...tax, amount: BigInt(tax.amount) })),
    total: BigInt(invoice.totals.total),
  };
  return (
    <>
      <PageHeader
        breadcrumb={<Link to="/revenue/invoices">Invoices</Link>}
        title={
          <span className="flex items-center gap-3">
            {invoice.number ? `Invoice ${invoice.number}` : 'Draft invoice'}
            <StatusBadge status={invoice.status} overdue={invoice.overdue} />
          </span>
        }
        subtitle={
          <>
            <ClientName id={invoice.clientId} /> ·{' '}
            {invoice.issueDate
              ? `issued ${formatDate(invoice.issueDate)}, due ${formatDate(invoice.dueDate)}`
              : `payment terms ${invoice.paymentTermsDays} days`}
          </>
        }
        actions={
          <>
            <Button onClick={() => pdf.mutate({ id: invoice.id })} loading={pdf.isPending}>
              {issued ? 'Download PDF' : 'Preview PDF'}
            </Button>
            {editable && canWrite ? <Button onClick={() => navigate(`/revenue/invoices/${invoice.id}/edit`)}>Edit</Button> : null}
            {invoice.status === 'draft' && canWrite ? (
              <Button onClick={() => submit.mutate({ id: invoice.id })} loading={submit.isPending}>
                Submit for approval
              </Button>
            ) : null}
            {invoice.status === 'pending_approval' && canApprove ? (
              <Button onClick={() => approve.mutate({ id: invoice.id })} loading={approve.isPending}>
                Approve
              </Button>
            ) : null}
            {editable && canWrite ? (
              <Button variant="primary" onClick={() => issue.mutate({ id: invoice.id })} loading={issue.isPending}>
                Issue invoice
              </Button>
            ) : null}
            {issued && canWrite ? (
              <Button onClick={() => send.mutate({ id: invoice.id })} loading={send.isPending}>
                {invoice.sentAt ? 'Send again' : 'Email to client'}
              </Button>
            ) : null}
            {open && canPay ? (
              <Button variant="primary" onClick={() => setDialog('payment')}>
                Record payment
              </Button>
            ) : null}
            {issued && canCredit ? <Button onClick={() => setDialog('credit')}>Credit note</Button> : null}
            {invoice.status !== 'void' && invoice.status !== 'paid' && canVoid ? (
              <Button variant="danger" onClick={() => setDialog('void')}>
                Void
              </Button>
            ) : null}
          </>
        }
      />
      {invoice.voidReason ? <p className="mb-3 text-sm text-rose-700">Voided: {invoice.voidReason}</p> : null}
      <div className="grid gap-4 lg:grid-cols-[1fr_20rem]">
        <Card title="Lines">
          <Table>
            <thead>
              <tr>
                <Th>Description</Th>
                <Th className="text-right">Quantity</Th>
                <Th className="text-right">Unit price</Th>
                <Th className="text-right">Discount</Th>
                <Th className="text-right">Amount</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {invoice.lines.map((line) => (
                <tr key={line.id}>
                  <Td>{line.description}</Td>
                  <Td className="text-right tabular-nums">{line.quantity}</Td>
                  <Td className="text-right">
                    <Money amount={line.unitPrice} currency={invoice.currency} />
                  </Td>
                  <Td className="text-right text-slate-500">
                    {line.discount
                      ? line.discount.kind === 'percent'
                        ? `${line.discount.percent}%`
                        : formatMoney(BigInt(line.discount.amount), invoice.currency)
                      : ''}
                  </Td>
                  <Td className="text-right">
                    <Money amount={line.net} currency={invoice.currency} />
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
          {invoice.notes ? <p className="border-t border-slate-100 px-4 py-3 text-sm whitespace-pre-line text-slate-600">{invoice.notes}</p> : null}
        </Card>
        <div className="space-y-4">
          <Card title="Totals">
            <TotalsTable totals={totals} currency={invoice.currency} inclusive={invoice.taxMode === 'inclusive'} />
            <dl className="space-y-1 border-t border-slate-100 p-4 text-sm text-slate-600">
              <div className="flex justify-between">
                <dt>Paid</dt>
                <dd>
                  <Money amount={invoice.totals.paid} currency={invoice.currency} />
                </dd>
              </div>
              <div className="flex justify-between">
                <dt>Credited</dt>
                <dd>
                  <Money amount={invoice.totals.credited} currency={invoice.currency} />
                </dd>
              </div>
              <div className="flex justify-between font-semibold text-slate-900" data-testid="invoice-balance">
                <dt>Balance due</dt>
                <dd>
                  <Money amount={invoice.totals.balance} currency={invoice.currency} />
                </dd>
              </div>
            </dl>
          </Card>
          <PaymentsCard invoice={invoice} />
        </div>
      </div>
      {dialog === 'payment' ? <PaymentDialog invoice={invoice} onClose={() => setDialog(null)} onDone={done('Payment recorded')} /> : null}
      {dialog === 'credit' ? <CreditDialog invoice={invoice} onClose={() => setDialog(null)} onDone={done('Credit note issued')} /> : null}
      {dialog === 'void' ? <VoidDialog invoice={invoice} onClose={() => setDialog(null)} onDone={done('Invoice voided')} /> : null}
    </>
  );
}

function PaymentsCard({ invoice }: { invoice: Invoice }) {
  const payments = trpc.revenue.payments.list.useQuery({ invoiceId: invoice.id, limit: 50 });
  const notes = trpc.revenue.creditNotes.list.useQuery({ invoiceId: invoice.id, limit: 50 });
  return (
    <Card title="Payments and credits">
      <QueryState
        query={payments}
        isEmpty={(d) => d.items.length === 0 && (notes.data?.items.length ?? 0) === 0}
        empty={<EmptyState title="No payments yet" />}
      >
        {(d) => (
          <ul className="divide-y divide-slate-100 text-sm">
            {d.items.map((p) => (
              <li key={p.id} className="flex justify-between gap-3 px-4 py-2">
                <span>
                  {p.kind === 'refund' ? 'Refund' : 'Payment'} · {formatDate(p.receivedOn)} · {p.method.replace('_', ' ')}
                  {p.reference ? ` · ${p.reference}` : ''}
                </span>
                <Money amount={p.kind === 'refund' ? `-${p.amount}` : p.amount} currency={p.currency} />
              </li>
            ))}
            {(notes.data?.items ?? []).map((n) => (
              <li key={n.id} className="flex justify-between gap-3 px-4 py-2">
                <span>
                  Credit note {n.number} · {n.reason}
                </span>
                <Money amount={`-${n.amount}`} currency={n.currency} />
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}

function PaymentDialog({ invoice, onClose, onDone }: { invoice: Invoice; onClose: () => void; onDone: (p: { id: string }) => void }) {
  const [amount, setAmount] = useState(() => minorToDecimal(invoice.totals.balance, invoice.currency));
  const [method, setMethod] = useState<'bank_transfer' | 'card' | 'cash' | 'check' | 'other'>('bank_transfer');
  const [reference, setReference] = useState('');
  const [key] = useState(() => crypto.randomUUID());
  const record = trpc.revenue.payments.record.useMutation({ onSuccess: () => (onDone({ id: invoice.id }), onClose()) });
  const minor = decimalToMinor(amount, invoice.currency);
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()} title="Record a payment">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          if (minor !== null) record.mutate({ invoiceId: invoice.id, amount: minor.toString(), method, reference: reference || null, idempotencyKey: key });
        }}
      >
        <Field label={`Amount (${invoice.currency})`} name="amount" error={record.error ?? (minor === null ? 'Give an amount, e.g. 120.50' : undefined)}>
          <Input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} autoFocus />
        </Field>
        <Field label="Method">
          <Select value={method} onChange={(e) => setMethod(e.target.value as typeof method)}>
            <option value="bank_transfer">Bank transfer</option>
            <option value="card">Card</option>
            <option value="cash">Cash</option>
            <option value="check">Check</option>
            <option value="other">Other</option>
          </Select>
        </Field>
        <Field label="Reference">
          <Input value={reference} onChange={(e) => setReference(e.target.value)} />
        </Field>
        <p className="text-xs text-slate-500">More than the balance is kept as the client’s credit.</p>
        <FormError error={record.error} fields={['amount']} />
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={minor === null} loading={record.isPending}>
            Record payment
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function CreditDialog({ invoice, onClose, onDone }: { invoice: Invoice; onClose: () => void; onDone: (p: { id: string }) => void }) {
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const create = trpc.revenue.creditNotes.create.useMutation({ onSuccess: () => (onDone({ id: invoice.id }), onClose()) });
  const minor = decimalToMinor(amount, invoice.currency);
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()} title="Issue a credit note">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          if (minor !== null) create.mutate({ invoiceId: invoice.id, amount: minor.toString(), reason });
        }}
      >
        <Field label={`Amount (${invoice.currency})`} name="amount" error={create.error}>
          <Input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} autoFocus />
        </Field>
        <Field label="Reason" name="reason" error={create.error}>
          <Input value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <FormError error={create.error} fields={['amount', 'reason']} />
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={minor === null || !reason.trim()} loading={create.isPending}>
            Issue credit note
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function VoidDialog({ invoice, onClose, onDone }: { invoice: Invoice; onClose: () => void; onDone: (p: { id: string }) => void }) {
  const [reason, setReason] = useState('');
  const voidIt = trpc.revenue.invoices.void.useMutation({ onSuccess: (inv) => (onDone(inv), onClose()) });
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()} title="Void this invoice">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          voidIt.mutate({ id: invoice.id, reason });
        }}
      >
        <p className="text-sm text-slate-600">
          {invoice.number ? `The number ${invoice.number} stays used; the invoice no longer counts as owed.` : 'The draft is kept, marked void.'}
        </p>
        <Field label="Reason" name="reason" error={voidIt.error}>
          <Input value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
        </Field>
        <FormError error={voidIt.error} fields={['reason']} />
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="danger" disabled={!reason.trim()} loading={voidIt.isPending}>
            Void invoice
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
