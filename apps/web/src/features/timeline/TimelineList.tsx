import { Link } from 'react-router';
import { formatRelative, humanize } from '../../lib/format.ts';
import { EmptyState } from '../../ui/index.ts';

export interface TimelineEntryLike {
  id: string;
  type?: string;
  eventType?: string;
  summary?: string | null;
  title?: string | null;
  actorName?: string | null;
  occurredAt?: string | Date;
  clientId?: string | null;
  clientName?: string | null;
}

const dot: Record<string, string> = {
  crm: 'bg-indigo-500',
  projects: 'bg-emerald-500',
  identity: 'bg-slate-400',
  workflow: 'bg-amber-500',
};

export function TimelineList({ entries, showClient = true }: { entries: TimelineEntryLike[]; showClient?: boolean }) {
  if (entries.length === 0) return <EmptyState title="No activity yet" description="Changes to clients, deals and projects appear here." />;
  return (
    <ol className="relative px-4 py-3" data-testid="timeline">
      {entries.map((e, i) => {
        const type = e.type ?? e.eventType ?? '';
        const domain = type.split('.')[0] ?? '';
        return (
          <li key={e.id} className="relative flex gap-3 pb-4 last:pb-0">
            {i < entries.length - 1 ? <span className="absolute top-3 left-[5px] h-full w-px bg-slate-200" aria-hidden="true" /> : null}
            <span className={`relative mt-1.5 size-2.5 shrink-0 rounded-full ring-4 ring-white ${dot[domain] ?? 'bg-slate-400'}`} />
            <div className="min-w-0 flex-1 text-sm">
              <p className="text-slate-800">
                {e.summary ?? e.title ?? humanize(type)}
                {showClient && e.clientId && e.clientName ? (
                  <>
                    {' · '}
                    <Link to={`/clients/${e.clientId}`} className="font-medium text-indigo-600 hover:underline">
                      {e.clientName}
                    </Link>
                  </>
                ) : null}
              </p>
              <p className="mt-0.5 text-xs text-slate-500">
                {e.actorName ? `${e.actorName} · ` : ''}
                {formatRelative(e.occurredAt)} · <span className="font-mono">{type}</span>
              </p>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
