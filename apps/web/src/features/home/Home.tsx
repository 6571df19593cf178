import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useCan, useMe } from '../../app/session.tsx';
import { isMissingProcedure } from '../../lib/errors.ts';
import { formatDate, formatMoney } from '../../lib/format.ts';
import { useTimeline } from '../../lib/timeline.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Card, EmptyState, ErrorState, PageHeader, SkeletonRows } from '../../ui/index.ts';
import { TimelineList } from '../timeline/TimelineList.tsx';

interface Q {
  isPending: boolean;
  error: unknown;
  refetch: () => unknown;
}

/** A home section that disappears when its domain is not deployed (procedure missing). */
function Section({ query, title, actions, children }: { query: Q; title: string; actions?: ReactNode; children: ReactNode }) {
  if (query.error && isMissingProcedure(query.error)) return null;
  return (
    <Card title={title} actions={actions}>
      {query.isPending ? <SkeletonRows rows={4} cols={2} /> : query.error ? <ErrorState error={query.error} onRetry={() => void query.refetch()} /> : children}
    </Card>
  );
}

export default function HomePage() {
  const me = useMe();
  const canTasks = useCan('projects.project.read');
  const canDeals = useCan('crm.deal.read');
  const canTimeline = useCan('timeline.read');
  const tasks = trpc.projects.tasks.mine.useQuery({ limit: 10 }, { enabled: canTasks });
  const pipeline = trpc.crm.deals.board.useQuery(undefined, { enabled: canDeals });
  const summary = pipeline.data
    ? pipeline.data.pipeline.stages
        .filter((s) => s.kind === 'open')
        .map((s) => {
          const deals = pipeline.data.columns.find((c) => c.stageId === s.id)?.deals ?? [];
          return { stageId: s.id, name: s.name, count: deals.length, valueMinor: deals.reduce((n, d) => n + d.valueMinor, 0), currency: deals[0]?.currency };
        })
    : [];
  const activity = useTimeline({ limit: 15 }, { enabled: canTimeline });
  const hour = new Date().getHours();
  const greeting = hour < 12 ? 'Good morning' : hour < 18 ? 'Good afternoon' : 'Good evening';
  return (
    <>
      <PageHeader title={`${greeting}, ${me.user.name.split(' ')[0]}`} subtitle={`${me.activeOrganization?.name} · ${me.role}`} />
      <div className="grid gap-5 lg:grid-cols-3">
        <div className="space-y-5 lg:col-span-2">
          {canTasks ? (
            <Section
              query={tasks}
              title="My open tasks"
              actions={
                <Link to="/projects" className="text-xs font-medium text-indigo-600">
                  All projects
                </Link>
              }
            >
              {tasks.data && tasks.data.items.length > 0 ? (
                <ul className="divide-y divide-slate-100">
                  {tasks.data.items.map((t) => (
                    <li key={t.id}>
                      <Link to={`/projects/${t.projectId}?task=${t.id}`} className="flex items-center gap-3 px-4 py-2.5 text-sm hover:bg-slate-50">
                        <span className="size-3.5 rounded-full border-2 border-slate-300" />
                        <span className="flex-1 truncate text-slate-800">{t.title}</span>
                        {t.dueDate ? <Badge tone={new Date(t.dueDate) < new Date() ? 'rose' : 'slate'}>due {formatDate(t.dueDate)}</Badge> : null}
                      </Link>
                    </li>
                  ))}
                </ul>
              ) : (
                <EmptyState title="No open tasks" description="Tasks assigned to you show up here." />
              )}
            </Section>
          ) : null}
          {canTimeline ? (
            <Section
              query={activity}
              title="Recent activity"
              actions={
                <Link to="/timeline" className="text-xs font-medium text-indigo-600">
                  Full timeline
                </Link>
              }
            >
              <TimelineList entries={activity.items} />
            </Section>
          ) : null}
        </div>
        <div className="space-y-5">
          {canDeals ? (
            <Section
              query={pipeline}
              title="Pipeline"
              actions={
                <Link to="/deals" className="text-xs font-medium text-indigo-600">
                  Open board
                </Link>
              }
            >
              {summary.some((s) => s.count > 0) ? (
                <ul className="space-y-2.5 px-4 py-3">
                  {summary.map((s) => {
                    const max = Math.max(1, ...summary.map((x) => x.valueMinor));
                    return (
                      <li key={s.stageId} className="text-sm">
                        <div className="flex justify-between">
                          <span className="text-slate-700">{s.name}</span>
                          <span className="text-slate-500">
                            {s.count} · {formatMoney(s.valueMinor, s.currency ?? 'USD')}
                          </span>
                        </div>
                        <div className="mt-1 h-1.5 rounded-full bg-slate-100">
                          <div className="h-1.5 rounded-full bg-indigo-500" style={{ width: `${Math.round((s.valueMinor / max) * 100)}%` }} />
                        </div>
                      </li>
                    );
                  })}
                </ul>
              ) : (
                <EmptyState title="No open deals" />
              )}
            </Section>
          ) : null}
        </div>
      </div>
    </>
  );
}
