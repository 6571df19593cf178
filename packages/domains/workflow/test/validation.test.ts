import { describe, expect, it } from 'vitest';
import { DomainError } from '@ubos/platform';
import { ActionRegistry } from '@ubos/platform';
import { workflowModule } from '../src/module.ts';
import { dryRun } from '../src/dry-run.ts';
import { assertValidDefinition, validateDefinition } from '../src/validation.ts';
import { workflowTemplates } from '../src/flagship.ts';
import { createFromTemplate, createTask, testEvent } from './helpers.ts';

// What the host builds: every module's actions, workflow's core actions included.
const registry = new ActionRegistry([...workflowModule.actions, createFromTemplate, createTask]);
const clientId = '0190a0a0-0000-7000-8000-000000000001';
const templateId = '0190a0a0-0000-7000-8000-00000000abcd';

const dealWon = {
  name: 'Deal won',
  trigger: { event: 'crm.deal.won', conditions: { path: 'event.payload.amount', op: 'gte', value: 100 } },
  steps: [
    {
      key: 'create_project',
      action: 'projects.createFromTemplate',
      input: { templateId, clientId: '{{ event.payload.client_id }}', name: '{{ event.payload.deal_name }}' },
    },
    {
      key: 'kickoff',
      action: 'projects.createTask',
      input: { projectId: '{{ steps.create_project.output.project_id }}', title: 'Kickoff with {{ event.payload.client_name }}' },
    },
  ],
};

