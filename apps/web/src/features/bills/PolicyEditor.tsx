import { useEffect, useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { trpc, type RouterInputs } from '../../trpc.ts';
import { Button, Card, Checkbox, EmptyState, Field, FormError, Input, QueryState, Select, useToast } from '../../ui/index.ts';
import { minorToText, parseMinor } from './money.ts';

type RuleInput = RouterInputs['revenue']['policies']['set']['rules'][number];
type StepInput = RuleInput['steps'][number];

interface RuleDraft {
  name: string;
  min: string;
  max: string;
  currency: string;
  vendorId: string;
  category: string;
  steps: StepInput[];
}

const emptyRule = (): RuleDraft => ({
  name: 'New rule',
  min: '',
  max: '',
  currency: 'USD',
  vendorId: '',
  category: '',
  steps: [{ kind: 'role', role: 'admin', count: 1 }],
});

/**
 * The tenant's approval policy for bills: rules tried in order (amount band, currency, vendor,
 * category), each with ordered steps (a role, or named people: any one or all of them).
 */
export function PolicyEditor() {
  const toast = useToast();
  const utils = trpc.useUtils();
  const canManage = useCan('revenue.policy.manage');
  const policy = trpc.revenue.policies.list.useQuery({ subjectKind: 'bill' });
  const vendors = trpc.revenue.vendors.list.useQuery({ includeArchived: false });
  const members = trpc.identity.members.list.useQuery(undefined, { retry: false, staleTime: 300_000 });
  const [rules, setRules] = useState<RuleDraft[] | null>(null);
  const [reminderHours, setReminderHours] = useState(24);
  const [draftError, setDraftError] = useState<string | null>(null);
  const save = trpc.revenue.policies.set.useMutation({
    onSuccess: async () => {
      toast('Approval policy saved');
      await utils.revenue.policies.list.invalidate();
    },
  });

  useEffect(() => {
    if (!policy.data || rules !== null) return;
    setReminderHours(policy.data.reminderHours);
    setRules(
      policy.data.rules.map((rule) => ({
        name: rule.name,
        min: rule.minMinor === null ? '' : minorToText(rule.minMinor, rule.currency ?? 'USD'),
        max: rule.maxMinor === null ? '' : minorToText(rule.maxMinor, rule.currency ?? 'USD'),
        currency: rule.currency ?? '',
        vendorId: rule.vendorId ?? '',
        category: rule.category ?? '',
        steps: rule.steps,
      })),
    );
  }, [policy.data, rules]);

  function submit() {
    if (!rules) return;
    const out: RuleInput[] = [];
    for (const [index, rule] of rules.entries()) {
      const currency = rule.currency.trim().toUpperCase() || 'USD';
      const min = rule.min.trim() ? parseMinor(rule.min, currency) : null;
      const max = rule.max.trim() ? parseMinor(rule.max, currency) : null;
      if ((rule.min.trim() && min === null) || (rule.max.trim() && max === null)) {
        setDraftError(`Rule ${index + 1}: write amounts such as 1000 or 1000.50`);
        return;
      }
      out.push({
        name: rule.name,
        minMinor: min,
        maxMinor: max,
        currency: rule.currency.trim() ? currency : null,
        vendorId: rule.vendorId || null,
        category: rule.category.trim() || null,
        steps: rule.steps,
      });
    }
    setDraftError(null);
    save.mutate({ subjectKind: 'bill', reminderHours, rules: out });
  }

  const update = (index: number, patch: Partial<RuleDraft>) =>
    setRules((current) => (current ?? []).map((rule, at) => (at === index ? { ...rule, ...patch } : rule)));
  const updateStep = (index: number, stepIndex: number, step: StepInput) =>
    update(index, { steps: (rules?.[index]?.steps ?? []).map((item, at) => (at === stepIndex ? step : item)) });

  return (
    <Card
      title="Approval policy for bills"
      actions={
        canManage ? (
          <Button variant="primary" size="sm" onClick={submit} loading={save.isPending} disabled={!rules}>
            Save policy
          </Button>
        ) : null
      }
    >
      <QueryState query={policy}>
        {() => (
          <div className="flex flex-col gap-4 p-4">
            <p className="text-sm text-slate-600">
              Rules are tried from the top; the first that matches a bill decides its approval steps. A bill no rule matches needs no approval. Whoever submits
              a bill can never approve it.
            </p>
            <Field label="Remind approvers after (hours)" className="w-64">
              <Input
                type="number"
                min={1}
                max={720}
                value={reminderHours}
                disabled={!canManage}
                onChange={(event) => setReminderHours(Number(event.target.value))}
              />
            </Field>
            {rules && rules.length === 0 ? <EmptyState title="No rules" description="Every bill is approved as soon as it is submitted." /> : null}
            {(rules ?? []).map((rule, index) => (
              <fieldset key={index} className="rounded-md p-3 ring-1 ring-slate-200" disabled={!canManage} aria-label={`Rule ${index + 1}`}>
                <div className="grid grid-cols-6 gap-2">
                  <Field label="Name" className="col-span-2">
                    <Input value={rule.name} onChange={(event) => update(index, { name: event.target.value })} />
                  </Field>
                  <Field label="From amount">
                    <Input inputMode="decimal" placeholder="any" value={rule.min} onChange={(event) => update(index, { min: event.target.value })} />
                  </Field>
                  <Field label="Below amount">
                    <Input inputMode="decimal" placeholder="any" value={rule.max} onChange={(event) => update(index, { max: event.target.value })} />
                  </Field>
                  <Field label="Currency">
                    <Input
                      placeholder="any"
                      maxLength={3}
                      value={rule.currency}
                      onChange={(event) => update(index, { currency: event.target.value.toUpperCase() })}
                    />
                  </Field>
                  <Field label="Category">
                    <Input placeholder="any" value={rule.category} onChange={(event) => update(index, { category: event.target.value })} />
                  </Field>
                  <Field label="Vendor" className="col-span-2">
                    <Select value={rule.vendorId} onChange={(event) => update(index, { vendorId: event.target.value })}>
                      <option value="">Any vendor</option>
                      {(vendors.data ?? []).map((vendor) => (
                        <option key={vendor.id} value={vendor.id}>
                          {vendor.name}
                        </option>
                      ))}
                    </Select>
                  </Field>
                </div>
                <ol className="mt-3 flex flex-col gap-2">
                  {rule.steps.map((step, stepIndex) => (
                    <li key={stepIndex} className="flex flex-wrap items-center gap-2 rounded bg-slate-50 px-2 py-1.5 text-sm">
                      <span className="font-medium">Step {stepIndex + 1}</span>
                      <Select
                        aria-label={`Rule ${index + 1} step ${stepIndex + 1} kind`}
                        className="w-40"
                        value={step.kind}
                        onChange={(event) =>
                          updateStep(
                            index,
                            stepIndex,
                            event.target.value === 'role' ? { kind: 'role', role: 'admin', count: 1 } : { kind: 'users', userIds: [], mode: 'any' },
                          )
                        }
                      >
                        <option value="role">A role</option>
                        <option value="users">Named people</option>
                      </Select>
                      {step.kind === 'role' ? (
                        <>
                          <Input
                            aria-label={`Rule ${index + 1} step ${stepIndex + 1} how many`}
                            type="number"
                            min={1}
                            max={10}
                            className="w-16"
                            value={step.count ?? 1}
                            onChange={(event) => updateStep(index, stepIndex, { ...step, count: Number(event.target.value) })}
                          />
                          <Select
                            aria-label={`Rule ${index + 1} step ${stepIndex + 1} role`}
                            className="w-44"
                            value={step.role}
                            onChange={(event) => updateStep(index, stepIndex, { ...step, role: event.target.value as 'owner' | 'admin' | 'member' })}
                          >
                            <option value="owner">owner</option>
                            <option value="admin">admin or owner</option>
                            <option value="member">any staff</option>
                          </Select>
                        </>
                      ) : (
                        <>
                          <Select
                            aria-label={`Rule ${index + 1} step ${stepIndex + 1} mode`}
                            className="w-32"
                            value={step.mode}
                            onChange={(event) => updateStep(index, stepIndex, { ...step, mode: event.target.value as 'any' | 'all' })}
                          >
                            <option value="any">any one of</option>
                            <option value="all">all of</option>
                          </Select>
                          {(members.data ?? [])
                            .filter((member) => member.role !== 'viewer')
                            .map((member) => (
                              <Checkbox
                                key={member.userId}
                                label={member.name}
                                checked={step.userIds.includes(member.userId)}
                                onChange={(event) =>
                                  updateStep(index, stepIndex, {
                                    ...step,
                                    userIds: event.target.checked ? [...step.userIds, member.userId] : step.userIds.filter((id) => id !== member.userId),
                                  })
                                }
                              />
                            ))}
                        </>
                      )}
                      {canManage ? (
                        <Button variant="ghost" size="sm" onClick={() => update(index, { steps: rule.steps.filter((_, at) => at !== stepIndex) })}>
                          Remove step
                        </Button>
                      ) : null}
                    </li>
                  ))}
                </ol>
                {canManage ? (
                  <div className="mt-2 flex gap-2">
                    <Button variant="link" size="sm" onClick={() => update(index, { steps: [...rule.steps, { kind: 'role', role: 'owner', count: 1 }] })}>
                      Add a step
                    </Button>
                    <Button variant="link" size="sm" onClick={() => setRules((rules ?? []).filter((_, at) => at !== index))}>
                      Remove rule
                    </Button>
                  </div>
                ) : null}
              </fieldset>
            ))}
            {canManage ? (
              <Button size="sm" className="self-start" onClick={() => setRules([...(rules ?? []), emptyRule()])}>
                Add a rule
              </Button>
            ) : null}
            {draftError ? (
              <p className="text-sm text-rose-600" role="alert">
                {draftError}
              </p>
            ) : null}
            <FormError error={save.error} />
          </div>
        )}
      </QueryState>
    </Card>
  );
}
