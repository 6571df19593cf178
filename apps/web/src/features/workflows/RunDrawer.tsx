import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Drawer, ErrorState, PageSpinner, useToast } from '../../ui/index.ts';

export const runTone = { pending: 'sky', running: 'indigo', succeeded: 'green', failed: 'rose', skipped: 'slate', cancelled: 'slate', compensated: 'amber' } as const;

function Json({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="text-slate-400">—</span>;
  return <pre className="max-h-48 overflow-auto rounded bg-slate-50 p-2 font-mono text-[11px] leading-relaxed text-slate-700 ring-1 ring-slate-200">{JSON.stringify(value, null, 2)}</pre>;
}

export function RunDrawer({ runId, onClose }: { runId: string; onClose: () => void }) {
  const canManage = useCan('workflow.run.manage');
  const toast = useToast();
  const utils = trpc.useUtils();
  const run = trpc.workflow.runs.get.useQuery({ id: runId }, { refetchInterval: (q) => (q.state.data && ['pending', 'running'].includes(q.state.data.status) ? 1500 : false) });
  const onSuccess = () => {
    void utils.workflow.runs.invalidate();
  };
  const retry = trpc.workflow.runs.retry.useMutation({ onSuccess: () => (onSuccess(), toast('Run retried')), onError: (e) => toast(errorMessage(e), 'error') });
  const cancel = trpc.workflow.runs.cancel.useMutation({ onSuccess: () => (onSuccess(), toast('Run cancelled')), onError: (e) => toast(errorMessage(e), 'error') });
  const r = run.data;
  return (
    <Drawer
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title="Workflow run"
      footer={
        r && canManage ? (
          <>
            {['pending', 'running'].includes(r.status) ? <Button loading={cancel.isPending} onClick={() => cancel.mutate({ id: runId })}>Cancel run</Button> : null}
            {r.status === 'failed' ? <Button variant="primary" loading={retry.isPending} onClick={() => retry.mutate({ id: runId })}>Retry</Button> : null}
          </>
        ) : undefined
      }
    >
      {run.isPending ? <PageSpinner /> : null}
      {run.error ? <ErrorState error={run.error} /> : null}
      {r ? (
        <div className="space-y-4 text-sm">
          <div className="flex items-center gap-2">
            <Badge tone={runTone[r.status]}>{r.status}</Badge>
            <span className="font-mono text-xs text-slate-500">{r.triggerEventType}</span>
          </div>
          <div className="text-xs text-slate-500">Started {formatDateTime(r.createdAt)} · finished {formatDateTime(r.finishedAt)}</div>
          {r.error ? <div className="rounded-md bg-rose-50 p-2 text-xs text-rose-700 ring-1 ring-rose-200">{typeof r.error === 'string' ? r.error : JSON.stringify(r.error)}</div> : null}
          <ol className="space-y-3">
            {r.steps.map((s) => (
              <li key={s.index} className="rounded-md p-3 ring-1 ring-slate-200">
                <div className="flex items-center justify-between gap-2">
                  <span className="font-medium text-slate-900">
                    {s.index + 1}. {s.key} <span className="font-mono text-xs font-normal text-slate-500">{s.action}</span>
                  </span>
                  <Badge tone={runTone[s.status]}>{s.status}</Badge>
                </div>
                <div className="mt-1 text-xs text-slate-500">
                  {s.attempts} attempt(s){s.scheduledFor ? ` · scheduled ${formatDateTime(s.scheduledFor)}` : ''}
                  {s.finishedAt ? ` · finished ${formatDateTime(s.finishedAt)}` : ''}
                </div>
                <details className="mt-2">
                  <summary className="cursor-pointer text-xs text-indigo-600">Input / output</summary>
                  <div className="mt-2 space-y-2">
                    <Json value={s.input} />
                    <Json value={s.output} />
                    {s.error ? <Json value={s.error} /> : null}
                  </div>
                </details>
              </li>
            ))}
          </ol>
          <details>
            <summary className="cursor-pointer text-xs text-indigo-600">Trigger event</summary>
            <div className="mt-2"><Json value={r.triggerEvent} /></div>
          </details>
        </div>
      ) : null}
    </Drawer>
  );
}
