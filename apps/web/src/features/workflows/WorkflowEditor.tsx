import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { errorMessage, fieldErrors } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import {
  Badge,
  Button,
  Card,
  EmptyState,
  ErrorState,
  Field,
  Input,
  PageHeader,
  PageSpinner,
  Select,
  Table,
  Td,
  Textarea,
  Th,
  Tr,
  useToast,
} from '../../ui/index.ts';
import { formatDuration, RunDrawer, runTone } from './RunDrawer.tsx';

interface StepDraft {
  key: string;
  action: string;
  description: string;
  input: string;
  if: string;
}
interface Draft {
  name: string;
  description: string;
  triggerKind: 'event' | 'schedule';
  event: string;
  cron: string;
  timezone: string;
  conditions: string;
  steps: StepDraft[];
}

const emptyDraft: Draft = {
  name: '',
  description: '',
  triggerKind: 'event',
  event: '',
  cron: '0 9 * * 1',
  timezone: 'UTC',
  conditions: '',
  steps: [{ key: 'step_one', action: '', description: '', input: '{}', if: '' }],
};
const pretty = (v: unknown) => (v === undefined || v === null ? '' : JSON.stringify(v, null, 2));

type Loose = Record<string, unknown>;
const objectOf = (value: unknown): Loose => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : {});
const textOf = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

function fromSpec(spec: unknown): Draft {
  const s = objectOf(spec);
  const trigger = objectOf(s.trigger);
  const schedule = trigger.schedule ? objectOf(trigger.schedule) : null;
  return {
    name: textOf(s.name, ''),
    description: textOf(s.description, ''),
    triggerKind: schedule ? 'schedule' : 'event',
    event: textOf(trigger.event, ''),
    cron: textOf(schedule?.cron, '0 9 * * 1'),
    timezone: textOf(schedule?.timezone, 'UTC'),
    conditions: pretty(trigger.conditions),
    steps: (Array.isArray(s.steps) ? s.steps.map(objectOf) : []).map((st) => ({
      key: String(st.key ?? ''),
      action: String(st.action ?? ''),
      description: String(st.description ?? ''),
      input: pretty(st.input ?? {}),
      if: pretty(st.if),
    })),
  };
}

class JsonError extends Error {
  path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

function parseJson(text: string, path: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new JsonError(path, 'Not valid JSON');
  }
}

function toSpec(d: Draft): unknown {
  const conditions = parseJson(d.conditions, 'trigger.conditions');
  return {
    name: d.name,
    description: d.description,
    trigger:
      d.triggerKind === 'event'
        ? { event: d.event, ...(conditions ? { conditions } : {}) }
        : { schedule: { cron: d.cron, timezone: d.timezone }, ...(conditions ? { conditions } : {}) },
    steps: d.steps.map((s, i) => {
      const cond = parseJson(s.if, `steps.${i}.if`);
      return {
        key: s.key,
        action: s.action,
        ...(s.description ? { description: s.description } : {}),
        input: parseJson(s.input, `steps.${i}.input`) ?? {},
        ...(cond ? { if: cond } : {}),
      };
    }),
  };
}

/** Server issues for the spec may be rooted at `spec.`; index them without it. */
function specErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fieldErrors(error))) out[k.replace(/^spec\./, '')] = v;
  return out;
}

export default function WorkflowEditorPage() {
  const { id = 'new' } = useParams();
  const isNew = id === 'new';
  const definition = trpc.workflow.definitions.get.useQuery({ id }, { enabled: !isNew });
  if (!isNew && definition.isPending) return <PageSpinner />;
  if (!isNew && definition.error) return <ErrorState error={definition.error} onRetry={() => void definition.refetch()} />;
  return <Editor key={definition.data?.version ?? 'new'} definition={isNew ? null : (definition.data ?? null)} />;
}

type Definition = RouterOutputs['workflow']['definitions']['get'];

