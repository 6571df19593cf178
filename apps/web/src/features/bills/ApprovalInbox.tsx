import { Link } from 'react-router';
import { formatRelative } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Card, EmptyState, QueryState } from '../../ui/index.ts';
import { formatMinor } from './money.ts';

/** What waits for the signed-in member's decision: own steps, steps delegated to them, role steps. */
export function ApprovalInbox() {
  const inbox = trpc.revenue.approvals.inbox.useQuery();
  const members = trpc.identity.members.list.useQuery(undefined, { retry: false, staleTime: 300_000 });
  const nameOf = (userId: string | null) => (userId ? (members.data?.find((member) => member.userId === userId)?.name ?? 'a member') : 'a workflow');
  return (
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
  );
}
