import { useState } from 'react';
import { useMe } from '../../app/session.tsx';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Button, Dialog, Field, FormError, Input, Select } from '../../ui/index.ts';
import { ClientPicker } from '../clients/ClientPicker.tsx';
import { CustomFieldInputs } from '../clients/CustomFieldInputs.tsx';

export type Deal = RouterOutputs['crm']['deals']['get'];

/** The tenant's project templates by name; the id stays behind the option (never shown). */
export function ProjectTemplateSelect({
  value,
  onChange,
  ...rest
}: { value: string; onChange: (value: string) => void } & Omit<React.SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange'>) {
  const templates = trpc.projects.templates.list.useQuery();
  const list = templates.data?.items ?? [];
  return (
    <Select {...rest} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{templates.isPending ? 'Loading…' : 'No project'}</option>
      {list.map((t) => (
        <option key={t.id} value={t.id}>
          {t.name}
        </option>
      ))}
      {value && !templates.isPending && !list.some((t) => t.id === value) ? <option value={value}>An archived template</option> : null}
    </Select>
  );
}

/** The name of a project template, for reading (never its id). */
export function ProjectTemplateName({ id }: { id: string | null }) {
  const template = trpc.projects.templates.get.useQuery({ id: id ?? '' }, { enabled: Boolean(id), retry: false });
  if (!id) return <>No project</>;
  if (template.isPending) return <>…</>;
  if (!template.data) return <>A template that no longer exists</>;
  return <>{template.data.archivedAt ? `${template.data.name} (archived)` : template.data.name}</>;
}

interface DealFormState {
  title: string;
  value: string;
  currency: string;
  expectedClose: string;
  stageId: string;
  ownerId: string;
  projectTemplateId: string;
}

const dealFieldKeys = ['clientId', 'title', 'valueMinor', 'currency', 'expectedClose', 'stageId', 'ownerId', 'projectTemplateId'];

function initialState(deal: Deal | undefined, defaults: { stageId?: string | undefined; ownerId: string }): DealFormState {
  return {
    title: deal?.title ?? '',
    value: deal ? String(deal.valueMinor / 100) : '',
    currency: deal?.currency ?? 'USD',
    expectedClose: deal?.expectedClose ?? '',
    stageId: deal?.stageId ?? defaults.stageId ?? '',
    ownerId: deal ? (deal.ownerId ?? '') : defaults.ownerId,
    projectTemplateId: deal?.projectTemplateId ?? '',
  };
}

/** The fields of a deal, shared by "New deal" and the deal page's in-place edit (same inputs, same validation). */
function DealFields({
  form,
  setForm,
  custom,
  setCustom,
  error,
  client,
  stageLocked,
}: {
  form: DealFormState;
  setForm: (update: (f: DealFormState) => DealFormState) => void;
  custom: Record<string, unknown>;
  setCustom: (values: Record<string, unknown>) => void;
  error: unknown;
  client?: React.ReactNode;
  stageLocked?: boolean;
}) {
  const me = useMe();
  const pipeline = trpc.crm.pipelines.getDefault.useQuery();
  const fields = trpc.crm.customFields.list.useQuery({ entity: 'deal' });
  const members = trpc.identity.members.list.useQuery(undefined, { staleTime: 300_000 });
  const set = (key: keyof DealFormState) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    const value = e.target.value;
    setForm((f) => ({ ...f, [key]: value }));
  };
  return (
    <>
      <FormError error={error} fields={[...dealFieldKeys, ...(fields.data ?? []).map((f) => `customFields.${f.key}`)]} />
      <Field label="Title" name="title" error={error}>
        <Input value={form.title} onChange={set('title')} autoFocus />
      </Field>
      {client}
      <div className="grid grid-cols-3 gap-3">
        <Field label="Value" name="valueMinor" error={error} className="col-span-2">
          <Input type="number" min="0" step="0.01" value={form.value} onChange={set('value')} />
        </Field>
        <Field label="Currency" name="currency" error={error}>
          <Input value={form.currency} maxLength={3} onChange={set('currency')} />
        </Field>
      </div>
      <div className="grid grid-cols-2 gap-3">
        <Field label="Stage" name="stageId" error={error}>
          <Select value={form.stageId} onChange={set('stageId')} disabled={stageLocked}>
            {stageLocked ? null : <option value="">First stage</option>}
            {(pipeline.data?.stages ?? [])
              .filter((s) => s.kind === 'open' || s.id === form.stageId)
              .map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
          </Select>
        </Field>
        <Field label="Expected close" name="expectedClose" error={error}>
          <Input type="date" value={form.expectedClose} onChange={set('expectedClose')} />
        </Field>
        <Field label="Owner" name="ownerId" error={error}>
          <Select value={form.ownerId} onChange={set('ownerId')}>
            <option value="">No owner</option>
            {(members.data ?? []).map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.name}
              </option>
            ))}
            {form.ownerId && !members.data ? <option value={form.ownerId}>{form.ownerId === me.user.id ? me.user.name : '…'}</option> : null}
          </Select>
        </Field>
        <Field label="Project template" name="projectTemplateId" error={error}>
          <ProjectTemplateSelect value={form.projectTemplateId} onChange={(projectTemplateId) => setForm((f) => ({ ...f, projectTemplateId }))} />
        </Field>
      </div>
      <p className="-mt-1 text-xs text-slate-500">When the deal is won, the “Deal won” workflow opens a project from this template.</p>
      <CustomFieldInputs fields={fields.data ?? []} values={custom} onChange={setCustom} error={error} />
    </>
  );
}

