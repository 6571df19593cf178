import { Link } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, toDate } from '../../lib/format.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Badge, Button, Drawer, ErrorState, PageSpinner, useToast } from '../../ui/index.ts';

export const runTone = {
  pending: 'sky',
  running: 'indigo',
  waiting: 'sky',
  succeeded: 'green',
  failed: 'rose',
  skipped: 'slate',
  cancelled: 'slate',
  compensated: 'amber',
} as const;

type Run = RouterOutputs['workflow']['runs']['get'];
type Step = Run['steps'][number];

/** "1.2 s", "3 min" between two timestamps; empty while unfinished. */
export function formatDuration(from: string | null | undefined, to: string | null | undefined): string {
  const a = toDate(from);
  const b = toDate(to);
  if (!a || !b) return '';
  const ms = Math.max(0, b.getTime() - a.getTime());
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

function Json({ value, label, tone = 'slate' }: { value: unknown; label: string; tone?: 'slate' | 'rose' }) {
  return (
    <div>
      <div className={`mb-1 text-[11px] font-semibold tracking-wide uppercase ${tone === 'rose' ? 'text-rose-600' : 'text-slate-500'}`}>{label}</div>
      {value === null || value === undefined ? (
        <span className="text-xs text-slate-400">—</span>
      ) : (
        <pre
          className={`max-h-48 overflow-auto rounded p-2 font-mono text-[11px] leading-relaxed ring-1 ${tone === 'rose' ? 'bg-rose-50 text-rose-800 ring-rose-200' : 'bg-slate-50 text-slate-700 ring-slate-200'}`}
          data-step-part={label.toLowerCase()}
        >
          {typeof value === 'string' ? value : JSON.stringify(value, null, 2)}
        </pre>
      )}
    </div>
  );
}

interface StepErrorShape {
  message?: unknown;
  issues?: { path?: unknown[]; message?: unknown }[];
  permanent?: unknown;
  attempt?: unknown;
  stepKey?: unknown;
}

const errorShape = (error: unknown): StepErrorShape | null =>
  error && typeof error === 'object' && typeof (error as StepErrorShape).message === 'string' ? (error as StepErrorShape) : null;

function runErrorText(error: unknown): string {
  if (typeof error === 'string') return error;
  const e = errorShape(error);
  if (!e) return JSON.stringify(error);
  return `${typeof e.stepKey === 'string' ? `Step ${e.stepKey}: ` : ''}${String(e.message)}`;
}

/** The engine's error record ({ message, issues, permanent, attempt, at }) in words; anything else as JSON. */
function StepError({ error }: { error: unknown }) {
  const e = errorShape(error);
  if (!e) return <Json label="Error" value={error} tone="rose" />;
  const issues = Array.isArray(e.issues) ? e.issues : [];
  return (
    <div className="rounded-md bg-rose-50 p-2.5 text-xs text-rose-800 ring-1 ring-rose-200" data-step-part="error" role="alert">
      <div className="font-medium">{String(e.message)}</div>
      {issues.length ? (
        <ul className="mt-1.5 space-y-0.5">
          {issues.map((issue, i) => (
            <li key={i}>
              <span className="font-mono">{Array.isArray(issue.path) && issue.path.length ? issue.path.join('.') : 'input'}</span>:{' '}
              {String(issue.message ?? '')}
            </li>
          ))}
        </ul>
      ) : null}
      {e.permanent === true ? <div className="mt-1.5 text-rose-600">Not retried automatically: fix the workflow or the data, then retry.</div> : null}
    </div>
  );
}

/** Records a step created or touched, found in its output by key, as links into the app. */
const recordLinks: { key: string; label: string; to: (id: string) => string }[] = [
  { key: 'project_id', label: 'Open project', to: (id) => `/projects/${id}` },
  { key: 'projectId', label: 'Open project', to: (id) => `/projects/${id}` },
  { key: 'client_id', label: 'Open client', to: (id) => `/clients/${id}` },
  { key: 'clientId', label: 'Open client', to: (id) => `/clients/${id}` },
  { key: 'contact_id', label: 'Open contact', to: (id) => `/contacts/${id}` },
  { key: 'contactId', label: 'Open contact', to: (id) => `/contacts/${id}` },
];

function OutputLinks({ step }: { step: Step }) {
  if (step.status !== 'succeeded' || !step.output || typeof step.output !== 'object') return null;
  const output = step.output as Record<string, unknown>;
  const links = recordLinks.filter((l) => typeof output[l.key] === 'string' && /^[0-9a-f-]{36}$/.test(output[l.key] as string));
  const seen = new Set<string>();
  const unique = links.filter((l) => (seen.has(l.label) ? false : (seen.add(l.label), true)));
  if (unique.length === 0) return null;
  return (
    <div className="mt-2 flex flex-wrap gap-3">
      {unique.map((l) => (
        <Link key={l.key} to={l.to(output[l.key] as string)} className="text-xs font-medium text-indigo-600 hover:text-indigo-500">
          {l.label} →
        </Link>
      ))}
    </div>
  );
}

function StepItem({ step, last }: { step: Step; last: boolean }) {
  const duration = formatDuration(step.startedAt, step.finishedAt);
  const dot =
    step.status === 'succeeded'
      ? 'bg-emerald-500 ring-emerald-100'
      : step.status === 'failed'
        ? 'bg-rose-500 ring-rose-100'
        : step.status === 'running'
          ? 'bg-indigo-500 ring-indigo-100 animate-pulse'
          : 'bg-slate-300 ring-slate-100';
  return (
    <li className="relative pb-4 pl-7" data-step-key={step.key} data-step-status={step.status}>
      {!last ? <span className="absolute top-4 bottom-0 left-[7px] w-px bg-slate-200" aria-hidden="true" /> : null}
      <span className={`absolute top-1.5 left-0.5 size-2.5 rounded-full ring-4 ${dot}`} aria-hidden="true" />
      <div className="rounded-md p-3 ring-1 ring-slate-200">
        <div className="flex items-start justify-between gap-2">
          <div className="min-w-0">
            <div className="font-medium text-slate-900">
              {step.index + 1}. {step.key}
            </div>
            <div className="truncate font-mono text-xs text-slate-500">{step.action}</div>
          </div>
          <Badge tone={runTone[step.status]}>{step.status}</Badge>
        </div>
        <div className="mt-1.5 text-xs text-slate-500">
          {step.attempts} {step.attempts === 1 ? 'attempt' : 'attempts'}
          {duration ? ` · took ${duration}` : ''}
          {step.scheduledFor && step.status === 'pending' ? ` · scheduled ${formatDateTime(step.scheduledFor)}` : ''}
          {step.finishedAt ? ` · finished ${formatDateTime(step.finishedAt)}` : ''}
        </div>
        {step.error ? (
          <div className="mt-2">
            <StepError error={step.error} />
          </div>
        ) : null}
        <OutputLinks step={step} />
        <details className="mt-2 group" open={step.status === 'failed'}>
          <summary className="cursor-pointer text-xs font-medium text-indigo-600 select-none hover:text-indigo-500">Input and output</summary>
          <div className="mt-2 space-y-2">
            <Json label="Input" value={step.input} />
            <Json label="Output" value={step.output} />
          </div>
        </details>
      </div>
    </li>
  );
}

export function RunDrawer({ runId, onClose }: { runId: string; onClose: () => void }) {
  const canManage = useCan('workflow.run.manage');
  const toast = useToast();
  const utils = trpc.useUtils();
  const run = trpc.workflow.runs.get.useQuery(
    { id: runId },
    { refetchInterval: (q) => (q.state.data && ['pending', 'running'].includes(q.state.data.status) ? 1500 : false) },
  );
  const onSuccess = () => {
    void utils.workflow.runs.invalidate();
  };
  const retry = trpc.workflow.runs.retry.useMutation({
    onSuccess: () => (onSuccess(), toast('Run retried from the failed step')),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const cancel = trpc.workflow.runs.cancel.useMutation({
    onSuccess: () => (onSuccess(), toast('Run cancelled')),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const r = run.data;
  const done = r ? r.steps.filter((s) => s.status === 'succeeded' || s.status === 'skipped').length : 0;
  return (
    <Drawer
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title="Workflow run"
      footer={
        r && canManage && (['pending', 'running', 'failed'] as string[]).includes(r.status) ? (
          <>
            {['pending', 'running'].includes(r.status) ? (
              <Button variant="danger" loading={cancel.isPending} onClick={() => cancel.mutate({ id: runId })}>
                Cancel run
              </Button>
            ) : null}
            {r.status === 'failed' ? (
              <Button variant="primary" loading={retry.isPending} onClick={() => retry.mutate({ id: runId })}>
                Retry failed step
              </Button>
            ) : null}
          </>
        ) : undefined
      }
    >
      {run.isPending ? <PageSpinner /> : null}
      {run.error ? <ErrorState error={run.error} onRetry={() => void run.refetch()} /> : null}
      {r ? (
        <div className="space-y-4 text-sm" data-testid="run-detail" data-run-status={r.status}>
          <div className="rounded-md bg-slate-50 p-3 ring-1 ring-slate-200">
            <div className="flex items-center gap-2">
              <Badge tone={runTone[r.status]}>{r.status}</Badge>
              <span className="text-xs text-slate-600">
                {done}/{r.steps.length} steps done
              </span>
              <span className="ml-auto font-mono text-xs text-slate-500">v{r.definitionVersion}</span>
            </div>
            <div className="mt-2 font-mono text-xs text-slate-600">{r.triggerEventType}</div>
            <div className="mt-1 text-xs text-slate-500">
              Started {formatDateTime(r.createdAt)}
              {r.finishedAt ? ` · finished ${formatDateTime(r.finishedAt)} · took ${formatDuration(r.createdAt, r.finishedAt)}` : ''}
            </div>
          </div>
          {r.error ? <div className="rounded-md bg-rose-50 p-2 text-xs text-rose-700 ring-1 ring-rose-200">{runErrorText(r.error)}</div> : null}
          <div>
            <h3 className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">Steps</h3>
            <ol>
              {r.steps.map((s, i) => (
                <StepItem key={s.index} step={s} last={i === r.steps.length - 1} />
              ))}
            </ol>
          </div>
          <details>
            <summary className="cursor-pointer text-xs font-medium text-indigo-600 hover:text-indigo-500">Trigger event</summary>
            <div className="mt-2">
              <Json label="Event" value={r.triggerEvent} />
            </div>
          </details>
        </div>
      ) : null}
    </Drawer>
  );
}
