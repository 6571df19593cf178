import { useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { errorMessage } from '../../lib/errors.ts';
import { trpc } from '../../trpc.ts';
import { Button, Card, Field, FormError, Input, PageHeader, QueryState, Select, Textarea, useToast } from '../../ui/index.ts';
import { ClientPicker } from '../clients/ClientPicker.tsx';
import { computeInvoice, decimalToMinor, isPercent, isQuantity, minorToDecimal, type ComputedInvoice } from './money.ts';
import { Money, RevenueNav } from './shared.tsx';

interface LineDraft {
  key: number;
  description: string;
  quantity: string;
  price: string;
  discount: string;
}
interface TaxDraft {
  key: number;
  name: string;
  rate: string;
  compound: boolean;
}
interface Draft {
  clientId: string | null;
  currency: string;
  taxMode: 'exclusive' | 'inclusive';
  lines: LineDraft[];
  taxes: TaxDraft[];
  discount: string;
  notes: string;
  version?: number;
}

let keys = 1;
const emptyLine = (): LineDraft => ({ key: keys++, description: '', quantity: '1', price: '', discount: '' });

/** The form as the API's input, or the first problem in words. */
function toInput(draft: Draft): { ok: true; value: ReturnType<typeof build> } | { ok: false; problem: string } {
  for (const [index, line] of draft.lines.entries()) {
    if (!isQuantity(line.quantity.trim())) return { ok: false, problem: `Line ${index + 1}: the quantity is not a number (at most 6 decimals)` };
    if (decimalToMinor(line.price || '0', draft.currency) === null)
      return { ok: false, problem: `Line ${index + 1}: the price is not an amount in ${draft.currency}` };
    if (line.discount.trim() && !isPercent(line.discount.trim()))
      return { ok: false, problem: `Line ${index + 1}: the discount is a percentage between 0 and 100` };
  }
  for (const tax of draft.taxes)
    if (!isPercent(tax.rate.trim())) return { ok: false, problem: `Tax ${tax.name || ''}: the rate is a percentage between 0 and 100`.replace('  ', ' ') };
  if (draft.discount.trim() && !isPercent(draft.discount.trim())) return { ok: false, problem: 'The invoice discount is a percentage between 0 and 100' };
  return { ok: true, value: build(draft) };
}

function build(draft: Draft) {
  const taxes = draft.taxes.map((tax, index) => ({
    id: `t${index + 1}`,
    name: tax.name.trim() || `Tax ${index + 1}`,
    rate: tax.rate.trim(),
    compound: tax.compound,
  }));
  return {
    currency: draft.currency,
    taxMode: draft.taxMode,
    taxes,
    documentTaxIds: taxes.map((tax) => tax.id),
    discount: draft.discount.trim() ? { kind: 'percent' as const, percent: draft.discount.trim() } : null,
    notes: draft.notes.trim() || null,
    lines: draft.lines.map((line) => ({
      description: line.description.trim(),
      quantity: line.quantity.trim(),
      unitPrice: (decimalToMinor(line.price || '0', draft.currency) ?? 0n).toString(),
      discount: line.discount.trim() ? { kind: 'percent' as const, percent: line.discount.trim() } : null,
      taxIds: [] as string[],
    })),
  };
}

export default function InvoiceEditorPage() {
  const { id } = useParams();
  if (!id) return <Editor initial={{ clientId: null, currency: 'USD', taxMode: 'exclusive', lines: [emptyLine()], taxes: [], discount: '', notes: '' }} />;
  return <EditExisting id={id} />;
}

function EditExisting({ id }: { id: string }) {
  const invoice = trpc.revenue.invoices.get.useQuery({ id });
  return (
    <QueryState query={invoice}>
      {(inv) => (
        <Editor
          id={id}
          initial={{
            clientId: inv.clientId,
            currency: inv.currency,
            taxMode: inv.taxMode,
            version: inv.version,
            lines: inv.lines.map((line) => ({
              key: keys++,
              description: line.description,
              quantity: line.quantity,
              price: minorToDecimal(line.unitPrice, inv.currency),
              discount: line.discount?.kind === 'percent' ? line.discount.percent : '',
            })),
            taxes: inv.taxes.map((tax) => ({ key: keys++, name: tax.name, rate: tax.rate, compound: tax.compound })),
            discount: inv.discount?.kind === 'percent' ? inv.discount.percent : '',
            notes: inv.notes ?? '',
          }}
        />
      )}
    </QueryState>
  );
}

function Editor({ id, initial }: { id?: string; initial: Draft }) {
  const navigate = useNavigate();
  const toast = useToast();
  const settings = trpc.revenue.invoiceSettings.get.useQuery();
  const [draft, setDraft] = useState<Draft>(initial);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const setLine = (key: number, patch: Partial<LineDraft>) => setDraft((d) => ({ ...d, lines: d.lines.map((l) => (l.key === key ? { ...l, ...patch } : l)) }));
  const setTax = (key: number, patch: Partial<TaxDraft>) => setDraft((d) => ({ ...d, taxes: d.taxes.map((t) => (t.key === key ? { ...t, ...patch } : t)) }));
  const parsed = toInput(draft);
  const rounding = settings.data
    ? { level: settings.data.roundingLevel, mode: settings.data.roundingMode }
    : { level: 'line' as const, mode: 'halfUp' as const };
  // Live totals: the same computeInvoice the server stores and the PDF prints.
  const totals: ComputedInvoice | null = useMemo(() => {
    if (!parsed.ok) return null;
    try {
      return computeInvoice({ ...parsed.value, rounding });
    } catch {
      return null;
    }
  }, [parsed, rounding]);
  const create = trpc.revenue.invoices.create.useMutation({
    onSuccess: (inv) => (toast('Invoice drafted'), navigate(`/revenue/invoices/${inv.id}`)),
  });
  const update = trpc.revenue.invoices.update.useMutation({
    onSuccess: (inv) => (toast('Invoice saved'), navigate(`/revenue/invoices/${inv.id}`)),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const error = create.error ?? update.error;
  const save = () => {
    if (!parsed.ok || !draft.clientId) return;
    if (id) update.mutate({ id, ...(draft.version ? { version: draft.version } : {}), clientId: draft.clientId, ...parsed.value });
    else create.mutate({ clientId: draft.clientId, ...parsed.value });
  };
  const currency = draft.currency;
  return (
    <div>
      <PageHeader title={id ? 'Edit invoice' : 'New invoice'} subtitle="Totals update as you type, exactly as the PDF will show them" />
      <RevenueNav />
      <div className="grid gap-4 lg:grid-cols-[1fr_20rem]">
        <Card>
          <form
            className="space-y-4 p-4"
            onSubmit={(e) => {
              e.preventDefault();
              save();
            }}
          >
            <div className="grid gap-3 sm:grid-cols-3">
              <Field label="Client" name="clientId" error={error} required>
                <ClientPicker value={draft.clientId} onChange={(clientId) => set({ clientId })} />
              </Field>
              <Field label="Currency" name="currency" error={error}>
                <Input value={currency} maxLength={3} onChange={(e) => set({ currency: e.target.value.toUpperCase() })} />
              </Field>
              <Field label="Prices">
                <Select value={draft.taxMode} onChange={(e) => set({ taxMode: e.target.value === 'inclusive' ? 'inclusive' : 'exclusive' })}>
                  <option value="exclusive">Before tax</option>
                  <option value="inclusive">Tax included</option>
                </Select>
              </Field>
            </div>
            <fieldset>
              <legend className="mb-2 text-xs font-medium text-slate-700">Lines</legend>
              <div className="space-y-2">
                {draft.lines.map((line, index) => (
                  <div key={line.key} className="grid grid-cols-[1fr_5rem_7rem_5rem_auto] items-end gap-2">
                    <Field label={index === 0 ? 'Description' : ' '} name={`lines.${index}.description`} error={error}>
                      <Input
                        aria-label={`Line ${index + 1} description`}
                        value={line.description}
                        onChange={(e) => setLine(line.key, { description: e.target.value })}
                      />
                    </Field>
                    <Field label={index === 0 ? 'Quantity' : ' '} name={`lines.${index}.quantity`} error={error}>
                      <Input
                        aria-label={`Line ${index + 1} quantity`}
                        inputMode="decimal"
                        value={line.quantity}
                        onChange={(e) => setLine(line.key, { quantity: e.target.value })}
                      />
                    </Field>
                    <Field label={index === 0 ? `Unit price (${currency})` : ' '} name={`lines.${index}.unitPrice`} error={error}>
                      <Input
                        aria-label={`Line ${index + 1} unit price`}
                        inputMode="decimal"
                        value={line.price}
                        onChange={(e) => setLine(line.key, { price: e.target.value })}
                      />
                    </Field>
                    <Field label={index === 0 ? 'Discount %' : ' '}>
                      <Input
                        aria-label={`Line ${index + 1} discount`}
                        inputMode="decimal"
                        value={line.discount}
                        onChange={(e) => setLine(line.key, { discount: e.target.value })}
                      />
                    </Field>
                    <Button
                      variant="ghost"
                      aria-label={`Remove line ${index + 1}`}
                      disabled={draft.lines.length === 1}
                      onClick={() => set({ lines: draft.lines.filter((l) => l.key !== line.key) })}
                    >
                      ✕
                    </Button>
                  </div>
                ))}
              </div>
              <Button size="sm" className="mt-2" onClick={() => set({ lines: [...draft.lines, emptyLine()] })}>
                Add line
              </Button>
            </fieldset>
            <fieldset>
              <legend className="mb-2 text-xs font-medium text-slate-700">Taxes (on every line)</legend>
              <div className="space-y-2">
                {draft.taxes.map((tax, index) => (
                  <div key={tax.key} className="grid grid-cols-[1fr_6rem_auto_auto] items-center gap-2">
                    <Input
                      aria-label={`Tax ${index + 1} name`}
                      placeholder="e.g. VAT"
                      value={tax.name}
                      onChange={(e) => setTax(tax.key, { name: e.target.value })}
                    />
                    <Input
                      aria-label={`Tax ${index + 1} rate`}
                      placeholder="%"
                      inputMode="decimal"
                      value={tax.rate}
                      onChange={(e) => setTax(tax.key, { rate: e.target.value })}
                    />
                    <label className="flex items-center gap-1 text-xs text-slate-600">
                      <input type="checkbox" checked={tax.compound} onChange={(e) => setTax(tax.key, { compound: e.target.checked })} /> Compound
                    </label>
                    <Button variant="ghost" aria-label={`Remove tax ${index + 1}`} onClick={() => set({ taxes: draft.taxes.filter((t) => t.key !== tax.key) })}>
                      ✕
                    </Button>
                  </div>
                ))}
              </div>
              <Button size="sm" className="mt-2" onClick={() => set({ taxes: [...draft.taxes, { key: keys++, name: '', rate: '', compound: false }] })}>
                Add tax
              </Button>
            </fieldset>
            <div className="grid gap-3 sm:grid-cols-[10rem_1fr]">
              <Field label="Invoice discount %" name="discount" error={error}>
                <Input inputMode="decimal" value={draft.discount} onChange={(e) => set({ discount: e.target.value })} />
              </Field>
              <Field label="Notes" name="notes" error={error}>
                <Textarea rows={2} value={draft.notes} onChange={(e) => set({ notes: e.target.value })} />
              </Field>
            </div>
            {!parsed.ok ? (
              <p className="text-sm text-amber-700" role="status">
                {parsed.problem}
              </p>
            ) : null}
            <FormError error={error} />
            <div className="flex gap-2">
              <Button type="submit" variant="primary" disabled={!parsed.ok || !draft.clientId} loading={create.isPending || update.isPending}>
                {id ? 'Save invoice' : 'Save draft'}
              </Button>
              <Button onClick={() => navigate(id ? `/revenue/invoices/${id}` : '/revenue/invoices')}>Cancel</Button>
            </div>
          </form>
        </Card>
        <Card title="Totals">
          <TotalsTable totals={totals} currency={currency} inclusive={draft.taxMode === 'inclusive'} />
        </Card>
      </div>
    </div>
  );
}

export function TotalsTable({
  totals,
  currency,
  inclusive,
}: {
  totals: { subtotal: bigint; documentDiscount: bigint; taxes: { taxId: string; name: string; rate: string; amount: bigint }[]; total: bigint } | null;
  currency: string;
  inclusive: boolean;
}) {
  if (!totals) return <p className="p-4 text-sm text-slate-500">Fix the form to see the totals.</p>;
  return (
    <dl className="space-y-1.5 p-4 text-sm" data-testid="live-totals">
      <Row label="Subtotal" amount={totals.subtotal} currency={currency} />
      {totals.documentDiscount > 0n ? <Row label="Discount" amount={-totals.documentDiscount} currency={currency} /> : null}
      {totals.taxes.map((tax) => (
        <Row key={tax.taxId} label={`${tax.name} ${tax.rate}%${inclusive ? ' included' : ''}`} amount={tax.amount} currency={currency} />
      ))}
      <div className="border-t border-slate-200 pt-1.5">
        <Row label="Total" amount={totals.total} currency={currency} strong />
      </div>
    </dl>
  );
}

function Row({ label, amount, currency, strong }: { label: string; amount: bigint; currency: string; strong?: boolean }) {
  return (
    <div className={`flex justify-between gap-4 ${strong ? 'font-semibold text-slate-900' : 'text-slate-600'}`}>
      <dt>{label}</dt>
      <dd>
        <Money amount={amount} currency={currency} />
      </dd>
    </div>
  );
}
