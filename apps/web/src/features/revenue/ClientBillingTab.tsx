import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate } from '../../lib/format.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Button, Card, EmptyState, Field, FormError, Input, QueryState, Table, Td, Th, Tr, useToast } from '../../ui/index.ts';
import { Money, StatusBadge } from './shared.tsx';

type Account = RouterOutputs['revenue']['accounts']['get'];

/** The client profile's Billing tab: the billing account and the client's invoices. */
export function ClientBillingTab({ clientId }: { clientId: string }) {
  const account = trpc.revenue.accounts.get.useQuery({ clientId });
  const invoices = trpc.revenue.invoices.list.useQuery({ clientId, limit: 50 });
  const navigate = useNavigate();
  return (
    <div className="grid gap-4 lg:grid-cols-[22rem_1fr]">
      <Card title="Billing account">
        <QueryState query={account}>{(a) => <AccountForm account={a} />}</QueryState>
      </Card>
      <Card title="Invoices">
        <QueryState query={invoices} isEmpty={(d) => d.items.length === 0} empty={<EmptyState title="No invoices for this client" />}>
          {(d) => (
            <Table>
              <thead>
                <tr>
                  <Th>Number</Th>
                  <Th>Status</Th>
                  <Th>Due</Th>
                  <Th className="text-right">Total</Th>
                  <Th className="text-right">Balance</Th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {d.items.map((item) => (
                  <Tr key={item.id} onClick={() => navigate(`/revenue/invoices/${item.id}`)}>
                    <Td className="font-medium">{item.number ?? 'Draft'}</Td>
                    <Td>
                      <StatusBadge status={item.status} overdue={item.overdue} />
                    </Td>
                    <Td>{formatDate(item.dueDate)}</Td>
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
          )}
        </QueryState>
      </Card>
    </div>
  );
}

function AccountForm({ account }: { account: Account }) {
  const toast = useToast();
  const utils = trpc.useUtils();
  const canWrite = useCan('revenue.account.write');
  const [form, setForm] = useState({
    billingName: account.billingName ?? '',
    billingEmail: account.billingEmail ?? '',
    currency: account.currency,
    paymentTermsDays: String(account.paymentTermsDays),
    taxId: account.taxIds[0]?.value ?? '',
  });
  const save = trpc.revenue.accounts.update.useMutation({
    onSuccess: (a) => (utils.revenue.accounts.get.setData({ clientId: a.clientId }, a), toast('Billing account saved')),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));
  return (
    <form
      className="space-y-3 p-4"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({
          clientId: account.clientId,
          billingName: form.billingName.trim() || null,
          billingEmail: form.billingEmail.trim() || null,
          currency: form.currency.trim() || null,
          paymentTermsDays: Number.parseInt(form.paymentTermsDays, 10),
          taxIds: form.taxId.trim() ? [{ kind: 'Tax id', value: form.taxId.trim() }] : [],
        });
      }}
    >
      <Field label="Billing name" name="billingName" error={save.error}>
        <Input value={form.billingName} onChange={set('billingName')} disabled={!canWrite} />
      </Field>
      <Field label="Billing email" name="billingEmail" error={save.error} hint="Invoices are emailed here">
        <Input type="email" value={form.billingEmail} onChange={set('billingEmail')} disabled={!canWrite} />
      </Field>
      <div className="grid grid-cols-2 gap-3">
        <Field label="Currency" name="currency" error={save.error}>
          <Input value={form.currency} maxLength={3} onChange={set('currency')} disabled={!canWrite} />
        </Field>
        <Field label="Payment terms (days)" name="paymentTermsDays" error={save.error}>
          <Input inputMode="numeric" value={form.paymentTermsDays} onChange={set('paymentTermsDays')} disabled={!canWrite} />
        </Field>
      </div>
      <Field label="Tax id" name="taxIds.0.value" error={save.error}>
        <Input value={form.taxId} onChange={set('taxId')} disabled={!canWrite} />
      </Field>
      {account.credit.length > 0 ? (
        <p className="text-sm text-slate-600">
          Credit:{' '}
          {account.credit.map((c) => (
            <Money key={c.currency} amount={c.amount} currency={c.currency} className="mr-2 font-medium" />
          ))}
        </p>
      ) : null}
      <FormError error={save.error} fields={['billingName', 'billingEmail', 'currency', 'paymentTermsDays']} />
      {canWrite ? (
        <Button type="submit" variant="primary" loading={save.isPending}>
          Save billing account
        </Button>
      ) : null}
    </form>
  );
}
