import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { cn } from '../../lib/cn.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, useToast } from '../../ui/index.ts';

const tones = { queued: 'sky', running: 'indigo', completed: 'green', failed: 'rose' } as const;

/** Settings → Search index: rebuild the organization's search documents from its event history (owners and admins). */
export function SearchIndexTab() {
  const canRebuild = useCan('search.admin');
  return (
    <Card title="Search index">
      <div className="space-y-4 p-5">
        <p className="max-w-2xl text-sm text-slate-600">
          Search (Ctrl+K) is built from your organization’s event history. If results look stale or incomplete, rebuild the index: it is cleared and rebuilt in
          the background, and search fills up again as it runs.
        </p>
        {canRebuild ? (
          <RebuildControl />
        ) : (
          <div className="flex flex-wrap items-center gap-3">
            <Button variant="primary" disabled>
              Rebuild search index
            </Button>
            <span className="text-sm text-slate-500">Only owners and admins can rebuild the search index.</span>
          </div>
        )}
      </div>
    </Card>
  );
}

function RebuildControl() {
  const toast = useToast();
  const utils = trpc.useUtils();
  const status = trpc.search.index.rebuildStatus.useQuery(
    {},
    { refetchInterval: (q) => (q.state.data && (q.state.data.status === 'queued' || q.state.data.status === 'running') ? 500 : false) },
  );
  const rebuild = trpc.search.index.rebuild.useMutation({
    onSuccess: (result) => {
      utils.search.index.rebuildStatus.setData({}, result.rebuild);
      if (!result.started) toast('A rebuild is already running', 'info');
    },
    onError: (error) => toast(errorMessage(error), 'error'),
  });
  const d = status.data;
  const active = d?.status === 'queued' || d?.status === 'running';
  const pct = d ? (d.status === 'completed' ? 100 : d.eventsTotal > 0 ? Math.min(100, Math.floor((d.eventsDone / d.eventsTotal) * 100)) : 0) : 0;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <Button variant="primary" loading={rebuild.isPending} disabled={active || status.isLoading} onClick={() => rebuild.mutate()}>
          Rebuild search index
        </Button>
        {d ? (
          <span className="flex items-center gap-2 text-sm text-slate-600" data-testid="rebuild-status" data-status={d.status}>
            <Badge tone={tones[d.status]}>{d.status}</Badge>
            {d.status === 'completed'
              ? `Rebuilt ${formatDateTime(d.finishedAt)}: ${d.eventsDone.toLocaleString()} events, ${(d.documents ?? 0).toLocaleString()} documents`
              : d.status === 'failed'
                ? `Stopped ${formatDateTime(d.finishedAt)}`
                : `Started ${formatDateTime(d.startedAt ?? d.createdAt)}`}
          </span>
        ) : status.isSuccess ? (
          <span className="text-sm text-slate-500">Never rebuilt.</span>
        ) : null}
      </div>
      {d && (active || d.status === 'failed') ? (
        <div>
          <div className="mb-1.5 flex justify-between text-sm">
            <span className="text-slate-700">
              {d.status === 'queued' ? 'Waiting to start…' : `${d.eventsDone.toLocaleString()} of ${d.eventsTotal.toLocaleString()} events replayed`}
            </span>
            <span className="font-medium text-slate-900" data-testid="rebuild-percent">
              {pct}%
            </span>
          </div>
          <div
            className="h-2.5 overflow-hidden rounded-full bg-slate-100"
            role="progressbar"
            aria-valuenow={pct}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-label="Search index rebuild progress"
          >
            <div
              className={cn('h-full rounded-full transition-all duration-300', d.status === 'failed' ? 'bg-rose-500' : 'bg-indigo-600')}
              style={{ width: `${pct}%` }}
            />
          </div>
        </div>
      ) : null}
      {d?.status === 'failed' ? (
        <p className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200" role="alert">
          {d.error ?? 'The rebuild failed.'} Start a new rebuild to try again.
        </p>
      ) : null}
    </div>
  );
}
