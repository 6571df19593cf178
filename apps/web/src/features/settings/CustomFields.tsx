import { useState } from 'react';
import { errorMessage } from '../../lib/errors.ts';
import { humanize } from '../../lib/format.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import {
  Badge,
  Button,
  Card,
  Checkbox,
  Dialog,
  EmptyState,
  Field,
  FormError,
  Input,
  QueryState,
  Select,
  Table,
  Tabs,
  Td,
  Th,
  useToast,
} from '../../ui/index.ts';

type Entity = 'client' | 'contact' | 'deal';
const types = ['text', 'number', 'date', 'select', 'multi_select', 'boolean', 'email', 'url', 'currency'] as const;
type FieldType = (typeof types)[number];

export function CustomFieldsTab() {
  const [entity, setEntity] = useState<Entity>('client');
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState<FieldDef | null>(null);
  const toast = useToast();
  const utils = trpc.useUtils();
  const fields = trpc.crm.customFields.list.useQuery({ entity });
  const archive = trpc.crm.customFields.archive.useMutation({
    onSuccess: () => (toast('Field archived'), void utils.crm.customFields.list.invalidate()),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  return (
    <Card
      title="Custom fields"
      actions={
        <Button variant="primary" size="sm" onClick={() => setOpen(true)}>
          Add field
        </Button>
      }
    >
      <div className="px-4 pt-1">
        <Tabs
          tabs={[
            { id: 'client', label: 'Clients' },
            { id: 'contact', label: 'Contacts' },
            { id: 'deal', label: 'Deals' },
          ]}
          value={entity}
          onChange={setEntity}
        />
      </div>
      <QueryState
        query={fields}
        isEmpty={(d) => d.length === 0}
        empty={<EmptyState title={`No custom fields on ${entity}s`} description="Add the fields your business tracks: industry, tier, renewal date…" />}
      >
        {(list) => (
          <Table>
            <thead>
              <tr>
                <Th>Label</Th>
                <Th>Key</Th>
                <Th>Type</Th>
                <Th>Options</Th>
                <Th>Required</Th>
                <Th />
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {list.map((f) => (
                <tr key={f.id}>
                  <Td className="font-medium text-slate-900">{f.label}</Td>
                  <Td className="font-mono text-xs">{f.key}</Td>
                  <Td>
                    <Badge>{humanize(f.type)}</Badge>
                  </Td>
                  <Td className="max-w-64 truncate text-slate-500">{f.options.join(', ') || '—'}</Td>
                  <Td>{f.required ? 'Yes' : 'No'}</Td>
                  <Td className="text-right">
                    <Button size="sm" variant="ghost" onClick={() => setEditing(f)}>
                      Edit
                    </Button>
                    <Button size="sm" variant="ghost" onClick={() => archive.mutate({ id: f.id })}>
                      Archive
                    </Button>
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </QueryState>
      {open ? <NewFieldDialog entity={entity} onClose={() => setOpen(false)} /> : null}
      {editing ? <EditFieldDialog field={editing} onClose={() => setEditing(null)} /> : null}
    </Card>
  );
}

type FieldDef = RouterOutputs['crm']['customFields']['list'][number];

function EditFieldDialog({ field, onClose }: { field: FieldDef; onClose: () => void }) {
  const utils = trpc.useUtils();
  const [form, setForm] = useState({ label: field.label, options: field.options.join(', '), required: field.required });
  const update = trpc.crm.customFields.update.useMutation({
    onSuccess: () => {
      void utils.crm.customFields.list.invalidate();
      onClose();
    },
  });
  const hasOptions = field.type === 'select' || field.type === 'multi_select';
  return (
    <Dialog
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title={`Edit ${field.label}`}
      description={`Key ${field.key} · ${humanize(field.type)} (key and type cannot change)`}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="edit-field-form" loading={update.isPending}>
            Save
          </Button>
        </>
      }
    >
      <form
        id="edit-field-form"
        className="space-y-3"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          update.mutate({
            id: field.id,
            label: form.label,
            required: form.required,
            ...(hasOptions
              ? {
                  options: form.options
                    .split(',')
                    .map((o) => o.trim())
                    .filter(Boolean),
                }
              : {}),
          });
        }}
      >
        <FormError error={update.error} fields={['label', 'options', 'required']} />
        <Field label="Label" name="label" error={update.error}>
          <Input value={form.label} autoFocus onChange={(e) => setForm((f) => ({ ...f, label: e.target.value }))} />
        </Field>
        {hasOptions ? (
          <Field label="Options" name="options" error={update.error} hint="Comma separated.">
            <Input value={form.options} onChange={(e) => setForm((f) => ({ ...f, options: e.target.value }))} />
          </Field>
        ) : null}
        <Checkbox label="Required" checked={form.required} onChange={(e) => setForm((f) => ({ ...f, required: e.target.checked }))} />
      </form>
    </Dialog>
  );
}

function NewFieldDialog({ entity, onClose }: { entity: Entity; onClose: () => void }) {
  const utils = trpc.useUtils();
  const [form, setForm] = useState({ label: '', key: '', type: 'text' as FieldType, options: '', required: false });
  const [keyTouched, setKeyTouched] = useState(false);
  const create = trpc.crm.customFields.create.useMutation({
    onSuccess: () => {
      void utils.crm.customFields.list.invalidate();
      onClose();
    },
  });
  const slug = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .replace(/^[^a-z]+/, '')
      .slice(0, 64);
  const needsOptions = form.type === 'select' || form.type === 'multi_select';
  return (
    <Dialog
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title={`New ${entity} field`}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="field-form" loading={create.isPending}>
            Create field
          </Button>
        </>
      }
    >
      <form
        id="field-form"
        className="space-y-3"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({
            entity,
            label: form.label,
            key: form.key,
            type: form.type,
            required: form.required,
            ...(needsOptions
              ? {
                  options: form.options
                    .split(',')
                    .map((o) => o.trim())
                    .filter(Boolean),
                }
              : {}),
          });
        }}
      >
        <FormError error={create.error} fields={['label', 'key', 'type', 'options', 'required']} />
        <Field label="Label" name="label" error={create.error}>
          <Input
            value={form.label}
            autoFocus
            onChange={(e) => setForm((f) => ({ ...f, label: e.target.value, key: keyTouched ? f.key : slug(e.target.value) }))}
          />
        </Field>
        <Field label="Key" name="key" error={create.error} hint="Used in imports, workflows and the API.">
          <Input className="font-mono" value={form.key} onChange={(e) => (setKeyTouched(true), setForm((f) => ({ ...f, key: e.target.value })))} />
        </Field>
        <Field label="Type" name="type" error={create.error}>
          <Select value={form.type} onChange={(e) => setForm((f) => ({ ...f, type: e.target.value as FieldType }))}>
            {types.map((t) => (
              <option key={t} value={t}>
                {humanize(t)}
              </option>
            ))}
          </Select>
        </Field>
        {needsOptions ? (
          <Field label="Options" name="options" error={create.error} hint="Comma separated.">
            <Input value={form.options} onChange={(e) => setForm((f) => ({ ...f, options: e.target.value }))} />
          </Field>
        ) : null}
        <Checkbox label="Required" checked={form.required} onChange={(e) => setForm((f) => ({ ...f, required: e.target.checked }))} />
      </form>
    </Dialog>
  );
}
