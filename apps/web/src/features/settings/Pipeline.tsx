import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { errorCode, errorMessage, fieldErrors } from '../../lib/errors.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Badge, Button, Card, Field, Input, QueryState, Select, useToast } from '../../ui/index.ts';

type Pipeline = RouterOutputs['crm']['pipelines']['getDefault'];
type Kind = Pipeline['stages'][number]['kind'];

interface StageDraft {
  /** Stable React key; the server id for existing stages. */
  key: string;
  id?: string;
  name: string;
  kind: Kind;
  /** The saved name, to place server messages that quote it ("Move the deals out of "X" …"). */
  savedName?: string;
  savedKind?: Kind;
}

const kindLabel: Record<Kind, string> = { open: 'Open', won: 'Won (closed)', lost: 'Lost (closed)' };
const chipTone = (kind: Kind) =>
  kind === 'won'
    ? 'bg-emerald-50 text-emerald-800 ring-emerald-200'
    : kind === 'lost'
      ? 'bg-rose-50 text-rose-800 ring-rose-200'
      : 'bg-white text-slate-800 ring-slate-200';

const sorted = (p: Pipeline) => [...p.stages].sort((a, b) => a.position - b.position);
const toDraft = (p: Pipeline): StageDraft[] =>
  sorted(p).map((s) => ({ key: s.id, id: s.id, name: s.name, kind: s.kind, savedName: s.name, savedKind: s.kind }));

export function PipelineTab() {
  const canManage = useCan('crm.settings.manage');
  // An editor's draft is keyed on the saved stages: do not swap it out under them on window focus.
  const pipeline = trpc.crm.pipelines.getDefault.useQuery(undefined, { refetchOnWindowFocus: !canManage });
  return (
    <Card
      title="Pipeline stages"
      actions={
        <span className="text-xs text-slate-500">
          Deals move through these stages on the{' '}
          <Link to="/deals" className="font-medium text-indigo-600 hover:text-indigo-500">
            Deals board
          </Link>
          .
        </span>
      }
    >
      <QueryState query={pipeline}>
        {(p) =>
          canManage ? (
            <StageEditor key={p.stages.map((s) => `${s.id}:${s.name}:${s.kind}:${s.position}`).join('|')} pipeline={p} />
          ) : (
            <ReadOnlyStages pipeline={p} />
          )
        }
      </QueryState>
    </Card>
  );
}

function ReadOnlyStages({ pipeline }: { pipeline: Pipeline }) {
  return (
    <div className="p-4" data-testid="pipeline-read-only">
      <div className="mb-3 text-sm font-medium text-slate-900">
        {pipeline.name} {pipeline.isDefault ? <Badge tone="indigo">default</Badge> : null}
      </div>
      <ol className="flex flex-wrap items-center gap-2">
        {sorted(pipeline).map((s, i, all) => (
          <li key={s.id} className="flex items-center gap-2">
            <span className={`rounded-md px-3 py-1.5 text-sm ring-1 ${chipTone(s.kind)}`}>{s.name}</span>
            {i < all.length - 1 ? <span className="text-slate-300">→</span> : null}
          </li>
        ))}
      </ol>
    </div>
  );
}

let newKey = 0;

