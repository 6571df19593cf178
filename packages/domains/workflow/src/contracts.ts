// Public contracts of the workflow domain: event and DTO schemas other packages may import.
import { z } from 'zod';
import { defineEvent, eventTypePattern, type EventContract, type Upcaster } from '@ubos/platform';

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const jsonValueSchema: z.ZodType<JsonValue> = z.json();
export const jsonObjectSchema = z.record(z.string(), jsonValueSchema);

// ---------------------------------------------------------------------------------------------
// Condition language: all / any / not over path comparisons. Evaluated by conditions.ts.
// ---------------------------------------------------------------------------------------------

export const comparisonOperators = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists'] as const;
export type ComparisonOperator = (typeof comparisonOperators)[number];

/** A dotted path into the evaluation context, e.g. `event.payload.amount` or `steps.create.output.id`. */
export const pathSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){0,15}$/, 'a path is dot-separated names, e.g. event.payload.amount');

export interface Comparison {
  path: string;
  op: ComparisonOperator;
  value?: JsonValue;
}
export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | Comparison;

export const comparisonSchema = z.strictObject({
  path: pathSchema,
  op: z.enum(comparisonOperators),
  value: jsonValueSchema.optional(),
});

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(conditionSchema).max(50) }),
    z.strictObject({ any: z.array(conditionSchema).max(50) }),
    z.strictObject({ not: conditionSchema }),
    comparisonSchema,
  ]),
);

// ---------------------------------------------------------------------------------------------
// Definition spec: what a tenant edits. Stored per version in workflow.definition_versions.
// ---------------------------------------------------------------------------------------------

export const retryPolicySchema = z.strictObject({
  /** Total attempts including the first. */
  maxAttempts: z.number().int().min(1).max(25).optional(),
  backoff: z.enum(['fixed', 'exponential']).optional(),
  delayMs: z.number().int().min(0).max(86_400_000).optional(),
  maxDelayMs: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400_000)
    .optional(),
});
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

export const stepDelaySchema = z
  .strictObject({
    /** Wait this long before the step runs. */
    seconds: z
      .number()
      .int()
      .min(0)
      .max(366 * 86_400)
      .optional(),
    /** Or run at this date: an ISO date-time or a template such as `{{ event.payload.starts_at }}`. */
    until: z.string().min(1).max(1000).optional(),
    /** Shift `until` (negative = before the date, e.g. -86400 = one day before). */
    offsetSeconds: z
      .number()
      .int()
      .min(-366 * 86_400)
      .max(366 * 86_400)
      .optional(),
  })
  .refine((delay) => delay.seconds !== undefined || delay.until !== undefined, 'give seconds or until');
export type StepDelay = z.infer<typeof stepDelaySchema>;

export const stepKeyPattern = /^[a-z][a-z0-9_]{0,62}$/;

export const stepSpecSchema = z.strictObject({
  key: z.string().regex(stepKeyPattern, 'a step key is lower_snake_case, e.g. create_client'),
  action: z.string().min(1).max(120),
  description: z.string().max(500).optional(),
  input: jsonObjectSchema.default({}),
  if: conditionSchema.optional(),
  retry: retryPolicySchema.optional(),
  delay: stepDelaySchema.optional(),
});
export type StepSpec = z.infer<typeof stepSpecSchema>;

