import { useState } from 'react';
import { trpc } from '../../trpc.ts';
import { Button, Dialog, Field, FormError, Input, useToast } from '../../ui/index.ts';
import type { Deal } from './DealForm.tsx';

/** Mark a deal won (optional note) or lost (reason required). */
export function CloseDealDialog({ deal, outcome, onClose }: { deal: Pick<Deal, 'id' | 'title'>; outcome: 'won' | 'lost'; onClose: () => void }) {
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
