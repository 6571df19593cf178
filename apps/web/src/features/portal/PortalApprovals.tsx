import { useState } from 'react';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate } from '../../lib/format.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Badge, Button, Card, EmptyState, Field, QueryState, Textarea } from '../../ui/index.ts';
import { usePortal } from './PortalShell.tsx';

type Approval = RouterOutputs['portal']['me']['approvals']['list']['approvals'][number];

/** Deliverables the team sent for approval: approve, or ask for changes with a comment — for the version shown. */
export default function PortalApprovals() {
  const approvals = trpc.portal.me.approvals.list.useQuery({});
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold text-slate-900">Approvals</h1>
      <QueryState query={approvals} isEmpty={(data) => data.approvals.length === 0} empty={<EmptyState title="Nothing was sent for your approval" />}>
        {(data) => (
          <div className="grid gap-4">
            {data.approvals.map((approval) => (
              <ApprovalCard key={`${approval.id}-${approval.version}`} approval={approval} />
            ))}
          </div>
        )}
      </QueryState>
    </>
  );
}

function ApprovalCard({ approval }: { approval: Approval }) {
  const { branding } = usePortal();
  const utils = trpc.useUtils();
  const [comment, setComment] = useState('');
  const [asking, setAsking] = useState(false);
  const decide = trpc.portal.me.approvals.decide.useMutation({
    onSuccess: () => {
      void utils.portal.me.approvals.list.invalidate();
      void utils.portal.me.home.invalidate();
    },
    onError: () => void utils.portal.me.approvals.list.invalidate(),
  });
  const badge =
    approval.status === 'approved' ? (
      <Badge tone="green">Approved</Badge>
    ) : approval.status === 'changes_requested' ? (
      <Badge tone="rose">Changes requested</Badge>
    ) : approval.status === 'cancelled' ? (
      <Badge>Withdrawn</Badge>
    ) : (
      <Badge tone="amber">Waiting for you</Badge>
    );
  return (
    <Card title={approval.title} actions={badge}>
      <div data-testid="portal-approval">
        {approval.kind === 'file' ? (
          <p className="text-sm text-slate-700">
            File: <span className="font-medium">{approval.fileName ?? 'deliverable'}</span>, version {approval.version}
          </p>
        ) : (
          <blockquote className="whitespace-pre-wrap rounded-md bg-slate-50 p-3 text-sm text-slate-800">{approval.body}</blockquote>
        )}
        {approval.decisions.map((decision) => (
          <p key={decision.version} className="mt-2 text-xs text-slate-500">
            Version {decision.version}: {decision.decision === 'approved' ? 'approved' : 'changes requested'} by {decision.decidedByName ?? 'you'} on{' '}
            {formatDate(decision.decidedAt)}
            {decision.comment ? ` — “${decision.comment}”` : ''}
          </p>
        ))}
        {approval.status === 'pending' ? (
          <div className="mt-4 grid gap-3">
            {asking ? (
              <Field label="What should change?" name="comment" error={decide.error}>
                <Textarea value={comment} onChange={(event) => setComment(event.target.value)} rows={3} />
              </Field>
            ) : null}
            <div className="flex flex-wrap gap-2">
              {asking ? (
                <>
                  <Button
                    variant="primary"
                    className="h-11"
                    loading={decide.isPending}
                    disabled={!comment.trim()}
                    onClick={() =>
                      decide.mutate({ approvalId: approval.id, version: approval.version, decision: 'changes_requested', comment: comment.trim() })
                    }
                  >
                    Send my comments
                  </Button>
                  <Button className="h-11" onClick={() => setAsking(false)}>
                    Back
                  </Button>
                </>
              ) : (
                <>
                  <Button
                    variant="primary"
                    className="h-11"
                    style={{ backgroundColor: branding.accent }}
                    loading={decide.isPending}
                    onClick={() => decide.mutate({ approvalId: approval.id, version: approval.version, decision: 'approved' })}
                  >
                    Approve version {approval.version}
                  </Button>
                  <Button className="h-11" onClick={() => setAsking(true)}>
                    Request changes
                  </Button>
                </>
              )}
            </div>
            {decide.error ? (
              <p className="text-sm text-rose-700" role="alert">
                {errorMessage(decide.error)}
              </p>
            ) : null}
          </div>
        ) : null}
      </div>
    </Card>
  );
}
