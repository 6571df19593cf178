import { useState } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Badge, Button, Card, Field, FormError, Input, QueryState, Textarea, useToast } from '../../ui/index.ts';
import { ClientName } from '../clients/ClientName.tsx';
import { ClientPicker } from '../clients/ClientPicker.tsx';

type Thread = RouterOutputs['communications']['threads']['get'];
type Message = Thread['messages'][number];

const statusTone = { queued: 'amber', sent: 'green', failed: 'rose' } as const;
const statusWords = { queued: 'Queued', sent: 'Sent', failed: 'Not sent' } as const;

/** Sanitised HTML (no scripts, remote images held back) shown in a sandboxed frame: no script runs even if one slipped through. */
function HtmlBody({ html }: { html: string }) {
  return (
    <iframe
      title="Message"
      sandbox=""
      srcDoc={`<!doctype html><meta charset="utf-8"><base target="_blank"><style>body{font:14px system-ui,sans-serif;color:#0f172a;margin:0}img{max-width:100%}</style>${html}`}
      className="h-72 w-full rounded border border-slate-100 bg-white"
    />
  );
}

type ComposeMode = 'reply' | 'all' | 'forward';

function MessageCard({ message, onCompose }: { message: Message; onCompose?: (message: Message, mode: ComposeMode) => void }) {
  return (
    <article
      className="rounded-lg border border-slate-200 bg-white p-3"
      data-testid="email-message"
      aria-label={`Message from ${message.from?.address ?? 'unknown'}`}
    >
      <header className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
        <div className="min-w-0">
          <span className="font-medium text-slate-900">{message.from?.name ?? message.from?.address ?? 'Unknown sender'}</span>
          {message.from?.name ? <span className="ml-1 text-slate-500">&lt;{message.from.address}&gt;</span> : null}
          <div className="truncate text-xs text-slate-500">
            To {message.to.join(', ') || '—'}
            {message.cc.length > 0 ? ` · Cc ${message.cc.join(', ')}` : ''}
          </div>
        </div>
        <div className="flex items-center gap-2 text-xs text-slate-500">
          {message.sendStatus ? (
            <span data-testid="send-status">
              <Badge tone={statusTone[message.sendStatus]}>{statusWords[message.sendStatus]}</Badge>
            </span>
          ) : null}
          {message.deletedOnServer ? <Badge tone="amber">Deleted on the server</Badge> : null}
          <time dateTime={new Date(message.sentAt).toISOString()}>{formatDateTime(message.sentAt)}</time>
        </div>
      </header>
      {message.sendStatus === 'failed' && message.sendError ? (
        <p className="mt-2 rounded bg-rose-50 px-2 py-1 text-sm text-rose-700" role="alert">
          The mail server did not accept this message: {message.sendError}
        </p>
      ) : null}
      <div className="mt-2">
        {message.html ? <HtmlBody html={message.html} /> : <pre className="font-sans text-sm whitespace-pre-wrap text-slate-800">{message.text}</pre>}
      </div>
      {message.attachments.length > 0 ? (
        <ul className="mt-2 flex flex-wrap gap-2" aria-label="Attachments">
          {message.attachments.map((file) => (
            <li key={file.id}>
              {file.url ? (
                <a
                  className="inline-flex items-center gap-1 rounded bg-slate-100 px-2 py-1 text-xs text-slate-700 hover:bg-slate-200"
                  href={file.url}
                  download={file.filename}
                >
                  {file.filename} ({Math.max(1, Math.round(file.size / 1024))} KB) · Download
                </a>
              ) : (
                <span className="text-xs text-slate-500">{file.filename} (download unavailable)</span>
              )}
            </li>
          ))}
        </ul>
      ) : null}
      {onCompose ? (
        <div className="mt-2 flex gap-2">
          {message.direction === 'inbound' ? (
            <>
              <Button size="sm" onClick={() => onCompose(message, 'reply')}>
                Reply
              </Button>
              <Button size="sm" variant="ghost" onClick={() => onCompose(message, 'all')}>
                Reply all
              </Button>
            </>
          ) : null}
          <Button size="sm" variant="ghost" onClick={() => onCompose(message, 'forward')}>
            Forward
          </Button>
        </div>
      ) : null}
    </article>
  );
}

