import { useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Button, Card, Dialog, EmptyState, Field, FormError, Input, QueryState, Textarea, useToast } from '../../ui/index.ts';

type Template = RouterOutputs['projects']['templates']['list']['items'][number];

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** Project templates: the skeleton (columns, milestones, tasks with checklists) new projects copy. */
export function TemplatesCard() {
  const canManage = useCan('projects.template.manage');
  const templates = trpc.projects.templates.list.useQuery();
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState<Template | null>(null);
  const [archiving, setArchiving] = useState<Template | null>(null);
  return (
    <Card
      title="Templates"
      actions={
        canManage ? (
          <Button size="sm" onClick={() => setOpen(true)}>
            New template
          </Button>
        ) : null
      }
    >
      <QueryState
        query={templates}
        isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState title="No templates yet" description="A template holds the columns, milestones and tasks a kind of project always starts with." />}
      >
        {(d) => (
          <ul className="grid gap-3 p-4 sm:grid-cols-2 lg:grid-cols-3">
            {d.items.map((t) => (
              <li key={t.id} className="rounded-md p-3 ring-1 ring-slate-200" data-template-name={t.name}>
                <div className="text-sm font-medium text-slate-900">{t.name}</div>
                {t.description ? <div className="mt-0.5 line-clamp-2 text-xs text-slate-500">{t.description}</div> : null}
                <div className="mt-2 text-xs text-slate-500">
                  {t.skeleton.columns.length} columns · {t.skeleton.milestones.length} milestones · {t.skeleton.tasks.length} tasks
                </div>
                {canManage ? (
                  <div className="mt-2 flex gap-1.5">
                    <Button size="sm" variant="ghost" onClick={() => setEditing(t)} aria-label={`Edit template ${t.name}`}>
                      Edit
                    </Button>
                    <Button size="sm" variant="ghost" className="text-rose-700" onClick={() => setArchiving(t)} aria-label={`Archive template ${t.name}`}>
                      Archive
                    </Button>
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {open ? <TemplateDialog onClose={() => setOpen(false)} /> : null}
      {editing ? <TemplateDialog template={editing} onClose={() => setEditing(null)} /> : null}
      {archiving ? <ArchiveTemplateDialog template={archiving} onClose={() => setArchiving(null)} /> : null}
    </Card>
  );
}

function ArchiveTemplateDialog({ template, onClose }: { template: Template; onClose: () => void }) {
  const utils = trpc.useUtils();
  const toast = useToast();
  const archive = trpc.projects.templates.archive.useMutation({
    onSuccess: () => {
      toast(`Template “${template.name}” archived`);
      void utils.projects.templates.invalidate();
      onClose();
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  return (
    <Dialog
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title={`Archive “${template.name}”?`}
      size="sm"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="danger" loading={archive.isPending} onClick={() => archive.mutate({ id: template.id })}>
            Archive template
          </Button>
        </>
      }
    >
      <p className="text-sm text-slate-600">
        It leaves the list and no new project can be made from it. Projects already made from it stay as they are; a deal that names it opens no project when
        won.
      </p>
    </Dialog>
  );
}

const checklistLine = (task: Template['skeleton']['tasks'][number]) => (task.checklist.length > 0 ? `${task.title}: ${task.checklist.join('; ')}` : task.title);

function TemplateDialog({ template, onClose }: { template?: Template; onClose: () => void }) {
  const utils = trpc.useUtils();
  const [form, setForm] = useState(
    template
      ? {
          name: template.name,
          description: template.description ?? '',
          columns: template.skeleton.columns.map((c) => c.name).join('\n'),
          milestones: template.skeleton.milestones.map((m) => m.name).join('\n'),
          tasks: template.skeleton.tasks.map(checklistLine).join('\n'),
        }
      : { name: '', description: '', columns: 'To do\nIn progress\nDone', milestones: '', tasks: '' },
  );
  const done = () => {
    void utils.projects.templates.invalidate();
    onClose();
  };
  const create = trpc.projects.templates.create.useMutation({ onSuccess: done });
  const update = trpc.projects.templates.update.useMutation({ onSuccess: done });
  const mutation = template ? update : create;
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setForm((f) => ({ ...f, [key]: e.target.value }));
  const submit = () => {
    const columns = lines(form.columns);
    // Editing keeps what the text form does not show: a milestone's key and offset (by position),
    // a task's description, milestone and offset (by title), a column's done mark (by name).
    const milestones = lines(form.milestones).map((name, i) => {
      const before = template?.skeleton.milestones[i];
      return { key: before?.key ?? `m${i + 1}`, name, offsetDays: before?.offsetDays ?? null };
    });
    const keys = new Set(milestones.map((m) => m.key));
    const tasks = lines(form.tasks).map((line) => {
      // "Title: item one; item two" → a task with a checklist.
      const [title = '', rest] = line.split(/:(.*)/s);
      const before = template?.skeleton.tasks.find((t) => t.title === title.trim());
      return {
        title: title.trim(),
        description: before?.description ?? null,
        milestoneKey: before?.milestoneKey && keys.has(before.milestoneKey) ? before.milestoneKey : null,
        offsetDays: before?.offsetDays ?? null,
        checklist: rest
          ? rest
              .split(';')
              .map((s) => s.trim())
              .filter(Boolean)
          : [],
      };
    });
    const isDone = (name: string, i: number) =>
      template?.skeleton.columns.find((c) => c.name === name)?.isDone ?? (i === columns.length - 1 && /done|complete/i.test(name));
    const payload = {
      name: form.name,
      description: form.description.trim() || null,
      skeleton: { columns: columns.map((name, i) => ({ name, isDone: isDone(name, i) })), milestones, tasks },
    };
    if (template) update.mutate({ id: template.id, ...payload });
    else create.mutate(payload);
  };
  return (
    <Dialog
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title={template ? `Edit “${template.name}”` : 'New project template'}
      size="lg"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="template-form" loading={mutation.isPending}>
            {template ? 'Save changes' : 'Create template'}
          </Button>
        </>
      }
    >
      <form
        id="template-form"
        className="space-y-3"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <FormError error={mutation.error} fields={['name', 'description']} />
        <Field label="Template name" name="name" error={mutation.error}>
          <Input value={form.name} onChange={set('name')} autoFocus />
        </Field>
        <Field label="Description" name="description" error={mutation.error}>
          <Input value={form.description} onChange={set('description')} />
        </Field>
        <div className="grid grid-cols-2 gap-3">
          <Field label="Columns (one per line)" name="skeleton.columns" error={mutation.error} hint="A last column named Done marks tasks done.">
            <Textarea rows={4} value={form.columns} onChange={set('columns')} />
          </Field>
          <Field label="Milestones (one per line)" name="skeleton.milestones" error={mutation.error}>
            <Textarea rows={4} value={form.milestones} onChange={set('milestones')} />
          </Field>
        </div>
        <Field
          label="Tasks (one per line)"
          name="skeleton.tasks"
          error={mutation.error}
          hint="Add a checklist after a colon: “Kick-off call: agenda; notes; follow-up”."
        >
          <Textarea rows={6} value={form.tasks} onChange={set('tasks')} />
        </Field>
      </form>
    </Dialog>
  );
}
