import { useEffect, useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import type { RouterOutputs } from '../../trpc.ts';
import { trpc } from '../../trpc.ts';
import { Button, Drawer, ErrorState, Field, Input, PageSpinner, Select, Textarea, useToast } from '../../ui/index.ts';

type Milestone = RouterOutputs['projects']['projects']['board']['milestones'][number];

export function TaskDrawer({ taskId, projectId, milestones, onClose }: { taskId: string; projectId: string; milestones: Milestone[]; onClose: () => void }) {
  const canWrite = useCan('projects.task.write');
  const toast = useToast();
  const utils = trpc.useUtils();
  const task = trpc.projects.tasks.get.useQuery({ id: taskId });
  const members = trpc.identity.members.list.useQuery(undefined, { staleTime: 300_000 });
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [item, setItem] = useState('');
  useEffect(() => {
    if (task.data) {
      setTitle(task.data.title);
      setDescription(task.data.description ?? '');
    }
  }, [task.data?.id, task.data?.updatedAt]); // eslint-disable-line react-hooks/exhaustive-deps
  const onSuccess = (t: NonNullable<typeof task.data>) => {
    utils.projects.tasks.get.setData({ id: taskId }, t);
    void utils.projects.projects.board.invalidate({ id: projectId });
    void utils.projects.tasks.mine.invalidate();
  };
  const onError = (e: unknown) => toast(errorMessage(e), 'error');
  const update = trpc.projects.tasks.update.useMutation({ onSuccess, onError });
  const assign = trpc.projects.tasks.assign.useMutation({ onSuccess, onError });
  const complete = trpc.projects.tasks.complete.useMutation({ onSuccess: (t) => (onSuccess(t), toast('Task completed')), onError });
  const addItem = trpc.projects.tasks.addChecklistItem.useMutation({ onSuccess: (t) => (onSuccess(t), setItem('')), onError });
  const toggle = trpc.projects.tasks.toggleChecklistItem.useMutation({ onSuccess, onError });
  const t = task.data;
  return (
    <Drawer
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title={t ? 'Task' : 'Loading…'}
      footer={
        t && canWrite && t.status !== 'done' ? (
          <Button variant="primary" loading={complete.isPending} onClick={() => complete.mutate({ id: taskId })}>
            Mark complete
          </Button>
        ) : undefined
      }
    >
      {task.isPending ? <PageSpinner /> : null}
      {task.error ? <ErrorState error={task.error} onRetry={() => void task.refetch()} /> : null}
      {t ? (
        <div className="space-y-4">
          <Field label="Title" name="title" error={update.error}>
            <Input
              value={title}
              disabled={!canWrite}
              onChange={(e) => setTitle(e.target.value)}
              onBlur={() => title.trim() && title !== t.title && update.mutate({ id: taskId, title })}
            />
          </Field>
          <div className="grid grid-cols-2 gap-3">
            <Field label="Assignee" name="assigneeId" error={assign.error}>
              <Select value={t.assigneeId ?? ''} disabled={!canWrite} onChange={(e) => assign.mutate({ id: taskId, assigneeId: e.target.value || null })}>
                <option value="">Unassigned</option>
                {(members.data ?? []).map((m) => (
                  <option key={m.userId} value={m.userId}>
                    {m.name}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Due date" name="dueDate" error={update.error}>
              <Input
                type="date"
                value={t.dueDate ?? ''}
                disabled={!canWrite}
                onChange={(e) => update.mutate({ id: taskId, dueDate: e.target.value || null })}
              />
            </Field>
          </div>
          <Field label="Milestone" name="milestoneId" error={update.error}>
            <Select value={t.milestoneId ?? ''} disabled={!canWrite} onChange={(e) => update.mutate({ id: taskId, milestoneId: e.target.value || null })}>
              <option value="">None</option>
              {milestones.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Description" name="description" error={update.error}>
            <Textarea
              rows={4}
              value={description}
              disabled={!canWrite}
              onChange={(e) => setDescription(e.target.value)}
              onBlur={() => description !== (t.description ?? '') && update.mutate({ id: taskId, description: description || null })}
            />
          </Field>
          <div>
            <div className="mb-1.5 flex items-center justify-between text-xs font-medium text-slate-700">
              <span>Checklist</span>
              <span className="text-slate-400">
                {t.checklist.filter((i) => i.done).length}/{t.checklist.length}
              </span>
            </div>
            <ul className="space-y-1">
              {t.checklist.map((i) => (
                <li key={i.id}>
                  <label className="flex items-center gap-2 rounded px-1 py-1 text-sm hover:bg-slate-50">
                    <input
                      type="checkbox"
                      className="size-4 rounded border-slate-300 text-indigo-600"
                      checked={i.done}
                      disabled={!canWrite}
                      onChange={(e) => toggle.mutate({ id: taskId, itemId: i.id, done: e.target.checked })}
                    />
                    <span className={i.done ? 'text-slate-400 line-through' : 'text-slate-700'}>{i.text}</span>
                  </label>
                </li>
              ))}
            </ul>
            {canWrite ? (
              <form
                className="mt-2 flex gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (item.trim()) addItem.mutate({ id: taskId, text: item });
                }}
              >
                <Input value={item} onChange={(e) => setItem(e.target.value)} placeholder="Add an item" aria-label="New checklist item" />
                <Button type="submit" loading={addItem.isPending} disabled={!item.trim()}>
                  Add
                </Button>
              </form>
            ) : null}
          </div>
          <p className="text-xs text-slate-400">
            Created {formatDateTime(t.createdAt)} · updated {formatDateTime(t.updatedAt)}
            {t.completedAt ? ` · completed ${formatDateTime(t.completedAt)}` : ''}
          </p>
        </div>
      ) : null}
    </Drawer>
  );
}
