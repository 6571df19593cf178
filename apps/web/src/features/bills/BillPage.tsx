import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useCan, useMe } from '../../app/session.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Badge, Button, Card, Field, FormError, PageHeader, QueryState, Table, Td, Textarea, Th, useToast } from '../../ui/index.ts';
import { BillDialog } from './BillDialog.tsx';
import { formatMinor, statusTone, statusWords } from './money.ts';

type Bill = RouterOutputs['revenue']['bills']['get'];

/** One bill: its lines, attachment, approval history and, for its approver, approve / reject. */
export default function BillPage() {
  const { id = '' } = useParams();
  const bill = trpc.revenue.bills.get.useQuery({ id });
  return (
    <QueryState query={bill}>
      {(data) => (
        <div>
          <PageHeader
            breadcrumb={<Link to="/bills">Bills</Link>}
            title={`Bill ${data.number} from ${data.vendorName}`}
            subtitle={
              <span className="inline-flex items-center gap-2">
                <Badge tone={statusTone[data.status]}>{statusWords[data.status]}</Badge>
                <span>{formatMinor(data.totalMinor, data.currency)}</span>
                <span>· version {data.version}</span>
                {data.approvalState ? <span>· {data.approvalState}</span> : null}
              </span>
            }
            actions={<BillActions bill={data} />}
          />
          <div className="grid gap-5 lg:grid-cols-3">
            <div className="flex flex-col gap-5 lg:col-span-2">
              <DecisionCard bill={data} />
              <Card title="Lines">
                <Table>
                  <thead>
                    <tr>
                      <Th>Description</Th>
                      <Th>Category</Th>
                      <Th className="text-right">Amount</Th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {data.lines.map((line) => (
                      <tr key={line.position}>
                        <Td>{line.description}</Td>
                        <Td>{line.category ?? data.category ?? '—'}</Td>
                        <Td className="text-right tabular-nums">{formatMinor(line.amountMinor, data.currency)}</Td>
                      </tr>
                    ))}
                    <tr>
                      <Td className="font-medium">Total</Td>
                      <Td />
                      <Td className="text-right font-medium tabular-nums">{formatMinor(data.totalMinor, data.currency)}</Td>
                    </tr>
                  </tbody>
                </Table>
              </Card>
              <ApprovalHistory bill={data} />
            </div>
            <div className="flex flex-col gap-5">
              <Card title="Details">
                <dl className="grid grid-cols-2 gap-x-3 gap-y-2 p-4 text-sm">
                  <dt className="text-slate-500">Issued</dt>
                  <dd>{data.issueDate}</dd>
                  <dt className="text-slate-500">Due</dt>
                  <dd>{data.dueDate ?? '—'}</dd>
                  <dt className="text-slate-500">Category</dt>
                  <dd>{data.category ?? '—'}</dd>
                  {data.scheduledFor ? (
                    <>
                      <dt className="text-slate-500">Scheduled for</dt>
                      <dd>{data.scheduledFor}</dd>
                    </>
                  ) : null}
                  {data.paidAt ? (
                    <>
                      <dt className="text-slate-500">Paid</dt>
                      <dd>
                        {formatDateTime(data.paidAt)}
                        {data.paymentReference ? ` (${data.paymentReference})` : ''}
                      </dd>
                    </>
                  ) : null}
                  {data.rejectionReason ? (
                    <>
                      <dt className="text-slate-500">Rejected because</dt>
                      <dd>{data.rejectionReason}</dd>
                    </>
                  ) : null}
                  {data.notes ? (
                    <>
                      <dt className="text-slate-500">Notes</dt>
                      <dd className="whitespace-pre-wrap">{data.notes}</dd>
                    </>
                  ) : null}
                </dl>
              </Card>
              <Attachment fileId={data.attachmentFileId} />
            </div>
          </div>
        </div>
      )}
    </QueryState>
  );
}

function useRefresh(id: string) {
  const utils = trpc.useUtils();
  return async () => {
    await Promise.all([utils.revenue.bills.get.invalidate({ id }), utils.revenue.bills.list.invalidate(), utils.revenue.approvals.inbox.invalidate()]);
  };
}

