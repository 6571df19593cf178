import { useState } from 'react';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, Dialog, EmptyState, Field, FormError, Input, QueryState, Select, Table, Td, Th, Tr, useToast } from '../../ui/index.ts';

const roleOptions = ['viewer', 'member', 'admin', 'owner'] as const;
type RoleOption = (typeof roleOptions)[number];
const statusTone = { pending: 'amber', accepted: 'green', revoked: 'slate', expired: 'rose' } as const;

export function InvitationsTab() {
  const toast = useToast();
  const utils = trpc.useUtils();
  const invitations = trpc.identity.invitations.list.useQuery();
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState<{ email: string; role: RoleOption }>({ email: '', role: 'member' });
  const [link, setLink] = useState<string | null>(null);
  const create = trpc.identity.invitations.create.useMutation({
    onSuccess: (result) => {
      void utils.identity.invitations.list.invalidate();
      const url = new URL(result.acceptUrl, window.location.origin);
      setLink(`${window.location.origin}${url.pathname}${url.search}${url.hash}`);
      setForm({ email: '', role: 'member' });
    },
  });
  const revoke = trpc.identity.invitations.revoke.useMutation({
    onSuccess: () => {
      toast('Invitation revoked');
      void utils.identity.invitations.list.invalidate();
    },
    onError: (error) => toast(errorMessage(error), 'error'),
  });
  const close = () => {
    setOpen(false);
    setLink(null);
    create.reset();
  };
  return (
    <Card
      title="Invitations"
      actions={
        <Button variant="primary" size="sm" onClick={() => setOpen(true)}>
          Invite member
        </Button>
      }
    >
      <QueryState
        query={invitations}
        isEmpty={(d) => d.length === 0}
        empty={<EmptyState title="No invitations yet" description="Invite a colleague by email; they choose their password when they accept." />}
      >
        {(list) => (
          <Table>
            <thead>
              <tr>
                <Th>Email</Th>
                <Th>Role</Th>
                <Th>Status</Th>
                <Th>Sent</Th>
                <Th>Expires</Th>
                <Th />
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {list.map((inv) => (
                <Tr key={inv.id}>
                  <Td className="font-medium text-slate-900">{inv.email}</Td>
                  <Td>{inv.role}</Td>
                  <Td>
                    <Badge tone={statusTone[inv.status]}>{inv.status}</Badge>
                  </Td>
                  <Td className="text-slate-500">{formatDate(inv.createdAt)}</Td>
                  <Td className="text-slate-500">{formatDate(inv.expiresAt)}</Td>
                  <Td className="text-right">
                    {inv.status === 'pending' ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        loading={revoke.isPending && revoke.variables?.invitationId === inv.id}
                        onClick={() => revoke.mutate({ invitationId: inv.id })}
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
        title={link ? 'Invitation created' : 'Invite a member'}
        description={link ? 'Send this link to the person you invited. It is shown only once.' : 'They get access with the role you choose.'}
        footer={
          link ? (
            <Button variant="primary" onClick={close}>
              Done
            </Button>
          ) : (
            <>
              <Button onClick={close}>Cancel</Button>
              <Button variant="primary" type="submit" form="invite-form" loading={create.isPending}>
                Create invitation
              </Button>
            </>
          )
        }
      >
        {link ? (
          <div className="space-y-2">
            <Input readOnly value={link} onFocus={(e) => e.currentTarget.select()} data-testid="invite-link" />
            <Button
              size="sm"
              onClick={() => {
                void navigator.clipboard?.writeText(link).then(() => toast('Link copied'));
              }}
            >
              Copy link
            </Button>
          </div>
        ) : (
          <form
            id="invite-form"
            className="space-y-3"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate(form);
            }}
          >
            <FormError error={create.error} fields={['email', 'role']} />
            <Field label="Email" name="email" error={create.error}>
              <Input type="email" value={form.email} onChange={(e) => setForm((f) => ({ ...f, email: e.target.value }))} autoFocus />
            </Field>
            <Field label="Role" name="role" error={create.error} hint="Viewers can read everything and change nothing.">
              <Select value={form.role} onChange={(e) => setForm((f) => ({ ...f, role: e.target.value as RoleOption }))}>
                {roleOptions.map((r) => (
                  <option key={r} value={r}>
                    {r}
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
