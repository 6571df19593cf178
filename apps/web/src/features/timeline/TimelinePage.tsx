import { useSearchParams } from 'react-router';
import { useTimeline } from '../../lib/timeline.ts';
import { Button, Card, Input, PageHeader, QueryState, Select } from '../../ui/index.ts';
import { TimelineList } from './TimelineList.tsx';

const domains = [
  { value: '', label: 'Everything' },
  { value: 'crm', label: 'Clients, contacts & deals' },
  { value: 'projects', label: 'Projects & tasks' },
  { value: 'identity', label: 'People & access' },
  { value: 'workflow', label: 'Workflows' },
];

export default function TimelinePage() {
  const [params, setParams] = useSearchParams();
  const domain = params.get('domain') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const update = (patch: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) v ? next.set(k, v) : next.delete(k);
    setParams(next, { replace: true });
  };
  const timeline = useTimeline({
    limit: 50,
    ...(domain ? { domain } : {}),
    ...(from ? { from: new Date(`${from}T00:00:00`).toISOString() } : {}),
    ...(to ? { to: new Date(`${to}T23:59:59`).toISOString() } : {}),
  });
  return (
    <>
      <PageHeader title="Timeline" subtitle="Everything that happened in your organization, newest first." />
      <Card>
        <div className="flex flex-wrap items-center gap-2 border-b border-slate-100 px-4 py-2.5">
          <Select className="w-56" aria-label="Area" value={domain} onChange={(e) => update({ domain: e.target.value })}>
            {domains.map((d) => (
              <option key={d.value} value={d.value}>{d.label}</option>
            ))}
          </Select>
          <Input type="date" className="w-40" aria-label="From" value={from} onChange={(e) => update({ from: e.target.value })} />
          <span className="text-sm text-slate-400">to</span>
          <Input type="date" className="w-40" aria-label="To" value={to} onChange={(e) => update({ to: e.target.value })} />
        </div>
        <QueryState query={timeline}>
          {() => (
            <>
              <TimelineList entries={timeline.items} />
              {timeline.hasNextPage ? (
                <div className="border-t border-slate-100 p-3 text-center">
                  <Button size="sm" loading={timeline.isFetchingNextPage} onClick={() => void timeline.fetchNextPage()}>Load more</Button>
                </div>
              ) : null}
            </>
          )}
        </QueryState>
      </Card>
    </>
  );
}
