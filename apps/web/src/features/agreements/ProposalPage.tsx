import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Badge, Button, Card, Checkbox, Dialog, ErrorState, Field, FormError, Input, PageHeader, PageSpinner, Select, useToast } from '../../ui/index.ts';
import { ClientPicker } from '../clients/ClientPicker.tsx';
import { amountText, type LineDraft, lineTotal, money, parseAmount, totals } from './pricing.ts';
import { BUILT_IN, fieldsIn, type SectionDraft, SectionsEditor, SectionsPreview } from './SectionsEditor.tsx';
import { proposalTone, words } from './status.ts';

type Proposal = RouterOutputs['agreements']['proposals']['get'];

/** /agreements/proposals/new and /agreements/proposals/:id — the proposal builder, its status and versions. */
export default function ProposalPage() {
  const { id } = useParams();
  const isNew = !id || id === 'new';
  const proposal = trpc.agreements.proposals.get.useQuery({ id: id ?? '' }, { enabled: !isNew });
  if (!isNew) {
    if (proposal.isPending) return <PageSpinner />;
    if (proposal.error) return <ErrorState error={proposal.error} onRetry={() => void proposal.refetch()} />;
  }
  return (
    <Builder
      key={`${proposal.data?.id ?? 'new'}-${proposal.data?.currentVersion ?? 0}-${proposal.data?.updatedAt.toString() ?? ''}`}
      proposal={proposal.data}
    />
  );
}

const emptyLine = (): LineDraft => ({ description: '', quantity: 1, unitPriceMinor: 0, discountMinor: 0, taxRateBp: 0, optional: false, selected: true });

