import { useState } from 'react';
import { trpc } from '../../trpc.ts';
import { Button, Dialog, Field, FormError, Input, Select } from '../../ui/index.ts';
import { ClientPicker } from '../clients/ClientPicker.tsx';

export function DealFormDialog({ clientId: fixedClient, stageId, onClose }: { clientId?: string; stageId?: string; onClose: () => void }) {
  const utils = trpc.useUtils();
  const pipeline = trpc.crm.pipelines.getDefault.useQuery();
  const [clientId, setClientId] = useState<string | null>(fixedClient ?? null);
  const [form, setForm] = useState({ title: '', value: '', currency: 'USD', expectedClose: '', stageId: stageId ?? '' });
  const create = trpc.crm.deals.create.useMutation({
    onSuccess: () => {
      void utils.crm.deals.invalidate();
      onClose();
    },
  });
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setForm((f) => ({ ...f, [key]: e.target.value }));
  return (
    <Dialog
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title="New deal"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="deal-form" loading={create.isPending}>
            Create deal
          </Button>
        </>
      }
    >
      <form
        id="deal-form"
        className="space-y-3"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({
            clientId: clientId ?? '',
            title: form.title,
            valueMinor: form.value === '' ? undefined : Math.round(Number(form.value) * 100),
            currency: form.currency.toUpperCase(),
            expectedClose: form.expectedClose || null,
            stageId: form.stageId || undefined,
          });
        }}
      >
        <FormError error={create.error} fields={['clientId', 'title', 'valueMinor', 'currency', 'expectedClose', 'stageId']} />
        <Field label="Title" name="title" error={create.error}>
          <Input value={form.title} onChange={set('title')} autoFocus />
        </Field>
        {!fixedClient ? (
          <Field label="Client" name="clientId" error={create.error}>
            <ClientPicker value={clientId} onChange={setClientId} />
          </Field>
        ) : null}
        <div className="grid grid-cols-3 gap-3">
          <Field label="Value" name="valueMinor" error={create.error} className="col-span-2">
            <Input type="number" min="0" step="0.01" value={form.value} onChange={set('value')} />
          </Field>
          <Field label="Currency" name="currency" error={create.error}>
            <Input value={form.currency} maxLength={3} onChange={set('currency')} />
          </Field>
        </div>
        <div className="grid grid-cols-2 gap-3">
          <Field label="Stage" name="stageId" error={create.error}>
            <Select value={form.stageId} onChange={set('stageId')}>
              <option value="">First stage</option>
              {(pipeline.data?.stages ?? [])
                .filter((s) => s.kind === 'open')
                .map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
            </Select>
          </Field>
          <Field label="Expected close" name="expectedClose" error={create.error}>
            <Input type="date" value={form.expectedClose} onChange={set('expectedClose')} />
          </Field>
        </div>
      </form>
    </Dialog>
  );
}
