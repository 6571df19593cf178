import { randomUUID } from 'node:crypto';
import { postWebhook, startFakeServer, type FakeServer } from './fake-server.ts';
import { sign, type SignedDelivery } from './signing.ts';

/**
 * DocuSign eSignature REST v2.1 (envelopes create/get) and Connect: completing an envelope produces a
 * JSON SIM Connect event signed `X-DocuSign-Signature-1..N` (base64 HMAC-SHA256 of the body, one
 * header per active Connect HMAC key).
 */
export interface DocusignEnvelope {
  envelopeId: string;
  status: 'created' | 'sent' | 'delivered' | 'completed' | 'declined' | 'voided';
  emailSubject: string;
  recipients: unknown;
  createdDateTime: string;
  sentDateTime?: string;
  completedDateTime?: string;
  statusChangedDateTime: string;
}

export interface DocusignFake extends FakeServer {
  accountId: string;
  envelopes: Map<string, DocusignEnvelope>;
  /** The account's Connect HMAC keys (each signs one X-DocuSign-Signature-N header). */
  hmacKeys: string[];
  /** Moves an envelope to a new status and returns the Connect event DocuSign would post. */
  transition(envelopeId: string, status: DocusignEnvelope['status']): SignedDelivery;
  connectEvent(envelopeId: string, event: string): SignedDelivery;
  deliver(url: string, delivery: SignedDelivery): ReturnType<typeof postWebhook>;
}

export async function startDocusignFake(options: { accountId?: string; hmacKeys?: string[] } = {}): Promise<DocusignFake> {
  const accountId = options.accountId ?? randomUUID();
  const envelopes = new Map<string, DocusignEnvelope>();
  const hmacKeys = options.hmacKeys ?? ['docusign-connect-key'];
  const base = '/restapi/v2.1/accounts/:accountId/envelopes';
  const server = await startFakeServer({
    unauthorized: { status: 401, json: { errorCode: 'USER_AUTHENTICATION_FAILED', message: 'One or both of Username and Password are invalid.' } },
    routes: [
      {
        method: 'POST',
        path: base,
        handler(request) {
          const input = request.json<{ emailSubject?: string; status?: string; recipients?: unknown }>();
          const now = new Date().toISOString();
          const envelope: DocusignEnvelope = {
            envelopeId: randomUUID(),
            status: input.status === 'sent' ? 'sent' : 'created',
            emailSubject: input.emailSubject ?? '',
            recipients: input.recipients ?? {},
            createdDateTime: now,
            statusChangedDateTime: now,
            ...(input.status === 'sent' ? { sentDateTime: now } : {}),
          };
          envelopes.set(envelope.envelopeId, envelope);
          return {
            status: 201,
            json: { envelopeId: envelope.envelopeId, uri: `/envelopes/${envelope.envelopeId}`, statusDateTime: now, status: envelope.status },
          };
        },
      },
      {
        method: 'GET',
        path: `${base}/:envelopeId`,
        handler(request) {
          const envelope = envelopes.get(request.params.envelopeId ?? '');
          if (!envelope)
            return {
              status: 404,
              json: { errorCode: 'ENVELOPE_DOES_NOT_EXIST', message: 'The envelope specified either does not exist or you have no rights to it.' },
            };
          return { json: { ...envelope, envelopeUri: `/envelopes/${envelope.envelopeId}` } };
        },
      },
    ],
  });

  function connectEvent(envelopeId: string, event: string): SignedDelivery {
    const envelope = envelopes.get(envelopeId);
    const body = JSON.stringify({
      event,
      apiVersion: 'v2.1',
      uri: `/restapi/v2.1/accounts/${accountId}/envelopes/${envelopeId}`,
      retryCount: 0,
      configurationId: 10_000_001,
      generatedDateTime: new Date().toISOString(),
      data: { accountId, userId: randomUUID(), envelopeId, envelopeSummary: envelope ?? null },
    });
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    hmacKeys.forEach((key, index) => {
      headers[`x-docusign-signature-${index + 1}`] = sign(key, body, 'base64');
    });
    return { headers, query: {}, body };
  }

  return {
    ...server,
    accountId,
    envelopes,
    hmacKeys,
    connectEvent,
    transition(envelopeId, status) {
      const envelope = envelopes.get(envelopeId);
      if (!envelope) throw new Error(`no envelope ${envelopeId}`);
      const now = new Date().toISOString();
      envelope.status = status;
      envelope.statusChangedDateTime = now;
      if (status === 'completed') envelope.completedDateTime = now;
      return connectEvent(envelopeId, `envelope-${status}`);
    },
    deliver: (url, delivery) => postWebhook(url, delivery),
  };
}
