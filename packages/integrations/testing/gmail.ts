import { startFakeServer, fakeId, type FakeReply, type FakeServer } from './fake-server.ts';

/**
 * Gmail API v1 under `/gmail/v1/users/{userId}` (`me`): profile, messages.list/get (formats full,
 * metadata, minimal, raw), messages.send (`{ raw }` base64url RFC 822), history.list from a
 * `startHistoryId` (404 once that id is older than the retained history, as Gmail answers after
 * about a week) and watch (Pub/Sub topic; `pubsubPush` builds the push body Gmail's topic sends).
 */
export interface GmailMessage {
  id: string;
  threadId: string;
  labelIds: string[];
  snippet: string;
  historyId: string;
  internalDate: string;
  headers: { name: string; value: string }[];
  text: string;
}

export interface GmailFake extends FakeServer {
  emailAddress: string;
  messages: Map<string, GmailMessage>;
  historyId(): number;
  /** A message arrives in the inbox (one new history record). */
  receive(input: { from: string; subject: string; text: string; threadId?: string }): GmailMessage;
  /** Forget all history before now: a sync from an older startHistoryId gets 404. */
  expireHistory(): void;
  watch: { topicName: string; labelIds: string[] } | null;
  /** The Pub/Sub push body for the current history id. */
  pubsubPush(): { message: { data: string; messageId: string; publishTime: string }; subscription: string };
}

const base64url = (text: string) => Buffer.from(text).toString('base64url');
const notFound: FakeReply = {
  status: 404,
  json: {
    error: {
      code: 404,
      message: 'Requested entity was not found.',
      errors: [{ message: 'Requested entity was not found.', domain: 'global', reason: 'notFound' }],
      status: 'NOT_FOUND',
    },
  },
};

function parseRaw(raw: string): { headers: { name: string; value: string }[]; text: string } {
  const decoded = Buffer.from(raw, 'base64url').toString('utf8');
  const split = decoded.search(/\r?\n\r?\n/);
  const head = split < 0 ? decoded : decoded.slice(0, split);
  const headers = head
    .split(/\r?\n(?![ \t])/)
    .map((line) => line.split(/:(.*)/s))
    .filter((parts) => parts.length >= 2)
    .map(([name = '', value = '']) => ({ name: name.trim(), value: value.trim() }));
  return { headers, text: split < 0 ? '' : decoded.slice(split).replace(/^\r?\n\r?\n/, '') };
}

