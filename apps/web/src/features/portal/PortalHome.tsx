import { Link, useParams } from 'react-router';
import { formatDate } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Card, EmptyState, QueryState } from '../../ui/index.ts';
import { usePortal } from './PortalShell.tsx';

/** The client's home: what needs them (approvals, file requests) and what changed lately. */
export default function PortalHome() {
  const { slug = '' } = useParams();
  const me = usePortal();
  const home = trpc.portal.me.home.useQuery();
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold text-slate-900">Hello, {me.name}</h1>
      <QueryState query={home}>
        {(data) => {
          const waiting = data.needsMe.approvals.length + data.needsMe.fileRequests.length;
          return (
            <div className="grid gap-5">
              <Card title="Waiting for you">
                {waiting === 0 ? (
                  <EmptyState title="Nothing needs you right now" description="We will email you when something does." />
                ) : (
                  <ul className="divide-y divide-slate-100" data-testid="portal-needs-me">
                    {data.needsMe.approvals.map((item) => (
                      <li key={item.id} className="flex items-center gap-3 py-3">
                        <span className="flex-1 text-sm text-slate-900">Approve: {item.title}</span>
                        <Link className="text-sm font-medium underline" to={`/portal/${slug}/approvals`}>
                          Review
                        </Link>
                      </li>
                    ))}
                    {data.needsMe.fileRequests.map((item) => (
                      <li key={item.id} className="flex items-center gap-3 py-3">
                        <span className="flex-1 text-sm text-slate-900">
                          Files requested: {item.label} <span className="text-slate-500">(until {formatDate(item.expiresAt)})</span>
                        </span>
                        <Link className="text-sm font-medium underline" to={`/portal/${slug}/files`}>
                          Open
                        </Link>
                      </li>
                    ))}
                  </ul>
                )}
              </Card>
              <Card title="Recent updates">
                {data.recent.length === 0 ? (
                  <EmptyState title="No updates yet" />
                ) : (
                  <ul className="divide-y divide-slate-100">
                    {data.recent.map((item) => (
                      <li key={`${item.kind}-${item.title}-${String(item.at)}`} className="flex flex-wrap gap-2 py-2.5 text-sm">
                        <span className="flex-1 text-slate-900">{item.title}</span>
                        <span className="text-slate-500">{formatDate(item.at)}</span>
                      </li>
                    ))}
                  </ul>
                )}
              </Card>
              <p className="text-sm text-slate-500">
                {data.counts.projects} projects · {data.counts.files} shared files · {data.counts.approvals} approvals
              </p>
            </div>
          );
        }}
      </QueryState>
    </>
  );
}
