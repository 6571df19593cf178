import { useSearchParams } from 'react-router';
import { typePresets, useTimeline } from '../../lib/timeline.ts';
import { trpc } from '../../trpc.ts';
import { Button, Card, Input, PageHeader, QueryState, Select } from '../../ui/index.ts';
import { TimelineList } from './TimelineList.tsx';

export default function TimelinePage() {
  const [params, setParams] = useSearchParams();
  const preset = params.get('type') ?? '';
  const actor = params.get('actor') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const members = trpc.identity.members.list.useQuery(undefined, { staleTime: 300_000 });
  const update = (patch: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) v ? next.set(k, v) : next.delete(k);
    setParams(next, { replace: true });
  };
  const types = typePresets.find((p) => p.value === preset)?.types;
  const timeline = useTimeline({
    limit: 50,
    ...(types ? { types } : {}),
    ...(actor ? { actorId: actor } : {}),
    ...(from ? { from: new Date(`${from}T00:00:00`).toISOString() } : {}),
    ...(to ? { to: new Date(`${to}T23:59:59.999`).toISOString() } : {}),
  });
  return (
    <>
      <PageHeader title="Timeline" subtitle="Everything that happened in your organization, newest first." />
      <Card>
        <div className="flex flex-wrap items-center gap-2 border-b border-slate-100 px-4 py-2.5">
          <Select className="w-48" aria-label="Kind of activity" value={preset} onChange={(e) => update({ type: e.target.value })}>
            {typePresets.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </Select>
          <Select className="w-48" aria-label="Who" value={actor} onChange={(e) => update({ actor: e.target.value })}>
            <option value="">Anyone</option>
            {(members.data ?? []).map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.name}
              </option>
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
                  <Button size="sm" loading={timeline.isFetchingNextPage} onClick={() => void timeline.fetchNextPage()}>
                    Load more
                  </Button>
                </div>
              ) : null}
            </>
          )}
        </QueryState>
      </Card>
    </>
  );
}