function StageEditor({ pipeline }: { pipeline: Pipeline }) {
  const toast = useToast();
  const utils = trpc.useUtils();
  const board = trpc.crm.deals.board.useQuery();
  const [stages, setStages] = useState<StageDraft[]>(() => toDraft(pipeline));
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const inputs = useRef(new Map<string, HTMLInputElement>());
  const save = trpc.crm.pipelines.updateStages.useMutation({
    onSuccess: () => {
      toast('Pipeline saved');
      void utils.crm.pipelines.invalidate();
      void utils.crm.deals.board.invalidate();
    },
  });
  useEffect(() => {
    if (!focusKey) return;
    inputs.current.get(focusKey)?.focus();
    setFocusKey(null);
  }, [focusKey]);

  /** Deals per stage as the board sees them (the server has the last word when saving). */
  const dealCounts = useMemo(() => new Map((board.data?.columns ?? []).map((c) => [c.stageId, c.deals.length])), [board.data]);
  const saved = toDraft(pipeline);
  const dirty =
    JSON.stringify(stages.map(({ id, name, kind }) => ({ id, name, kind }))) !== JSON.stringify(saved.map(({ id, name, kind }) => ({ id, name, kind })));

  // Server messages: zod/domain issues by path (stages.2.name, stages.1.id, stages); a precondition
  // that quotes a stage's saved name lands on that stage's row; anything else above the list.
  const issues = fieldErrors(save.error);
  const rowError = new Map<string, string>();
  let listError: string | null = null;
  if (save.error) {
    for (const [path, message] of Object.entries(issues)) {
      const m = /^stages\.(\d+)\.(id|kind)$/.exec(path);
      const row = m ? save.variables?.stages[Number(m[1])] : undefined;
      const draft = row?.id ? stages.find((s) => s.id === row.id) : undefined;
      if (m && draft) rowError.set(draft.key, message);
      else if (!/^stages\.\d+\.name$/.test(path)) listError = listError ? `${listError} · ${message}` : message;
    }
    if (Object.keys(issues).length === 0) {
      const quoted = /"([^"]+)"/.exec(save.error.message)?.[1];
      const draft = quoted !== undefined && errorCode(save.error) === 'PRECONDITION_FAILED' ? stages.find((s) => s.savedName === quoted) : undefined;
      if (draft) rowError.set(draft.key, save.error.message);
      else listError = errorMessage(save.error);
    }
  }
  // A name issue is indexed by the submitted order; show it only while that row is still at that index.
  const nameError = (i: number) => (save.variables?.stages[i]?.id === stages[i]?.id ? issues[`stages.${i}.name`] : undefined);

  const update = (key: string, patch: Partial<StageDraft>) => setStages((all) => all.map((s) => (s.key === key ? { ...s, ...patch } : s)));
  const move = (i: number, by: number) =>
    setStages((all) => {
      const next = [...all];
      const [s] = next.splice(i, 1);
      if (s) next.splice(Math.max(0, Math.min(next.length, i + by)), 0, s);
      return next;
    });
  const add = () => {
    const key = `new-${++newKey}`;
    setStages((all) => {
      // New stages go after the last open stage (before Won / Lost).
      const at = all.reduce((last, s, i) => (s.kind === 'open' ? i + 1 : last), 0);
      return [...all.slice(0, at), { key, name: '', kind: 'open' }, ...all.slice(at)];
    });
    setFocusKey(key);
  };

  return (
    <form
      className="divide-y divide-slate-100"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ stages: stages.map((s) => ({ ...(s.id ? { id: s.id } : {}), name: s.name, kind: s.kind })) });
      }}
    >
      <div className="flex flex-wrap items-center justify-between gap-x-3 gap-y-1 px-4 py-3">
        <div className="text-sm font-medium text-slate-900">
          {pipeline.name} {pipeline.isDefault ? <Badge tone="indigo">default</Badge> : null}
        </div>
        <p className="text-xs text-slate-500">Order is the board's column order. Keep one won and one lost stage.</p>
      </div>
      {listError ? (
        <div className="mx-4 my-3 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200" role="alert" data-field-error="stages">
          {listError}
        </div>
      ) : null}
      <ol data-testid="pipeline-stages">
        {stages.map((s, i) => {
          const count = s.id ? (dealCounts.get(s.id) ?? 0) : 0;
          const error = rowError.get(s.key);
          return (
            <li
              key={s.key}
              className="grid grid-cols-[1.75rem_minmax(0,1fr)] items-start gap-x-3 gap-y-2 px-4 py-3 sm:grid-cols-[1.75rem_minmax(0,1fr)_11rem_auto]"
              data-stage={s.name}
              data-stage-index={i}
            >
              <span
                className={`mt-7 flex size-6 items-center justify-center rounded-full text-xs font-semibold ${s.kind === 'won' ? 'bg-emerald-50 text-emerald-700' : s.kind === 'lost' ? 'bg-rose-50 text-rose-700' : 'bg-indigo-50 text-indigo-700'}`}
              >
                {i + 1}
              </span>
              <div className="min-w-0">
                <Field label={`Stage ${i + 1} name`} name={`stages.${i}.name`} error={nameError(i)}>
                  <Input
                    ref={(el) => {
                      if (el) inputs.current.set(s.key, el);
                      else inputs.current.delete(s.key);
                    }}
                    value={s.name}
                    placeholder="e.g. Discovery call"
                    maxLength={100}
                    onChange={(e) => update(s.key, { name: e.target.value })}
                  />
                </Field>
                <div className="mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-500">
                  {!s.id ? <Badge tone="sky">new</Badge> : null}
                  {s.id && s.savedName !== s.name ? <span>was “{s.savedName}”</span> : null}
                  {count > 0 ? <span>{count === 1 ? '1 deal' : `${count} deals`}</span> : null}
                </div>
                {error ? (
                  <p className="mt-1 text-xs text-rose-600" role="alert" data-field-error={`stages.${i}`}>
                    {error}
                  </p>
                ) : null}
              </div>
              <Field
                label="Kind"
                className="col-start-2 sm:col-start-auto"
                name={`stages.${i}.kind`}
                hint={count > 0 && s.kind === s.savedKind ? 'Holds deals: kind is fixed' : undefined}
              >
                <Select value={s.kind} disabled={count > 0} onChange={(e) => update(s.key, { kind: e.target.value as Kind })}>
                  {(['open', 'won', 'lost'] as const).map((k) => (
                    <option key={k} value={k}>
                      {kindLabel[k]}
                    </option>
                  ))}
                </Select>
              </Field>
              <div className="col-start-2 flex items-center gap-0.5 sm:col-start-auto sm:mt-6">
                <Button size="sm" variant="ghost" disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move ${s.name || 'new stage'} up`}>
                  ↑
                </Button>
                <Button
                  size="sm"
                  variant="ghost"
                  disabled={i === stages.length - 1}
                  onClick={() => move(i, 1)}
                  aria-label={`Move ${s.name || 'new stage'} down`}
                >
                  ↓
                </Button>
                <Button
                  size="sm"
                  variant="ghost"
                  disabled={count > 0 || stages.length <= 3}
                  title={count > 0 ? 'Move its deals to another stage first' : stages.length <= 3 ? 'A pipeline keeps at least three stages' : undefined}
                  onClick={() => setStages((all) => all.filter((x) => x.key !== s.key))}
                  aria-label={`Remove ${s.name || 'new stage'}`}
                >
                  Remove
                </Button>
              </div>
            </li>
          );
        })}
      </ol>
      <div className="flex items-center justify-between gap-2 px-4 py-3">
        <Button size="sm" onClick={add} disabled={stages.length >= 30}>
          Add stage
        </Button>
        <div className="flex items-center gap-2">
          {dirty ? <span className="text-xs text-amber-700">Unsaved changes</span> : null}
          <Button size="sm" variant="ghost" disabled={!dirty || save.isPending} onClick={() => (setStages(saved), save.reset())}>
            Discard
          </Button>
          <Button size="sm" variant="primary" type="submit" disabled={!dirty} loading={save.isPending}>
            Save stages
          </Button>
        </div>
      </div>
    </form>
  );
}
