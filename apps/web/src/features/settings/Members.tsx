import { useState } from 'react';
import { useCan, useMe } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Avatar, Badge, Button, Card, Dialog, QueryState, Select, Table, Td, Th, Tr, useToast } from '../../ui/index.ts';

const roleOptions = ['owner', 'admin', 'member', 'viewer'] as const;

export function MembersTab() {
  const me = useMe();
  const canManage = useCan('identity.member.manage');
  const toast = useToast();
  const utils = trpc.useUtils();
  const members = trpc.identity.members.list.useQuery();
  const [removing, setRemoving] = useState<{ userId: string; name: string } | null>(null);
  const changeRole = trpc.identity.members.changeRole.useMutation({
    onSuccess: () => {
      toast('Role updated');
      void utils.identity.members.list.invalidate();
    },
    onError: (error) => toast(errorMessage(error), 'error'),
  });
  const remove = trpc.identity.members.remove.useMutation({
    onSuccess: () => {
      toast('Member removed');
      setRemoving(null);
      void utils.identity.members.list.invalidate();
    },
    onError: (error) => toast(errorMessage(error), 'error'),
  });
  return (
    <Card title="Members" actions={<span className="text-xs text-slate-500">{members.data ? `${members.data.length} people` : null}</span>}>
      <QueryState query={members} isEmpty={(d) => d.length === 0}>
        {(list) => (
          <Table>
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Email</Th>
                <Th>Role</Th>
                <Th>Joined</Th>
                {canManage ? <Th className="text-right">Actions</Th> : null}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {list.map((m) => (
                <Tr key={m.userId}>
                  <Td>
                    <span className="flex items-center gap-2">
                      <Avatar name={m.name} size="sm" />
                      <span className="font-medium text-slate-900">{m.name}</span>
                      {m.userId === me.user.id ? <Badge>you</Badge> : null}
                    </span>
                  </Td>
                  <Td>{m.email}</Td>
                  <Td>
                    {canManage && m.userId !== me.user.id ? (
                      <Select
                        aria-label={`Role of ${m.name}`}
                        className="w-32"
                        value={m.role}
                        onChange={(e) => changeRole.mutate({ userId: m.userId, role: e.target.value as (typeof roleOptions)[number] })}
                      >
                        {roleOptions.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </Select>
                    ) : (
                      <Badge tone={m.role === 'owner' ? 'indigo' : m.role === 'viewer' ? 'slate' : 'sky'}>{m.role}</Badge>
                    )}
                  </Td>
                  <Td className="text-slate-500">{formatDate(m.joinedAt)}</Td>
                  {canManage ? (
                    <Td className="text-right">
                      {m.userId !== me.user.id ? (
                        <Button size="sm" variant="ghost" onClick={() => setRemoving({ userId: m.userId, name: m.name })}>
                          Remove
                        </Button>
                      ) : null}
                    </Td>
                  ) : null}
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </QueryState>
      <Dialog
        open={!!removing}
        onOpenChange={(open) => (!open ? setRemoving(null) : undefined)}
        title={`Remove ${removing?.name ?? ''}?`}
        description="They lose access to this organization immediately."
        size="sm"
        footer={
          <>
            <Button onClick={() => setRemoving(null)}>Cancel</Button>
            <Button variant="danger" loading={remove.isPending} onClick={() => removing && remove.mutate({ userId: removing.userId })}>
              Remove
            </Button>
          </>
        }
      >
        <p className="text-sm text-slate-600">Their records stay; only the membership is removed.</p>
      </Dialog>
    </Card>
  );
}
