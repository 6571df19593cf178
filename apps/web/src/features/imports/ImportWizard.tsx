import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { countCsvRecords, parseCsv } from '../../lib/csv.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useCan } from '../../app/session.tsx';
import { guessMapping, mappingProblem } from './headers.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, EmptyState, FormError, PageHeader, Select, Table, Td, Th } from '../../ui/index.ts';
import { cn } from '../../lib/cn.ts';

type Kind = 'clients' | 'contacts';
type Step = 'upload' | 'map' | 'preview' | 'run';

const builtIn: Record<Kind, { value: string; label: string; required?: boolean }[]> = {
  clients: [
    { value: 'name', label: 'Name', required: true },
    { value: 'domain', label: 'Domain' },
    { value: 'website', label: 'Website' },
    { value: 'status', label: 'Status' },
    { value: 'tags', label: 'Tags' },
  ],
  contacts: [
    { value: 'name', label: 'Full name' },
    { value: 'first_name', label: 'First name' },
    { value: 'last_name', label: 'Last name' },
    { value: 'email', label: 'Email' },
    { value: 'phone', label: 'Phone' },
    { value: 'title', label: 'Job title' },
    { value: 'tags', label: 'Tags' },
    { value: 'company', label: 'Company (links the client)' },
    { value: 'role', label: 'Role at the company' },
  ],
};

export default function ImportWizardPage() {
  if (!useCan('crm.import.run')) return <EmptyState title="Imports are not available to your role" description="Ask an owner or admin to import records." />;
  return <ImportWizard />;
}

