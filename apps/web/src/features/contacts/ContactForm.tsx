import { useState } from 'react';
import type { RouterOutputs } from '../../trpc.ts';
import { useInvalidateKeyset } from '../../lib/keyset.ts';
import { trpc } from '../../trpc.ts';
import { Button, Dialog, Field, FormError, Input } from '../../ui/index.ts';
import { ClientPicker } from '../clients/ClientPicker.tsx';
import { CustomFieldInputs } from '../clients/CustomFieldInputs.tsx';

type Contact = RouterOutputs['crm']['contacts']['get'];

export function ContactFormDialog({
  contact,
  clientId,
  onClose,
  onSaved,
}: {
  contact?: Contact;
  clientId?: string;
  onClose: () => void;
  onSaved?: (c: Contact) => void;
}) {
  const utils = trpc.useUtils();
  const invalidateKeyset = useInvalidateKeyset();
  const fields = trpc.crm.customFields.list.useQuery({ entity: 'contact' });
  const [form, setForm] = useState({
    name: contact?.name ?? '',
    email: contact?.email ?? '',
    phone: contact?.phone ?? '',
    title: contact?.title ?? '',
    role: '',
  });
  const [client, setClient] = useState<string | null>(clientId ?? null);
  const [custom, setCustom] = useState<Record<string, unknown>>(contact?.customFields ?? {});
  const saved = (c: Contact) => {
    void utils.crm.contacts.list.invalidate();
    void invalidateKeyset('crm.contacts.list');
    utils.crm.contacts.get.setData({ id: c.id }, c);
    onSaved?.(c);
    onClose();
  };
  const create = trpc.crm.contacts.create.useMutation({ onSuccess: saved });
  const update = trpc.crm.contacts.update.useMutation({ onSuccess: saved });
  const mutation = contact ? update : create;
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm((f) => ({ ...f, [key]: e.target.value }));
  const submit = () => {
    const base = {
      name: form.name,
      email: form.email.trim() || null,
      phone: form.phone.trim() || null,
      title: form.title.trim() || null,
      customFields: Object.fromEntries(Object.entries(custom).filter(([, v]) => v !== null && v !== undefined && v !== '')),
    };
    if (contact) update.mutate({ id: contact.id, ...base });
    else create.mutate({ ...base, clients: client ? [{ clientId: client, role: form.role.trim() || null }] : [] });
  };
  return (
    <Dialog
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title={contact ? `Edit ${contact.name}` : 'New contact'}
      size="lg"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="contact-form" loading={mutation.isPending}>
            {contact ? 'Save changes' : 'Create contact'}
          </Button>
        </>
      }
    >
      <form
        id="contact-form"
        className="space-y-3"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <FormError error={mutation.error} fields={['name', 'email', 'phone', 'title', ...(fields.data ?? []).map((f) => `customFields.${f.key}`)]} />
        <div className="grid grid-cols-2 gap-3">
          <Field label="Name" name="name" error={mutation.error} required>
            <Input value={form.name} onChange={set('name')} autoFocus />
          </Field>
          <Field label="Job title" name="title" error={mutation.error}>
            <Input value={form.title} onChange={set('title')} />
          </Field>
          <Field label="Email" name="email" error={mutation.error}>
            <Input type="email" value={form.email} onChange={set('email')} />
          </Field>
          <Field label="Phone" name="phone" error={mutation.error}>
            <Input value={form.phone} onChange={set('phone')} />
          </Field>
          {!contact && !clientId ? (
            <Field label="Client" name="clients.0.clientId" error={mutation.error}>
              <ClientPicker value={client} onChange={setClient} />
            </Field>
          ) : null}
          {!contact ? (
            <Field label="Role at client" name="clients.0.role" error={mutation.error} hint="e.g. Decision maker">
              <Input value={form.role} onChange={set('role')} />
            </Field>
          ) : null}
        </div>
        <CustomFieldInputs fields={fields.data ?? []} values={custom} onChange={setCustom} error={mutation.error} />
      </form>
    </Dialog>
  );
}
