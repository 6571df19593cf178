import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDomainRuntime, createLogger, startEventBackbone, startTracing, type EventBackbone, type PgBoss, type Tracing } from '@ubos/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@ubos/platform/testing';
import { SESSION_COOKIE_NAME } from '@ubos/identity';
import { createWorkflowEngine, type WorkflowEngine } from '@ubos/workflow';
import { modules } from '../src/modules.ts';
import type { Server } from '../src/server.ts';
import { setCookies, startTestBoss, testServer } from './helpers.ts';

/**
 * OpenTelemetry (issue 21): with an exporter configured, one trace covers a request, its procedure,
 * its SQL and outbox write, and — through the W3C trace context stored with the event — the
 * handlers that process that event in the workers (timeline and search here).
 */

const exporter = new InMemorySpanExporter();
let tracing: Tracing | null = null;
let testDb: TestDatabase;
let boss: PgBoss;
let backbone: EventBackbone;
let server: Server;
let workflow: WorkflowEngine;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'ubos-test', exporter });
  testDb = await createTestDatabase();
  ({ boss } = await startTestBoss(testDb.appUrl));
  const wanted = modules.filter((module) => ['crm', 'timeline', 'search', 'workflow'].includes(module.name));
  const log = createLogger({ level: 'silent' });
  backbone = await startEventBackbone({ db: testDb.db, boss, log, modules: wanted, workerPollIntervalSeconds: 0.5 });
  workflow = createWorkflowEngine({ db: testDb.db, boss, registry: createDomainRuntime(modules).actions, log, pollIntervalMs: 200 });
  await workflow.start();
  server = await testServer({ db: testDb.db, boss: null });
});

afterAll(async () => {
  await workflow?.stop();
  await server?.close();
  await backbone?.stop();
  await boss?.stop({ graceful: false, close: true });
  await testDb?.drop();
  await tracing?.shutdown();
});

function attribute(span: ReadableSpan, key: string): unknown {
  return span.attributes[key];
}

describe('tracing', () => {
  it('follows crm.clients.create from the HTTP request into its timeline and search handlers and a workflow step in one trace', async () => {
    const signUp = await server.inject({
      method: 'POST',
      url: '/trpc/identity.auth.signUp',
      payload: { email: 'trace@example.test', password: 'correct horse battery staple', name: 'Ada', organizationName: 'Trace Org' },
    });
    const cookie = setCookies(signUp.headers['set-cookie']).get(SESSION_COOKIE_NAME)?.value ?? '';
    // A workflow the new client triggers: its step continues the same trace.
    const definition = await server.inject({
      method: 'POST',
      url: '/trpc/workflow.definitions.create',
      payload: {
        spec: {
          name: 'Tag new clients',
          trigger: { event: 'crm.client.created' },
          steps: [{ key: 'tag', action: 'crm.addTag', input: { clientId: '{{ event.payload.client_id }}', tag: 'traced' } }],
        },
      },
      cookies: { [SESSION_COOKIE_NAME]: cookie },
    });
    expect(definition.statusCode).toBe(200);
    exporter.reset();
    const created = await server.inject({
      method: 'POST',
      url: '/trpc/crm.clients.create',
      payload: { name: 'Traced Ltd' },
      cookies: { [SESSION_COOKIE_NAME]: cookie },
    });
    expect(created.statusCode).toBe(200);

    const procedure = () => exporter.getFinishedSpans().find((span) => span.name === 'trpc crm.clients.create');
    await waitFor(async () => procedure() !== undefined, 10_000, 'the procedure span');
    const traceId = procedure()?.spanContext().traceId ?? '';
    const inTrace = () => exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    await waitFor(
      async () =>
        ['event.handle timeline.record-activity', 'event.handle search.index-documents', 'workflow.step'].every((name) =>
          inTrace().some((span) => span.name === name),
        ),
      20_000,
      'the handler and workflow step spans in the same trace',
    );
    const spans = inTrace();
    const names = spans.map((span) => span.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'HTTP POST',
        'trpc crm.clients.create',
        'outbox.write',
        'db.query',
        'event.handle timeline.record-activity',
        'event.handle search.index-documents',
      ]),
    );
    const http = spans.find((span) => span.name === 'HTTP POST');
    expect(attribute(http as ReadableSpan, 'http.response.status_code')).toBe(200);
    expect(procedure()?.parentSpanContext?.spanId).toBe(http?.spanContext().spanId);
    const write = spans.find((span) => span.name === 'outbox.write' && attribute(span, 'ubos.event.type') === 'crm.client.created');
    expect(write?.parentSpanContext?.spanId).toBe(procedure()?.spanContext().spanId);
    const handler = spans.find((span) => span.name === 'event.handle timeline.record-activity');
    expect(attribute(handler as ReadableSpan, 'ubos.event.type')).toBe('crm.client.created');
    // The handler's own SQL is a child of the handler's span.
    expect(spans.some((span) => span.name === 'db.query' && span.parentSpanContext?.spanId === handler?.spanContext().spanId)).toBe(true);
    expect(spans.some((span) => span.name === 'db.query' && /crm"?\."?clients/.test(String(attribute(span, 'db.query.text'))))).toBe(true);
    // The workflow step (started by workflow.trigger's handling of the event) is in the trace, and so
    // is what it wrote: the tag's crm.client.updated outbox write is the step's child.
    const step = spans.find((span) => span.name === 'workflow.step');
    expect(attribute(step as ReadableSpan, 'ubos.workflow.step_index')).toBe(0);
    expect(spans.some((span) => span.name === 'outbox.write' && attribute(span, 'ubos.event.type') === 'crm.client.updated')).toBe(true);
  });
});