function Builder({ proposal }: { proposal: Proposal | undefined }) {
  const navigate = useNavigate();
  const toast = useToast();
  const utils = trpc.useUtils();
  const templates = trpc.agreements.templates.list.useQuery({ kind: 'proposal', includeArchived: false });
  const version = proposal?.version;
  const [clientId, setClientId] = useState<string | null>(proposal?.clientId ?? null);
  const [templateId, setTemplateId] = useState<string>('');
  const [title, setTitle] = useState(version?.title ?? '');
  const [currency, setCurrency] = useState(version?.currency ?? 'EUR');
  const [sections, setSections] = useState<SectionDraft[]>(version?.sections ?? []);
  const [values, setValues] = useState<Record<string, string>>(version?.mergeValues ?? {});
  const [lines, setLines] = useState<LineDraft[]>(version?.lines.map(({ totalMinor: _t, ...line }) => line) ?? [emptyLine()]);
  const [deposit, setDeposit] = useState(version?.paymentSchedule.depositPercent ?? 0);
  const [contractOpen, setContractOpen] = useState(false);
  const live = useMemo(() => totals(lines), [lines]);
  const editable = !proposal || ['draft', 'sent', 'viewed', 'declined', 'expired'].includes(proposal.status);
  const custom = fieldsIn(sections).filter((f) => !BUILT_IN.has(f));
  const previewValues = {
    ...values,
    today: new Date().toISOString().slice(0, 10),
    'proposal.title': title,
    'proposal.total': money(live.totalMinor, currency),
    pricing_table: '[pricing table]',
    payment_schedule: deposit ? `Deposit ${deposit}%` : '',
  };

  const onSaved = (saved: Proposal) => {
    void utils.agreements.proposals.invalidate();
    toast(saved.currentVersion > (proposal?.currentVersion ?? 1) ? `Saved as version ${saved.currentVersion}` : 'Proposal saved', 'success');
    if (!proposal) navigate(`/agreements/proposals/${saved.id}`, { replace: true });
  };
  const create = trpc.agreements.proposals.create.useMutation({ onSuccess: onSaved });
  const update = trpc.agreements.proposals.update.useMutation({ onSuccess: onSaved });
  const send = trpc.agreements.proposals.send.useMutation({
    onSuccess: () => {
      void utils.agreements.proposals.invalidate();
      toast('Proposal sent to the client', 'success');
    },
  });
  const withdraw = trpc.agreements.proposals.withdraw.useMutation({ onSuccess: () => void utils.agreements.proposals.invalidate() });
  const duplicate = trpc.agreements.proposals.duplicate.useMutation({ onSuccess: (copy) => navigate(`/agreements/proposals/${copy.id}`) });
  const schedule = { depositPercent: deposit, milestones: version?.paymentSchedule.milestones ?? [], recurring: version?.paymentSchedule.recurring ?? null };
  const body = { title, currency, sections, mergeValues: values, lines, paymentSchedule: schedule };
  const save = () => {
    if (proposal) update.mutate({ id: proposal.id, ...body });
    else if (clientId) create.mutate({ clientId, templateId: templateId || null, ...body });
  };
  const error = create.error ?? update.error;

  const chooseTemplate = (value: string) => {
    setTemplateId(value);
    const chosen = templates.data?.find((t) => t.id === value);
    if (chosen) {
      setSections(chosen.sections);
      if (!title) setTitle(chosen.name);
    }
  };
  const setLine = (index: number, patch: Partial<LineDraft>) => setLines(lines.map((l, i) => (i === index ? { ...l, ...patch } : l)));

  return (
    <>
      <PageHeader
        breadcrumb={<Link to="/agreements">Agreements · Proposals</Link>}
        title={proposal ? version?.title : 'New proposal'}
        subtitle={
          proposal ? (
            <span className="flex items-center gap-2">
              <Badge tone={proposalTone[proposal.status]}>{words(proposal.status)}</Badge>
              version {proposal.currentVersion}
              {proposal.sentVersion ? `, version ${proposal.sentVersion} sent` : ''}
              {proposal.acceptedBy ? `, accepted by ${proposal.acceptedBy}` : ''}
            </span>
          ) : undefined
        }
        actions={
          <>
            {proposal?.status === 'accepted' ? (
              <Button variant="primary" onClick={() => setContractOpen(true)}>
                Create contract
              </Button>
            ) : null}
            {proposal ? (
              <Button variant="ghost" loading={duplicate.isPending} onClick={() => duplicate.mutate({ id: proposal.id })}>
                Duplicate
              </Button>
            ) : null}
            {proposal && ['draft', 'sent', 'viewed'].includes(proposal.status) ? (
              <Button variant="ghost" loading={withdraw.isPending} onClick={() => withdraw.mutate({ id: proposal.id })}>
                Withdraw
              </Button>
            ) : null}
            {editable ? (
              <Button loading={create.isPending || update.isPending} disabled={!clientId || !title.trim()} onClick={save}>
                Save
              </Button>
            ) : null}
            {proposal?.status === 'draft' ? (
              <Button variant="primary" loading={send.isPending} onClick={() => send.mutate({ id: proposal.id })}>
                Send version {proposal.currentVersion}
              </Button>
            ) : null}
          </>
        }
      />
      <FormError error={error} fields={['title', 'currency', 'clientId']} />
      {send.error ? (
        <p className="mb-3 rounded-md bg-rose-50 p-3 text-sm text-rose-700" role="alert">
          {errorMessage(send.error)}
        </p>
      ) : null}
      {proposal && proposal.missingFields.length > 0 ? (
        <p className="mb-3 rounded-md bg-amber-50 p-3 text-sm text-amber-800">
          Fill {proposal.missingFields.map((f) => `{{${f}}}`).join(', ')} before sending.
        </p>
      ) : null}
      <div className="grid gap-4 xl:grid-cols-[3fr_2fr]">
        <div className="grid gap-4">
          <Card title="Proposal">
            <div className="grid gap-3 p-4 sm:grid-cols-2">
              <Field label="Client" required>
                {proposal ? <Input value={proposal.clientId} disabled readOnly /> : <ClientPicker value={clientId} onChange={setClientId} />}
              </Field>
              {!proposal ? (
                <Field label="Template">
                  <Select value={templateId} onChange={(e) => chooseTemplate(e.target.value)}>
                    <option value="">No template</option>
                    {templates.data?.map((t) => (
                      <option key={t.id} value={t.id}>
                        {t.name}
                      </option>
                    ))}
                  </Select>
                </Field>
              ) : (
                <div />
              )}
              <Field label="Title" name="title" error={error} required>
                <Input value={title} disabled={!editable} onChange={(e) => setTitle(e.target.value)} />
              </Field>
              <Field label="Currency" name="currency" error={error}>
                <Input value={currency} disabled={!editable} maxLength={3} onChange={(e) => setCurrency(e.target.value.toUpperCase())} />
              </Field>
            </div>
          </Card>
          <Card title="Sections">
            <div className="p-4">
              {editable ? <SectionsEditor sections={sections} onChange={setSections} /> : <SectionsPreview sections={sections} values={previewValues} />}
            </div>
          </Card>
          {custom.length > 0 ? (
            <Card title="Merge values">
              <div className="grid gap-3 p-4 sm:grid-cols-2">
                {custom.map((field) => (
                  <Field key={field} label={`{{${field}}}`}>
                    <Input value={values[field] ?? ''} disabled={!editable} onChange={(e) => setValues({ ...values, [field]: e.target.value })} />
                  </Field>
                ))}
              </div>
            </Card>
          ) : null}
          <Card
            title="Pricing"
            actions={
              <span className="text-sm font-semibold tabular-nums" data-testid="live-total">
                {money(live.totalMinor, currency)}
              </span>
            }
          >
            <div className="overflow-x-auto p-4">
              <table className="min-w-full text-sm">
                <thead>
                  <tr className="text-left text-xs text-slate-500">
                    <th className="pb-1">Description</th>
                    <th className="pb-1">Qty</th>
                    <th className="pb-1">Unit price</th>
                    <th className="pb-1">Discount</th>
                    <th className="pb-1">Tax %</th>
                    <th className="pb-1">Optional</th>
                    <th className="pb-1 text-right">Line total</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {lines.map((line, index) => (
                    <tr key={index} data-testid="pricing-line">
                      <td className="pr-2 py-1">
                        <Input
                          aria-label={`Line ${index + 1} description`}
                          value={line.description}
                          disabled={!editable}
                          onChange={(e) => setLine(index, { description: e.target.value })}
                        />
                      </td>
                      <td className="w-20 pr-2">
                        <Input
                          aria-label={`Line ${index + 1} quantity`}
                          inputMode="numeric"
                          value={String(line.quantity)}
                          disabled={!editable}
                          onChange={(e) => setLine(index, { quantity: Number.parseInt(e.target.value || '0', 10) || 0 })}
                        />
                      </td>
                      <td className="w-28 pr-2">
                        <MoneyInput
                          label={`Line ${index + 1} unit price`}
                          minor={line.unitPriceMinor}
                          currency={currency}
                          disabled={!editable}
                          onChange={(v) => setLine(index, { unitPriceMinor: v })}
                        />
                      </td>
                      <td className="w-24 pr-2">
                        <MoneyInput
                          label={`Line ${index + 1} discount`}
                          minor={line.discountMinor}
                          currency={currency}
                          disabled={!editable}
                          onChange={(v) => setLine(index, { discountMinor: v })}
                        />
                      </td>
                      <td className="w-20 pr-2">
                        <Input
                          aria-label={`Line ${index + 1} tax percent`}
                          inputMode="decimal"
                          value={String(line.taxRateBp / 100)}
                          disabled={!editable}
                          onChange={(e) => setLine(index, { taxRateBp: Math.round((Number.parseFloat(e.target.value || '0') || 0) * 100) })}
                        />
                      </td>
                      <td className="pr-2">
                        <Checkbox
                          aria-label={`Line ${index + 1} optional`}
                          checked={line.optional}
                          disabled={!editable}
                          onChange={(e) => setLine(index, { optional: e.target.checked, selected: !e.target.checked })}
                        />
                      </td>
                      <td className="text-right tabular-nums">{money(lineTotal(line), currency)}</td>
                      <td>
                        {editable ? (
                          <Button
                            size="sm"
                            variant="ghost"
                            aria-label={`Remove line ${index + 1}`}
                            onClick={() => setLines(lines.filter((_, i) => i !== index))}
                          >
                            ×
                          </Button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {editable ? (
                <Button size="sm" className="mt-2" onClick={() => setLines([...lines, emptyLine()])}>
                  Add a line
                </Button>
              ) : null}
              <dl className="mt-4 ml-auto grid max-w-xs grid-cols-2 gap-1 text-sm">
                <dt className="text-slate-500">Subtotal</dt>
                <dd className="text-right tabular-nums">{money(live.subtotalMinor, currency)}</dd>
                <dt className="text-slate-500">Discounts</dt>
                <dd className="text-right tabular-nums">−{money(live.discountMinor, currency)}</dd>
                <dt className="text-slate-500">Tax</dt>
                <dd className="text-right tabular-nums">{money(live.taxMinor, currency)}</dd>
                <dt className="font-semibold">Total</dt>
                <dd className="text-right font-semibold tabular-nums">{money(live.totalMinor, currency)}</dd>
              </dl>
            </div>
          </Card>
          <Card title="Payment schedule">
            <div className="grid gap-3 p-4 sm:grid-cols-2">
              <Field
                label="Deposit on acceptance (%)"
                hint={deposit ? `${money(Number((BigInt(live.totalMinor) * BigInt(deposit) + 50n) / 100n), currency)} of the total` : 'No deposit'}
              >
                <Input
                  inputMode="numeric"
                  value={String(deposit)}
                  disabled={!editable}
                  onChange={(e) => setDeposit(Math.min(100, Math.max(0, Number.parseInt(e.target.value || '0', 10) || 0)))}
                />
              </Field>
            </div>
          </Card>
        </div>
        <div className="grid content-start gap-4">
          <Card title="Preview (as the client reads it)">
            <div className="p-4">
              <SectionsPreview sections={sections} values={previewValues} />
            </div>
          </Card>
          {proposal ? (
            <Card title="Versions">
              <ul className="divide-y divide-slate-100 text-sm">
                {proposal.versions.map((v) => (
                  <li key={v.n} className="px-4 py-2">
                    <span className="font-medium">Version {v.n}</span> — {v.sentAt ? `sent ${formatDateTime(v.sentAt)}` : 'draft'}
                    {v.contentHash ? <div className="truncate font-mono text-xs text-slate-400">SHA-256 {v.contentHash}</div> : null}
                  </li>
                ))}
              </ul>
            </Card>
          ) : null}
        </div>
      </div>
      {proposal ? <ContractDialog open={contractOpen} onOpenChange={setContractOpen} proposal={proposal} /> : null}
    </>
  );
}

function MoneyInput({
  label,
  minor,
  currency,
  disabled,
  onChange,
}: {
  label: string;
  minor: number;
  currency: string;
  disabled?: boolean;
  onChange: (minor: number) => void;
}) {
  const [text, setText] = useState(minor ? amountText(minor, currency) : '');
  return (
    <Input
      aria-label={label}
      inputMode="decimal"
      value={text}
      disabled={disabled}
      onChange={(e) => {
        setText(e.target.value);
        const parsed = parseAmount(e.target.value || '0', currency);
        if (parsed !== null) onChange(parsed);
      }}
    />
  );
}

function ContractDialog({ open, onOpenChange, proposal }: { open: boolean; onOpenChange: (open: boolean) => void; proposal: Proposal }) {
  const navigate = useNavigate();
  const values = proposal.version.mergeValues;
  const [signers, setSigners] = useState([
    { name: values['contact.name'] ?? values['contact.first_name'] ?? '', email: values['contact.email'] ?? '', role: 'Client' },
    { name: '', email: '', role: 'For the firm' },
  ]);
  const [order, setOrder] = useState<'sequential' | 'parallel'>('sequential');
  const create = trpc.agreements.contracts.createFromProposal.useMutation({ onSuccess: (c) => navigate(`/agreements/contracts/${c.id}`) });
  const chosen = signers.filter((s) => s.name.trim() && s.email.trim());
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title="Contract from this proposal"
      description="The accepted version's sections, pricing and schedule, to be signed by:"
      footer={
        <Button
          variant="primary"
          loading={create.isPending}
          disabled={chosen.length === 0}
          onClick={() => create.mutate({ proposalId: proposal.id, signers: chosen.map((s) => ({ ...s, role: s.role || null })), signingOrder: order })}
        >
          Create contract
        </Button>
      }
    >
      <div className="grid gap-3">
        {signers.map((signer, index) => (
          <div key={index} className="grid grid-cols-2 gap-2">
            <Field label={`Signer ${index + 1} name`}>
              <Input value={signer.name} onChange={(e) => setSigners(signers.map((s, i) => (i === index ? { ...s, name: e.target.value } : s)))} />
            </Field>
            <Field label={`Signer ${index + 1} email`}>
              <Input
                type="email"
                value={signer.email}
                onChange={(e) => setSigners(signers.map((s, i) => (i === index ? { ...s, email: e.target.value } : s)))}
              />
            </Field>
          </div>
        ))}
        <Field label="Signing order">
          <Select value={order} onChange={(e) => setOrder(e.target.value === 'parallel' ? 'parallel' : 'sequential')}>
            <option value="sequential">In order (signer 1 first)</option>
            <option value="parallel">Any order</option>
          </Select>
        </Field>
        <FormError error={create.error} />
      </div>
    </Dialog>
  );
}
