import { useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import {
  Badge,
  Button,
  Card,
  Checkbox,
  EmptyState,
  Field,
  FormError,
  Input,
  QueryState,
  Select,
  Table,
  Td,
  Textarea,
  Th,
  Tr,
  useToast,
} from '../../ui/index.ts';

/**
 * The client profile's Portal tab (staff): who of the client's contacts can sign in to the
 * client portal, what the client sees there (shared folders), and deliverables sent for approval.
 */
export function ClientPortalTab({ clientId }: { clientId: string }) {
  return (
    <div className="grid gap-5">
      <PortalUsers clientId={clientId} />
      <SharedFolders clientId={clientId} />
      <Approvals clientId={clientId} />
    </div>
  );
}

function PortalUsers({ clientId }: { clientId: string }) {
  const canManage = useCan('portal.users.manage');
  const toast = useToast();
  const utils = trpc.useUtils();
  const users = trpc.portal.users.list.useQuery({ clientId });
  const contacts = trpc.crm.contacts.list.useQuery({ clientId, limit: 100 });
  const [contactId, setContactId] = useState('');
  const invite = trpc.portal.users.invite.useMutation({
    onSuccess: (result) => {
      toast(result.created ? `${result.user.name} invited: a sign-in link is on its way` : `A new sign-in link was sent to ${result.user.name}`);
      setContactId('');
      void utils.portal.users.list.invalidate();
    },
  });
  const revoke = trpc.portal.users.revoke.useMutation({
    onSuccess: (user) => {
      toast(`${user.name} can no longer sign in to the portal`);
      void utils.portal.users.list.invalidate();
    },
    onError: (error) => toast(errorMessage(error), 'error'),
  });
  const invitable = (contacts.data?.items ?? []).filter((contact) => contact.email);
  return (
    <Card title="Client portal access">
      {canManage ? (
        <form
          className="mb-4 flex flex-wrap items-end gap-2"
          onSubmit={(event) => {
            event.preventDefault();
            if (contactId) invite.mutate({ contactId, clientId });
          }}
        >
          <Field label="Invite a contact" className="min-w-56">
            <Select value={contactId} onChange={(event) => setContactId(event.target.value)} data-testid="portal-invite-contact">
              <option value="">Choose a contact with an email…</option>
              {invitable.map((contact) => (
                <option key={contact.id} value={contact.id}>
                  {contact.name} ({contact.email})
                </option>
              ))}
            </Select>
          </Field>
          <Button type="submit" variant="primary" disabled={!contactId} loading={invite.isPending}>
            Invite to portal
          </Button>
          <FormError error={invite.error} />
        </form>
      ) : null}
      <QueryState
        query={users}
        isEmpty={(data) => data.items.length === 0}
        empty={<EmptyState title="Nobody from this client can sign in yet" description="Invite a contact: they get a sign-in link by email." />}
      >
        {(data) => (
          <Table>
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Email</Th>
                <Th>Last signed in</Th>
                <Th>Status</Th>
                <Th />
              </tr>
            </thead>
            <tbody>
              {data.items.map((user) => (
                <Tr key={user.id}>
                  <Td>{user.name}</Td>
                  <Td>{user.email}</Td>
                  <Td>{user.lastAccessAt ? formatDate(user.lastAccessAt) : 'Never'}</Td>
                  <Td>{user.status === 'active' ? <Badge tone="green">Active</Badge> : <Badge tone="rose">Revoked</Badge>}</Td>
                  <Td className="text-right">
                    {canManage && user.status === 'active' ? (
                      <Button size="sm" variant="danger" loading={revoke.isPending} onClick={() => revoke.mutate({ portalUserId: user.id })}>
                        Revoke access
                      </Button>
                    ) : null}
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </QueryState>
    </Card>
  );
}

function SharedFolders({ clientId }: { clientId: string }) {
  const canShare = useCan('portal.shares.manage');
  const toast = useToast();
  const folders = trpc.files.folders.list.useQuery({ clientId });
  const shares = trpc.portal.shares.get.useQuery({ clientId }, { retry: false });
  const [chosen, setChosen] = useState<Set<string> | null>(null);
  const utils = trpc.useUtils();
  const save = trpc.portal.shares.set.useMutation({
    onSuccess: () => {
      toast('What the client sees in the portal was saved');
      setChosen(null);
      void utils.portal.shares.get.invalidate();
    },
  });
  const current = chosen ?? new Set(shares.data?.folderIds ?? []);
  return (
    <Card title="Shared in the portal">
      <QueryState query={folders} isEmpty={(data) => data.length === 0} empty={<EmptyState title="This client has no folders yet" />}>
        {(data) => (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              save.mutate({ clientId, folderIds: [...current], taskIds: shares.data?.taskIds ?? [] });
            }}
          >
            <fieldset className="grid gap-1.5" disabled={!canShare}>
              <legend className="mb-2 text-sm text-slate-600">The client sees these folders (and everything inside them) in the portal.</legend>
              {data
                .filter((folder) => folder.parentId === null)
                .map((folder) => (
                  <Checkbox
                    key={folder.id}
                    label={folder.name}
                    checked={current.has(folder.id)}
                    onChange={(event) => {
                      const next = new Set(current);
                      if (event.target.checked) next.add(folder.id);
                      else next.delete(folder.id);
                      setChosen(next);
                    }}
                  />
                ))}
            </fieldset>
            {canShare ? (
              <div className="mt-3 flex items-center gap-3">
                <Button type="submit" variant="primary" size="sm" loading={save.isPending} disabled={chosen === null}>
                  Save sharing
                </Button>
                <FormError error={save.error} />
              </div>
            ) : null}
          </form>
        )}
      </QueryState>
    </Card>
  );
}

const statusBadge = {
  pending: <Badge tone="amber">Waiting for the client</Badge>,
  approved: <Badge tone="green">Approved</Badge>,
  changes_requested: <Badge tone="rose">Changes requested</Badge>,
  cancelled: <Badge>Withdrawn</Badge>,
} as const;

function Approvals({ clientId }: { clientId: string }) {
  const canManage = useCan('portal.approvals.manage');
  const toast = useToast();
  const utils = trpc.useUtils();
  const approvals = trpc.portal.approvals.list.useQuery({ clientId });
  const files = trpc.files.files.list.useQuery({ clientId, limit: 100 }, { enabled: canManage });
  const [title, setTitle] = useState('');
  const [subject, setSubject] = useState('');
  const [text, setText] = useState('');
  const request = trpc.portal.approvals.request.useMutation({
    onSuccess: (approval) => {
      toast(`"${approval.title}" was sent to the client for approval`);
      setTitle('');
      setSubject('');
      setText('');
      void utils.portal.approvals.list.invalidate();
    },
  });
  const cancel = trpc.portal.approvals.cancel.useMutation({
    onSuccess: () => void utils.portal.approvals.list.invalidate(),
    onError: (error) => toast(errorMessage(error), 'error'),
  });
  return (
    <Card title="Approvals">
      {canManage ? (
        <form
          className="mb-4 grid gap-3 sm:grid-cols-2"
          onSubmit={(event) => {
            event.preventDefault();
            request.mutate(subject === 'text' ? { clientId, title, text } : { clientId, title, fileId: subject });
          }}
        >
          <Field label="What to approve" name="title" error={request.error}>
            <Input value={title} onChange={(event) => setTitle(event.target.value)} placeholder="Homepage design" data-testid="approval-title" />
          </Field>
          <Field label="Deliverable" name="fileId" error={request.error}>
            <Select value={subject} onChange={(event) => setSubject(event.target.value)} data-testid="approval-subject">
              <option value="">Choose a file or a text…</option>
              <option value="text">A text I write here</option>
              {(files.data?.items ?? []).map((file) => (
                <option key={file.id} value={file.id}>
                  {file.name}
                </option>
              ))}
            </Select>
          </Field>
          {subject === 'text' ? (
            <Field label="Text" name="text" error={request.error} className="sm:col-span-2">
              <Textarea value={text} onChange={(event) => setText(event.target.value)} rows={3} />
            </Field>
          ) : null}
          <div className="flex items-center gap-3 sm:col-span-2">
            <Button type="submit" variant="primary" size="sm" loading={request.isPending} disabled={!title.trim() || !subject}>
              Ask the client to approve
            </Button>
            <FormError error={request.error} fields={['title', 'fileId', 'text']} />
          </div>
        </form>
      ) : null}
      <QueryState query={approvals} isEmpty={(data) => data.items.length === 0} empty={<EmptyState title="Nothing was sent for approval yet" />}>
        {(data) => (
          <ul className="divide-y divide-slate-100" data-testid="staff-approvals">
            {data.items.map((approval) => {
              const last = approval.decisions[0];
              return (
                <li key={approval.id} className="flex flex-wrap items-center gap-3 py-2.5">
                  <div className="min-w-0 flex-1">
                    <p className="truncate text-sm font-medium text-slate-900">
                      {approval.title}{' '}
                      {approval.kind === 'file' ? (
                        <span className="text-slate-500">
                          · {approval.fileName ?? 'file'}, version {approval.version}
                        </span>
                      ) : null}
                    </p>
                    {last ? (
                      <p className="text-xs text-slate-500">
                        {last.decision === 'approved' ? 'Approved' : 'Changes requested'} by {last.decidedByName ?? 'the client'} on version {last.version},{' '}
                        {formatDate(last.decidedAt)}
                        {last.comment ? `: “${last.comment}”` : ''}
                      </p>
                    ) : null}
                  </div>
                  {statusBadge[approval.status]}
                  {canManage && approval.status === 'pending' ? (
                    <Button size="sm" variant="ghost" onClick={() => cancel.mutate({ approvalId: approval.id })}>
                      Withdraw
                    </Button>
                  ) : null}
                </li>
              );
            })}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
