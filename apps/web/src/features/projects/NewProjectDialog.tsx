import { useState } from 'react';
import { useNavigate } from 'react-router';
import { trpc } from '../../trpc.ts';
import { Button, Dialog, Field, FormError, Input, Select, Textarea } from '../../ui/index.ts';
import { ClientPicker } from '../clients/ClientPicker.tsx';

export function NewProjectDialog({ mode, onClose, clientId: fixedClientId }: { mode: 'blank' | 'template'; onClose: () => void; clientId?: string }) {
  const navigate = useNavigate();
  const utils = trpc.useUtils();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [clientId, setClientId] = useState<string | null>(fixedClientId ?? null);
  const [templateId, setTemplateId] = useState('');
  const [startDate, setStartDate] = useState('');
  const [dueDate, setDueDate] = useState('');
  const templates = trpc.projects.templates.list.useQuery(undefined, { enabled: mode === 'template' });
  const done = (projectId: string) => {
    void utils.projects.projects.list.invalidate();
    onClose();
    navigate(`/projects/${projectId}`);
  };
  const create = trpc.projects.projects.create.useMutation({ onSuccess: (p) => done(p.id) });
  const fromTemplate = trpc.projects.projects.createFromTemplate.useMutation({ onSuccess: (b) => done(b.project.id) });
  const error = mode === 'blank' ? create.error : fromTemplate.error;
  const pending = create.isPending || fromTemplate.isPending;
  const submit = () => {
    if (mode === 'blank') {
      create.mutate({ name, description: description || null, clientId, startDate: startDate || null, dueDate: dueDate || null });
    } else {
      fromTemplate.mutate({ templateId, name, clientId, startDate: startDate || null });
    }
  };
  const templateList = templates.data?.items ?? [];
  return (
    <Dialog
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title={mode === 'blank' ? 'New project' : 'New project from template'}
      description={mode === 'template' ? 'Columns, milestones and tasks are copied from the template; dates are offset from the start date.' : undefined}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="new-project" loading={pending}>
            Create project
          </Button>
        </>
      }
    >
      <form
        id="new-project"
        className="space-y-3"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <FormError error={error} fields={['name', 'templateId', 'clientId', 'startDate', 'dueDate', 'description']} />
        {mode === 'template' ? (
          <Field
            label="Template"
            name="templateId"
            error={error}
            hint={templates.data && templateList.length === 0 ? 'No templates yet: create one under Projects → Templates.' : undefined}
          >
            <Select
              value={templateId}
              onChange={(e) => {
                setTemplateId(e.target.value);
                const t = templateList.find((x) => x.id === e.target.value);
                if (t && !name) setName(t.name);
              }}
            >
              <option value="">{templates.isPending ? 'Loading…' : 'Choose a template'}</option>
              {templateList.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </Select>
          </Field>
        ) : null}
        <Field label="Project name" name="name" error={error}>
          <Input value={name} onChange={(e) => setName(e.target.value)} autoFocus={mode === 'blank'} />
        </Field>
        {!fixedClientId ? (
          <Field label="Client" name="clientId" error={error} hint="Optional: leave empty for internal work.">
            <ClientPicker value={clientId} onChange={setClientId} />
          </Field>
        ) : null}
        <div className="grid grid-cols-2 gap-3">
          <Field label="Start date" name="startDate" error={error}>
            <Input type="date" value={startDate} onChange={(e) => setStartDate(e.target.value)} />
          </Field>
          {mode === 'blank' ? (
            <Field label="Due date" name="dueDate" error={error}>
              <Input type="date" value={dueDate} onChange={(e) => setDueDate(e.target.value)} />
            </Field>
          ) : null}
        </div>
        {mode === 'blank' ? (
          <Field label="Description" name="description" error={error}>
            <Textarea value={description} onChange={(e) => setDescription(e.target.value)} />
          </Field>
        ) : null}
      </form>
    </Dialog>
  );
}
