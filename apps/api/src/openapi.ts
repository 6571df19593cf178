/**
 * The HTTP form of every procedure, for callers without TypeScript (issue 18; ARCHITECTURE.md §7):
 * an OpenAPI 3.1 document at /api/openapi.json and a plain reference page at /api/docs, both built
 * from the router itself (paths, GET/POST, the zod schemas as JSON Schema 2020-12), so they cannot
 * drift from what the host serves.
 *
 * The HTTP form (tRPC over HTTP, no transformer: plain JSON):
 * - a query is `GET /trpc/<procedure>?input=<URL-encoded JSON>`; a mutation is `POST /trpc/<procedure>`
 *   with the input as the JSON body;
 * - success is `200 { "result": { "data": <output> } }`;
 * - failure is `{ "error": { "message", "code", "data": { "code", "httpStatus", "path", "zodIssues" } } }`
 *   with the HTTP status of `data.httpStatus`.
 */
import type { AnyRouter } from '@trpc/server';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

interface ProcedureDef {
  type?: string;
  meta?: { permission?: string; cost?: string };
  inputs?: unknown[];
  output?: unknown;
}

export interface ProcedureDoc {
  path: string;
  type: 'query' | 'mutation';
  method: 'get' | 'post';
  permission: string;
  input: JsonSchema | null;
  output: JsonSchema | null;
}

