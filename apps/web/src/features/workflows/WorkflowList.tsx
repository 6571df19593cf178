import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, EmptyState, PageHeader, QueryState, Select, Table, Tabs, Td, Th, Tr, useToast } from '../../ui/index.ts';
import { formatDuration, RunDrawer, runTone } from './RunDrawer.tsx';

type Tab = 'definitions' | 'runs' | 'templates';
const statuses = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'compensated'] as const;

const tabIds: Tab[] = ['definitions', 'runs', 'templates'];

export default function WorkflowListPage() {
  const [params, setParams] = useSearchParams();
  const requested = params.get('tab') as Tab | null;
  const tab: Tab = requested && tabIds.includes(requested) ? requested : 'definitions';
  const setTab = (t: Tab) => setParams(t === 'definitions' ? {} : { tab: t }, { replace: true });
  const canWrite = useCan('workflow.definition.write');
  const navigate = useNavigate();
  return (
    <>
      <PageHeader
        title="Workflows"
        subtitle="Automations that react to events: when something happens, run these steps."
        actions={
          canWrite ? (
            <Button variant="primary" onClick={() => navigate('/workflows/new')}>
              New workflow
            </Button>
          ) : null
        }
      />
      <Tabs
        tabs={[
          { id: 'definitions', label: 'Workflows' },
          { id: 'runs', label: 'Run history' },
          { id: 'templates', label: 'Templates' },
        ]}
        value={tab}
        onChange={setTab}
      />
      <div className="mt-5">
        {tab === 'definitions' ? <Definitions /> : null}
        {tab === 'runs' ? (
          <Runs
            definitionId={params.get('workflow') ?? ''}
            onDefinitionChange={(id) => setParams(id ? { tab: 'runs', workflow: id } : { tab: 'runs' }, { replace: true })}
          />
        ) : null}
        {tab === 'templates' ? <Templates onInstalled={() => setTab('definitions')} /> : null}
      </div>
    </>
  );
}

