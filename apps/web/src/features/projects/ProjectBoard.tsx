import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate, humanize } from '../../lib/format.ts';
import type { RouterOutputs } from '../../trpc.ts';
import { trpc } from '../../trpc.ts';
import { Avatar, Badge, Button, Card, ErrorState, Input, PageHeader, PageSpinner, Tabs, useToast } from '../../ui/index.ts';
import { ScopedFiles } from '../files/ScopedFiles.tsx';
import { Kanban } from '../../ui/Kanban.tsx';
import { ClientName } from '../clients/ClientName.tsx';
import { statusTone } from './statusTone.ts';
import { TaskDrawer } from './TaskDrawer.tsx';

type Board = RouterOutputs['projects']['projects']['board'];
type Task = Board['columns'][number]['tasks'][number];

export default function ProjectBoardPage() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const toast = useToast();
  const utils = trpc.useUtils();
  const canWrite = useCan('projects.task.write');
  const canProject = useCan('projects.project.write');
  const canFiles = useCan('files.read');
  const view: 'board' | 'files' = canFiles && params.get('view') === 'files' ? 'files' : 'board';
  const board = trpc.projects.projects.board.useQuery({ id });
  const members = trpc.identity.members.list.useQuery(undefined, { staleTime: 300_000 });
  const move = trpc.projects.tasks.move.useMutation();
  const complete = trpc.projects.projects.complete.useMutation({
    onSuccess: () => {
      toast('Project completed');
      void utils.projects.projects.invalidate();
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const taskId = params.get('task');
  if (board.isPending) return <PageSpinner />;
  if (board.error) return <ErrorState error={board.error} onRetry={() => void board.refetch()} title="Could not load this project" />;
  const b = board.data;
  const memberName = new Map((members.data ?? []).map((m) => [m.userId, m.name]));
  const allTasks = b.columns.flatMap((c) => c.tasks);
  const doneCount = allTasks.filter((t) => t.status === 'done').length;
  const onMove = async ({
    itemId,
    toColumnId,
    previousId,
    nextId,
  }: {
    itemId: string;
    toColumnId: string;
    previousId: string | null;
    nextId: string | null;
  }) => {
    await utils.projects.projects.board.cancel({ id });
    try {
      await move.mutateAsync({ id: itemId, columnId: toColumnId, previousTaskId: previousId, nextTaskId: nextId });
    } catch (error) {
      toast(`Move failed: ${errorMessage(error)}`, 'error');
      throw error;
    } finally {
      void utils.projects.projects.board.invalidate({ id });
    }
  };
  return (
    <>
      <PageHeader
        breadcrumb={
          <>
            <Link to="/projects" className="hover:text-slate-700">
              Projects
            </Link>
            {b.project.clientId ? (
              <>
                {' / '}
                <ClientName id={b.project.clientId} />
              </>
            ) : null}
          </>
        }
        title={
          <span className="flex items-center gap-3">
            {b.project.name}
            <Badge tone={statusTone[b.project.status]}>{humanize(b.project.status)}</Badge>
          </span>
        }
        subtitle={`${doneCount} of ${allTasks.length} tasks done${b.project.dueDate ? ` · due ${formatDate(b.project.dueDate)}` : ''}`}
        actions={
          canProject && b.project.status !== 'completed' ? (
            <Button loading={complete.isPending} onClick={() => complete.mutate({ id })}>
              Complete project
            </Button>
          ) : null
        }
      />
      {canFiles ? (
        <div className="mb-4">
          <Tabs
            tabs={[
              { id: 'board', label: 'Board' },
              { id: 'files', label: 'Files' },
            ]}
            value={view}
            onChange={(v) => setParams(v === 'board' ? {} : { view: v }, { replace: true })}
          />
        </div>
      ) : null}
      {view === 'files' ? (
        <ScopedFiles scope={{ projectId: id }} />
      ) : (
        <div className="flex gap-5">
          <div className="min-w-0 flex-1">
            <Kanban<Task>
              columns={b.columns.map((c) => ({
                id: c.id,
                title: c.name,
                accent: c.isDone ? 'border-emerald-500' : 'border-indigo-400',
                items: c.tasks,
                footer: canWrite ? <AddTask projectId={id} columnId={c.id} /> : undefined,
              }))}
              getId={(t) => t.id}
              itemLabel={(t) => t.title}
              disabled={!canWrite}
              onMove={onMove}
              renderItem={(t) => (
                // biome-ignore lint/a11y/useKeyWithClickEvents: the card's wrapper is the keyboard drag handle (Space/Enter move it); keyboard users open a task from Command-K
                <article
                  className="cursor-pointer rounded-md bg-white p-2.5 text-sm shadow-xs ring-1 ring-slate-200 hover:ring-indigo-300"
                  onClick={() => setParams({ task: t.id }, { replace: true })}
                  data-task-title={t.title}
                >
                  <div className={t.status === 'done' ? 'text-slate-400 line-through' : 'text-slate-800'}>{t.title}</div>
                  <div className="mt-2 flex items-center gap-2 text-xs text-slate-500">
                    {t.checklist.length > 0 ? (
                      <span>
                        ☑ {t.checklist.filter((i) => i.done).length}/{t.checklist.length}
                      </span>
                    ) : null}
                    {t.dueDate ? (
                      <span className={new Date(t.dueDate) < new Date() && t.status !== 'done' ? 'text-rose-600' : ''}>{formatDate(t.dueDate)}</span>
                    ) : null}
                    <span className="ml-auto">{t.assigneeId ? <Avatar name={memberName.get(t.assigneeId) ?? '?'} size="sm" /> : null}</span>
                  </div>
                </article>
              )}
            />
          </div>
          <aside className="hidden w-64 shrink-0 xl:block">
            <Milestones projectId={id} milestones={b.milestones} canWrite={canProject} />
          </aside>
        </div>
      )}
      {taskId ? <TaskDrawer taskId={taskId} projectId={id} milestones={b.milestones} onClose={() => setParams({}, { replace: true })} /> : null}
    </>
  );
}

function AddTask({ projectId, columnId }: { projectId: string; columnId: string }) {
  const utils = trpc.useUtils();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const create = trpc.projects.tasks.create.useMutation({
    onSuccess: () => {
      setTitle('');
      void utils.projects.projects.board.invalidate({ id: projectId });
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  if (!open) {
    return (
      <button
        type="button"
        onClick={() => setOpen(true)}
        className="w-full rounded-md px-2 py-1.5 text-left text-xs text-slate-500 hover:bg-white hover:text-slate-800"
      >
        + Add task
      </button>
    );
  }
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (title.trim()) create.mutate({ projectId, columnId, title });
      }}
    >
      <Input
        autoFocus
        value={title}
        onChange={(e) => setTitle(e.target.value)}
        placeholder="Task title, then Enter"
        onBlur={() => !title && setOpen(false)}
        onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
        aria-label="New task title"
      />
    </form>
  );
}

function Milestones({ projectId, milestones, canWrite }: { projectId: string; milestones: Board['milestones']; canWrite: boolean }) {
  const utils = trpc.useUtils();
  const toast = useToast();
  const [name, setName] = useState('');
  const [due, setDue] = useState('');
  const refresh = () => void utils.projects.projects.board.invalidate({ id: projectId });
  const create = trpc.projects.milestones.create.useMutation({
    onSuccess: () => (setName(''), setDue(''), refresh()),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const reach = trpc.projects.milestones.reach.useMutation({
    onSuccess: () => (toast('Milestone reached'), refresh()),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  return (
    <Card title="Milestones">
      <ul className="divide-y divide-slate-100">
        {milestones.length === 0 ? <li className="px-4 py-3 text-sm text-slate-500">No milestones.</li> : null}
        {milestones.map((m) => (
          <li key={m.id} className="flex items-center gap-2 px-4 py-2.5 text-sm">
            <span className={`size-2.5 rounded-full ${m.reachedAt ? 'bg-emerald-500' : 'bg-slate-300'}`} />
            <span className="min-w-0 flex-1">
              <span className="block truncate text-slate-800">{m.name}</span>
              <span className="text-xs text-slate-500">
                {m.reachedAt ? `reached ${formatDate(m.reachedAt)}` : m.dueDate ? `due ${formatDate(m.dueDate)}` : 'no date'}
              </span>
            </span>
            {canWrite && !m.reachedAt ? (
              <Button size="sm" variant="ghost" onClick={() => reach.mutate({ id: m.id })}>
                Reach
              </Button>
            ) : null}
          </li>
        ))}
      </ul>
      {canWrite ? (
        <form
          className="space-y-2 border-t border-slate-100 p-3"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ projectId, name, dueDate: due || null });
          }}
        >
          <Input placeholder="New milestone" value={name} onChange={(e) => setName(e.target.value)} aria-label="Milestone name" />
          <div className="flex gap-2">
            <Input type="date" value={due} onChange={(e) => setDue(e.target.value)} aria-label="Milestone due date" />
            <Button type="submit" size="md" disabled={!name.trim()} loading={create.isPending}>
              Add
            </Button>
          </div>
        </form>
      ) : null}
    </Card>
  );
}
