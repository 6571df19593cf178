import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate, formatMoney } from '../../lib/format.ts';
import type { RouterOutputs } from '../../trpc.ts';
import { trpc } from '../../trpc.ts';
import { Button, PageHeader, QueryState, Skeleton, useToast } from '../../ui/index.ts';
import { Kanban } from '../../ui/Kanban.tsx';
import { ClientName } from '../clients/ClientName.tsx';
import { CloseDealDialog } from './CloseDealDialog.tsx';
import { DealFormDialog } from './DealForm.tsx';

type Board = RouterOutputs['crm']['deals']['board'];
type Deal = Board['columns'][number]['deals'][number];

export default function DealBoardPage() {
  const canWrite = useCan('crm.deal.write');
  const toast = useToast();
  const utils = trpc.useUtils();
  const board = trpc.crm.deals.board.useQuery();
  const [creating, setCreating] = useState<string | null | undefined>(undefined);
  const [closing, setClosing] = useState<{ deal: Deal; outcome: 'won' | 'lost' } | null>(null);
  const move = trpc.crm.deals.moveStage.useMutation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  // Old links (/deals?deal=<id>) open the deal page.
  const linked = params.get('deal');
  useEffect(() => {
    if (linked) navigate(`/deals/${linked}`, { replace: true });
  }, [linked, navigate]);
  const onMove = async ({ itemId, toColumnId, index }: { itemId: string; toColumnId: string; index: number }) => {
    await utils.crm.deals.board.cancel();
    try {
      await move.mutateAsync({ id: itemId, stageId: toColumnId, position: index });
    } catch (error) {
      toast(`Move failed: ${errorMessage(error)}`, 'error');
      throw error;
    } finally {
      void utils.crm.deals.board.invalidate();
    }
  };
  return (
    <>
      <PageHeader
        title="Deals"
        subtitle="Drag a deal to move it between stages; open one to see and edit everything about it."
        actions={
          canWrite ? (
            <Button variant="primary" onClick={() => setCreating(null)}>
              New deal
            </Button>
          ) : null
        }
      />
      <QueryState
        query={board}
        loading={
          <div className="flex gap-3">
            {[0, 1, 2, 3].map((i) => (
              <Skeleton key={i} className="h-72 w-72 rounded-lg" />
            ))}
          </div>
        }
      >
        {(b) => {
          const stages = new Map(b.pipeline.stages.map((s) => [s.id, s]));
          // Every stage is a column, Won and Lost included (a deal can be dropped there from the start).
          const columns = b.columns.map((c) => {
            const stage = stages.get(c.stageId);
            const total = c.deals.reduce((sum, d) => sum + d.valueMinor, 0);
            return {
              id: c.stageId,
              label: stage?.name ?? 'Stage',
              title: (
                <span className="flex items-baseline gap-2">
                  {stage?.name ?? 'Stage'}
                  <span className="text-xs font-normal text-slate-500">{formatMoney(total, c.deals[0]?.currency ?? 'USD')}</span>
                </span>
              ),
              accent: stage?.kind === 'won' ? 'border-emerald-500' : stage?.kind === 'lost' ? 'border-rose-400' : 'border-indigo-400',
              items: c.deals,
            };
          });
          return (
            <Kanban<Deal>
              columns={columns}
              getId={(d) => d.id}
              itemLabel={(d) => d.title}
              disabled={!canWrite}
              onMove={onMove}
              renderItem={(d) => (
                // biome-ignore lint/a11y/useKeyWithClickEvents: a click anywhere on the card opens the deal; keyboard users open it from its title link (Enter)
                <article
                  className="cursor-pointer rounded-md bg-white p-3 text-sm shadow-xs ring-1 ring-slate-200 hover:ring-slate-300"
                  data-deal-title={d.title}
                  onClick={(e) => {
                    if (!(e.target as HTMLElement).closest('button, a')) navigate(`/deals/${d.id}`);
                  }}
                >
                  {/* The title is the keyboard way in: Enter opens the deal (Space on the card picks it up to drag). */}
                  <Link
                    to={`/deals/${d.id}`}
                    className="font-medium text-slate-900 hover:text-indigo-600 focus-visible:underline"
                    onKeyDown={(e) => e.stopPropagation()}
                  >
                    {d.title}
                  </Link>
                  <div className="mt-0.5 text-xs text-slate-500">
                    <ClientName id={d.clientId} link={false} />
                  </div>
                  <div className="mt-2 flex items-center justify-between">
                    <span className="font-semibold text-slate-800">{formatMoney(d.valueMinor, d.currency)}</span>
                    <span className="text-xs text-slate-400">{d.expectedClose ? formatDate(d.expectedClose) : ''}</span>
                  </div>
                  {canWrite && d.status === 'open' ? (
                    <div className="mt-2 flex gap-1.5 border-t border-slate-100 pt-2" onPointerDown={(e) => e.stopPropagation()}>
                      <Button size="sm" variant="ghost" className="text-emerald-700" onClick={() => setClosing({ deal: d, outcome: 'won' })}>
                        Won
                      </Button>
                      <Button size="sm" variant="ghost" className="text-rose-700" onClick={() => setClosing({ deal: d, outcome: 'lost' })}>
                        Lost
                      </Button>
                    </div>
                  ) : null}
                </article>
              )}
            />
          );
        }}
      </QueryState>
      {creating !== undefined ? <DealFormDialog onClose={() => setCreating(undefined)} /> : null}
      {closing ? <CloseDealDialog deal={closing.deal} outcome={closing.outcome} onClose={() => setClosing(null)} /> : null}
    </>
  );
}