const cronPattern = /^\s*[\d*?LW#/,A-Za-z-]+(\s+[\d*?LW#/,A-Za-z-]+){4,5}\s*$/;

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const scheduleSpecSchema = z.strictObject({
  /** Cron expression, 5 fields (or 6 with seconds), evaluated by pg-boss. */
  cron: z.string().max(120).regex(cronPattern, 'a cron expression has 5 or 6 fields, e.g. "0 9 * * 1"'),
  timezone: z.string().max(64).refine(isTimeZone, 'unknown time zone').default('UTC'),
});

/** The event type a scheduled run's synthetic trigger event carries. */
export const SCHEDULE_EVENT_TYPE = 'workflow.schedule.fired';
/** What `workflow.definitions.trigger_event` holds for a scheduled definition (never an event type). */
export const SCHEDULE_TRIGGER = 'schedule';

export const triggerSpecSchema = z
  .strictObject({
    /** The event type that starts a run, or ... */
    event: z.string().regex(eventTypePattern, 'event type must look like "domain.entity.happened"').optional(),
    /** ... a schedule. For "N hours before/after a date field", trigger on the event and give the first step a delay. */
    schedule: scheduleSpecSchema.optional(),
    conditions: conditionSchema.optional(),
  })
  .refine((trigger) => (trigger.event === undefined) !== (trigger.schedule === undefined), 'give a trigger event or a schedule (one of them)');

/** The trigger key stored on the definition: the event type, or `schedule`. */
export function triggerKey(trigger: { event?: string | undefined }): string {
  return trigger.event ?? SCHEDULE_TRIGGER;
}

export const definitionSpecSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).default(''),
  trigger: triggerSpecSchema,
  steps: z.array(stepSpecSchema).min(1).max(50),
  retry: retryPolicySchema.optional(),
  /** On final failure, call `compensate` of completed steps in reverse order. */
  compensateOnFailure: z.boolean().default(false),
});
export type DefinitionSpec = z.infer<typeof definitionSpecSchema>;
export type DefinitionSpecInput = z.input<typeof definitionSpecSchema>;

/** A run is never 'waiting'; a step is while its action waits for an event (README "Waiting for an event"). */
export const runStatuses = ['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped', 'cancelled', 'compensated'] as const;
export type RunStatus = (typeof runStatuses)[number];
export type StepStatus = RunStatus;

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

// Payloads are snake_case (ARCHITECTURE.md §5). Version 1 of every workflow event was camelCase;
// writers emit version 2, and the upcasters below turn a stored version 1 into version 2, so
// events already in an outbox stay readable. The version 1 contracts are kept for reading only.

const definitionRef = { definition_id: z.uuid(), version: z.number().int().min(1) };

export const definitionCreated = defineEvent({
  type: 'workflow.definition.created',
  version: 2,
  aggregateType: 'workflow.definition',
  payload: z.object({ ...definitionRef, name: z.string(), trigger_event: z.string(), enabled: z.boolean(), template_key: z.string().nullable() }),
});
export const definitionUpdated = defineEvent({
  type: 'workflow.definition.updated',
  version: 2,
  aggregateType: 'workflow.definition',
  payload: z.object({ ...definitionRef, name: z.string(), trigger_event: z.string() }),
});
export const definitionEnabled = defineEvent({
  type: 'workflow.definition.enabled',
  version: 2,
  aggregateType: 'workflow.definition',
  payload: z.object(definitionRef),
});
export const definitionDisabled = defineEvent({
  type: 'workflow.definition.disabled',
  version: 2,
  aggregateType: 'workflow.definition',
  payload: z.object(definitionRef),
});
export const definitionDeleted = defineEvent({
  type: 'workflow.definition.deleted',
  version: 2,
  aggregateType: 'workflow.definition',
  payload: z.object({ definition_id: z.uuid() }),
});

const runRef = { run_id: z.uuid(), definition_id: z.uuid(), definition_version: z.number().int() };

export const runStarted = defineEvent({
  type: 'workflow.run.started',
  version: 2,
  aggregateType: 'workflow.run',
  payload: z.object({ ...runRef, trigger_event_id: z.uuid(), trigger_event_type: z.string() }),
});
export const runCompleted = defineEvent({
  type: 'workflow.run.completed',
  version: 2,
  aggregateType: 'workflow.run',
  payload: z.object({ ...runRef, steps: z.number().int() }),
});
export const runFailed = defineEvent({
  type: 'workflow.run.failed',
  version: 2,
  aggregateType: 'workflow.run',
  payload: z.object({ ...runRef, step_key: z.string(), error: z.string(), compensated: z.boolean() }),
});
export const runCancelled = defineEvent({
  type: 'workflow.run.cancelled',
  version: 2,
  aggregateType: 'workflow.run',
  payload: z.object(runRef),
});
export const runRetried = defineEvent({
  type: 'workflow.run.retried',
  version: 2,
  aggregateType: 'workflow.run',
  payload: z.object({ ...runRef, from_step_key: z.string() }),
});
export const notificationCreated = defineEvent({
  type: 'workflow.notification.created',
  version: 2,
  aggregateType: 'workflow.notification',
  payload: z.object({
    notification_id: z.uuid(),
    user_id: z.uuid(),
    title: z.string(),
    run_id: z.string().nullable(),
    // Optional additions (older events lack them): what communications delivers to the bell and the mailbox.
    body: z.string().optional(),
    link: z.string().nullable().optional(),
  }),
});

