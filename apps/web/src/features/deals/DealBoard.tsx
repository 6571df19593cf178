import { useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate, formatMoney } from '../../lib/format.ts';
import type { RouterOutputs } from '../../trpc.ts';
import { trpc } from '../../trpc.ts';
import { Button, Dialog, Field, FormError, Input, PageHeader, QueryState, Skeleton, useToast } from '../../ui/index.ts';
import { Kanban } from '../../ui/Kanban.tsx';
import { ClientName } from '../clients/ClientName.tsx';
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
        subtitle="Drag a deal to move it between stages."
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
          const columns = b.columns
            .filter((c) => stages.get(c.stageId)?.kind === 'open' || c.deals.length > 0)
            .map((c) => {
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
              disabled={!canWrite}
              onMove={onMove}
              renderItem={(d) => (
                <article className="rounded-md bg-white p-3 text-sm shadow-xs ring-1 ring-slate-200 hover:ring-slate-300" data-deal-title={d.title}>
                  <div className="font-medium text-slate-900">{d.title}</div>
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

function CloseDealDialog({ deal, outcome, onClose }: { deal: Deal; outcome: 'won' | 'lost'; onClose: () => void }) {
  const utils = trpc.useUtils();
  const toast = useToast();
  const [reason, setReason] = useState('');
  const done = () => {
    toast(outcome === 'won' ? 'Deal marked as won' : 'Deal marked as lost');
    void utils.crm.deals.invalidate();
    onClose();
  };
  const won = trpc.crm.deals.markWon.useMutation({ onSuccess: done });
  const lost = trpc.crm.deals.markLost.useMutation({ onSuccess: done });
  const mutation = outcome === 'won' ? won : lost;
  return (
    <Dialog
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title={outcome === 'won' ? `Mark “${deal.title}” as won` : `Mark “${deal.title}” as lost`}
      size="sm"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant={outcome === 'won' ? 'primary' : 'danger'}
            loading={mutation.isPending}
            onClick={() => (outcome === 'won' ? won.mutate({ id: deal.id, reason: reason.trim() || undefined }) : lost.mutate({ id: deal.id, reason }))}
          >
            {outcome === 'won' ? 'Mark won' : 'Mark lost'}
          </Button>
        </>
      }
    >
      <FormError error={mutation.error} fields={['reason']} />
      <Field label={outcome === 'won' ? 'Note (optional)' : 'Reason'} name="reason" error={mutation.error}>
        <Input value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
      </Field>
    </Dialog>
  );
}
