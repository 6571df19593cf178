import { useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { trpc } from '../../trpc.ts';
import { Button, Card, Dialog, EmptyState, Field, FormError, Input, QueryState, Textarea } from '../../ui/index.ts';

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
              <li key={t.id} className="rounded-md p-3 ring-1 ring-slate-200">
                <div className="text-sm font-medium text-slate-900">{t.name}</div>
                {t.description ? <div className="mt-0.5 line-clamp-2 text-xs text-slate-500">{t.description}</div> : null}
                <div className="mt-2 text-xs text-slate-500">
                  {t.skeleton.columns.length} columns · {t.skeleton.milestones.length} milestones · {t.skeleton.tasks.length} tasks
                </div>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {open ? <TemplateDialog onClose={() => setOpen(false)} /> : null}
    </Card>
  );
}

function TemplateDialog({ onClose }: { onClose: () => void }) {
  const utils = trpc.useUtils();
  const [form, setForm] = useState({ name: '', description: '', columns: 'To do\nIn progress\nDone', milestones: '', tasks: '' });
  const create = trpc.projects.templates.create.useMutation({
    onSuccess: () => {
      void utils.projects.templates.list.invalidate();
      onClose();
    },
  });
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setForm((f) => ({ ...f, [key]: e.target.value }));
  const submit = () => {
    const columns = lines(form.columns);
    const milestones = lines(form.milestones).map((name, i) => ({ key: `m${i + 1}`, name, offsetDays: null }));
    const tasks = lines(form.tasks).map((line) => {
      // "Title: item one; item two" → a task with a checklist.
      const [title = '', rest] = line.split(/:(.*)/s);
      return {
        title: title.trim(),
        description: null,
        milestoneKey: null,
        offsetDays: null,
        checklist: rest
          ? rest
              .split(';')
              .map((s) => s.trim())
              .filter(Boolean)
          : [],
      };
    });
    create.mutate({
      name: form.name,
      description: form.description.trim() || null,
      skeleton: { columns: columns.map((name, i) => ({ name, isDone: i === columns.length - 1 && /done|complete/i.test(name) })), milestones, tasks },
    });
  };
  return (
    <Dialog
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title="New project template"
      size="lg"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="template-form" loading={create.isPending}>
            Create template
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
        <FormError error={create.error} fields={['name', 'description']} />
        <Field label="Template name" name="name" error={create.error}>
          <Input value={form.name} onChange={set('name')} autoFocus />
        </Field>
        <Field label="Description" name="description" error={create.error}>
          <Input value={form.description} onChange={set('description')} />
        </Field>
        <div className="grid grid-cols-2 gap-3">
          <Field label="Columns (one per line)" name="skeleton.columns" error={create.error} hint="A last column named Done marks tasks done.">
            <Textarea rows={4} value={form.columns} onChange={set('columns')} />
          </Field>
          <Field label="Milestones (one per line)" name="skeleton.milestones" error={create.error}>
            <Textarea rows={4} value={form.milestones} onChange={set('milestones')} />
          </Field>
        </div>
        <Field
          label="Tasks (one per line)"
          name="skeleton.tasks"
          error={create.error}
          hint="Add a checklist after a colon: “Kick-off call: agenda; notes; follow-up”."
        >
          <Textarea rows={6} value={form.tasks} onChange={set('tasks')} />
        </Field>
      </form>
    </Dialog>
  );
}
