import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMe } from '../../app/session.tsx';
import { formatRelative } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, EmptyState, Field, FormError, Input, QueryState, Select, useToast } from '../../ui/index.ts';
import { formatMinor } from './money.ts';

/** What waits for the signed-in member's decision: own steps, steps delegated to them, role steps. */
export function ApprovalInbox() {
  const inbox = trpc.revenue.approvals.inbox.useQuery();
  const members = trpc.identity.members.list.useQuery(undefined, { retry: false, staleTime: 300_000 });
  const nameOf = (userId: string | null) => (userId ? (members.data?.find((member) => member.userId === userId)?.name ?? 'a member') : 'a workflow');
  return (
    <div className="flex flex-col gap-5">
      <Card title="Waiting for my approval">
        <QueryState
          query={inbox}
          isEmpty={(items) => items.length === 0}
          empty={<EmptyState title="Nothing to approve" description="Bills waiting for your decision appear here." />}
        >
          {(items) => (
            <ul className="divide-y divide-slate-100" aria-label="Approvals waiting for me">
              {items.map((item) => (
                <li key={item.stepId} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3">
                  <div className="min-w-0">
                    <Link to={item.subjectKind === 'bill' ? `/bills/${item.subjectId}` : '/'} className="font-medium text-indigo-700 hover:underline">
                      {item.title}
                    </Link>
                    <p className="text-xs text-slate-500">
                      Step {item.stepPosition + 1} of {item.stepCount} · submitted by {nameOf(item.submittedBy)} · waiting {formatRelative(item.waitingSince)}
                      {item.onBehalfOf ? ` · on behalf of ${nameOf(item.onBehalfOf)}` : ''}
                    </p>
                  </div>
                  <span className="tabular-nums text-sm text-slate-900">{formatMinor(item.amountMinor, item.currency)}</span>
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      </Card>
      <Delegations />
    </div>
  );
}

/** While away: who decides for me (and for whom I decide), by dates. */
function Delegations() {
  const toast = useToast();
  const me = useMe();
  const utils = trpc.useUtils();
  const delegations = trpc.revenue.approvals.delegations.list.useQuery();
  const members = trpc.identity.members.list.useQuery(undefined, { retry: false, staleTime: 300_000 });
  const nameOf = (userId: string) => (userId === me.user.id ? 'you' : (members.data?.find((member) => member.userId === userId)?.name ?? 'a member'));
  const today = new Date().toISOString().slice(0, 10);
  const [form, setForm] = useState({ toMember: '', startsOn: today, endsOn: today });
  const refresh = async () => {
    await utils.revenue.approvals.delegations.list.invalidate();
    await utils.revenue.approvals.inbox.invalidate();
  };
  const create = trpc.revenue.approvals.delegations.create.useMutation({
    onSuccess: async () => {
      toast('Your approvals are delegated');
      await refresh();
    },
  });
  const revoke = trpc.revenue.approvals.delegations.revoke.useMutation({ onSuccess: refresh });
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(form);
  }
  return (
    <Card title="Delegation while away">
      <form className="flex flex-wrap items-end gap-2 border-b border-slate-100 px-4 py-3" onSubmit={submit}>
        <Field label="Delegate my approvals to" name="toMember" error={create.error} className="w-64">
          <Select value={form.toMember} onChange={(event) => setForm({ ...form, toMember: event.target.value })} required>
            <option value="">Choose a member…</option>
            {(members.data ?? [])
              .filter((member) => member.userId !== me.user.id && member.role !== 'viewer')
              .map((member) => (
                <option key={member.userId} value={member.userId}>
                  {member.name}
                </option>
              ))}
          </Select>
        </Field>
        <Field label="From" name="startsOn" error={create.error}>
          <Input type="date" value={form.startsOn} onChange={(event) => setForm({ ...form, startsOn: event.target.value })} required />
        </Field>
        <Field label="Until" name="endsOn" error={create.error}>
          <Input type="date" value={form.endsOn} onChange={(event) => setForm({ ...form, endsOn: event.target.value })} required />
        </Field>
        <Button type="submit" variant="primary" size="sm" loading={create.isPending}>
          Delegate
        </Button>
        <FormError error={create.error} fields={['toMember', 'startsOn', 'endsOn']} />
      </form>
      <QueryState query={delegations} isEmpty={(rows) => rows.length === 0} empty={<p className="px-4 py-3 text-sm text-slate-500">No delegations.</p>}>
        {(rows) => (
          <ul className="divide-y divide-slate-100" aria-label="Delegations">
            {rows.map((row) => (
              <li key={row.id} className="flex items-center justify-between gap-3 px-4 py-2.5 text-sm">
                <span>
                  From {nameOf(row.fromMember)} to {nameOf(row.toMember)}, {row.startsOn} to {row.endsOn}
                  {row.revoked ? (
                    <span className="ml-2">
                      <Badge>Withdrawn</Badge>
                    </span>
                  ) : null}
                </span>
                {row.revoked ? null : (
                  <Button size="sm" variant="ghost" onClick={() => revoke.mutate({ id: row.id })}>
                    Withdraw
                  </Button>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
