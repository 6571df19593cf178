import { useState } from 'react';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Card, EmptyState, QueryState } from '../../ui/index.ts';
import { formatMoney } from '../revenue/money.ts';

/** The client's issued invoices: amount, due date, what is still open, and the PDF. */
export default function PortalInvoices() {
  const invoices = trpc.portal.me.invoices.list.useQuery();
  const [openId, setOpenId] = useState<string | null>(null);
  // A signed URL minted on click (valid a few minutes), never listed in advance.
  const download = trpc.portal.me.invoices.downloadUrl.useMutation({ onSuccess: (signed) => window.location.assign(signed.url) });
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold text-slate-900">Invoices</h1>
      {download.error ? (
        <p className="mb-3 rounded-md bg-rose-50 p-3 text-sm text-rose-900" role="alert">
          {errorMessage(download.error)}
        </p>
      ) : null}
      <QueryState query={invoices} isEmpty={(d) => d.items.length === 0} empty={<EmptyState title="No invoices yet" />}>
        {(d) => (
          <Card>
            <ul className="divide-y divide-slate-100" data-testid="portal-invoices">
              {d.items.map((invoice) => (
                <li key={invoice.id} className="flex flex-wrap items-center gap-3 px-4 py-3 text-sm">
                  <button
                    type="button"
                    className="min-h-11 flex-1 text-left font-medium text-slate-900"
                    onClick={() => setOpenId(openId === invoice.id ? null : invoice.id)}
                    aria-expanded={openId === invoice.id}
                  >
                    Invoice {invoice.number}
                    <span className="ml-2 font-normal text-slate-500">
                      issued {formatDate(invoice.issueDate)}, due {formatDate(invoice.dueDate)}
                    </span>
                  </button>
                  {invoice.status === 'paid' ? (
                    <Badge tone="green">Paid</Badge>
                  ) : invoice.overdue ? (
                    <Badge tone="rose">Overdue</Badge>
                  ) : (
                    <Badge tone="indigo">Open</Badge>
                  )}
                  <span className="tabular-nums">{formatMoney(BigInt(invoice.totals.total), invoice.currency)}</span>
                  {invoice.status !== 'paid' ? (
                    <span className="text-slate-500 tabular-nums">{formatMoney(BigInt(invoice.totals.balance), invoice.currency)} due</span>
                  ) : null}
                  <button
                    type="button"
                    className="min-h-11 rounded-md px-3 font-medium text-indigo-700 ring-1 ring-slate-300 disabled:text-slate-400"
                    disabled={!invoice.hasPdf}
                    onClick={() => download.mutate({ invoiceId: invoice.id })}
                    aria-label={`Download invoice ${invoice.number}`}
                  >
                    PDF
                  </button>
                  {openId === invoice.id ? <InvoiceLines invoiceId={invoice.id} /> : null}
                </li>
              ))}
            </ul>
          </Card>
        )}
      </QueryState>
    </>
  );
}

function InvoiceLines({ invoiceId }: { invoiceId: string }) {
  const invoice = trpc.portal.me.invoices.get.useQuery({ invoiceId });
  return (
    <div className="w-full">
      <QueryState query={invoice}>
        {(inv) => (
          <table className="w-full text-sm">
            <tbody>
              {inv.lines.map((line, index) => (
                <tr key={`${index}-${line.description}`}>
                  <td className="py-1">{line.description}</td>
                  <td className="py-1 text-right tabular-nums">{line.quantity}</td>
                  <td className="py-1 text-right tabular-nums">{formatMoney(BigInt(line.net), inv.currency)}</td>
                </tr>
              ))}
              {inv.taxes.map((tax) => (
                <tr key={tax.name} className="text-slate-500">
                  <td className="py-1" colSpan={2}>
                    {tax.name} {tax.rate}%
                  </td>
                  <td className="py-1 text-right tabular-nums">{formatMoney(BigInt(tax.amount), inv.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </div>
  );
}