function Editor({ definition }: { definition: Definition | null }) {
  const navigate = useNavigate();
  const toast = useToast();
  const utils = trpc.useUtils();
  const canWrite = useCan('workflow.definition.write');
  const actions = trpc.workflow.actions.list.useQuery();
  const [draft, setDraft] = useState<Draft>(() => (definition ? fromSpec(definition.spec) : emptyDraft));
  const [localError, setLocalError] = useState<Record<string, string>>({});
  const [openRun, setOpenRun] = useState<string | null>(null);
  const saved = (d: { id: string }) => {
    toast('Workflow saved');
    void utils.workflow.definitions.invalidate();
    if (!definition) navigate(`/workflows/${d.id}`, { replace: true });
  };
  const create = trpc.workflow.definitions.create.useMutation({ onSuccess: saved });
  const update = trpc.workflow.definitions.update.useMutation({ onSuccess: saved });
  const mutation = definition ? update : create;
  const errors = { ...specErrors(mutation.error), ...localError };
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const setStep = (i: number, patch: Partial<StepDraft>) => setDraft((d) => ({ ...d, steps: d.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)) }));
  const moveStep = (i: number, by: number) =>
    setDraft((d) => {
      const steps = [...d.steps];
      const [s] = steps.splice(i, 1);
      if (s) steps.splice(Math.max(0, Math.min(steps.length, i + by)), 0, s);
      return { ...d, steps };
    });
  const save = () => {
    setLocalError({});
    try {
      const spec = toSpec(draft);
      if (definition) update.mutate({ id: definition.id, spec, expectedVersion: definition.version });
      else create.mutate({ spec });
    } catch (e) {
      if (e instanceof JsonError) setLocalError({ [e.path]: e.message });
    }
  };
  const unmatched = Object.entries(specErrors(mutation.error)).filter(
    ([k]) =>
      !/^(name|description|trigger(\.event|\.conditions|\.schedule\.cron|\.schedule\.timezone)?|steps\.\d+\.(key|action|input|if|description))$/.test(k) &&
      !/^steps\.\d+\.input\./.test(k),
  );
  const stepError = (i: number, field: string) =>
    errors[`steps.${i}.${field}`] ?? (field === 'input' ? Object.entries(errors).find(([k]) => k.startsWith(`steps.${i}.input.`))?.[1] : undefined);
  return (
    <>
      <PageHeader
        breadcrumb={
          <Link to="/workflows" className="hover:text-slate-700">
            Workflows
          </Link>
        }
        title={definition ? definition.name : 'New workflow'}
        subtitle={
          definition
            ? `Version ${definition.version} · ${definition.enabled ? 'enabled' : 'disabled'}`
            : 'Triggered by an event or a schedule; steps run in order.'
        }
        actions={
          canWrite ? (
            <Button variant="primary" loading={mutation.isPending} onClick={save}>
              Save workflow
            </Button>
          ) : null
        }
      />
      {mutation.error && (unmatched.length > 0 || Object.keys(fieldErrors(mutation.error)).length === 0) ? (
        <div className="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200" role="alert">
          {unmatched.length ? unmatched.map(([k, v]) => `${k || 'spec'}: ${v}`).join(' · ') : errorMessage(mutation.error)}
        </div>
      ) : null}
      {definition && definition.missingActions.length > 0 ? (
        <div className="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800 ring-1 ring-amber-200">
          Unavailable actions: {definition.missingActions.join(', ')}
        </div>
      ) : null}
      <div className="grid gap-5 xl:grid-cols-3">
        <div className="space-y-5 xl:col-span-2">
          <Card title="Basics">
            <div className="grid grid-cols-2 gap-3 p-4">
              <Field label="Name" name="name" error={errors.name}>
                <Input value={draft.name} disabled={!canWrite} onChange={(e) => set('name', e.target.value)} />
              </Field>
              <Field label="Description" name="description" error={errors.description}>
                <Input value={draft.description} disabled={!canWrite} onChange={(e) => set('description', e.target.value)} />
              </Field>
            </div>
          </Card>
          <Card title="Trigger">
            <div className="grid grid-cols-2 gap-3 p-4">
              <Field label="Starts on" name="triggerKind">
                <Select value={draft.triggerKind} disabled={!canWrite} onChange={(e) => set('triggerKind', e.target.value as Draft['triggerKind'])}>
                  <option value="event">An event</option>
                  <option value="schedule">A schedule</option>
                </Select>
              </Field>
              {draft.triggerKind === 'event' ? (
                <Field label="Event type" name="trigger.event" error={errors['trigger.event'] ?? errors.trigger} hint="e.g. crm.client.created">
                  <Input className="font-mono" value={draft.event} disabled={!canWrite} onChange={(e) => set('event', e.target.value)} />
                </Field>
              ) : (
                <div className="grid grid-cols-2 gap-2">
                  <Field label="Cron" name="trigger.schedule.cron" error={errors['trigger.schedule.cron']}>
                    <Input className="font-mono" value={draft.cron} disabled={!canWrite} onChange={(e) => set('cron', e.target.value)} />
                  </Field>
                  <Field label="Time zone" name="trigger.schedule.timezone" error={errors['trigger.schedule.timezone']}>
                    <Input value={draft.timezone} disabled={!canWrite} onChange={(e) => set('timezone', e.target.value)} />
                  </Field>
                </div>
              )}
              <Field
                label="Conditions (JSON, optional)"
                name="trigger.conditions"
                error={errors['trigger.conditions']}
                className="col-span-2"
                hint='e.g. { "path": "event.payload.status", "op": "eq", "value": "active" }'
              >
                <Textarea
                  className="font-mono text-xs"
                  rows={3}
                  value={draft.conditions}
                  disabled={!canWrite}
                  onChange={(e) => set('conditions', e.target.value)}
                />
              </Field>
            </div>
          </Card>
          <Card
            title="Steps"
            actions={
              canWrite ? (
                <Button
                  size="sm"
                  onClick={() => set('steps', [...draft.steps, { key: `step_${draft.steps.length + 1}`, action: '', description: '', input: '{}', if: '' }])}
                >
                  Add step
                </Button>
              ) : null
            }
          >
            <ol className="divide-y divide-slate-100">
              {draft.steps.map((s, i) => (
                <li key={i} className="space-y-3 p-4">
                  <div className="flex items-center gap-2">
                    <span className="flex size-6 items-center justify-center rounded-full bg-indigo-50 text-xs font-semibold text-indigo-700">{i + 1}</span>
                    <span className="flex-1 text-sm font-medium text-slate-900">{s.key || 'Step'}</span>
                    {canWrite ? (
                      <>
                        <Button size="sm" variant="ghost" disabled={i === 0} onClick={() => moveStep(i, -1)} aria-label="Move up">
                          ↑
                        </Button>
                        <Button size="sm" variant="ghost" disabled={i === draft.steps.length - 1} onClick={() => moveStep(i, 1)} aria-label="Move down">
                          ↓
                        </Button>
                        <Button
                          size="sm"
                          variant="ghost"
                          disabled={draft.steps.length === 1}
                          onClick={() =>
                            set(
                              'steps',
                              draft.steps.filter((_, j) => j !== i),
                            )
                          }
                        >
                          Remove
                        </Button>
                      </>
                    ) : null}
                  </div>
                  <div className="grid grid-cols-2 gap-3">
                    <Field label="Key" name={`steps.${i}.key`} error={stepError(i, 'key')}>
                      <Input className="font-mono" value={s.key} disabled={!canWrite} onChange={(e) => setStep(i, { key: e.target.value })} />
                    </Field>
                    <Field label="Action" name={`steps.${i}.action`} error={stepError(i, 'action')}>
                      <Select value={s.action} disabled={!canWrite} onChange={(e) => setStep(i, { action: e.target.value })}>
                        <option value="">Choose an action</option>
                        {(actions.data ?? []).map((a) => (
                          <option key={a.name} value={a.name}>
                            {a.name}
                          </option>
                        ))}
                        {s.action && !(actions.data ?? []).some((a) => a.name === s.action) ? <option value={s.action}>{s.action} (unavailable)</option> : null}
                      </Select>
                    </Field>
                    <Field
                      label="Input (JSON; {{ templates }} allowed)"
                      name={`steps.${i}.input`}
                      error={stepError(i, 'input')}
                      className="col-span-2"
                      hint={(actions.data ?? []).find((a) => a.name === s.action)?.description}
                    >
                      <Textarea
                        className="font-mono text-xs"
                        rows={4}
                        value={s.input}
                        disabled={!canWrite}
                        onChange={(e) => setStep(i, { input: e.target.value })}
                      />
                    </Field>
                    <Field label="Run only if (JSON condition, optional)" name={`steps.${i}.if`} error={stepError(i, 'if')} className="col-span-2">
                      <Textarea className="font-mono text-xs" rows={2} value={s.if} disabled={!canWrite} onChange={(e) => setStep(i, { if: e.target.value })} />
                    </Field>
                  </div>
                </li>
              ))}
            </ol>
          </Card>
        </div>
        <div className="space-y-5">
          <DryRun draft={draft} />
          {definition ? <DefinitionRuns definitionId={definition.id} onOpen={setOpenRun} /> : null}
        </div>
      </div>
      {openRun ? <RunDrawer runId={openRun} onClose={() => setOpenRun(null)} /> : null}
    </>
  );
}