function Definitions() {
  const navigate = useNavigate();
  const toast = useToast();
  const utils = trpc.useUtils();
  const canWrite = useCan('workflow.definition.write');
  const definitions = trpc.workflow.definitions.list.useQuery();
  const onSuccess = () => void utils.workflow.definitions.list.invalidate();
  const onError = (e: unknown) => toast(errorMessage(e), 'error');
  const enable = trpc.workflow.definitions.enable.useMutation({ onSuccess, onError });
  const disable = trpc.workflow.definitions.disable.useMutation({ onSuccess, onError });
  return (
    <Card>
      <QueryState
        query={definitions}
        isEmpty={(d) => d.length === 0}
        empty={<EmptyState title="No workflows yet" description="Start from a template or build one step by step." />}
      >
        {(list) => (
          <Table>
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Trigger</Th>
                <Th>Version</Th>
                <Th>Status</Th>
                <Th>Updated</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {list.map((d) => (
                <Tr key={d.id} onClick={() => navigate(`/workflows/${d.id}`)}>
                  <Td>
                    <Link to={`/workflows/${d.id}`} className="font-medium text-slate-900 hover:text-indigo-600" onClick={(e) => e.stopPropagation()}>
                      {d.name}
                    </Link>
                    {d.missingActions.length > 0 ? (
                      <span className="ml-2">
                        <Badge tone="amber">{d.missingActions.length} action(s) unavailable</Badge>
                      </span>
                    ) : null}
                  </Td>
                  <Td className="font-mono text-xs">{d.triggerEvent}</Td>
                  <Td>v{d.version}</Td>
                  <Td>
                    {canWrite ? (
                      <label
                        className="inline-flex cursor-pointer items-center gap-2"
                        onClick={(e) => e.stopPropagation()}
                        onKeyDown={(e) => e.stopPropagation()}
                      >
                        <input
                          type="checkbox"
                          role="switch"
                          aria-checked={d.enabled}
                          className="peer sr-only"
                          checked={d.enabled}
                          onChange={() => (d.enabled ? disable.mutate({ id: d.id }) : enable.mutate({ id: d.id }))}
                          aria-label={`${d.enabled ? 'Disable' : 'Enable'} ${d.name}`}
                        />
                        <span className="relative h-5 w-9 rounded-full bg-slate-300 transition peer-checked:bg-emerald-500 after:absolute after:top-0.5 after:left-0.5 after:size-4 after:rounded-full after:bg-white after:shadow after:transition peer-checked:after:translate-x-4" />
                        <span className="text-xs text-slate-600">{d.enabled ? 'On' : 'Off'}</span>
                      </label>
                    ) : (
                      <Badge tone={d.enabled ? 'green' : 'slate'}>{d.enabled ? 'enabled' : 'disabled'}</Badge>
                    )}
                  </Td>
                  <Td className="text-slate-500">{formatRelative(d.updatedAt)}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </QueryState>
    </Card>
  );
}

function Runs({ definitionId, onDefinitionChange: setDefinitionId }: { definitionId: string; onDefinitionChange: (id: string) => void }) {
  const [status, setStatus] = useState<(typeof statuses)[number] | ''>('');
  const [open, setOpen] = useState<string | null>(null);
  const definitions = trpc.workflow.definitions.list.useQuery();
  const names = new Map((definitions.data ?? []).map((d) => [d.id, d.name]));
  const runs = trpc.workflow.runs.list.useInfiniteQuery(
    { status: status || undefined, definitionId: definitionId || undefined, limit: 50 },
    { getNextPageParam: (l) => l.nextCursor ?? undefined, refetchInterval: 5000 },
  );
  const items = runs.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card>
      <div className="flex flex-wrap gap-2 border-b border-slate-100 px-4 py-2.5">
        <Select className="w-56" aria-label="Workflow" value={definitionId} onChange={(e) => setDefinitionId(e.target.value)}>
          <option value="">All workflows</option>
          {(definitions.data ?? []).map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </Select>
        <Select className="w-40" aria-label="Run status" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
          <option value="">Any status</option>
          {statuses.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </Select>
      </div>
      <QueryState
        query={runs}
        isEmpty={() => items.length === 0}
        empty={<EmptyState title="No runs yet" description="Runs appear when a trigger event happens." />}
      >
        {() => (
          <>
            <Table>
              <thead>
                <tr>
                  <Th>Workflow</Th>
                  <Th>Trigger</Th>
                  <Th>Status</Th>
                  <Th>Started</Th>
                  <Th>Took</Th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {items.map((r) => (
                  <Tr key={r.id} onClick={() => setOpen(r.id)} data-run-status={r.status}>
                    <Td className="font-medium text-slate-900">
                      {names.get(r.definitionId) ?? 'Workflow'} <span className="text-xs text-slate-400">v{r.definitionVersion}</span>
                    </Td>
                    <Td className="font-mono text-xs">{r.triggerEventType}</Td>
                    <Td>
                      <Badge tone={runTone[r.status]}>{r.status}</Badge>
                    </Td>
                    <Td className="text-slate-500">{formatDateTime(r.createdAt)}</Td>
                    <Td className="text-slate-500">{r.finishedAt ? formatDuration(r.createdAt, r.finishedAt) : '…'}</Td>
                  </Tr>
                ))}
              </tbody>
            </Table>
            {runs.hasNextPage ? (
              <div className="border-t border-slate-100 p-3 text-center">
                <Button size="sm" loading={runs.isFetchingNextPage} onClick={() => void runs.fetchNextPage()}>
                  Load more
                </Button>
              </div>
            ) : null}
          </>
        )}
      </QueryState>
      {open ? <RunDrawer runId={open} onClose={() => setOpen(null)} /> : null}
    </Card>
  );
}

function Templates({ onInstalled }: { onInstalled: () => void }) {
  const toast = useToast();
  const utils = trpc.useUtils();
  const canWrite = useCan('workflow.definition.write');
  const templates = trpc.workflow.templates.list.useQuery();
  const definitions = trpc.workflow.definitions.list.useQuery();
  const installed = new Set((definitions.data ?? []).flatMap((d) => (d.templateKey ? [d.templateKey] : [])));
  const install = trpc.workflow.templates.install.useMutation({
    onSuccess: (d) => {
      toast(
        d.issues.length
          ? `Installed “${d.name}” with ${d.issues.length} issue(s) to fix`
          : d.enabled
            ? `Installed “${d.name}”: it runs on the next ${d.triggerEvent}`
            : `Installed “${d.name}” (disabled until you enable it)`,
      );
      void utils.workflow.definitions.list.invalidate();
      onInstalled();
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  return (
    <QueryState query={templates} isEmpty={(d) => d.length === 0} empty={<EmptyState title="No templates" />}>
      {(list) => (
        <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
          {list.map((t) => (
            <article key={t.key} className="flex flex-col rounded-lg bg-white p-4 shadow-xs ring-1 ring-slate-200">
              <div className="flex items-start justify-between gap-2">
                <h3 className="text-sm font-semibold text-slate-900">{t.title}</h3>
                {installed.has(t.key) ? <Badge tone="green">installed</Badge> : null}
              </div>
              <p className="mt-1 flex-1 text-sm text-slate-600">{t.summary}</p>
              <div className="mt-3 font-mono text-xs text-slate-500">when {t.triggerEvent}</div>
              <div className="mt-2 flex flex-wrap gap-1">
                {t.actions.map((a) => (
                  <Badge key={a} tone={t.missingActions.includes(a) ? 'amber' : 'slate'}>
                    {a}
                  </Badge>
                ))}
              </div>
              {canWrite ? (
                <Button
                  className="mt-4 self-start"
                  size="sm"
                  loading={install.isPending && install.variables?.key === t.key}
                  onClick={() => install.mutate({ key: t.key })}
                >
                  Use template
                </Button>
              ) : null}
            </article>
          ))}
        </div>
      )}
    </QueryState>
  );
}
