/**
 * tRPC over HTTP, Fastify-native: what `fastifyTRPCPlugin` does for the calls our clients make,
 * without its fetch-adapter detour.
 *
 * The official adapter turns every Fastify request into a WHATWG Request (URL, Headers, an
 * AbortController that is aborted - with a DOMException - when every response closes, a body
 * stream), resolves it into a WHATWG Response with a stream body, and Fastify then pipes that
 * stream out chunked. For `httpBatchLink` without a transformer (packages/client, apps/web) that
 * detour cost ~200-250 µs of CPU per call (bench/crm.bench.ts: create ~1,300 -> ~1,100 µs,
 * list of 50 ~1,450 -> ~1,200 µs, same process and machine).
 *
 * This handler speaks the same protocol for those calls and produces the same bytes:
 * - GET queries `/trpc/a.b?input=<json>` and batches `/trpc/a.b,c.d?batch=1&input={"0":..}`;
 *   POST mutations with a JSON body (`{"0":..}` when batched).
 * - `{"result":{"data":..}}`, an array of them for a batch; errors shaped by the router's
 *   errorFormatter through tRPC's own `getErrorShape`; status through tRPC's `getHTTPStatusCode`
 *   (207 for a mixed batch); `content-type: application/json`, `vary: trpc-accept, accept`.
 * - The same order of work and the same errors: procedures are looked up first, the context is
 *   created once (even when a path is unknown), the calls run concurrently, input is read lazily
 *   and once (so an unauthorized call with bad JSON still answers UNAUTHORIZED), unknown paths
 *   answer NOT_FOUND, a GET to a mutation METHOD_NOT_SUPPORTED, bad JSON BAD_REQUEST.
 *
 * Everything else - `trpc-accept: application/jsonl` / `Accept: application/jsonl` streaming,
 * subscriptions, FormData and octet-stream bodies, HEAD and other methods, mixed procedure types
 * in one batch, `connectionParams`, percent-encoded paths, and any handler option this file does
 * not implement (responseMeta, maxBatchSize, method override, batching off) - goes to the official
 * `fastifyRequestHandler` unchanged, so nothing regresses. `apps/api/test/trpc-http.test.ts`
 * compares both handlers response by response.
 *
 * It calls tRPC internals from `@trpc/server/unstable-core-do-not-import` (getErrorShape,
 * getHTTPStatusCode, getTRPCErrorFromUnknown, getProcedureAtPath, transformTRPCResponse) and
 * mirrors `resolveResponse` and the JSON content-type handler of @trpc/server 11.19.0. The
 * workspace pins every @trpc/* package to that exact version (pnpm catalog); re-read
 * `src/unstable-core-do-not-import/http/{resolveResponse,contentType}.ts` and rerun the
 * comparison test when upgrading.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fastifyRequestHandler, type FastifyHandlerOptions } from '@trpc/server/adapters/fastify';
import {
  TRPCError,
  getErrorShape,
  getHTTPStatusCode,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isObject,
  isPromise,
  transformTRPCResponse,
  type AnyProcedure,
  type AnyRouter,
  type ProcedureType,
  type TRPCRequestInfo,
  type TRPCRequestInfoProcedureCall,
  type TRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';

export type TrpcHttpOptions = FastifyHandlerOptions<AnyRouter, FastifyRequest, FastifyReply>;

/** The headers every tRPC answer carries (resolveResponse sets exactly these two). */
const VARY = 'trpc-accept, accept';
const JSON_CONTENT_TYPE = 'application/json';

type CallResult = [error: TRPCError, data: undefined] | [error: undefined, data: unknown];

