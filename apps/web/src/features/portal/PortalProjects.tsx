import { formatDate } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Card, EmptyState, QueryState } from '../../ui/index.ts';
import { usePortal } from './PortalShell.tsx';

/** The client's projects: status, progress, milestones and the tasks the team made visible. */
export default function PortalProjects() {
  const { branding } = usePortal();
  const projects = trpc.portal.me.projects.useQuery();
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold text-slate-900">Projects</h1>
      <QueryState query={projects} isEmpty={(data) => data.projects.length === 0} empty={<EmptyState title="No projects yet" />}>
        {(data) => (
          <div className="grid gap-4" data-testid="portal-projects">
            {data.projects.map((project) => (
              <Card
                key={project.id}
                title={project.name}
                actions={<Badge tone={project.status === 'completed' ? 'green' : 'sky'}>{project.status.replace('_', ' ')}</Badge>}
              >
                <div className="mb-3">
                  <div className="mb-1 flex justify-between text-xs text-slate-600">
                    <span>Progress</span>
                    <span>
                      {project.progress.percent}% ({project.progress.done} of {project.progress.total} tasks)
                    </span>
                  </div>
                  <div
                    className="h-2 overflow-hidden rounded bg-slate-200"
                    role="progressbar"
                    aria-valuenow={project.progress.percent}
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-label={`${project.name} progress`}
                  >
                    <div className="h-full" style={{ width: `${project.progress.percent}%`, backgroundColor: branding.accent }} />
                  </div>
                </div>
                {project.dueDate ? <p className="text-sm text-slate-600">Due {formatDate(project.dueDate)}</p> : null}
                {project.milestones.length > 0 ? (
                  <>
                    <h3 className="mt-3 text-sm font-semibold text-slate-800">Milestones</h3>
                    <ul className="mt-1 text-sm">
                      {project.milestones.map((milestone) => (
                        <li key={milestone.id} className="flex gap-2 py-1">
                          <span aria-hidden="true">{milestone.reachedAt ? '✓' : '○'}</span>
                          <span className="flex-1">{milestone.name}</span>
                          <span className="text-slate-500">{milestone.reachedAt ? 'Reached' : milestone.dueDate ? formatDate(milestone.dueDate) : ''}</span>
                        </li>
                      ))}
                    </ul>
                  </>
                ) : null}
                {project.tasks.length > 0 ? (
                  <>
                    <h3 className="mt-3 text-sm font-semibold text-slate-800">Tasks</h3>
                    <ul className="mt-1 text-sm">
                      {project.tasks.map((task) => (
                        <li key={task.id} className="flex gap-2 py-1">
                          <span aria-hidden="true">{task.status === 'done' ? '✓' : '○'}</span>
                          <span className={task.status === 'done' ? 'text-slate-500 line-through' : ''}>{task.title}</span>
                        </li>
                      ))}
                    </ul>
                  </>
                ) : null}
              </Card>
            ))}
          </div>
        )}
      </QueryState>
    </>
  );
}
