import { useState } from 'react';
import { useMe } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate, formatRelative } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, Checkbox, Dialog, EmptyState, Field, FormError, Input, QueryState, Select, Table, Td, Th, Tr, useToast } from '../../ui/index.ts';

const roleOptions = ['viewer', 'member', 'admin', 'owner'] as const;
type RoleOption = (typeof roleOptions)[number];
const expiryOptions = [
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: 'A year' },
] as const;
const statusTone = { active: 'green', expired: 'rose', revoked: 'slate' } as const;

interface KeyForm {
  name: string;
  scope: 'role' | 'permissions';
  role: RoleOption;
  permissions: string[];
  days: number;
}

const emptyForm: KeyForm = { name: '', scope: 'role', role: 'member', permissions: [], days: 90 };

/** Settings → API keys: keys of the organization for the typed client and HTTP callers (§7). */
export function ApiKeysTab() {
  const me = useMe();
  const toast = useToast();
  const utils = trpc.useUtils();
  const keys = trpc.identity.apiKeys.list.useQuery();
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState<KeyForm>(emptyForm);
  const [secret, setSecret] = useState<string | null>(null);
  const create = trpc.identity.apiKeys.create.useMutation({
    onSuccess: (result) => {
      void utils.identity.apiKeys.list.invalidate();
      setSecret(result.secret);
      setForm(emptyForm);
    },
  });
  const revoke = trpc.identity.apiKeys.revoke.useMutation({
    onSuccess: () => {
      toast('API key revoked');
      void utils.identity.apiKeys.list.invalidate();
    },
    onError: (error) => toast(errorMessage(error), 'error'),
  });
  const close = () => {
    setOpen(false);
    setSecret(null);
    create.reset();
  };
  const submit = () => {
    const expiresAt = new Date(Date.now() + form.days * 86_400_000).toISOString();
    create.mutate(form.scope === 'role' ? { name: form.name, role: form.role, expiresAt } : { name: form.name, permissions: form.permissions, expiresAt });
  };
  const togglePermission = (permission: string, on: boolean) =>
    setForm((f) => ({ ...f, permissions: on ? [...f.permissions, permission] : f.permissions.filter((p) => p !== permission) }));
  return (
    <Card
      title="API keys"
      actions={
        <Button variant="primary" size="sm" onClick={() => setOpen(true)}>
          Create API key
        </Button>
      }
    >
      <p className="mb-3 text-sm text-slate-600">
        A key lets a script or another system call UBOS as this organization (see the typed client, <code>@ubos/client</code>, and the API reference at{' '}
        <a className="text-indigo-600 underline" href="/api/docs">
          /api/docs
        </a>
        ). What it does appears on the timeline under its name.
      </p>
      <QueryState
        query={keys}
        isEmpty={(d) => d.length === 0}
        empty={<EmptyState title="No API keys yet" description="Create one for a script or an integration; its secret is shown once." />}
      >
        {(list) => (
          <Table>
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Key</Th>
                <Th>Scope</Th>
                <Th>Status</Th>
                <Th>Last used</Th>
                <Th>Expires</Th>
                <Th />
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {list.map((key) => (
                <Tr key={key.id}>
                  <Td className="font-medium text-slate-900">{key.name}</Td>
                  <Td className="font-mono text-xs text-slate-500">{key.prefix}</Td>
                  <Td>{key.permissions ? `${key.permissions.length} permission${key.permissions.length === 1 ? '' : 's'}` : `Role: ${key.role}`}</Td>
                  <Td>
                    <Badge tone={statusTone[key.status]}>{key.status}</Badge>
                  </Td>
                  <Td className="text-slate-500">{key.lastUsedAt ? formatRelative(key.lastUsedAt) : 'Never'}</Td>
                  <Td className="text-slate-500">{formatDate(key.expiresAt)}</Td>
                  <Td className="text-right">
                    {key.status === 'active' ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        aria-label={`Revoke ${key.name}`}
                        loading={revoke.isPending && revoke.variables?.apiKeyId === key.id}
                        onClick={() => revoke.mutate({ apiKeyId: key.id })}
                      >
                        Revoke
                      </Button>
                    ) : null}
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </QueryState>
      <Dialog
        open={open}
        onOpenChange={(o) => (!o ? close() : setOpen(true))}
        title={secret ? 'API key created' : 'Create an API key'}
        description={secret ? 'Copy the secret now: it is shown only once and cannot be recovered.' : 'The key can do no more than you can.'}
        footer={
          secret ? (
            <Button variant="primary" onClick={close}>
              Done
            </Button>
          ) : (
            <>
              <Button onClick={close}>Cancel</Button>
              <Button variant="primary" type="submit" form="api-key-form" loading={create.isPending}>
                Create key
              </Button>
            </>
          )
        }
      >
        {secret ? (
          <div className="space-y-2">
            <Input readOnly value={secret} onFocus={(e) => e.currentTarget.select()} data-testid="api-key-secret" aria-label="API key secret" />
            <Button size="sm" onClick={() => void navigator.clipboard?.writeText(secret).then(() => toast('Secret copied'))}>
              Copy secret
            </Button>
          </div>
        ) : (
          <form
            id="api-key-form"
            className="space-y-3"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              submit();
            }}
          >
            <FormError error={create.error} fields={['name', 'role', 'permissions', 'expiresAt']} />
            <Field label="Name" name="name" error={create.error} hint="Who uses it, e.g. “Reporting sync”: the timeline shows this name.">
              <Input value={form.name} onChange={(e) => setForm((f) => ({ ...f, name: e.target.value }))} autoFocus />
            </Field>
            <Field label="Scope" name="scope">
              <Select value={form.scope} onChange={(e) => setForm((f) => ({ ...f, scope: e.target.value as KeyForm['scope'] }))}>
                <option value="role">Everything a role can do</option>
                <option value="permissions">Only the permissions I choose</option>
              </Select>
            </Field>
            {form.scope === 'role' ? (
              <Field label="Role" name="role" error={create.error}>
                <Select value={form.role} onChange={(e) => setForm((f) => ({ ...f, role: e.target.value as RoleOption }))}>
                  {roleOptions.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </Select>
              </Field>
            ) : (
              <fieldset className="max-h-56 space-y-1 overflow-y-auto rounded border border-slate-200 p-2" aria-label="Permissions">
                {[...me.permissions].sort().map((permission) => (
                  <div key={permission}>
                    <Checkbox
                      label={permission}
                      checked={form.permissions.includes(permission)}
                      onChange={(e) => togglePermission(permission, e.target.checked)}
                    />
                  </div>
                ))}
              </fieldset>
            )}
            <Field label="Expires in" name="expiresAt" error={create.error}>
              <Select value={String(form.days)} onChange={(e) => setForm((f) => ({ ...f, days: Number(e.target.value) }))}>
                {expiryOptions.map((option) => (
                  <option key={option.days} value={option.days}>
                    {option.label}
                  </option>
                ))}
              </Select>
            </Field>
          </form>
        )}
      </Dialog>
    </Card>
  );
}