type DryRunResult = RouterOutputs['workflow']['definitions']['dryRun'];

function DryRun({ draft }: { draft: Draft }) {
  const utils = trpc.useUtils();
  const [event, setEvent] = useState(() => JSON.stringify({ type: draft.event || 'crm.client.created', payload: {} }, null, 2));
  const [result, setResult] = useState<DryRunResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  useEffect(() => setResult(null), [draft]);
  const run = async () => {
    setError(null);
    setRunning(true);
    try {
      const spec = toSpec(draft);
      const sample = JSON.parse(event) as Record<string, unknown>;
      setResult(await utils.client.workflow.definitions.dryRun.query({ spec, event: sample }));
    } catch (e) {
      setError(e instanceof SyntaxError ? 'The sample event is not valid JSON' : errorMessage(e));
    } finally {
      setRunning(false);
    }
  };
  return (
    <Card
      title="Dry run"
      actions={
        <Button size="sm" variant="primary" loading={running} onClick={() => void run()}>
          Run
        </Button>
      }
    >
      <div className="space-y-3 p-4">
        <Field label="Sample event (JSON)">
          <Textarea className="font-mono text-xs" rows={6} value={event} onChange={(e) => setEvent(e.target.value)} />
        </Field>
        {error ? <p className="text-xs text-rose-600">{error}</p> : null}
        {result ? (
          <div className="space-y-2 text-sm">
            {!result.valid ? (
              <ul className="space-y-1 rounded-md bg-rose-50 p-2 text-xs text-rose-700 ring-1 ring-rose-200">
                {result.issues.map((iss, i) => (
                  <li key={i}>
                    <span className="font-mono">{iss.path.join('.') || 'spec'}</span>: {iss.message}
                  </li>
                ))}
              </ul>
            ) : (
              <>
                <div className="flex items-center gap-2">
                  <Badge tone={result.triggerMatched ? 'green' : 'slate'}>{result.triggerMatched ? 'Trigger matches' : 'Trigger does not match'}</Badge>
                  {!result.eventTypeMatched ? <span className="text-xs text-slate-500">event type differs</span> : null}
                </div>
                <ol className="space-y-2">
                  {result.steps.map((s) => (
                    <li key={s.key} className="rounded-md p-2 ring-1 ring-slate-200">
                      <div className="flex items-center justify-between">
                        <span className="font-medium">{s.key}</span>
                        <Badge tone={s.wouldRun ? (s.inputIssues.length ? 'amber' : 'green') : 'slate'}>
                          {s.wouldRun ? (s.inputIssues.length ? 'input issues' : 'would run') : 'skipped'}
                        </Badge>
                      </div>
                      <pre className="mt-1 max-h-32 overflow-auto rounded bg-slate-50 p-1.5 font-mono text-[11px] text-slate-700">
                        {JSON.stringify(s.input, null, 2)}
                      </pre>
                      {s.inputIssues.map((iss, i) => (
                        <p key={i} className="mt-1 text-xs text-amber-700">
                          {iss.path.join('.')}: {iss.message}
                        </p>
                      ))}
                    </li>
                  ))}
                </ol>
              </>
            )}
          </div>
        ) : null}
      </div>
    </Card>
  );
}

