import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { trpc } from '../../trpc.ts';
import { Button, Card, ErrorState, Field, FormError, Input, PageHeader, PageSpinner, Select, useToast } from '../../ui/index.ts';
import { fieldsIn, MERGE_FIELDS, type SectionDraft, SectionsEditor, SectionsPreview } from './SectionsEditor.tsx';

const SAMPLE: Record<string, string> = {
  'client.name': 'Acme Ltd',
  'contact.first_name': 'Ada',
  'contact.name': 'Ada Lovelace',
  'contact.email': 'ada@acme.example',
  'engagement.name': 'Website rebuild',
  today: new Date().toISOString().slice(0, 10),
  'proposal.title': 'Website rebuild',
  'proposal.total': 'EUR 12,000.00',
  pricing_table: 'Design — 1 × EUR 4,000.00 = EUR 4,000.00\nBuild — 1 × EUR 8,000.00 = EUR 8,000.00\nTotal: EUR 12,000.00',
  payment_schedule: 'Deposit 30% on acceptance',
};

/** /agreements/templates/new and /agreements/templates/:id — sections with a merge-field picker and a preview with sample values. */
export default function TemplateEditor() {
  const { id } = useParams();
  const existing = trpc.agreements.templates.get.useQuery({ id: id ?? '' }, { enabled: !!id && id !== 'new' });
  if (id && id !== 'new') {
    if (existing.isPending) return <PageSpinner />;
    if (existing.error) return <ErrorState error={existing.error} onRetry={() => void existing.refetch()} />;
  }
  return <Editor key={existing.data?.id ?? 'new'} initial={existing.data} />;
}

function Editor({
  initial,
}: {
  initial?: { id: string; kind: 'proposal' | 'contract'; name: string; sections: SectionDraft[]; archivedAt: Date | string | null } | undefined;
}) {
  const navigate = useNavigate();
  const toast = useToast();
  const utils = trpc.useUtils();
  const [kind, setKind] = useState<'proposal' | 'contract'>(initial?.kind ?? 'proposal');
  const [name, setName] = useState(initial?.name ?? '');
  const [sections, setSections] = useState<SectionDraft[]>(
    initial?.sections ?? [{ title: 'Introduction', body: 'Dear {{contact.first_name}},\n\nThank you for considering us for {{client.name}}.' }],
  );
  const create = trpc.agreements.templates.create.useMutation({
    onSuccess: (t) => {
      void utils.agreements.templates.list.invalidate();
      toast('Template saved', 'success');
      navigate(`/agreements/templates/${t.id}`, { replace: true });
    },
  });
  const update = trpc.agreements.templates.update.useMutation({ onSuccess: () => void utils.agreements.templates.invalidate() });
  const archive = trpc.agreements.templates.archive.useMutation({
    onSuccess: () => {
      void utils.agreements.templates.invalidate();
      navigate('/agreements?tab=templates');
    },
  });
  const error = create.error ?? update.error;
  const save = () => (initial ? update.mutate({ id: initial.id, name, sections }) : create.mutate({ kind, name, sections }));
  const used = fieldsIn(sections);
  const unknown = used.filter((f) => !MERGE_FIELDS.some((m) => m.name === f));
  return (
    <>
      <PageHeader
        breadcrumb={<Link to="/agreements?tab=templates">Agreements · Templates</Link>}
        title={initial ? initial.name : 'New template'}
        actions={
          <>
            {initial && !initial.archivedAt ? (
              <Button variant="ghost" loading={archive.isPending} onClick={() => archive.mutate({ id: initial.id })}>
                Archive
              </Button>
            ) : null}
            <Button variant="primary" loading={create.isPending || update.isPending} disabled={!name.trim() || sections.length === 0} onClick={save}>
              Save template
            </Button>
          </>
        }
      />
      <FormError error={error} fields={['name', 'kind']} />
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Template">
          <div className="grid gap-3 p-4">
            <div className="grid grid-cols-2 gap-3">
              <Field label="Name" name="name" error={error} required>
                <Input value={name} onChange={(e) => setName(e.target.value)} />
              </Field>
              <Field label="Kind" name="kind" error={error}>
                <Select value={kind} disabled={!!initial} onChange={(e) => setKind(e.target.value === 'contract' ? 'contract' : 'proposal')}>
                  <option value="proposal">Proposal</option>
                  <option value="contract">Contract</option>
                </Select>
              </Field>
            </div>
            <SectionsEditor sections={sections} onChange={setSections} />
            {unknown.length > 0 ? (
              <p className="text-xs text-amber-700">
                Custom fields {unknown.map((f) => `{{${f}}}`).join(', ')}: give them a value in each proposal, or sending is refused.
              </p>
            ) : null}
          </div>
        </Card>
        <Card title="Preview with sample values">
          <div className="p-4">
            <SectionsPreview sections={sections} values={SAMPLE} />
          </div>
        </Card>
      </div>
    </>
  );
}
