import type { FastifyReply, FastifyRequest } from 'fastify';
import { BlobRequestError, type LocalBlobStore } from '@ubos/platform';
import type { Server } from '../server.ts';

/**
 * The local blob store's HTTP face (§7), registered at /blobs when BLOB_STORE=local: a browser's
 * POST policy upload (POST /blobs), a signed PUT (PUT /blobs/<key>?…) and a signed download
 * (GET /blobs/<key>?…). Every check lives in LocalBlobStore; this only moves bytes. Bodies are
 * never buffered: the store streams them to disk and stops at the signed size.
 */
export function blobRoutes(store: LocalBlobStore) {
  return async function register(scope: Server): Promise<void> {
    // The store reads the raw request stream itself (multipart or a plain body), past any bodyLimit.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));

    scope.post('/', async (request, reply) => {
      try {
        await store.receivePost(request.headers, request.raw);
        return reply.status(204).send();
      } catch (error) {
        return refuse(request, reply, error, true);
      }
    });

    scope.put('/*', async (request, reply) => {
      try {
        const received = await store.receivePut(keyOf(request), queryOf(request), request.headers, request.raw);
        return reply.status(200).send({ key: received.key, size: received.size });
      } catch (error) {
        return refuse(request, reply, error, true);
      }
    });

    scope.get('/*', async (request, reply) => {
      try {
        const key = keyOf(request);
        const authorized = store.authorizeGet(key, queryOf(request));
        const range = request.headers.range;
        const served = await store.serve(key, authorized, typeof range === 'string' ? range : undefined);
        return (
          reply
            .status(served.status)
            .headers(served.headers)
            // A blob is a document, never part of the app: nothing in it runs or loads, and only the
            // app itself may frame it (the inline preview of an image or PDF).
            .header('content-security-policy', "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'")
            .header('x-frame-options', 'SAMEORIGIN')
            .send(served.body)
        );
      } catch (error) {
        if (error instanceof BlobRequestError && error.status === 416 && 'contentRange' in error) reply.header('content-range', String(error.contentRange));
        return refuse(request, reply, error, false);
      }
    });
  };
}

function keyOf(request: FastifyRequest): string {
  return (request.params as { '*'?: string })['*'] ?? '';
}

function queryOf(request: FastifyRequest): Record<string, string | undefined> {
  const query = request.query as Record<string, string | string[] | undefined>;
  const single: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(query)) single[name] = Array.isArray(value) ? undefined : value;
  return single;
}

const ERROR_NAMES: Record<BlobRequestError['status'], string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  411: 'Length Required',
  413: 'Payload Too Large',
  416: 'Range Not Satisfiable',
};

function refuse(request: FastifyRequest, reply: FastifyReply, error: unknown, hasBody: boolean): FastifyReply {
  if (!(error instanceof BlobRequestError)) throw error;
  // The rest of a refused upload is not read: close the connection after answering.
  if (hasBody && !request.raw.readableEnded) reply.header('connection', 'close');
  request.log.info({ status: error.status, reason: error.message }, 'blob request refused');
  return reply
    .status(error.status)
    .header('cache-control', 'no-store')
    .send({ error: ERROR_NAMES[error.status], message: error.message, requestId: request.id });
}
