import { formatDateTime, formatRelative } from '../../lib/format.ts';
import type { RouterOutputs } from '../../trpc.ts';
import { trpc } from '../../trpc.ts';
import { EmptyState } from '../../ui/index.ts';
import { ClientName } from '../clients/ClientName.tsx';

export type TimelineEntry = RouterOutputs['timeline']['list']['items'][number];

const dot: Record<string, string> = {
  crm: 'bg-indigo-500',
  projects: 'bg-emerald-500',
  identity: 'bg-slate-400',
  workflow: 'bg-amber-500',
  portal: 'bg-teal-500',
};

/**
 * Who acted: a member of the organization by name, or — on the client portal's events, whose actor
 * is the portal user (not a member) — the client's person named in the payload, marked as such.
 */
function actorLabel(entry: TimelineEntry, names: Map<string, string>): string {
  if (!entry.actorId) return 'System';
  const member = names.get(entry.actorId);
  if (member) return member;
  if (entry.actorName) return entry.actorName; // an API key, by its name
  if (entry.type.startsWith('portal.')) {
    const named = entry.payload.portal_user_name ?? (entry.payload.portal_user_id === entry.actorId ? entry.payload.name : undefined);
    if (typeof named === 'string' && named) return `${named} (client portal)`;
  }
  return 'Someone';
}

export function TimelineList({ entries, showClient = true }: { entries: TimelineEntry[]; showClient?: boolean }) {
  const members = trpc.identity.members.list.useQuery(undefined, { staleTime: 300_000 });
  const names = new Map((members.data ?? []).map((m) => [m.userId, m.name]));
  if (entries.length === 0) return <EmptyState title="No activity yet" description="Changes to clients, deals and projects appear here." />;
  return (
    <ol className="relative px-4 py-3" data-testid="timeline">
      {entries.map((e, i) => {
        const domain = e.type.split('.')[0] ?? '';
        return (
          <li key={e.id} className="relative flex gap-3 pb-4 last:pb-0" data-event-type={e.type}>
            {i < entries.length - 1 ? <span className="absolute top-3 left-[5px] h-full w-px bg-slate-200" aria-hidden="true" /> : null}
            <span className={`relative mt-1.5 size-2.5 shrink-0 rounded-full ring-4 ring-white ${dot[domain] ?? 'bg-slate-400'}`} />
            <div className="min-w-0 flex-1 text-sm">
              <p className="text-slate-800">
                {e.summary}
                {showClient && e.clientId ? (
                  <>
                    <span className="text-slate-400"> · </span>
                    <ClientName id={e.clientId} />
                  </>
                ) : null}
              </p>
              <p className="mt-0.5 text-xs text-slate-500" title={formatDateTime(e.occurredAt)}>
                {`${actorLabel(e, names)} · `}
                {formatRelative(e.occurredAt)} · <span className="font-mono">{e.type}</span>
              </p>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