// ----- version 1 (camelCase): read only ---------------------------------------------------------

const definitionRefV1 = { definitionId: z.uuid(), version: z.number().int().min(1) };
const runRefV1 = { runId: z.uuid(), definitionId: z.uuid(), definitionVersion: z.number().int() };

export const definitionCreatedV1 = defineEvent({
  type: 'workflow.definition.created',
  version: 1,
  aggregateType: 'workflow.definition',
  payload: z.object({ ...definitionRefV1, name: z.string(), triggerEvent: z.string(), enabled: z.boolean(), templateKey: z.string().nullable() }),
});
export const definitionUpdatedV1 = defineEvent({
  type: 'workflow.definition.updated',
  version: 1,
  aggregateType: 'workflow.definition',
  payload: z.object({ ...definitionRefV1, name: z.string(), triggerEvent: z.string() }),
});
export const definitionEnabledV1 = defineEvent({
  type: 'workflow.definition.enabled',
  version: 1,
  aggregateType: 'workflow.definition',
  payload: z.object(definitionRefV1),
});
export const definitionDisabledV1 = defineEvent({
  type: 'workflow.definition.disabled',
  version: 1,
  aggregateType: 'workflow.definition',
  payload: z.object(definitionRefV1),
});
export const definitionDeletedV1 = defineEvent({
  type: 'workflow.definition.deleted',
  version: 1,
  aggregateType: 'workflow.definition',
  payload: z.object({ definitionId: z.uuid() }),
});
export const runStartedV1 = defineEvent({
  type: 'workflow.run.started',
  version: 1,
  aggregateType: 'workflow.run',
  payload: z.object({ ...runRefV1, triggerEventId: z.uuid(), triggerEventType: z.string() }),
});
export const runCompletedV1 = defineEvent({
  type: 'workflow.run.completed',
  version: 1,
  aggregateType: 'workflow.run',
  payload: z.object({ ...runRefV1, steps: z.number().int() }),
});
export const runFailedV1 = defineEvent({
  type: 'workflow.run.failed',
  version: 1,
  aggregateType: 'workflow.run',
  payload: z.object({ ...runRefV1, stepKey: z.string(), error: z.string(), compensated: z.boolean() }),
});
export const runCancelledV1 = defineEvent({
  type: 'workflow.run.cancelled',
  version: 1,
  aggregateType: 'workflow.run',
  payload: z.object(runRefV1),
});
export const runRetriedV1 = defineEvent({
  type: 'workflow.run.retried',
  version: 1,
  aggregateType: 'workflow.run',
  payload: z.object({ ...runRefV1, fromStepKey: z.string() }),
});
export const notificationCreatedV1 = defineEvent({
  type: 'workflow.notification.created',
  version: 1,
  aggregateType: 'workflow.notification',
  payload: z.object({ notificationId: z.uuid(), userId: z.uuid(), title: z.string(), runId: z.string().nullable() }),
});

/** Every workflow event contract, current versions first: what workflowModule publishes. */
export const workflowEventContracts: readonly EventContract[] = [
  definitionCreated,
  definitionUpdated,
  definitionEnabled,
  definitionDisabled,
  definitionDeleted,
  runStarted,
  runCompleted,
  runFailed,
  runCancelled,
  runRetried,
  notificationCreated,
  definitionCreatedV1,
  definitionUpdatedV1,
  definitionEnabledV1,
  definitionDisabledV1,
  definitionDeletedV1,
  runStartedV1,
  runCompletedV1,
  runFailedV1,
  runCancelledV1,
  runRetriedV1,
  notificationCreatedV1,
];