function BillActions({ bill }: { bill: Bill }) {
  const toast = useToast();
  const refresh = useRefresh(bill.id);
  const canWrite = useCan('revenue.bill.write');
  const canPay = useCan('revenue.bill.pay');
  const submit = trpc.revenue.bills.submit.useMutation({
    onSuccess: async (result) => {
      toast(result.status === 'approved' ? 'No approval needed: the bill is approved' : 'Sent for approval');
      await refresh();
    },
    onError: (error) => toast(error.message, 'error'),
  });
  const pay = trpc.revenue.bills.pay.useMutation({
    onSuccess: async (result) => {
      toast(result.status === 'paid' ? 'Recorded as paid' : 'Scheduled for payment');
      await refresh();
    },
    onError: (error) => toast(error.message, 'error'),
  });
  const today = new Date().toISOString().slice(0, 10);
  const [editing, setEditing] = useState(false);
  return (
    <>
      {canWrite && bill.status !== 'scheduled' && bill.status !== 'paid' ? <Button onClick={() => setEditing(true)}>Change</Button> : null}
      {editing ? <BillDialog bill={bill} onClose={() => setEditing(false)} /> : null}
      {canWrite && (bill.status === 'received' || bill.status === 'rejected') ? (
        <Button variant="primary" onClick={() => submit.mutate({ id: bill.id })} loading={submit.isPending}>
          {bill.status === 'rejected' ? 'Submit again' : 'Submit for approval'}
        </Button>
      ) : null}
      {canPay && bill.status === 'approved' ? (
        <Button
          onClick={() => pay.mutate({ id: bill.id, action: 'schedule', scheduledFor: bill.dueDate && bill.dueDate > today ? bill.dueDate : today })}
          loading={pay.isPending}
        >
          Schedule payment
        </Button>
      ) : null}
      {canPay && (bill.status === 'approved' || bill.status === 'scheduled') ? (
        <Button variant="primary" onClick={() => pay.mutate({ id: bill.id, action: 'paid' })} loading={pay.isPending}>
          Mark paid
        </Button>
      ) : null}
    </>
  );
}

/** Approve / reject, shown when this bill's pending step waits for the signed-in member. */
function DecisionCard({ bill }: { bill: Bill }) {
  const toast = useToast();
  const refresh = useRefresh(bill.id);
  const canDecide = useCan('revenue.approval.decide');
  const inbox = trpc.revenue.approvals.inbox.useQuery(undefined, { enabled: canDecide && bill.status === 'pending_approval' });
  const mine = inbox.data?.find((item) => item.subjectKind === 'bill' && item.subjectId === bill.id);
  const [reason, setReason] = useState('');
  const decide = trpc.revenue.approvals.decide.useMutation({
    onSuccess: async (result) => {
      toast(result.requestStatus === 'approved' ? 'Approved' : result.requestStatus === 'rejected' ? 'Rejected' : 'Your decision is recorded');
      setReason('');
      await refresh();
    },
  });
  if (!mine) return null;
  return (
    <Card title="Your decision">
      <div className="flex flex-col gap-3 p-4">
        <p className="text-sm text-slate-600">
          Step {mine.stepPosition + 1} of {mine.stepCount} waits for you{mine.onBehalfOf ? ' (on behalf of an approver who is away)' : ''}. You are deciding on
          version {mine.version} of this bill.
        </p>
        <Field label="Reason (needed to reject)" name="reason" error={decide.error}>
          <Textarea value={reason} onChange={(event) => setReason(event.target.value)} rows={2} />
        </Field>
        <FormError error={decide.error} fields={['reason']} />
        <div className="flex gap-2">
          <Button
            variant="primary"
            loading={decide.isPending && decide.variables?.decision === 'approve'}
            onClick={() =>
              decide.mutate({
                subjectKind: 'bill',
                subjectId: bill.id,
                version: mine.version,
                stepId: mine.stepId,
                decision: 'approve',
                ...(reason.trim() ? { reason } : {}),
              })
            }
          >
            Approve
          </Button>
          <Button
            variant="danger"
            loading={decide.isPending && decide.variables?.decision === 'reject'}
            onClick={() =>
              decide.mutate({
                subjectKind: 'bill',
                subjectId: bill.id,
                version: mine.version,
                stepId: mine.stepId,
                decision: 'reject',
                ...(reason.trim() ? { reason } : {}),
              })
            }
          >
            Reject
          </Button>
        </div>
      </div>
    </Card>
  );
}

