import { trpc } from '../../trpc.ts';
import { Badge, Card, QueryState } from '../../ui/index.ts';

export function PipelineTab() {
  const pipeline = trpc.crm.pipelines.getDefault.useQuery();
  return (
    <Card title="Pipeline stages" actions={<span className="text-xs text-slate-500">Deals move through these stages on the Deals board.</span>}>
      <QueryState query={pipeline}>
        {(p) => (
          <div className="p-4">
            <div className="mb-3 text-sm font-medium text-slate-900">
              {p.name} {p.isDefault ? <Badge tone="indigo">default</Badge> : null}
            </div>
            <ol className="flex flex-wrap items-center gap-2">
              {[...p.stages]
                .sort((a, b) => a.position - b.position)
                .map((s, i, all) => (
                  <li key={s.id} className="flex items-center gap-2">
                    <span className={`rounded-md px-3 py-1.5 text-sm ring-1 ${s.kind === 'won' ? 'bg-emerald-50 text-emerald-800 ring-emerald-200' : s.kind === 'lost' ? 'bg-rose-50 text-rose-800 ring-rose-200' : 'bg-white text-slate-800 ring-slate-200'}`}>
                      {s.name}
                    </span>
                    {i < all.length - 1 ? <span className="text-slate-300">→</span> : null}
                  </li>
                ))}
            </ol>
          </div>
        )}
      </QueryState>
    </Card>
  );
}
