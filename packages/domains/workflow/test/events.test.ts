// Workflow's event contracts: version 2 payloads are snake_case; a version 1 event still in an
// outbox reads as version 2 through the module's upcasters.
import { describe, expect, it } from 'vitest';
import { readEnvelope, UpcasterRegistry, uuidv7, type EventEnvelope } from '@ubos/platform';
import { definitionCreated, definitionCreatedV1, notificationCreated, runFailed, runFailedV1, runRetried, runStarted } from '../src/contracts.ts';
import { workflowModule } from '../src/module.ts';

function v1Envelope(type: string, aggregateType: string, payload: Record<string, unknown>): EventEnvelope {
  return {
    id: uuidv7(),
    tenant_id: uuidv7(),
    type,
    version: 1,
    payload,
    actor_id: null,
    aggregate_type: aggregateType,
    aggregate_id: uuidv7(),
    occurred_at: new Date().toISOString(),
    correlation_id: uuidv7(),
    causation_id: null,
  };
}

const registry = new UpcasterRegistry(workflowModule.upcasters);

describe('workflow events', () => {
  it('publishes version 1 (read only) and version 2 of every event, aggregate types workflow.<entity>', () => {
    const byType = new Map<string, number[]>();
    for (const contract of workflowModule.events) byType.set(contract.type, [...(byType.get(contract.type) ?? []), contract.version]);
    expect(byType.size).toBe(11);
    for (const [type, versions] of byType) expect([type, versions.sort()]).toEqual([type, [1, 2]]);
    expect(new Set(workflowModule.events.map((contract) => contract.aggregateType))).toEqual(
      new Set(['workflow.definition', 'workflow.run', 'workflow.notification']),
    );
    expect(workflowModule.upcasters.map((upcaster) => upcaster.fromVersion)).toEqual(Array(11).fill(1));
  });

  it('upcasts a version 1 run.failed to the snake_case version 2', () => {
    const runId = uuidv7();
    const definitionId = uuidv7();
    const old = v1Envelope('workflow.run.failed', 'workflow_run', {
      runId,
      definitionId,
      definitionVersion: 3,
      stepKey: 'create_project',
      error: 'boom',
      compensated: false,
    });
    expect(runFailedV1.payload.safeParse(old.payload).success).toBe(true);
    const read = readEnvelope(old, registry);
    expect(read.version).toBe(2);
    expect(runFailed.payload.parse(read.payload)).toEqual({
      run_id: runId,
      definition_id: definitionId,
      definition_version: 3,
      step_key: 'create_project',
      error: 'boom',
      compensated: false,
    });
  });

  it('upcasts the other version 1 shapes field by field', () => {
    const id = uuidv7();
    const created = readEnvelope(
      v1Envelope('workflow.definition.created', 'workflow_definition', {
        definitionId: id,
        version: 1,
        name: 'N',
        triggerEvent: 'crm.deal.won',
        enabled: true,
        templateKey: null,
      }),
      registry,
    );
    expect(definitionCreatedV1.payload.safeParse(created.payload).success).toBe(false);
    expect(definitionCreated.payload.parse(created.payload)).toEqual({
      definition_id: id,
      version: 1,
      name: 'N',
      trigger_event: 'crm.deal.won',
      enabled: true,
      template_key: null,
    });

    const started = readEnvelope(
      v1Envelope('workflow.run.started', 'workflow_run', {
        runId: id,
        definitionId: id,
        definitionVersion: 1,
        triggerEventId: id,
        triggerEventType: 'crm.deal.won',
      }),
      registry,
    );
    expect(runStarted.payload.parse(started.payload)).toEqual({
      run_id: id,
      definition_id: id,
      definition_version: 1,
      trigger_event_id: id,
      trigger_event_type: 'crm.deal.won',
    });

    const retried = readEnvelope(
      v1Envelope('workflow.run.retried', 'workflow_run', { runId: id, definitionId: id, definitionVersion: 2, fromStepKey: 'b' }),
      registry,
    );
    expect(runRetried.payload.parse(retried.payload)).toEqual({ run_id: id, definition_id: id, definition_version: 2, from_step_key: 'b' });

    const notified = readEnvelope(
      v1Envelope('workflow.notification.created', 'workflow_notification', { notificationId: id, userId: id, title: 'Hi', runId: null }),
      registry,
    );
    expect(notificationCreated.payload.parse(notified.payload)).toEqual({ notification_id: id, user_id: id, title: 'Hi', run_id: null });
  });

  it('leaves a version 2 event as it is', () => {
    const payload = { definition_id: uuidv7() };
    const current = { ...v1Envelope('workflow.definition.deleted', 'workflow.definition', payload), version: 2 };
    expect(readEnvelope(current, registry)).toEqual(current);
  });
});