const roundWords = { pending: 'In progress', approved: 'Approved', rejected: 'Rejected', void: 'Void (the bill changed)' } as const;
const stepWords = { waiting: 'Not started', pending: 'Waiting', approved: 'Approved', rejected: 'Rejected', void: 'Void' } as const;

function ApprovalHistory({ bill }: { bill: Bill }) {
  const members = trpc.identity.members.list.useQuery(undefined, { retry: false, staleTime: 300_000 });
  const nameOf = (userId: string) => members.data?.find((member) => member.userId === userId)?.name ?? 'A member';
  const me = useMe();
  return (
    <Card title="Approval history">
      {bill.approvals.length === 0 ? (
        <p className="p-4 text-sm text-slate-500">Not submitted for approval yet.</p>
      ) : (
        <ol className="divide-y divide-slate-100" aria-label="Approval rounds">
          {bill.approvals.map((round) => (
            <li key={round.id} className="p-4 text-sm">
              <div className="flex items-center justify-between">
                <span className="font-medium">
                  Version {round.version}: {round.ruleName}
                </span>
                <Badge tone={round.status === 'approved' ? 'green' : round.status === 'rejected' ? 'rose' : round.status === 'void' ? 'slate' : 'amber'}>
                  {roundWords[round.status]}
                </Badge>
              </div>
              <p className="text-xs text-slate-500">
                Submitted {formatDateTime(round.createdAt)} by{' '}
                {round.submittedBy ? (round.submittedBy === me.user.id ? 'you' : nameOf(round.submittedBy)) : 'a workflow'} ·{' '}
                {formatMinor(round.amountMinor, round.currency)}
              </p>
              <ol className="mt-2 flex flex-col gap-1.5">
                {round.steps.map((step) => (
                  <li key={step.id} className="rounded bg-slate-50 px-2 py-1.5">
                    <span className="font-medium">Step {step.position + 1}</span>{' '}
                    <span className="text-slate-600">
                      {step.kind === 'role'
                        ? `${step.required > 1 ? `${step.required} people` : 'someone'} with the ${step.role} role`
                        : `${step.mode === 'all' ? 'all of' : 'any one of'} ${step.userIds.map(nameOf).join(', ')}`}
                    </span>{' '}
                    · {stepWords[step.status]}
                    {step.decisions.map((decision) => (
                      <p key={decision.id} className="ml-3 text-xs text-slate-600">
                        {decision.decision === 'approve' ? 'Approved' : 'Rejected'} by {nameOf(decision.decidedBy)}
                        {decision.decidedBy !== decision.approverId ? ` for ${nameOf(decision.approverId)}` : ''} on {formatDateTime(decision.createdAt)}
                        {decision.reason ? `: “${decision.reason}”` : ''}
                      </p>
                    ))}
                  </li>
                ))}
              </ol>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

/** The bill's attachment from files: an inline preview for PDFs and images, and a download link. */
function Attachment({ fileId }: { fileId: string | null }) {
  const link = trpc.files.files.downloadUrl.useQuery(
    { id: fileId ?? '', disposition: 'inline' },
    { enabled: fileId !== null, staleTime: 240_000, retry: false },
  );
  return (
    <Card title="Attachment">
      <div className="p-4 text-sm">
        {fileId === null ? (
          <p className="text-slate-500">No attachment.</p>
        ) : link.isPending ? (
          <div className="h-40 animate-pulse rounded bg-slate-100" role="status" aria-label="Loading attachment" />
        ) : link.error || !link.data ? (
          <p className="text-rose-700" role="alert">
            The attachment cannot be shown: {link.error?.message ?? 'unknown error'}
          </p>
        ) : (
          <div className="flex flex-col gap-2">
            {link.data.contentType === 'application/pdf' ? (
              <iframe title="Bill attachment" src={link.data.url} className="h-72 w-full rounded ring-1 ring-slate-200" />
            ) : link.data.contentType.startsWith('image/') ? (
              <img alt="Bill attachment" src={link.data.url} className="max-h-72 rounded ring-1 ring-slate-200" />
            ) : null}
            <a href={link.data.url} className="text-indigo-700 hover:underline">
              Download {link.data.filename}
            </a>
          </div>
        )}
      </div>
    </Card>
  );
}
