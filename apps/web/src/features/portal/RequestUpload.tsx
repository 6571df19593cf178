import { useState } from 'react';
import { errorMessage } from '../../lib/errors.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Button } from '../../ui/index.ts';
import { DropZone } from '../files/DropZone.tsx';
import { declaredType } from '../files/staff.ts';
import { UploadQueue } from '../files/UploadQueue.tsx';
import { useUploadQueue } from '../files/useUploadQueue.ts';

type Completed = RouterOutputs['portal']['me']['requests']['completeUpload'];

/**
 * Uploading into one of the client's file requests from inside the portal: the same queue as the
 * public request page (progress, cancel, reasons in words); the request's limits are applied by
 * files when each upload is completed. Finish tells the team.
 */
export function RequestUpload({ requestId, label, onFinished }: { requestId: string; label: string; onFinished: (files: number) => void }) {
  const utils = trpc.useUtils();
  const [finished, setFinished] = useState<number | null>(null);
  const finish = trpc.portal.me.requests.finish.useMutation({
    onSuccess: (result) => {
      setFinished(result.filesReceived);
      onFinished(result.filesReceived);
    },
  });
  const queue = useUploadQueue<Completed>(
    {
      create: async (file) => {
        const ticket = await utils.client.portal.me.requests.createUpload.mutate({
          requestId,
          name: file.name,
          contentType: declaredType(file),
          size: file.size,
        });
        return { uploadId: ticket.uploadId, method: 'POST' as const, url: ticket.url, fields: ticket.fields };
      },
      complete: (uploadId) => utils.client.portal.me.requests.completeUpload.mutate({ requestId, uploadId }),
      rejection: (result) => (result.status === 'rejected' ? result.reason : null),
    },
    { concurrency: 2 },
  );
  // The page thanks the client (this request leaves its list once finished).
  if (finished !== null) return null;
  const uploaded = queue.items.filter((item) => item.status === 'done').length;
  return (
    <div className="mt-2 grid gap-3" data-testid="portal-request-upload">
      <DropZone onFiles={(files) => queue.add(files)}>Choose or drop the files for “{label}”</DropZone>
      <UploadQueue items={queue.items} onCancel={queue.cancel} onRetry={queue.retry} large />
      <div className="flex items-center gap-3">
        <Button
          variant="primary"
          className="h-11"
          disabled={uploaded === 0 || queue.busy}
          loading={finish.isPending}
          onClick={() => finish.mutate({ requestId })}
        >
          Send {uploaded > 0 ? `${uploaded} file${uploaded === 1 ? '' : 's'}` : 'files'}
        </Button>
        {finish.error ? (
          <span className="text-sm text-rose-700" role="alert">
            {errorMessage(finish.error)}
          </span>
        ) : null}
      </div>
    </div>
  );
}