function LinkControl({ thread }: { thread: Thread }) {
  const utils = trpc.useUtils();
  const toast = useToast();
  const [clientId, setClientId] = useState<string | null>(null);
  const done = (words: string) => () => {
    void utils.communications.threads.get.invalidate({ id: thread.id });
    void utils.communications.threads.list.invalidate();
    toast(words);
  };
  const link = trpc.communications.threads.link.useMutation({ onSuccess: done('Linked to the client'), onError: (e) => toast(errorMessage(e), 'error') });
  const unlink = trpc.communications.threads.unlink.useMutation({
    onSuccess: done('Removed from the client'),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  return (
    <div className="space-y-2 p-3" data-testid="thread-links">
      {thread.links.length === 0 ? (
        <p className="text-sm text-slate-500">
          {thread.internal ? 'Internal mail: only staff take part, so it is not on a client.' : 'Not on a client: only you see it.'}
        </p>
      ) : (
        <ul className="flex flex-wrap gap-2">
          {thread.links.map((l) => (
            <li key={l.clientId} className="inline-flex items-center gap-1 rounded-full bg-indigo-50 px-2 py-0.5 text-sm text-indigo-800">
              <Link to={`/clients/${l.clientId}?tab=emails`}>
                <ClientName id={l.clientId} link={false} />
              </Link>
              <span className="text-xs text-indigo-500">{l.source === 'auto' ? '(a contact takes part)' : ''}</span>
              <button
                type="button"
                className="ml-1 text-xs text-indigo-600 hover:text-rose-600"
                aria-label="Remove from this client"
                onClick={() => unlink.mutate({ threadId: thread.id, clientId: l.clientId })}
              >
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="flex items-end gap-2">
        <Field label="Link to a client" className="flex-1">
          <ClientPicker value={clientId} onChange={setClientId} />
        </Field>
        <Button disabled={!clientId} loading={link.isPending} onClick={() => clientId && link.mutate({ threadId: thread.id, clientId })}>
          Link
        </Button>
      </div>
    </div>
  );
}

function ReplyBox({ message, all, onDone }: { message: Message; all: boolean; onDone: () => void }) {
  const utils = trpc.useUtils();
  const toast = useToast();
  const [text, setText] = useState('');
  const reply = trpc.communications.messages.reply.useMutation({
    onSuccess: (result) => {
      void utils.communications.threads.get.invalidate({ id: result.threadId });
      toast('Reply queued: it is sent in a moment');
      onDone();
    },
  });
  return (
    <form
      className="space-y-2 rounded-lg border border-indigo-200 bg-indigo-50/40 p-3"
      onSubmit={(event) => {
        event.preventDefault();
        reply.mutate({ messageId: message.id, replyAll: all, text });
      }}
    >
      <Field label={all ? 'Reply to everyone' : `Reply to ${message.from?.address ?? 'the sender'}`} name="text" error={reply.error}>
        <Textarea rows={5} value={text} onChange={(e) => setText(e.target.value)} autoFocus />
      </Field>
      <FormError error={reply.error} fields={['text']} />
      <div className="flex gap-2">
        <Button type="submit" variant="primary" loading={reply.isPending}>
          Send reply
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function ForwardBox({ message, onDone }: { message: Message; onDone: () => void }) {
  const utils = trpc.useUtils();
  const toast = useToast();
  const [to, setTo] = useState('');
  const [text, setText] = useState('');
  const forward = trpc.communications.messages.forward.useMutation({
    onSuccess: (result) => {
      void utils.communications.threads.invalidate();
      toast('Forward queued: it is sent in a moment');
      onDone();
    },
  });
  const recipients = to
    .split(/[,;\s]+/)
    .map((address) => address.trim())
    .filter(Boolean);
  return (
    <form
      className="space-y-2 rounded-lg border border-indigo-200 bg-indigo-50/40 p-3"
      onSubmit={(event) => {
        event.preventDefault();
        forward.mutate({ messageId: message.id, to: recipients, text });
      }}
    >
      <Field label="Forward to" name="to" error={forward.error} hint="One or more addresses, separated by commas">
        <Input value={to} onChange={(e) => setTo(e.target.value)} autoFocus inputMode="email" />
      </Field>
      <Field label="Note (optional)" name="text" error={forward.error}>
        <Textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      </Field>
      {message.attachments.length > 0 ? (
        <p className="text-xs text-slate-600">Goes with {message.attachments.map((file) => file.filename).join(', ')}.</p>
      ) : null}
      <FormError error={forward.error} fields={['to', 'text']} />
      <div className="flex gap-2">
        <Button type="submit" variant="primary" loading={forward.isPending}>
          Send forward
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

export function ThreadView({ id }: { id: string }) {
  const [remote, setRemote] = useState(false);
  const [replying, setReplying] = useState<{ message: Message; mode: ComposeMode } | null>(null);
  // While a message is queued, look again every few seconds: queued → sent / failed.
  const thread = trpc.communications.threads.get.useQuery(
    { id, showRemoteImages: remote },
    { refetchInterval: (query) => (query.state.data?.messages.some((m) => m.sendStatus === 'queued') ? 2000 : false) },
  );
  return (
    <QueryState query={thread}>
      {(t) => (
        <div className="space-y-3" data-testid="thread-view">
          <h2 className="text-lg font-semibold text-slate-900">{t.subject}</h2>
          <Card title="Clients">
            <LinkControl thread={t} />
          </Card>
          {t.messages.some((m) => m.remoteImages > 0) && !remote ? (
            <p className="flex items-center gap-2 rounded bg-amber-50 px-3 py-2 text-sm text-amber-800">
              Remote images are hidden (they can tell the sender you read this).
              <Button size="sm" onClick={() => setRemote(true)}>
                Show images
              </Button>
            </p>
          ) : null}
          {t.messages.map((message) => (
            <div key={message.id} className="space-y-2">
              <MessageCard message={message} {...(t.mine ? { onCompose: (m: Message, mode: ComposeMode) => setReplying({ message: m, mode }) } : {})} />
              {replying?.message.id === message.id && replying.mode === 'forward' ? <ForwardBox message={message} onDone={() => setReplying(null)} /> : null}
              {replying?.message.id === message.id && replying.mode !== 'forward' ? (
                <ReplyBox message={message} all={replying.mode === 'all'} onDone={() => setReplying(null)} />
              ) : null}
            </div>
          ))}
        </div>
      )}
    </QueryState>
  );
}
