import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, startEventBackbone, startTracing, type EventBackbone, type PgBoss, type Tracing } from '@ubos/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@ubos/platform/testing';
import { SESSION_COOKIE_NAME } from '@ubos/identity';
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

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'ubos-test', exporter });
  testDb = await createTestDatabase();
  ({ boss } = await startTestBoss(testDb.appUrl));
  const wanted = modules.filter((module) => ['crm', 'timeline', 'search'].includes(module.name));
  backbone = await startEventBackbone({ db: testDb.db, boss, log: createLogger({ level: 'silent' }), modules: wanted, workerPollIntervalSeconds: 0.5 });
  server = await testServer({ db: testDb.db, boss: null });
});

afterAll(async () => {
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
  it('follows crm.clients.create from the HTTP request into its timeline and search handlers in one trace', async () => {
    const signUp = await server.inject({
      method: 'POST',
      url: '/trpc/identity.auth.signUp',
      payload: { email: 'trace@example.test', password: 'correct horse battery staple', name: 'Ada', organizationName: 'Trace Org' },
    });
    const cookie = setCookies(signUp.headers['set-cookie']).get(SESSION_COOKIE_NAME)?.value ?? '';
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
        ['event.handle timeline.record-activity', 'event.handle search.index-documents'].every((name) => inTrace().some((span) => span.name === name)),
      20_000,
      'the handler spans in the same trace',
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
  });
});
