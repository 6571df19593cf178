import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { formatDate, humanize } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, EmptyState, PageHeader, QueryState, Select, Table, Td, Th, Tr } from '../../ui/index.ts';
import { ClientName } from '../clients/ClientName.tsx';
import { NewProjectDialog } from './NewProjectDialog.tsx';
import { TemplatesCard } from './Templates.tsx';

const statuses = ['planned', 'active', 'on_hold', 'completed', 'cancelled'] as const;
type Status = (typeof statuses)[number];
import { statusTone } from './statusTone.ts';

export default function ProjectListPage() {
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const canWrite = useCan('projects.project.write');
  const status = (params.get('status') as Status | null) ?? null;
  const [creating, setCreating] = useState<null | 'blank' | 'template'>(null);
  const projects = trpc.projects.projects.list.useInfiniteQuery(
    { limit: 50, status },
    { getNextPageParam: (last) => last.nextCursor ?? undefined, initialCursor: null },
  );
  const items = projects.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageHeader
        title="Projects"
        subtitle="Delivery work for your clients."
        actions={
          canWrite ? (
            <>
              <Button onClick={() => setCreating('template')}>From template</Button>
              <Button variant="primary" onClick={() => setCreating('blank')}>
                New project
              </Button>
            </>
          ) : null
        }
      />
      <div className="space-y-5">
        <Card
          title="All projects"
          actions={
            <Select
              aria-label="Status filter"
              className="w-40"
              value={status ?? ''}
              onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {}, { replace: true })}
            >
              <option value="">Any status</option>
              {statuses.map((s) => (
                <option key={s} value={s}>
                  {humanize(s)}
                </option>
              ))}
            </Select>
          }
        >
          <QueryState
            query={{ ...projects, data: projects.data }}
            isEmpty={() => items.length === 0}
            empty={
              <EmptyState
                title={status ? 'No projects with this status' : 'No projects yet'}
                description="Start one from scratch or from a template."
                action={
                  canWrite ? (
                    <Button variant="primary" onClick={() => setCreating('blank')}>
                      New project
                    </Button>
                  ) : undefined
                }
              />
            }
          >
            {() => (
              <>
                <Table>
                  <thead>
                    <tr>
                      <Th>Name</Th>
                      <Th>Client</Th>
                      <Th>Status</Th>
                      <Th>Start</Th>
                      <Th>Due</Th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {items.map((p) => (
                      <Tr key={p.id} onClick={() => navigate(`/projects/${p.id}`)}>
                        <Td className="font-medium text-slate-900">
                          <Link to={`/projects/${p.id}`} onClick={(e) => e.stopPropagation()} className="hover:text-indigo-600">
                            {p.name}
                          </Link>
                        </Td>
                        <Td>{p.clientId ? <ClientName id={p.clientId} /> : <span className="text-slate-400">Internal</span>}</Td>
                        <Td>
                          <Badge tone={statusTone[p.status]}>{humanize(p.status)}</Badge>
                        </Td>
                        <Td className="text-slate-500">{formatDate(p.startDate)}</Td>
                        <Td className="text-slate-500">{formatDate(p.dueDate)}</Td>
                      </Tr>
                    ))}
                  </tbody>
                </Table>
                {projects.hasNextPage ? (
                  <div className="border-t border-slate-100 p-3 text-center">
                    <Button size="sm" loading={projects.isFetchingNextPage} onClick={() => void projects.fetchNextPage()}>
                      Load more
                    </Button>
                  </div>
                ) : null}
              </>
            )}
          </QueryState>
        </Card>
        <TemplatesCard />
      </div>
      {creating ? <NewProjectDialog mode={creating} onClose={() => setCreating(null)} /> : null}
    </>
  );
}