function DefinitionRuns({ definitionId, onOpen }: { definitionId: string; onOpen: (id: string) => void }) {
  const runs = trpc.workflow.runs.list.useQuery(
    { definitionId, limit: 20 },
    { refetchInterval: (q) => (q.state.data?.items.some((r) => r.status === 'pending' || r.status === 'running') ? 1500 : 5000) },
  );
  return (
    <Card
      title="Run history"
      actions={
        <Link to={`/workflows?tab=runs&workflow=${definitionId}`} className="text-xs font-medium text-indigo-600 hover:text-indigo-500">
          All runs
        </Link>
      }
    >
      {runs.isPending ? (
        <div className="p-4 text-sm text-slate-400">Loading…</div>
      ) : runs.error ? (
        <ErrorState error={runs.error} onRetry={() => void runs.refetch()} />
      ) : runs.data.items.length === 0 ? (
        <EmptyState title="No runs yet" description="A run starts each time the trigger event happens and its conditions hold." />
      ) : (
        <Table>
          <thead>
            <tr>
              <Th>Status</Th>
              <Th>Started</Th>
              <Th>Took</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100" data-testid="definition-runs">
            {runs.data.items.map((r) => (
              <Tr key={r.id} onClick={() => onOpen(r.id)} data-run-status={r.status}>
                <Td>
                  <Badge tone={runTone[r.status]}>{r.status}</Badge>
                </Td>
                <Td className="text-slate-500">{formatDateTime(r.createdAt)}</Td>
                <Td className="text-slate-500">{formatDuration(r.createdAt, r.finishedAt) || '…'}</Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}