/** A zod 4 schema (by shape, so a second copy of zod in the tree is recognised too). */
function isZodType(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

/** A zod schema as JSON Schema 2020-12, as the wire carries it (dates as strings); {} when it cannot be said. */
export function jsonSchemaOf(schema: unknown, io: 'input' | 'output', id?: string): JsonSchema | null {
  if (!isZodType(schema)) return null;
  try {
    const converted = z.toJSONSchema(schema, { io, unrepresentable: 'any', cycles: 'ref', reused: 'inline' }) as JsonSchema;
    const { $schema: _ignored, ...rest } = converted;
    // A recursive schema refers to its own $defs ("#/$defs/…"): it gets an $id, so those references
    // resolve within it wherever the document embeds it.
    return rest.$defs && id ? { $id: id, ...rest } : rest;
  } catch {
    return {};
  }
}

/** Every query and mutation of the router, in path order, with its schemas. */
export function describeProcedures(router: AnyRouter): ProcedureDoc[] {
  const procedures = router._def.procedures as Record<string, { _def: ProcedureDef }>;
  const docs: ProcedureDoc[] = [];
  for (const [path, procedure] of Object.entries(procedures)) {
    const def = procedure._def;
    if (def.type !== 'query' && def.type !== 'mutation') continue;
    const inputs = (def.inputs ?? [])
      .map((schema, index) => jsonSchemaOf(schema, 'input', `urn:ubos:procedure:${path}:input:${index}`))
      .filter((schema): schema is JsonSchema => schema !== null);
    docs.push({
      path,
      type: def.type,
      method: def.type === 'query' ? 'get' : 'post',
      permission: def.meta?.permission ?? 'undeclared',
      input: inputs.length === 0 ? null : inputs.length === 1 ? (inputs[0] ?? null) : { allOf: inputs },
      output: jsonSchemaOf(def.output, 'output', `urn:ubos:procedure:${path}:output`),
    });
  }
  return docs.sort((a, b) => a.path.localeCompare(b.path));
}

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'code', 'data'],
      properties: {
        message: { type: 'string', description: 'A sentence a person understands.' },
        code: { type: 'integer', description: 'JSON-RPC error code.' },
        data: {
          type: 'object',
          required: ['code', 'httpStatus'],
          properties: {
            code: { type: 'string', description: 'BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, TOO_MANY_REQUESTS, …' },
            httpStatus: { type: 'integer' },
            path: { type: ['string', 'null'] },
            zodIssues: {
              type: ['array', 'null'],
              description: 'Bad input, field by field.',
              items: {
                type: 'object',
                required: ['path', 'message'],
                properties: { path: { type: 'array', items: { type: ['string', 'integer'] } }, message: { type: 'string' }, code: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  },
};

function securityOf(permission: string): Record<string, string[]>[] | undefined {
  if (permission === 'public') return [];
  if (permission === 'portal') return [{ portalCookie: [] }];
  if (permission === 'authenticated') return [{ sessionCookie: [] }];
  return [{ bearerAuth: [] }, { sessionCookie: [] }];
}

function describePermission(permission: string): string {
  if (permission === 'public') return 'Open to anyone.';
  if (permission === 'portal') return 'Client portal session only.';
  if (permission === 'authenticated') return 'A signed-in person (session cookie); API keys are refused.';
  return `Needs the permission \`${permission}\` (an API key's scope or a member's role).`;
}

/** The OpenAPI 3.1 document of the router's HTTP form. */
export function openApiDocument(router: AnyRouter, options: { serverUrl?: string } = {}): JsonSchema {
  const paths: Record<string, unknown> = {};
  for (const procedure of describeProcedures(router)) {
    const success = {
      description: 'The procedure answered.',
      content: {
        'application/json': {
          schema: { type: 'object', required: ['result'], properties: { result: { type: 'object', properties: { data: procedure.output ?? {} } } } },
        },
      },
    };
    const operation: Record<string, unknown> = {
      operationId: procedure.path,
      summary: `${procedure.path} (${procedure.type})`,
      description: describePermission(procedure.permission),
      tags: [procedure.path.split('.')[0] ?? 'api'],
      'x-permission': procedure.permission,
      'x-procedure-type': procedure.type,
      responses: { '200': success, default: { description: 'A refused call.', content: { 'application/json': { schema: errorSchema } } } },
    };
    const security = securityOf(procedure.permission);
    if (security) operation.security = security;
    if (procedure.method === 'get') {
      if (procedure.input) {
        operation.parameters = [
          {
            name: 'input',
            in: 'query',
            required: false,
            description: 'The input, as URL-encoded JSON.',
            content: { 'application/json': { schema: procedure.input } },
          },
        ];
      }
    } else {
      operation.requestBody = { required: procedure.input !== null, content: { 'application/json': { schema: procedure.input ?? { type: 'null' } } } };
    }
    paths[`/trpc/${procedure.path}`] = { [procedure.method]: operation };
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'UBOS API',
      version: '1',
      description:
        'Every UBOS procedure over HTTP. Queries: GET /trpc/<procedure>?input=<URL-encoded JSON>. Mutations: POST /trpc/<procedure> with a JSON body. ' +
        'Answers: { "result": { "data": … } }; refusals: { "error": { "message", "data": { "code", "httpStatus", "zodIssues" } } }. ' +
        'Authenticate with an API key (Settings → API keys) as Authorization: Bearer ubos_….',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key, `ubos_…` (Settings → API keys).' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'ubos_session', description: "A signed-in person's session (the web app)." },
        portalCookie: { type: 'apiKey', in: 'cookie', name: 'ubos_portal', description: 'A client portal session.' },
      },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** The reference page: plain server-rendered HTML, one section per procedure, no script. */
export function referencePage(router: AnyRouter): string {
  const procedures = describeProcedures(router);
  const domains = [...new Set(procedures.map((procedure) => procedure.path.split('.')[0] ?? ''))];
  const schemaBlock = (label: string, schema: JsonSchema | null): string =>
    schema ? `<details><summary>${label}</summary><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></details>` : `<p class="none">${label}: none</p>`;
  const sections = domains
    .map((domain) => {
      const items = procedures
        .filter((procedure) => procedure.path.split('.')[0] === domain)
        .map(
          (procedure) => `<section id="${escapeHtml(procedure.path)}">
<h3><span class="method ${procedure.method}">${procedure.method.toUpperCase()}</span> <code>/trpc/${escapeHtml(procedure.path)}</code></h3>
<p>${escapeHtml(describePermission(procedure.permission))}</p>
${schemaBlock('Input', procedure.input)}
${schemaBlock('Output', procedure.output)}
</section>`,
        )
        .join('\n');
      return `<h2 id="domain-${escapeHtml(domain)}">${escapeHtml(domain)}</h2>\n${items}`;
    })
    .join('\n');
  const index = domains.map((domain) => `<a href="#domain-${escapeHtml(domain)}">${escapeHtml(domain)}</a>`).join(' · ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>UBOS API reference</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1e293b;line-height:1.5}
code,pre{font-family:ui-monospace,monospace;font-size:.85rem}pre{background:#f1f5f9;padding:.75rem;overflow:auto;border-radius:.375rem}
section{border-top:1px solid #e2e8f0;padding:.5rem 0}h3{font-size:1rem;margin:.5rem 0}.method{display:inline-block;min-width:3.2rem;text-align:center;border-radius:.25rem;color:#fff;font-size:.75rem;padding:.1rem .3rem}
.get{background:#059669}.post{background:#4f46e5}.none{color:#64748b;margin:.25rem 0}
</style></head><body>
<h1>UBOS API reference</h1>
<p>${procedures.length} procedures. Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). TypeScript: the <code>@ubos/client</code> package.</p>
<p>Queries are <code>GET /trpc/&lt;procedure&gt;?input=&lt;URL-encoded JSON&gt;</code>; mutations are <code>POST /trpc/&lt;procedure&gt;</code> with a JSON body.
An answer is <code>{"result":{"data":…}}</code>; a refusal is <code>{"error":{"message":…,"data":{"code":…,"httpStatus":…,"zodIssues":[…]}}}</code>.
Authenticate with an API key from Settings → API keys: <code>Authorization: Bearer ubos_…</code>.</p>
<p>${index}</p>
${sections}
</body></html>`;
}