/** The version 1 field names that changed in version 2; every other field keeps its name. */
const renamedInV2: Readonly<Record<string, string>> = {
  definitionId: 'definition_id',
  definitionVersion: 'definition_version',
  triggerEvent: 'trigger_event',
  templateKey: 'template_key',
  runId: 'run_id',
  triggerEventId: 'trigger_event_id',
  triggerEventType: 'trigger_event_type',
  stepKey: 'step_key',
  fromStepKey: 'from_step_key',
  notificationId: 'notification_id',
  userId: 'user_id',
};

function snakeCasePayload(payload: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(payload).map(([key, value]) => [renamedInV2[key] ?? key, value]));
}

/** Version 1 → 2 of every workflow event: the same fields, snake_case. */
export const workflowUpcasters: readonly Upcaster[] = [...new Set(workflowEventContracts.map((contract) => contract.type))].map((type) => ({
  type,
  fromVersion: 1,
  upcast: snakeCasePayload,
}));

// ---------------------------------------------------------------------------------------------
// DTOs
// ---------------------------------------------------------------------------------------------

export const definitionDto = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  triggerEvent: z.string(),
  version: z.number().int(),
  enabled: z.boolean(),
  templateKey: z.string().nullable(),
  missingActions: z.array(z.string()),
  spec: z.unknown(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DefinitionDto = z.infer<typeof definitionDto>;

export const runDto = z.object({
  id: z.uuid(),
  definitionId: z.uuid(),
  definitionVersion: z.number().int(),
  triggerEventId: z.uuid(),
  triggerEventType: z.string(),
  status: z.enum(runStatuses),
  currentStep: z.number().int(),
  error: z.unknown().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type RunDto = z.infer<typeof runDto>;

export const stepDto = z.object({
  index: z.number().int(),
  key: z.string(),
  action: z.string(),
  status: z.enum(runStatuses),
  input: z.unknown().nullable(),
  output: z.unknown().nullable(),
  error: z.unknown().nullable(),
  attempts: z.number().int(),
  scheduledFor: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type StepDto = z.infer<typeof stepDto>;

export const runDetailDto = runDto.extend({ steps: z.array(stepDto), triggerEvent: z.unknown() });
export type RunDetailDto = z.infer<typeof runDetailDto>;

export const definitionDetailDto = definitionDto.extend({ versions: z.array(z.object({ version: z.number().int(), createdAt: z.string() })) });
export type DefinitionDetailDto = z.infer<typeof definitionDetailDto>;

export const runPageDto = z.object({ items: z.array(runDto), nextCursor: z.uuid().nullable() });
export type RunPageDto = z.infer<typeof runPageDto>;

export const fieldIssueDto = z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() });

export const installedTemplateDto = definitionDto.extend({ issues: z.array(fieldIssueDto) });
export type InstalledTemplateDto = z.infer<typeof installedTemplateDto>;

// ---------------------------------------------------------------------------------------------
// Procedure inputs. A spec is `unknown` here: the service validates it against the action
// registry, so every problem is listed at once.
// ---------------------------------------------------------------------------------------------

export const idInput = z.object({ id: z.uuid() });
export type IdInput = z.infer<typeof idInput>;

export const createDefinitionInput = z.object({ spec: z.unknown(), enabled: z.boolean().optional() });
export type CreateDefinitionInput = z.infer<typeof createDefinitionInput>;

export const updateDefinitionInput = z.object({ id: z.uuid(), spec: z.unknown(), expectedVersion: z.number().int().min(1).optional() });
export type UpdateDefinitionInput = z.infer<typeof updateDefinitionInput>;

export const dryRunInput = z.object({
  definitionId: z.uuid().optional(),
  spec: z.unknown().optional(),
  event: z.record(z.string(), z.unknown()),
  stepOutputs: z.record(z.string(), z.unknown()).optional(),
});
export type DryRunInput = z.infer<typeof dryRunInput>;

export const listRunsInput = z.object({
  definitionId: z.uuid().optional(),
  status: z.enum(runStatuses).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  cursor: z.uuid().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type ListRunsInput = z.infer<typeof listRunsInput>;

export const installTemplateInput = z.object({ key: z.string().min(1).max(100) });
export type InstallTemplateInput = z.infer<typeof installTemplateInput>;