const valueMinor = (value: string) => (value === '' ? undefined : Math.round(Number(value) * 100));

export function DealFormDialog({ clientId: fixedClient, stageId, onClose }: { clientId?: string; stageId?: string; onClose: () => void }) {
  const utils = trpc.useUtils();
  const me = useMe();
  const [clientId, setClientId] = useState<string | null>(fixedClient ?? null);
  const [form, setForm] = useState(() => initialState(undefined, { stageId, ownerId: me.user.id }));
  const [custom, setCustom] = useState<Record<string, unknown>>({});
  const create = trpc.crm.deals.create.useMutation({
    onSuccess: () => {
      void utils.crm.deals.invalidate();
      onClose();
    },
  });
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
            valueMinor: valueMinor(form.value),
            currency: form.currency.toUpperCase(),
            expectedClose: form.expectedClose || null,
            stageId: form.stageId || undefined,
            ownerId: form.ownerId || null,
            projectTemplateId: form.projectTemplateId || null,
            customFields: Object.fromEntries(Object.entries(custom).filter(([, v]) => v !== null && v !== undefined && v !== '')),
          });
        }}
      >
        <DealFields
          form={form}
          setForm={setForm}
          custom={custom}
          setCustom={setCustom}
          error={create.error}
          client={
            !fixedClient ? (
              <Field label="Client" name="clientId" error={create.error}>
                <ClientPicker value={clientId} onChange={setClientId} />
              </Field>
            ) : null
          }
        />
      </form>
    </Dialog>
  );
}

/** The deal page's edit in place: crm.deals.update (and moveStage when an open deal's stage changes). */
export function DealEditForm({ deal, onDone }: { deal: Deal; onDone: () => void }) {
  const utils = trpc.useUtils();
  const [form, setForm] = useState(() => initialState(deal, { ownerId: '' }));
  const [custom, setCustom] = useState<Record<string, unknown>>(deal.customFields);
  const update = trpc.crm.deals.update.useMutation();
  const move = trpc.crm.deals.moveStage.useMutation();
  const error = update.error ?? move.error;
  const saving = update.isPending || move.isPending;
  const save = async () => {
    try {
      const saved = await update.mutateAsync({
        id: deal.id,
        title: form.title,
        valueMinor: valueMinor(form.value) ?? 0,
        currency: form.currency.toUpperCase(),
        expectedClose: form.expectedClose || null,
        ownerId: form.ownerId || null,
        projectTemplateId: form.projectTemplateId || null,
        customFields: Object.fromEntries(Object.entries(custom).map(([k, v]) => [k, v === '' || v === undefined ? null : v])),
      });
      const moved =
        deal.status === 'open' && form.stageId && form.stageId !== deal.stageId ? await move.mutateAsync({ id: deal.id, stageId: form.stageId }) : saved;
      utils.crm.deals.get.setData({ id: deal.id }, moved);
      void utils.crm.deals.invalidate();
      void utils.timeline.invalidate();
      onDone();
    } catch {
      // The error is shown beside its field (FormError / Field read the mutation's error).
    }
  };
  return (
    <form
      className="space-y-3 p-4"
      noValidate
      aria-label="Edit deal"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onDone();
      }}
    >
      <DealFields form={form} setForm={setForm} custom={custom} setCustom={setCustom} error={error} stageLocked={deal.status !== 'open'} />
      <div className="flex gap-2 pt-1">
        <Button type="submit" variant="primary" loading={saving}>
          Save changes
        </Button>
        <Button onClick={onDone}>Cancel</Button>
      </div>
    </form>
  );
}