function ImportWizard() {
  const [step, setStep] = useState<Step>('upload');
  const [kind, setKind] = useState<Kind>('clients');
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [importId, setImportId] = useState<string | null>(null);
  const fields = trpc.crm.customFields.list.useQuery({ entity: kind === 'clients' ? 'client' : 'contact' });
  const targets = useMemo(
    () => [...builtIn[kind], ...(fields.data ?? []).map((f) => ({ value: `custom.${f.key}`, label: `${f.label} (custom)`, required: f.required }))],
    [kind, fields.data],
  );
  const sample = useMemo(() => (file ? parseCsv(file.text, 11) : []), [file]);
  const header = (sample[0] ?? []).map((h) => h.trim());
  const total = useMemo(() => (file ? countCsvRecords(file.text) : 0), [file]);
  const create = trpc.crm.imports.create.useMutation({
    onSuccess: (imp) => {
      setImportId(imp.id);
      setStep('run');
    },
  });

  const autoMap = (cols: string[]) => setMapping(guessMapping(kind, cols, targets));
  const problem = mappingProblem(kind, mapping);

  const steps: { id: Step; label: string }[] = [
    { id: 'upload', label: 'Upload' },
    { id: 'map', label: 'Map columns' },
    { id: 'preview', label: 'Preview' },
    { id: 'run', label: 'Import' },
  ];
  const stepIndex = steps.findIndex((s) => s.id === step);

  return (
    <>
      <PageHeader
        breadcrumb={
          <Link to="/clients" className="hover:text-slate-700">
            Clients
          </Link>
        }
        title="Import from CSV"
        subtitle="Bring clients or contacts from a spreadsheet. Duplicates are detected and skipped."
      />
      <ol className="mb-5 flex items-center gap-2 text-sm">
        {steps.map((s, i) => (
          <li key={s.id} className="flex items-center gap-2">
            <span
              className={cn(
                'flex size-6 items-center justify-center rounded-full text-xs font-semibold',
                i < stepIndex
                  ? 'bg-indigo-600 text-white'
                  : i === stepIndex
                    ? 'bg-indigo-100 text-indigo-700 ring-2 ring-indigo-600'
                    : 'bg-slate-200 text-slate-500',
              )}
            >
              {i < stepIndex ? '✓' : i + 1}
            </span>
            <span className={i === stepIndex ? 'font-medium text-slate-900' : 'text-slate-500'}>{s.label}</span>
            {i < steps.length - 1 ? <span className="mx-1 h-px w-8 bg-slate-300" /> : null}
          </li>
        ))}
      </ol>

      {step === 'upload' ? (
        <Card title="Choose a file">
          <div className="space-y-4 p-5">
            <div className="flex gap-2">
              {(['clients', 'contacts'] as const).map((k) => (
                <button
                  key={k}
                  type="button"
                  onClick={() => setKind(k)}
                  className={cn(
                    'rounded-md px-3 py-1.5 text-sm font-medium ring-1',
                    kind === k ? 'bg-indigo-50 text-indigo-700 ring-indigo-300' : 'text-slate-600 ring-slate-200 hover:bg-slate-50',
                  )}
                >
                  Import {k}
                </button>
              ))}
            </div>
            <label className="flex cursor-pointer flex-col items-center justify-center gap-2 rounded-lg border-2 border-dashed border-slate-300 px-6 py-10 text-center hover:border-indigo-400 hover:bg-indigo-50/30">
              <span className="text-sm font-medium text-slate-700">{file ? file.name : 'Drop a .csv file here or click to browse'}</span>
              <span className="text-xs text-slate-500">
                {file ? `${total.toLocaleString()} rows · ${header.length} columns` : 'UTF-8, first row is the header'}
              </span>
              <input
                type="file"
                accept=".csv,text/csv"
                className="sr-only"
                data-testid="csv-file"
                onChange={async (e) => {
                  const f = e.target.files?.[0];
                  if (!f) return;
                  const text = await f.text();
                  setFile({ name: f.name, text });
                  autoMap((parseCsv(text, 1)[0] ?? []).map((h) => h.trim()));
                }}
              />
            </label>
            <div className="flex justify-end">
              <Button variant="primary" disabled={!file || header.length === 0} onClick={() => (autoMap(header), setStep('map'))}>
                Continue
              </Button>
            </div>
          </div>
        </Card>
      ) : null}

      {step === 'map' && file ? (
        <Card title="Map columns to fields">
          <Table>
            <thead>
              <tr>
                <Th>CSV column</Th>
                <Th>Example</Th>
                <Th>Import as</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {header.map((col, i) => (
                <tr key={col}>
                  <Td className="font-medium text-slate-900">{col}</Td>
                  <Td className="max-w-64 truncate text-slate-500">{sample[1]?.[i] ?? ''}</Td>
                  <Td>
                    <Select
                      aria-label={`Map ${col}`}
                      className="w-56"
                      value={mapping[col] ?? ''}
                      onChange={(e) => setMapping((m) => ({ ...m, [col]: e.target.value }))}
                    >
                      <option value="">Don’t import</option>
                      {targets.map((t) => (
                        <option key={t.value} value={t.value} disabled={Object.entries(mapping).some(([c, v]) => v === t.value && c !== col)}>
                          {t.label}
                        </option>
                      ))}
                    </Select>
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <div className="flex justify-between border-t border-slate-100 px-4 py-3">
            <Button onClick={() => setStep('upload')}>Back</Button>
            <Button variant="primary" onClick={() => setStep('preview')} disabled={problem !== null}>
              Preview
            </Button>
          </div>
          {problem ? (
            <p className="border-t border-slate-100 px-4 py-3 text-sm text-amber-800" role="status" data-testid="mapping-problem">
              {problem}
            </p>
          ) : null}
        </Card>
      ) : null}

      {step === 'preview' && file ? (
        <Preview
          kind={kind}
          header={header}
          rows={sample.slice(1)}
          total={total}
          mapping={mapping}
          targets={targets}
          error={create.error}
          pending={create.isPending}
          onBack={() => setStep('map')}
          onStart={() =>
            create.mutate({
              kind,
              fileName: file.name,
              csv: file.text,
              mapping: Object.fromEntries(Object.entries(mapping).filter(([, v]) => v)),
            })
          }
        />
      ) : null}

      {step === 'run' && importId ? <Progress importId={importId} kind={kind} /> : null}
    </>
  );
}

function rowProblems(kind: Kind, row: Record<string, string>): Record<string, string> {
  const problems: Record<string, string> = {};
  if (kind === 'clients' && !row.name?.trim()) problems.name = 'Name is required';
  if (kind === 'contacts' && !['name', 'first_name', 'last_name', 'email'].some((f) => row[f]?.trim())) problems.name = 'A name or email is required';
  if (row.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(row.email.trim())) problems.email = 'Not an email address';
  if (row.website && !/^https?:\/\//i.test(row.website.trim())) problems.website = 'Use a full http(s) URL';
  if (row.status && !['lead', 'active', 'past'].includes(row.status.trim().toLowerCase())) problems.status = 'Use lead, active or past';
  return problems;
}

function Preview({
  kind,
  header,
  rows,
  total,
  mapping,
  targets,
  error,
  pending,
  onBack,
  onStart,
}: {
  kind: Kind;
  header: string[];
  rows: string[][];
  total: number;
  mapping: Record<string, string>;
  targets: { value: string; label: string }[];
  error: unknown;
  pending: boolean;
  onBack: () => void;
  onStart: () => void;
}) {
  const mapped = header.map((col, i) => ({ col, i, field: mapping[col] })).filter((m) => m.field);
  const records = rows.map((r) => Object.fromEntries(mapped.map((m) => [m.field as string, r[m.i] ?? ''])));
  const problems = records.map((r) => rowProblems(kind, r));
  const bad = problems.filter((p) => Object.keys(p).length > 0).length;
  const label = (field: string) => targets.find((t) => t.value === field)?.label ?? field;
  return (
    <Card
      title={`Preview · first ${rows.length} of ${total.toLocaleString()} rows`}
      actions={bad > 0 ? <Badge tone="amber">{bad} of these rows have problems and will be reported</Badge> : <Badge tone="green">Sample looks good</Badge>}
    >
      {error ? (
        <div className="p-4 pb-0">
          <FormError error={error} />
        </div>
      ) : null}
      <Table>
        <thead>
          <tr>
            <Th>Row</Th>
            {mapped.map((m) => (
              <Th key={m.col}>{label(m.field as string)}</Th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {records.map((r, idx) => (
            <tr key={idx} className={Object.keys(problems[idx] ?? {}).length ? 'bg-amber-50/60' : undefined}>
              <Td className="text-xs text-slate-400">{idx + 2}</Td>
              {mapped.map((m) => {
                const problem = problems[idx]?.[m.field as string];
                return (
                  <Td key={m.col} className={problem ? 'text-rose-700' : undefined} title={problem}>
                    {r[m.field as string] || <span className="text-slate-300">—</span>}
                    {problem ? <span className="ml-1.5 text-xs text-rose-600">⚠ {problem}</span> : null}
                  </Td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </Table>
      <div className="flex justify-between border-t border-slate-100 px-4 py-3">
        <Button onClick={onBack}>Back</Button>
        <Button variant="primary" loading={pending} onClick={onStart}>
          Import {total.toLocaleString()} rows
        </Button>
      </div>
    </Card>
  );
}

function Progress({ importId, kind }: { importId: string; kind: Kind }) {
  const navigate = useNavigate();
  const imp = trpc.crm.imports.get.useQuery(
    { id: importId },
    { refetchInterval: (q) => (q.state.data && (q.state.data.status === 'completed' || q.state.data.status === 'failed') ? false : 400) },
  );
  const d = imp.data;
  const pct = d && d.totalRows > 0 ? Math.min(100, Math.round((d.rowsDone / d.totalRows) * 100)) : d?.status === 'completed' ? 100 : 0;
  const failed = d?.status === 'failed';
  const finished = d?.status === 'completed' || failed;
  return (
    <Card title={failed ? 'Import failed' : finished ? 'Import finished' : 'Importing…'} actions={failed ? <Badge tone="rose">Failed</Badge> : undefined}>
      <div className="space-y-4 p-5">
        {failed && d ? (
          <div className="rounded-md bg-rose-50 px-4 py-3 text-sm ring-1 ring-rose-200" role="alert" data-testid="import-failure">
            <p className="font-medium text-rose-800">
              The import stopped after {d.rowsDone.toLocaleString()} of {d.totalRows.toLocaleString()} rows.
            </p>
            <p className="mt-1 break-words text-rose-700" data-testid="import-error">
              {d.error ?? 'A part of the file could not be imported.'}
            </p>
            <p className="mt-2 text-xs text-rose-700/80">
              The rows counted below are imported and stay. Once the cause is fixed, an owner or admin can redrive the failed part from the dead-letter queue;
              the import then continues where it stopped.
            </p>
          </div>
        ) : null}
        <div>
          <div className="mb-1.5 flex justify-between text-sm">
            <span className="text-slate-700">{d ? `${d.rowsDone.toLocaleString()} of ${d.totalRows.toLocaleString()} rows` : 'Starting…'}</span>
            <span className="font-medium text-slate-900" data-testid="import-percent">
              {pct}%
            </span>
          </div>
          <div
            className="h-2.5 overflow-hidden rounded-full bg-slate-100"
            role="progressbar"
            aria-valuenow={pct}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-label="Import progress"
          >
            <div
              className={cn('h-full rounded-full transition-all duration-300', d?.status === 'failed' ? 'bg-rose-500' : 'bg-indigo-600')}
              style={{ width: `${pct}%` }}
            />
          </div>
        </div>
        {d ? (
          <div className="grid grid-cols-3 gap-3 text-center">
            <div className="rounded-md bg-emerald-50 px-3 py-2 ring-1 ring-emerald-200">
              <div className="text-lg font-semibold text-emerald-700" data-testid="import-created">
                {d.createdCount.toLocaleString()}
              </div>
              <div className="text-xs text-emerald-700">created</div>
            </div>
            <div className="rounded-md bg-amber-50 px-3 py-2 ring-1 ring-amber-200">
              <div className="text-lg font-semibold text-amber-700">{d.duplicateCount.toLocaleString()}</div>
              <div className="text-xs text-amber-700">duplicates skipped</div>
            </div>
            <div className="rounded-md bg-rose-50 px-3 py-2 ring-1 ring-rose-200">
              <div className="text-lg font-semibold text-rose-700">{d.errorCount.toLocaleString()}</div>
              <div className="text-xs text-rose-700">rows with errors</div>
            </div>
          </div>
        ) : null}
        {finished && d ? (
          <>
            {d.errors.length > 0 ? (
              <div className="overflow-hidden rounded-md ring-1 ring-slate-200">
                <Table>
                  <thead>
                    <tr>
                      <Th>Row</Th>
                      <Th>Column</Th>
                      <Th>Problem</Th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {d.errors.slice(0, 100).map((e, i) => (
                      <tr key={i}>
                        <Td>{e.row}</Td>
                        <Td>{e.field ?? '—'}</Td>
                        <Td className="whitespace-normal text-rose-700">{e.message}</Td>
                      </tr>
                    ))}
                  </tbody>
                </Table>
              </div>
            ) : null}
            <div className="flex items-center justify-between">
              <span className="text-xs text-slate-500">
                {failed ? 'Stopped' : 'Finished'} {formatDateTime(d.finishedAt)}
              </span>
              <Button variant="primary" onClick={() => navigate(kind === 'clients' ? '/clients' : '/contacts')}>
                View {kind}
              </Button>
            </div>
          </>
        ) : null}
      </div>
    </Card>
  );
}
