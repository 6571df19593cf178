import { useState } from 'react';
import { useMe } from '../../app/session.tsx';
import { trpc } from '../../trpc.ts';
import { Button, Dialog, Field, FormError, Input, Select } from '../../ui/index.ts';
import { ClientPicker } from '../clients/ClientPicker.tsx';
import { CustomFieldInputs, type CustomField } from '../clients/CustomFieldInputs.tsx';

/** Deal custom fields that hold a project template id (read by the "deal won → project" workflow) get a template picker. */
export const isProjectTemplateField = (f: Pick<CustomField, 'key' | 'type'>) => f.type === 'text' && /(^|_)project_template_id$/.test(f.key);

function ProjectTemplateSelect({
  value,
  onChange,
  ...rest
}: { value: unknown; onChange: (value: string | null) => void } & Omit<React.SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange'>) {
  const templates = trpc.projects.templates.list.useQuery();
  const list = templates.data?.items ?? [];
  const current = typeof value === 'string' ? value : '';
  return (
    <Select {...rest} value={current} onChange={(e) => onChange(e.target.value || null)}>
      <option value="">{templates.isPending ? 'Loading…' : 'No project'}</option>
      {list.map((t) => (
        <option key={t.id} value={t.id}>
          {t.name}
        </option>
      ))}
      {current && !templates.isPending && !list.some((t) => t.id === current) ? <option value={current}>{current} (unknown template)</option> : null}
    </Select>
  );
}

export function DealFormDialog({ clientId: fixedClient, stageId, onClose }: { clientId?: string; stageId?: string; onClose: () => void }) {
  const utils = trpc.useUtils();
  const pipeline = trpc.crm.pipelines.getDefault.useQuery();
  const [clientId, setClientId] = useState<string | null>(fixedClient ?? null);
  const me = useMe();
  const fields = trpc.crm.customFields.list.useQuery({ entity: 'deal' });
  const members = trpc.identity.members.list.useQuery(undefined, { staleTime: 300_000 });
  const [form, setForm] = useState({ title: '', value: '', currency: 'USD', expectedClose: '', stageId: stageId ?? '', ownerId: me.user.id as string });
  const [custom, setCustom] = useState<Record<string, unknown>>({});
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
            ownerId: form.ownerId || null,
            customFields: Object.fromEntries(Object.entries(custom).filter(([, v]) => v !== null && v !== undefined && v !== '')),
          });
        }}
      >
        <FormError
          error={create.error}
          fields={[
            'clientId',
            'title',
            'valueMinor',
            'currency',
            'expectedClose',
            'stageId',
            'ownerId',
            ...(fields.data ?? []).map((f) => `customFields.${f.key}`),
          ]}
        />
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
          <Field label="Owner" name="ownerId" error={create.error} className="col-span-2">
            <Select value={form.ownerId} onChange={set('ownerId')}>
              <option value="">No owner</option>
              {(members.data ?? []).map((m) => (
                <option key={m.userId} value={m.userId}>
                  {m.name}
                </option>
              ))}
              {form.ownerId && !members.data ? <option value={form.ownerId}>{me.user.name}</option> : null}
            </Select>
          </Field>
        </div>
        <CustomFieldInputs
          fields={fields.data ?? []}
          values={custom}
          onChange={setCustom}
          error={create.error}
          renderControl={(f, value, set) => (isProjectTemplateField(f) ? <ProjectTemplateSelect value={value} onChange={set} /> : undefined)}
        />
      </form>
    </Dialog>
  );
}
