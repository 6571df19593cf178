import { randomBytes } from 'node:crypto';
import { FAKE_ACCESS_TOKEN, postWebhook, startFakeServer, type FakeServer } from './fake-server.ts';
import { sign, type SignedDelivery } from './signing.ts';

/**
 * Dropbox Sign (HelloSign) API v3: signature_request/send and /{id}, and callbacks. A callback is a
 * multipart/form-data POST with one field `json`; its `event.event_hash` is the hex HMAC-SHA256 of
 * `event_time + event_type` under the API key (it does not cover the body). The callback URL must
 * answer exactly `Hello API Event Received`. Auth: HTTP Basic with the API key as user name, or a
 * bearer token (OAuth apps).
 */
export interface DropboxSignRequest {
  signature_request_id: string;
  title: string;
  subject: string;
  is_complete: boolean;
  is_declined: boolean;
  created_at: number;
  signatures: { signature_id: string; signer_email_address: string; signer_name: string; status_code: string; signed_at: number | null }[];
}

export interface DropboxSignFake extends FakeServer {
  apiKey: string;
  signatureRequests: Map<string, DropboxSignRequest>;
  /** Marks every signer signed (and the request complete) and returns the callback. */
  signAll(signatureRequestId: string): SignedDelivery;
  callback(eventType: string, signatureRequestId: string | null, eventTime?: number): SignedDelivery;
  deliver(url: string, delivery: SignedDelivery): ReturnType<typeof postWebhook>;
}

export async function startDropboxSignFake(options: { apiKey?: string } = {}): Promise<DropboxSignFake> {
  const apiKey = options.apiKey ?? 'dropbox-sign-api-key';
  const signatureRequests = new Map<string, DropboxSignRequest>();
  const notFound = { status: 404, json: { error: { error_msg: 'Not found', error_name: 'not_found' } } };
  const basic = `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`;
  const server = await startFakeServer({
    tokens: [FAKE_ACCESS_TOKEN],
    acceptsAuthorization: (authorization) => authorization === basic,
    unauthorized: { status: 401, json: { error: { error_msg: 'Unauthorized api key', error_name: 'unauthorized' } } },
    routes: [
      {
        method: 'POST',
        path: '/v3/signature_request/send',
        handler(request) {
          const input = request.json<{ title?: string; subject?: string; signers?: { email_address: string; name: string }[] }>();
          if (!input.signers?.length) return { status: 400, json: { error: { error_msg: 'Must specify at least one signer', error_name: 'bad_request' } } };
          const signatureRequest: DropboxSignRequest = {
            signature_request_id: randomBytes(20).toString('hex'),
            title: input.title ?? '',
            subject: input.subject ?? '',
            is_complete: false,
            is_declined: false,
            created_at: Math.floor(Date.now() / 1000),
            signatures: input.signers.map((signer) => ({
              signature_id: randomBytes(16).toString('hex'),
              signer_email_address: signer.email_address,
              signer_name: signer.name,
              status_code: 'awaiting_signature',
              signed_at: null,
            })),
          };
          signatureRequests.set(signatureRequest.signature_request_id, signatureRequest);
          return { json: { signature_request: signatureRequest } };
        },
      },
      {
        method: 'GET',
        path: '/v3/signature_request/:id',
        handler: (request) => {
          const signatureRequest = signatureRequests.get(request.params.id ?? '');
          return signatureRequest ? { json: { signature_request: signatureRequest } } : notFound;
        },
      },
    ],
  });

  function callback(eventType: string, signatureRequestId: string | null, eventTime = Math.floor(Date.now() / 1000)): SignedDelivery {
    const signatureRequest = signatureRequestId ? signatureRequests.get(signatureRequestId) : undefined;
    const payload = {
      event: {
        event_time: String(eventTime),
        event_type: eventType,
        event_hash: sign(apiKey, `${eventTime}${eventType}`, 'hex'),
        event_metadata: {
          related_signature_id: signatureRequest?.signatures[0]?.signature_id ?? null,
          reported_for_account_id: '63522885f9261e2b04eea043933ee7313eb674fd',
          reported_for_app_id: null,
          event_message: null,
        },
      },
      ...(signatureRequest ? { signature_request: signatureRequest } : {}),
    };
    const boundary = `----DropboxSignBoundary${randomBytes(8).toString('hex')}`;
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="json"\r\n\r\n${JSON.stringify(payload)}\r\n--${boundary}--\r\n`;
    return { headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'user-agent': 'HelloSign API' }, query: {}, body };
  }

  return {
    ...server,
    apiKey,
    signatureRequests,
    callback,
    signAll(signatureRequestId) {
      const signatureRequest = signatureRequests.get(signatureRequestId);
      if (!signatureRequest) throw new Error(`no signature request ${signatureRequestId}`);
      for (const signature of signatureRequest.signatures) {
        signature.status_code = 'signed';
        signature.signed_at = Math.floor(Date.now() / 1000);
      }
      signatureRequest.is_complete = true;
      return callback('signature_request_all_signed', signatureRequestId);
    },
    deliver: (url, delivery) => postWebhook(url, delivery),
  };
}
