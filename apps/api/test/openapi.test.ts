import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProcedures } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { SESSION_COOKIE_NAME } from '@ubos/identity';
import { appRouter } from '../src/router.ts';
import type { Server } from '../src/server.ts';
import { setCookies, testServer } from './helpers.ts';

/**
 * /api/openapi.json and /api/docs (issue 18): every registered procedure is in the document with
 * its HTTP form, every schema in it compiles as JSON Schema 2020-12, and real calls' inputs and
 * outputs validate against their operation's schemas. The validator is the Ajv Fastify already
 * installs (reached through @fastify/ajv-compiler: no new dependency).
 */
interface Validator {
  (data: unknown): boolean;
  errors?: unknown;
}
interface AjvInstance {
  compile(schema: unknown): Validator;
}
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
const fromCompiler = createRequire(fromFastify.resolve('@fastify/ajv-compiler'));
const Ajv2020 = (fromCompiler('ajv/dist/2020') as { default: new (options: Record<string, unknown>) => AjvInstance }).default;
const addFormats = (fromCompiler('ajv-formats') as { default: (ajv: AjvInstance) => void }).default;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
/** Each operation's schema is compiled once (a recursive one carries an $id, which Ajv registers). */
const validators = new Map<string, Validator>();
function validatorOf(procedure: string, io: 'input' | 'output'): Validator {
  const key = `${procedure}:${io}`;
  let validator = validators.get(key);
  if (!validator) {
    validator = ajv.compile(
      io === 'input' ? (inputSchemaOf(procedure) ?? {}) : operationOf(procedure).operation.responses['200'].content['application/json'].schema,
    );
    validators.set(key, validator);
  }
  return validator;
}

type Operation = {
  parameters?: { name: string; content: { 'application/json': { schema: unknown } } }[];
  requestBody?: { content: { 'application/json': { schema: unknown } } };
  responses: { '200': { content: { 'application/json': { schema: unknown } } } };
  security?: unknown[];
  'x-permission': string;
};
type Document = {
  openapi: string;
  paths: Record<string, { get?: Operation; post?: Operation }>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
};

let testDb: TestDatabase;
let server: Server;
let document: Document;
let cookie: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  server = await testServer({ db: testDb.db, boss: null });
  const response = await server.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(response.statusCode).toBe(200);
  document = response.json<Document>();
});

afterAll(async () => {
  await server?.close();
  await testDb?.drop();
});

function operationOf(procedure: string): { method: 'get' | 'post'; operation: Operation } {
  const item = document.paths[`/trpc/${procedure}`];
  if (item?.get) return { method: 'get', operation: item.get };
  if (item?.post) return { method: 'post', operation: item.post };
  throw new Error(`${procedure} is not in the document`);
}

function inputSchemaOf(procedure: string): unknown {
  const { method, operation } = operationOf(procedure);
  return method === 'get' ? operation.parameters?.[0]?.content['application/json'].schema : operation.requestBody?.content['application/json'].schema;
}

/** Calls a procedure over HTTP the way the document says, validating the input before and the answer after. */
async function call(procedure: string, input: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const { method } = operationOf(procedure);
  const validInput = validatorOf(procedure, 'input');
  expect(validInput(input), `${procedure} input: ${JSON.stringify(validInput.errors)}`).toBe(true);
  const response =
    method === 'get'
      ? await server.inject({
          method: 'GET',
          url: `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`,
          headers,
          ...(cookie ? { cookies: { [SESSION_COOKIE_NAME]: cookie } } : {}),
        })
      : await server.inject({
          method: 'POST',
          url: `/trpc/${procedure}`,
          payload: input as Record<string, unknown>,
          headers,
          ...(cookie ? { cookies: { [SESSION_COOKIE_NAME]: cookie } } : {}),
        });
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json();
  const validOutput = validatorOf(procedure, 'output');
  expect(validOutput(body), `${procedure} output: ${JSON.stringify(validOutput.errors)}`).toBe(true);
  const set = setCookies(response.headers['set-cookie']).get(SESSION_COOKIE_NAME);
  if (set?.value) cookie = set.value;
  return (body as { result: { data: unknown } }).result.data;
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with a bearer scheme, and lists every registered query and mutation with its method', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    const procedures = listProcedures(appRouter).filter((procedure) => procedure.type === 'query' || procedure.type === 'mutation');
    expect(procedures.length).toBeGreaterThan(100);
    for (const procedure of procedures) {
      const item = document.paths[`/trpc/${procedure.path}`];
      expect(item, procedure.path).toBeDefined();
      expect(Object.keys(item ?? {}), procedure.path).toEqual([procedure.type === 'query' ? 'get' : 'post']);
      expect(operationOf(procedure.path).operation['x-permission']).toBe(procedure.permission);
    }
    expect(Object.keys(document.paths)).toHaveLength(procedures.length);
  });

  it('every input and output schema compiles as JSON Schema 2020-12', () => {
    for (const procedurePath of Object.keys(document.paths)) {
      const procedure = procedurePath.slice('/trpc/'.length);
      expect(() => validatorOf(procedure, 'input'), `${procedure} input`).not.toThrow();
      expect(() => validatorOf(procedure, 'output'), `${procedure} output`).not.toThrow();
    }
  });

  it("real calls' inputs and outputs validate against their schemas (sign-up, clients, a project and task, an API key, the timeline)", async () => {
    await call('identity.auth.signUp', {
      email: `openapi-${randomBytes(4).toString('hex')}@example.test`,
      password: 'correct horse battery staple',
      name: 'Ada',
      organizationName: 'OpenAPI Org',
    });
    const client = (await call('crm.clients.create', { name: 'Schema Client', tags: ['vip'] })) as { id: string };
    await call('crm.clients.get', { id: client.id });
    await call('crm.clients.list', { limit: 10 });
    const project = (await call('projects.projects.create', { name: 'Schema project', clientId: client.id })) as { id: string };
    await call('projects.tasks.create', { projectId: project.id, title: 'Check the schemas' });
    const key = (await call('identity.apiKeys.create', { name: 'Schema key', role: 'viewer', expiresAt: new Date(Date.now() + 86_400_000).toISOString() })) as {
      secret: string;
    };
    await call('identity.apiKeys.list', {});
    await call('identity.auth.me', {});
    await call('timeline.list', { limit: 20 });
    cookie = '';
    // Through the bearer key, as a caller without TypeScript does.
    await call('crm.clients.list', {}, { authorization: `Bearer ${key.secret}` });
  });

  it('a schema refuses what the procedure refuses (a client without a name)', () => {
    const validate = validatorOf('crm.clients.create', 'input');
    expect(validate({})).toBe(false);
    expect(validate({ name: 'Fine' })).toBe(true);
  });
});

describe('API reference page', () => {
  it('is plain HTML naming every procedure with its method and path', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).not.toContain('<script');
    for (const procedurePath of Object.keys(document.paths)) expect(response.body).toContain(`<code>${procedurePath}</code>`);
    expect(response.body).toContain('<span class="method post">POST</span> <code>/trpc/identity.apiKeys.create</code>');
  });
});
