import { Link } from 'react-router';
import { cn } from '../../lib/cn.ts';
import { formatRelative } from '../../lib/format.ts';
import type { RouterOutputs } from '../../trpc.ts';
import { Badge } from '../../ui/index.ts';

export type ThreadSummary = RouterOutputs['communications']['threads']['list']['items'][number];

/** Threads newest first; each row links to the thread view. */
export function ThreadList({
  threads,
  selectedId,
  hrefFor,
}: {
  threads: readonly ThreadSummary[];
  selectedId?: string | undefined;
  hrefFor: (id: string) => string;
}) {
  return (
    <ul className="divide-y divide-slate-100" aria-label="Email threads" data-testid="thread-list">
      {threads.map((thread) => (
        <li key={thread.id}>
          <Link
            to={hrefFor(thread.id)}
            className={cn('block px-3 py-2.5 hover:bg-slate-50 focus:bg-indigo-50 focus:outline-none', thread.id === selectedId && 'bg-indigo-50')}
            aria-current={thread.id === selectedId ? 'true' : undefined}
          >
            <div className="flex items-baseline justify-between gap-2">
              <span className="truncate text-sm font-medium text-slate-900">{thread.subject}</span>
              <span className="shrink-0 text-xs text-slate-500">{formatRelative(thread.lastMessageAt)}</span>
            </div>
            <div className="mt-0.5 flex items-center gap-2 text-xs text-slate-500">
              <span className="truncate">{thread.participants.slice(0, 3).join(', ')}</span>
              {thread.messageCount > 1 ? <span className="shrink-0">· {thread.messageCount}</span> : null}
              {thread.clientIds.length > 0 ? <Badge tone="indigo">On a client</Badge> : thread.internal ? <Badge>Internal</Badge> : null}
            </div>
            <p className="mt-0.5 truncate text-xs text-slate-400">{thread.snippet}</p>
          </Link>
        </li>
      ))}
    </ul>
  );
}
