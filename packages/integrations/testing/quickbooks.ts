import { postWebhook, startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from './fake-server.ts';
import { sign, type SignedDelivery } from './signing.ts';

/**
 * QuickBooks Online Accounting API v3 under `/v3/company/{realmId}`: customer, invoice, bill and
 * payment create (POST) and read (GET /{entity}/{id}), change data capture (`/cdc?entities=&changedSince=`)
 * and the `requestid` query parameter: a write repeated with the same requestid answers the original
 * response and creates nothing. Webhooks are signed `intuit-signature` (base64 HMAC-SHA256 of the body
 * under the verifier token).
 */
const ENTITIES = { customer: 'Customer', invoice: 'Invoice', bill: 'Bill', payment: 'Payment' } as const;
type EntityPath = keyof typeof ENTITIES;
export type QuickbooksEntityName = (typeof ENTITIES)[EntityPath];

export interface QuickbooksRecord {
  Id: string;
  SyncToken: string;
  MetaData: { CreateTime: string; LastUpdatedTime: string };
  [field: string]: unknown;
}

export interface QuickbooksFake extends FakeServer {
  realmId: string;
  verifierToken: string;
  entities: Record<QuickbooksEntityName, Map<string, QuickbooksRecord>>;
  /** Writes that actually created something (a replayed requestid does not count). */
  created: { entity: QuickbooksEntityName; id: string; requestId: string | null }[];
  /** The webhook QuickBooks would send for these changes (classic eventNotifications format). */
  webhook(changes: { name: QuickbooksEntityName; id: string; operation: 'Create' | 'Update' | 'Delete' | 'Merge' | 'Void' }[]): SignedDelivery;
  deliver(url: string, delivery: SignedDelivery): ReturnType<typeof postWebhook>;
}

export async function startQuickbooksFake(options: { realmId?: string; verifierToken?: string } = {}): Promise<QuickbooksFake> {
  const realmId = options.realmId ?? '9130350000000001';
  const verifierToken = options.verifierToken ?? 'quickbooks-verifier-token';
  const entities: QuickbooksFake['entities'] = { Customer: new Map(), Invoice: new Map(), Bill: new Map(), Payment: new Map() };
  const created: QuickbooksFake['created'] = [];
  const byRequestId = new Map<string, FakeReply>();
  let nextId = 100;
  const time = () => new Date().toISOString();
  const fault = (status: number, code: string, message: string, detail: string): FakeReply => ({
    status,
    json: { Fault: { Error: [{ Message: message, Detail: detail, code }], type: status === 400 ? 'ValidationFault' : 'SystemFault' }, time: time() },
  });

  const routes = (Object.keys(ENTITIES) as EntityPath[]).flatMap((path) => {
    const name = ENTITIES[path];
    return [
      {
        method: 'POST',
        path: `/v3/company/:realmId/${path}`,
        handler(request: FakeRequest): FakeReply {
          if (request.params.realmId !== realmId) return fault(403, '3100', 'ApplicationAuthorizationFailed', 'realm mismatch');
          const requestId = request.query.get('requestid');
          const replay = requestId ? byRequestId.get(requestId) : undefined;
          if (replay) return replay;
          const input = request.json();
          if (name === 'Customer' && !input.DisplayName)
            return fault(400, '2020', 'Required param missing, need to supply the required value for the API', 'Required parameter DisplayName is missing');
          const now = time();
          const record: QuickbooksRecord = { ...input, Id: String(nextId++), SyncToken: '0', MetaData: { CreateTime: now, LastUpdatedTime: now } };
          entities[name].set(record.Id, record);
          created.push({ entity: name, id: record.Id, requestId });
          const reply: FakeReply = { json: { [name]: record, time: now } };
          if (requestId) byRequestId.set(requestId, reply);
          return reply;
        },
      },
      {
        method: 'GET',
        path: `/v3/company/:realmId/${path}/:id`,
        handler(request: FakeRequest): FakeReply {
          const record = entities[name].get(request.params.id ?? '');
          if (!record)
            return fault(
              400,
              '610',
              'Object Not Found',
              `Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.`,
            );
          return { json: { [name]: record, time: time() } };
        },
      },
    ];
  });

  const server = await startFakeServer({
    unauthorized: {
      status: 401,
      json: {
        fault: {
          error: [{ message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', detail: 'Token expired', code: '3200' }],
          type: 'AUTHENTICATION',
        },
      },
    },
    routes: [
      ...routes,
      {
        method: 'GET',
        path: '/v3/company/:realmId/cdc',
        handler(request) {
          const names = (request.query.get('entities') ?? '').split(',').map((entity) => entity.trim());
          const since = Date.parse(request.query.get('changedSince') ?? '');
          if (Number.isNaN(since)) return fault(400, '2030', 'Invalid query', 'changedSince is required');
          const QueryResponse = names
            .filter((entity): entity is QuickbooksEntityName => entity in entities)
            .map((entity) => {
              const changed = [...entities[entity].values()].filter((record) => Date.parse(record.MetaData.LastUpdatedTime) >= since);
              return { [entity]: changed, startPosition: 1, maxResults: changed.length, totalCount: changed.length };
            });
          return { json: { CDCResponse: [{ QueryResponse }], time: time() } };
        },
      },
    ],
  });

  return {
    ...server,
    realmId,
    verifierToken,
    entities,
    created,
    webhook(changes) {
      const body = JSON.stringify({
        eventNotifications: [
          {
            realmId,
            dataChangeEvent: {
              entities: changes.map((change) => ({
                name: change.name,
                id: change.id,
                operation: change.operation,
                lastUpdated: entities[change.name].get(change.id)?.MetaData.LastUpdatedTime ?? time(),
              })),
            },
          },
        ],
      });
      return { headers: { 'content-type': 'application/json', 'intuit-signature': sign(verifierToken, body, 'base64') }, query: {}, body };
    },
    deliver: (url, delivery) => postWebhook(url, delivery),
  };
}