export async function startGmailFake(options: { emailAddress?: string } = {}): Promise<GmailFake> {
  const emailAddress = options.emailAddress ?? 'owner@example.com';
  const messages = new Map<string, GmailMessage>();
  const history: { id: number; messagesAdded: { message: { id: string; threadId: string; labelIds: string[] } }[] }[] = [];
  let historyId = 1000;
  let oldestHistoryId = historyId;
  let watch: GmailFake['watch'] = null;

  function add(input: { headers: { name: string; value: string }[]; text: string; labelIds: string[]; threadId?: string }): GmailMessage {
    historyId += 1;
    const id = fakeId('18c');
    const message: GmailMessage = {
      id,
      threadId: input.threadId ?? id,
      labelIds: input.labelIds,
      snippet: input.text.slice(0, 100),
      historyId: String(historyId),
      internalDate: String(Date.now()),
      headers: input.headers,
      text: input.text,
    };
    messages.set(id, message);
    history.push({ id: historyId, messagesAdded: [{ message: { id, threadId: message.threadId, labelIds: message.labelIds } }] });
    return message;
  }

  function render(message: GmailMessage, format: string): Record<string, unknown> {
    const common = {
      id: message.id,
      threadId: message.threadId,
      labelIds: message.labelIds,
      snippet: message.snippet,
      historyId: message.historyId,
      internalDate: message.internalDate,
    };
    if (format === 'minimal') return common;
    if (format === 'raw') {
      const raw = `${message.headers.map((header) => `${header.name}: ${header.value}`).join('\r\n')}\r\n\r\n${message.text}`;
      return { ...common, raw: base64url(raw), sizeEstimate: raw.length };
    }
    const payload = {
      partId: '',
      mimeType: 'text/plain',
      filename: '',
      headers: message.headers,
      body: format === 'metadata' ? { size: message.text.length } : { size: message.text.length, data: base64url(message.text) },
    };
    return { ...common, payload, sizeEstimate: message.text.length };
  }

  const server = await startFakeServer({
    unauthorized: {
      status: 401,
      json: {
        error: {
          code: 401,
          message: 'Request had invalid authentication credentials.',
          errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError' }],
          status: 'UNAUTHENTICATED',
        },
      },
    },
    routes: [
      {
        method: 'GET',
        path: '/gmail/v1/users/:userId/profile',
        handler: () => ({ json: { emailAddress, messagesTotal: messages.size, threadsTotal: messages.size, historyId: String(historyId) } }),
      },
      {
        method: 'GET',
        path: '/gmail/v1/users/:userId/messages',
        handler(request) {
          const label = request.query.get('labelIds');
          const all = [...messages.values()].filter((message) => !label || message.labelIds.includes(label)).reverse();
          const max = Math.min(Number(request.query.get('maxResults') ?? 100), 500);
          const offset = Number(request.query.get('pageToken') ?? 0);
          const page = all.slice(offset, offset + max);
          return {
            json: {
              messages: page.map((message) => ({ id: message.id, threadId: message.threadId })),
              ...(offset + max < all.length ? { nextPageToken: String(offset + max) } : {}),
              resultSizeEstimate: all.length,
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/gmail/v1/users/:userId/messages/:id',
        handler(request) {
          const message = messages.get(request.params.id ?? '');
          return message ? { json: render(message, request.query.get('format') ?? 'full') } : notFound;
        },
      },
      {
        method: 'POST',
        path: '/gmail/v1/users/:userId/messages/send',
        handler(request) {
          const input = request.json<{ raw?: string; threadId?: string }>();
          if (!input.raw)
            return {
              status: 400,
              json: {
                error: {
                  code: 400,
                  message: "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
                  status: 'INVALID_ARGUMENT',
                },
              },
            };
          const parsed = parseRaw(input.raw);
          const message = add({ ...parsed, labelIds: ['SENT'], ...(input.threadId ? { threadId: input.threadId } : {}) });
          return { json: { id: message.id, threadId: message.threadId, labelIds: message.labelIds } };
        },
      },
      {
        method: 'GET',
        path: '/gmail/v1/users/:userId/history',
        handler(request) {
          const start = Number(request.query.get('startHistoryId'));
          if (!Number.isFinite(start) || start <= 0)
            return { status: 400, json: { error: { code: 400, message: 'Invalid startHistoryId', status: 'INVALID_ARGUMENT' } } };
          if (start < oldestHistoryId) return notFound;
          const records = history
            .filter((record) => record.id > start)
            .map((record) => ({ id: String(record.id), messages: record.messagesAdded.map((added) => added.message), messagesAdded: record.messagesAdded }));
          return { json: { ...(records.length > 0 ? { history: records } : {}), historyId: String(historyId) } };
        },
      },
      {
        method: 'POST',
        path: '/gmail/v1/users/:userId/watch',
        handler(request) {
          const input = request.json<{ topicName?: string; labelIds?: string[] }>();
          if (!input.topicName) return { status: 400, json: { error: { code: 400, message: 'Invalid topicName', status: 'INVALID_ARGUMENT' } } };
          watch = { topicName: input.topicName, labelIds: input.labelIds ?? [] };
          return { json: { historyId: String(historyId), expiration: String(Date.now() + 7 * 24 * 3600 * 1000) } };
        },
      },
    ],
  });

  return {
    ...server,
    emailAddress,
    messages,
    historyId: () => historyId,
    get watch() {
      return watch;
    },
    receive(input) {
      return add({
        headers: [
          { name: 'From', value: input.from },
          { name: 'To', value: emailAddress },
          { name: 'Subject', value: input.subject },
          { name: 'Date', value: new Date().toUTCString() },
          { name: 'Message-ID', value: `<${fakeId()}@mail.example>` },
        ],
        text: input.text,
        labelIds: ['INBOX', 'UNREAD'],
        ...(input.threadId ? { threadId: input.threadId } : {}),
      });
    },
    expireHistory() {
      oldestHistoryId = historyId;
    },
    pubsubPush() {
      return {
        message: {
          data: Buffer.from(JSON.stringify({ emailAddress, historyId })).toString('base64'),
          messageId: fakeId(),
          publishTime: new Date().toISOString(),
        },
        subscription: 'projects/ubos-test/subscriptions/gmail-push',
      };
    },
  };
}