/** resolveResponse's `isDataStream`: a stream-like result needs httpBatchStreamLink. */
function isDataStream(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (isAsyncIterable(value)) return true;
  const values = Object.values(value);
  return values.some(isPromise) || values.some(isAsyncIterable);
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Whether this request is one the fast path answers exactly like the official adapter.
 * Only looks at the method and headers; the path and procedures are checked later.
 */
function isPlainJsonCall(request: FastifyRequest): boolean {
  const method = request.method;
  if (method !== 'GET' && method !== 'POST') return false;
  const contentType = headerOf(request, 'content-type');
  // tRPC picks its content-type handler before looking at the method: JSON first, then
  // multipart and octet-stream; a GET with none of them falls back to JSON.
  if (contentType === undefined) {
    if (method === 'POST') return false; // "Missing content-type header"
  } else if (!contentType.startsWith('application/json')) {
    return false;
  }
  // httpBatchStreamLink (and the deprecated Accept: application/jsonl) stream their answers.
  if (request.headers['trpc-accept'] !== undefined) return false;
  const accept = headerOf(request, 'accept');
  if (accept?.includes('application/jsonl')) return false;
  return true;
}

/** `memo` from tRPC's content-type handlers: the inputs are read once, lazily, errors become BAD_REQUEST. */
function lazyInputs(read: () => Record<number, unknown>): { read: () => Promise<Record<number, unknown>>; result: () => Record<number, unknown> | undefined } {
  let value: Record<number, unknown> | undefined;
  let failure: TRPCError | undefined;
  return {
    read: async () => {
      if (value !== undefined) return value;
      if (failure !== undefined) throw failure;
      try {
        value = read();
        return value;
      } catch (cause) {
        failure =
          cause instanceof TRPCError ? cause : new TRPCError({ code: 'BAD_REQUEST', message: cause instanceof Error ? cause.message : 'Invalid input', cause });
        throw failure;
      }
    },
    result: () => value,
  };
}

/** The answer to write: HTTP status and JSON body. */
interface Outcome {
  status: number;
  body: string;
}

/**
 * Registers `ALL /:path` in the calling scope (mounted under the /trpc prefix), with the same
 * content-type parsers fastifyTRPCPlugin registers.
 */
export async function trpcHttpPlugin(scope: FastifyInstance, options: TrpcHttpOptions): Promise<void> {
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  scope.removeContentTypeParser('multipart/form-data');
  scope.addContentTypeParser('multipart/form-data', {}, (_request, body, done) => done(null, body));

  const router = options.router;
  const config = router._def._config;
  const procedures = router._def.procedures as Record<string, AnyProcedure | undefined>;
  // Options this file does not implement send every request down the official path.
  const fastPath =
    options.responseMeta === undefined &&
    options.allowBatching !== false &&
    options.batching?.enabled !== false &&
    options.maxBatchSize === undefined &&
    !options.allowMethodOverride;

  const official = (request: FastifyRequest, reply: FastifyReply, path: string) => fastifyRequestHandler({ ...options, req: request, res: reply, path });

  scope.all('/:path', async (request, reply) => {
    const path = (request.params as { path: string }).path;
    if (!fastPath || !isPlainJsonCall(request) || path.includes('%')) return official(request, reply, path);

    // `new URL(url).searchParams`, minus the URL: the query ends at a fragment, if any.
    const url = request.url;
    const queryIndex = url.indexOf('?');
    const hashIndex = url.indexOf('#', queryIndex);
    const searchParams = new URLSearchParams(queryIndex === -1 ? '' : url.slice(queryIndex + 1, hashIndex === -1 ? undefined : hashIndex));
    if (searchParams.has('connectionParams')) return official(request, reply, path);
    const isBatchCall = searchParams.get('batch') === '1';
    const paths = isBatchCall ? path.split(',') : [path];

    const found: (AnyProcedure | null)[] = [];
    const types = new Set<ProcedureType>();
    for (const callPath of paths) {
      const procedure = procedures[callPath] ?? (await getProcedureAtPath(router, callPath));
      if (procedure) types.add(procedure._def.type);
      found.push(procedure);
    }
    // A subscription streams (SSE); mixed types answer BAD_REQUEST: both the official way.
    if (types.has('subscription') || types.size > 1) return official(request, reply, path);
    const type: ProcedureType | 'unknown' = types.values().next().value ?? 'unknown';

    const method = request.method;
    const inputs = lazyInputs(() => {
      let raw: unknown;
      if (method === 'GET') {
        const queryInput = searchParams.get('input');
        if (queryInput) raw = JSON.parse(queryInput);
      } else {
        // Request.json() decodes UTF-8 dropping a byte-order mark; Fastify's string parser keeps it.
        const text = typeof request.body === 'string' ? request.body : '';
        raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      }
      const record: Record<number, unknown> = Object.create(null);
      if (raw === undefined) return record;
      if (!isBatchCall) {
        record[0] = config.transformer.input.deserialize(raw);
        return record;
      }
      if (!isObject(raw)) throw new TRPCError({ code: 'BAD_REQUEST', message: '"input" needs to be an object when doing a batch call' });
      for (const index of paths.keys()) {
        const input = raw[index];
        if (input !== undefined) record[index] = config.transformer.input.deserialize(input);
      }
      return record;
    });

    // Aborted only when the client goes away before the answer is written (the official adapter
    // aborts after every response, paying for a DOMException each time).
    const abort = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) abort.abort();
    };
    reply.raw.once('close', onClose);

    const calls: TRPCRequestInfoProcedureCall[] = paths.map((callPath, index) => ({
      batchIndex: index,
      path: callPath,
      procedure: found[index] ?? null,
      getRawInput: async () => (await inputs.read())[index],
      result: () => inputs.result()?.[index],
    }));
    const info: TRPCRequestInfo = { isBatchCall, accept: null, calls, type, connectionParams: null, signal: abort.signal, url: null };

    let ctx: unknown;
    let ctxError: TRPCError | undefined;
    try {
      ctx = await options.createContext?.({ req: request, res: reply, info });
    } catch (cause) {
      ctxError = getTRPCErrorFromUnknown(cause);
    }
    const ctxOrUndefined = ctxError ? undefined : ctx;

    const run = async (call: TRPCRequestInfoProcedureCall): Promise<CallResult> => {
      const procedure = call.procedure;
      try {
        if (!procedure) throw new TRPCError({ code: 'NOT_FOUND', message: `No procedure found on path "${call.path}"` });
        const accepted = procedure._def.type === 'mutation' ? method === 'POST' : method === 'GET';
        if (!accepted) {
          throw new TRPCError({
            code: 'METHOD_NOT_SUPPORTED',
            message: `Unsupported ${method}-request to ${procedure._def.type} procedure at path "${call.path}"`,
          });
        }
        if (ctxError) throw ctxError;
        const data: unknown = await procedure({
          path: call.path,
          getRawInput: call.getRawInput,
          ctx,
          type: procedure._def.type,
          signal: abort.signal,
          batchIndex: call.batchIndex,
        });
        return [undefined, data];
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        options.onError?.({ error, path: call.path, input: call.result(), ctx: ctxOrUndefined, type: procedure?._def.type ?? 'unknown', req: request });
        return [error, undefined];
      }
    };
    const errorShape = (error: TRPCError, call: TRPCRequestInfoProcedureCall, callType: ProcedureType | 'unknown') =>
      getErrorShape({ config, ctx: ctxOrUndefined, error, input: call.result(), path: call.path, type: callType });

    let outcome: Outcome;
    try {
      const pending = calls.map(run);
      if (!isBatchCall) {
        const call = calls[0] as TRPCRequestInfoProcedureCall;
        const [error, data] = await (pending[0] as Promise<CallResult>);
        if (!error && isDataStream(data)) {
          throw new TRPCError({
            code: 'UNSUPPORTED_MEDIA_TYPE',
            message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink',
          });
        }
        const response: TRPCResponse = error ? { error: errorShape(error, call, type) } : { result: { data } };
        outcome = { status: getHTTPStatusCode([response]), body: JSON.stringify(transformTRPCResponse(config, response)) };
      } else {
        const results = await Promise.all(pending);
        const responses = results.map(([error, data], index): TRPCResponse => {
          const call = calls[index] as TRPCRequestInfoProcedureCall;
          const callType = call.procedure?._def.type ?? 'unknown';
          if (error) return { error: errorShape(error, call, callType) };
          if (isDataStream(data)) {
            const streamError = new TRPCError({
              code: 'UNSUPPORTED_MEDIA_TYPE',
              message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink',
            });
            return { error: errorShape(streamError, call, callType) };
          }
          return { result: { data } };
        });
        outcome = { status: getHTTPStatusCode(responses), body: JSON.stringify(transformTRPCResponse(config, responses)) };
      }
    } catch (cause) {
      // resolveResponse's outer catch: errors outside the calls (a stream-like result, an
      // errorFormatter or serialization that throws) answer one non-array error.
      const error = getTRPCErrorFromUnknown(cause);
      options.onError?.({ error, path: undefined, input: undefined, ctx: ctxOrUndefined, type, req: request });
      const response: TRPCResponse = { error: getErrorShape({ config, error, type, path: undefined, input: undefined, ctx: ctxOrUndefined }) };
      outcome = { status: getHTTPStatusCode(response), body: JSON.stringify(transformTRPCResponse(config, response)) };
    }
    reply.raw.removeListener('close', onClose);

    // A Buffer, so Fastify keeps `application/json` as is (a string would get `; charset=utf-8`).
    return reply.code(outcome.status).header('content-type', JSON_CONTENT_TYPE).header('vary', VARY).send(Buffer.from(outcome.body));
  });
}