describe('definition validation', () => {
  it('accepts a valid definition', () => {
    const result = validateDefinition(dealWon, registry);
    expect(result.issues).toEqual([]);
    expect(result.spec?.steps).toHaveLength(2);
  });

  it('lists every problem at once, with paths', () => {
    const broken = {
      name: 'Broken',
      trigger: { event: 'crm.deal.won', conditions: { path: 'steps.create_project.output.id', op: 'exists' } },
      steps: [
        {
          key: 'create_project',
          action: 'projects.createFromTemplate',
          // clientId is not a uuid, name is missing, an unknown key, and a reference to a later step.
          input: { templateId: '{{ steps.kickoff.output.taskId }}', clientId: 'not-a-uuid', extra: 1 },
        },
        { key: 'kickoff', action: 'projects.createTask', input: { projectId: '{{ steps.nowhere.output.id }}', title: '{{ steps.kickoff.output.x }}' } },
        {
          key: 'kickoff',
          action: 'crm.doesNotExist',
          input: { a: '{{ event.constructor.name }}', b: '{{ wat.x }}' },
          if: { path: 'steps.later.output', op: 'exists' },
        },
        {
          key: 'mail',
          action: 'core.notify',
          input: { userId: 'nope', title: '' },
          if: {
            any: [
              { path: 'event.payload.amount', op: 'gt', value: [1] },
              { path: 'event.payload.kind', op: 'in', value: 'a' },
            ],
          },
        },
      ],
    };
    const result = validateDefinition(broken, registry);
    const found = result.issues.map((issue) => `${issue.path.join('.')}: ${issue.code}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'trigger.conditions.path: invalid_reference',
        'steps.0.input.templateId: invalid_reference',
        'steps.0.input.clientId: invalid_format',
        'steps.0.input.name: invalid_type',
        'steps.0.input: unrecognized_keys',
        'steps.1.input.projectId: invalid_reference',
        'steps.1.input.title: invalid_reference',
        'steps.2.key: duplicate_key',
        'steps.2.if.path: invalid_reference',
        'steps.2.input.a: invalid_reference',
        'steps.2.input.b: invalid_reference',
        'steps.2.action: unknown_action',
        'steps.3.input.userId: invalid_format',
        'steps.3.input.title: too_small',
        'steps.3.if.any.0.value: invalid_operand',
        'steps.3.if.any.1.value: invalid_operand',
      ]),
    );
    const messages = result.issues.map((issue) => issue.message).join('\n');
    expect(messages).toContain('refers to step "kickoff", which runs later');
    expect(messages).toContain('refers to step "nowhere", which does not exist');
    expect(messages).toContain('refers to step "kickoff" itself');
    expect(messages).toContain('"constructor" may not appear in a path');
    expect(messages).toContain('unknown action "crm.doesNotExist"');
    expect(result.missingActions).toEqual(['crm.doesNotExist']);
  });

  it('throws one BAD_REQUEST carrying zod-style issues', () => {
    const error = (() => {
      try {
        assertValidDefinition({ ...dealWon, steps: [{ ...dealWon.steps[0], input: { clientId: 5 } }] }, registry);
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(DomainError);
    const domainError = error as DomainError;
    expect(domainError.code).toBe('BAD_REQUEST');
    expect(domainError.issues?.map((issue) => issue.path.join('.'))).toEqual(
      expect.arrayContaining(['steps.0.input.templateId', 'steps.0.input.clientId', 'steps.0.input.name']),
    );
  });

  it('reports shape errors from the definition schema', () => {
    const result = validateDefinition({ name: '', trigger: { event: 'Bad Event' }, steps: [] }, registry);
    expect(result.spec).toBeNull();
    expect(result.issues.map((issue) => issue.path.join('.'))).toEqual(expect.arrayContaining(['name', 'trigger.event', 'steps']));
  });

  it('rejects forbidden keys and over-long templates in inputs', () => {
    const result = validateDefinition(
      {
        ...dealWon,
        steps: [
          {
            ...dealWon.steps[0],
            input: JSON.parse(
              `{"templateId":"${templateId}","clientId":"${clientId}","name":"{{ event.payload.x }}${'x'.repeat(20_000)}","__proto__":{"a":1}}`,
            ),
          },
        ],
      },
      registry,
    );
    expect(result.issues.map((issue) => `${issue.path.join('.')}: ${issue.code}`)).toEqual(['steps.0.input.__proto__: forbidden_key']);
    const long = validateDefinition(
      { ...dealWon, steps: [{ ...dealWon.steps[0], input: { templateId, clientId, name: `{{ event.payload.x }}${'x'.repeat(20_000)}` } }] },
      registry,
    );
    expect(long.issues.map((issue) => `${issue.path.join('.')}: ${issue.code}`)).toEqual(['steps.0.input.name: too_long']);
  });

  it('validates every flagship template; unknown actions are the only problems', () => {
    for (const template of workflowTemplates) {
      const result = validateDefinition(template.spec, registry);
      expect(result.spec, template.key).not.toBeNull();
      expect(
        result.issues.filter((issue) => issue.code !== 'unknown_action'),
        template.key,
      ).toEqual([]);
    }
    expect(validateDefinition(workflowTemplates.find((t) => t.key === 'deal-won-project')?.spec, registry).issues).toEqual([]);
  });
});

describe('dry run', () => {
  it('shows matched conditions and rendered inputs without side effects', () => {
    const event = testEvent('0190a0a0-0000-7000-8000-0000000000aa', 'crm.deal.won', {
      amount: 500,
      client_id: clientId,
      deal_name: 'Website',
      client_name: 'Acme',
    });
    const result = dryRun(registry, {
      spec: {
        ...dealWon,
        steps: [
          ...dealWon.steps,
          { key: 'maybe', action: 'core.notify', if: { path: 'event.payload.amount', op: 'gt', value: 1000 }, input: { userId: clientId, title: 'Big deal' } },
        ],
      },
      event,
      stepOutputs: { create_project: { project_id: '0190a0a0-0000-7000-8000-0000000000bb' } },
    });
    expect(result.valid).toBe(true);
    expect(result.triggerMatched).toBe(true);
    expect(result.conditions).toMatchObject({ matched: true, path: 'event.payload.amount', actual: 500 });
    expect(result.steps.map((step) => [step.key, step.wouldRun])).toEqual([
      ['create_project', true],
      ['kickoff', true],
      ['maybe', false],
    ]);
    expect(result.steps[0]?.input).toEqual({ templateId, clientId, name: 'Website' });
    expect(result.steps[1]?.input).toEqual({ projectId: '0190a0a0-0000-7000-8000-0000000000bb', title: 'Kickoff with Acme' });
    expect(result.steps[1]?.inputIssues).toEqual([]);

    const small = dryRun(registry, { spec: dealWon, event: { ...event, payload: { amount: 5 } } });
    expect(small.triggerMatched).toBe(false);
    // clientId is optional (nullable, defaults to null) for projects.createFromTemplate; name is required.
    expect(small.steps[0]?.inputIssues.map((issue) => issue.path.join('.'))).toEqual(['name']);
  });
});

describe('delays', () => {
  it('computes "N hours before/after a date field" and core.wait start times', async () => {
    const { stepStartTime } = await import('../src/runtime.ts');
    const now = Date.parse('2026-01-01T00:00:00Z');
    const context = { event: { payload: { starts_at: '2026-01-10T12:00:00Z', bad: 'soon' } }, run: { id: 'r' }, steps: {} };
    const before = stepStartTime(
      { key: 'remind', action: 'core.notify', input: {}, delay: { until: '{{ event.payload.starts_at }}', offsetSeconds: -2 * 3600 } },
      context,
      now,
    );
    expect(before.toISOString()).toBe('2026-01-10T10:00:00.000Z');
    const wait = stepStartTime({ key: 'wait', action: 'core.wait', input: { seconds: 2 * 86_400 } }, context, now);
    expect(wait.toISOString()).toBe('2026-01-03T00:00:00.000Z');
    const waitUntil = stepStartTime({ key: 'wait', action: 'core.wait', input: { until: '{{ event.payload.starts_at }}', offsetSeconds: 3600 } }, context, now);
    expect(waitUntil.toISOString()).toBe('2026-01-10T13:00:00.000Z');
    // A date in the past or an unparsable one means: run now.
    expect(stepStartTime({ key: 'x', action: 'core.notify', input: {}, delay: { until: '2020-01-01T00:00:00Z' } }, context, now).getTime()).toBe(now);
    expect(stepStartTime({ key: 'x', action: 'core.notify', input: {}, delay: { until: '{{ event.payload.bad }}' } }, context, now).getTime()).toBe(now);
  });
});

describe('action registry', () => {
  it('always holds the core actions, refuses two actions with one name and odd names', () => {
    // The core actions come with workflowModule's actions (the kernel's registry adds none itself).
    expect(new ActionRegistry(workflowModule.actions).list().map((action) => action.name)).toEqual(['core.notify', 'core.wait']);
    const withCore = new ActionRegistry([...new ActionRegistry(workflowModule.actions).list(), createTask]);
    expect(withCore.has('projects.createTask')).toBe(true);
    expect(() => new ActionRegistry([createTask, { ...createTask }])).toThrow(/registered twice/);
    expect(() => new ActionRegistry([{ ...createTask, name: 'no-dot' }])).toThrow(/Invalid action name/);
  });
});

describe('hostile definitions', () => {
  it('rejects absurd nesting without recursing through it', () => {
    let deep: unknown = 'x';
    for (let depth = 0; depth < 100_000; depth += 1) deep = [deep];
    const result = validateDefinition(
      { name: 'Deep', trigger: { event: 'crm.deal.won' }, steps: [{ key: 'a', action: 'core.wait', input: { deep } }] },
      registry,
    );
    expect(result.spec).toBeNull();
    expect(result.issues[0]?.code).toBe('too_deep');
  });
});
