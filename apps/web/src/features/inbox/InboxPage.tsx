import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { trpc } from '../../trpc.ts';
import { Button, EmptyState, PageHeader, QueryState, Select } from '../../ui/index.ts';
import { Composer } from './Composer.tsx';
import { ThreadList } from './ThreadList.tsx';
import { ThreadView } from './ThreadView.tsx';

type Filter = 'all' | 'unlinked' | 'linked';

/** Inbox: my threads (all / not on a client / on a client), the selected thread beside them. */
export default function InboxPage() {
  const { id } = useParams();
  const [params, setParams] = useSearchParams();
  const filter = (params.get('filter') as Filter | null) ?? 'all';
  const canUse = useCan('communications.mailbox.use');
  const [composing, setComposing] = useState(false);
  const [pages, setPages] = useState<string[]>([]);
  const threads = trpc.communications.threads.list.useQuery({ filter, limit: 50, ...(pages.at(-1) ? { cursor: pages.at(-1) } : {}) }, { enabled: canUse });
  const accounts = trpc.communications.accounts.list.useQuery(undefined, { enabled: canUse });
  if (!canUse) return <EmptyState title="Email is not available to your role" description="Ask an administrator for access to mailboxes." />;
  return (
    <div>
      <PageHeader
        title="Inbox"
        subtitle="Mail of your connected mailboxes. Conversations with a client's contacts are filed on the client."
        actions={
          <Button variant="primary" onClick={() => setComposing(true)}>
            New email
          </Button>
        }
      />
      <div className="grid gap-4 lg:grid-cols-[minmax(18rem,24rem)_1fr]">
        <section className="rounded-lg border border-slate-200 bg-white" aria-label="Threads">
          <div className="flex items-center gap-2 border-b border-slate-100 p-2">
            <label htmlFor="inbox-filter" className="text-xs text-slate-500">
              Show
            </label>
            <Select
              id="inbox-filter"
              className="w-48"
              value={filter}
              onChange={(e) => {
                setPages([]);
                setParams(e.target.value === 'all' ? {} : { filter: e.target.value });
              }}
            >
              <option value="all">All threads</option>
              <option value="unlinked">Not on a client</option>
              <option value="linked">On a client</option>
            </Select>
          </div>
          <QueryState
            query={threads}
            isEmpty={(d) => d.items.length === 0}
            empty={
              accounts.data?.items.length === 0 ? (
                <EmptyState
                  title="No mailbox connected yet"
                  description="Connect your IMAP/SMTP mailbox and its mail appears here within a minute."
                  action={
                    <Link className="text-sm font-medium text-indigo-600" to="/settings?tab=mailboxes">
                      Connect a mailbox
                    </Link>
                  }
                />
              ) : (
                <EmptyState title={filter === 'unlinked' ? 'Every thread is on a client' : 'No threads here'} />
              )
            }
          >
            {(d) => (
              <>
                <ThreadList threads={d.items} selectedId={id} hrefFor={(threadId) => `/inbox/${threadId}${filter === 'all' ? '' : `?filter=${filter}`}`} />
                <div className="flex justify-between p-2">
                  <Button size="sm" variant="ghost" disabled={pages.length === 0} onClick={() => setPages(pages.slice(0, -1))}>
                    Newer
                  </Button>
                  <Button size="sm" variant="ghost" disabled={!d.nextCursor} onClick={() => d.nextCursor && setPages([...pages, d.nextCursor])}>
                    Older
                  </Button>
                </div>
              </>
            )}
          </QueryState>
        </section>
        <section aria-label="Thread">
          {id ? <ThreadView id={id} /> : <EmptyState title="Choose a thread" description="Its messages, attachments and clients show here." />}
        </section>
      </div>
      <Composer open={composing} onClose={() => setComposing(false)} />
    </div>
  );
}
