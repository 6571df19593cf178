import { useState } from 'react';
import type { RouterOutputs } from '../../trpc.ts';
import { useInvalidateKeyset } from '../../lib/keyset.ts';
import { trpc } from '../../trpc.ts';
import { Button, Dialog, Field, FormError, Input, Select } from '../../ui/index.ts';
import { CustomFieldInputs } from './CustomFieldInputs.tsx';

type Client = RouterOutputs['crm']['clients']['get'];
const statuses = ['lead', 'active', 'past'] as const;

export function ClientFormDialog({ client, onClose, onSaved }: { client?: Client; onClose: () => void; onSaved?: (client: Client) => void }) {
  const utils = trpc.useUtils();
  const invalidateKeyset = useInvalidateKeyset();
  const fields = trpc.crm.customFields.list.useQuery({ entity: 'client' });
  const [form, setForm] = useState({
    name: client?.name ?? '',
    domain: client?.domain ?? '',
    website: client?.website ?? '',
    status: (client?.status ?? 'lead') as (typeof statuses)[number],
    tags: client?.tags.join(', ') ?? '',
  });
  const [custom, setCustom] = useState<Record<string, unknown>>(client?.customFields ?? {});
  const saved = (c: Client) => {
    void utils.crm.clients.list.invalidate();
    void invalidateKeyset('crm.clients.list');
    utils.crm.clients.get.setData({ id: c.id }, c);
    onSaved?.(c);
    onClose();
  };
  const create = trpc.crm.clients.create.useMutation({ onSuccess: saved });
  const update = trpc.crm.clients.update.useMutation({ onSuccess: saved });
  const mutation = client ? update : create;
  const submit = () => {
    const payload = {
      name: form.name,
      domain: form.domain.trim() || null,
      website: form.website.trim() || null,
      status: form.status,
      tags: form.tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      customFields: Object.fromEntries(Object.entries(custom).filter(([, v]) => v !== null && v !== undefined && v !== '')),
    };
    if (client) update.mutate({ id: client.id, ...payload });
    else create.mutate(payload);
  };
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setForm((f) => ({ ...f, [key]: e.target.value }));
  const fieldKeys = ['name', 'domain', 'website', 'status', 'tags', ...(fields.data ?? []).map((f) => `customFields.${f.key}`)];
  return (
    <Dialog
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title={client ? `Edit ${client.name}` : 'New client'}
      size="lg"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="client-form" loading={mutation.isPending}>
            {client ? 'Save changes' : 'Create client'}
          </Button>
        </>
      }
    >
      <form
        id="client-form"
        className="space-y-3"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <FormError error={mutation.error} fields={fieldKeys} />
        <div className="grid grid-cols-2 gap-3">
          <Field label="Name" name="name" error={mutation.error} required className="col-span-2">
            <Input value={form.name} onChange={set('name')} autoFocus />
          </Field>
          <Field label="Domain" name="domain" error={mutation.error} hint="Used to match contacts and duplicates.">
            <Input value={form.domain} onChange={set('domain')} placeholder="acme.com" />
          </Field>
          <Field label="Website" name="website" error={mutation.error}>
            <Input value={form.website} onChange={set('website')} placeholder="https://acme.com" />
          </Field>
          <Field label="Status" name="status" error={mutation.error}>
            <Select value={form.status} onChange={set('status')}>
              {statuses.map((s) => (
                <option key={s} value={s}>
                  {s[0]?.toUpperCase() + s.slice(1)}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Tags" name="tags" error={mutation.error} hint="Comma separated.">
            <Input value={form.tags} onChange={set('tags')} />
          </Field>
        </div>
        <CustomFieldInputs fields={fields.data ?? []} values={custom} onChange={setCustom} error={mutation.error} />
      </form>
    </Dialog>
  );
}
