import { TRPCClientError } from '@trpc/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { checkAgainstLimits, describeUploadError, plainReason, postToPolicy, UploadAbortedError, type PresignedUpload, type UploadLimits } from './upload.ts';

export type QueueStatus = 'waiting' | 'uploading' | 'checking' | 'done' | 'failed' | 'cancelled';

export interface QueueItem<R> {
  key: string;
  file: File;
  status: QueueStatus;
  loaded: number;
  total: number;
  /** Why it failed, in words (too large, refused type, infected, network). */
  error: string | null;
  /** A network or storage failure can be tried again; a refusal by the limits or the server cannot. */
  retryable: boolean;
  result: R | null;
}

/** Where the queue sends files: the staff procedures or a file request's public ones. */
export interface UploadTarget<R> {
  create: (file: File) => Promise<PresignedUpload>;
  complete: (uploadId: string, file: File) => Promise<R>;
  /** The reason a completed upload was refused by the server (sniffed type, scanner), else null. */
  rejection?: (result: R) => string | null;
  limits?: UploadLimits;
  /** Checks done before anything is sent (e.g. "max files reached"), null when fine. */
  precheck?: (file: File, accepted: number) => string | null;
  onDone?: (result: R, file: File) => void;
}

let sequence = 0;

/** The server refused the file itself (validation, limits, conflict): trying again cannot help. */
function isRefusal(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const code = (error.data as { code?: string } | undefined)?.code;
  return code === 'BAD_REQUEST' || code === 'FORBIDDEN' || code === 'CONFLICT' || code === 'NOT_FOUND' || code === 'PRECONDITION_FAILED';
}

/**
 * The upload queue: each file is presigned, POSTed with progress (XMLHttpRequest) and completed,
 * `concurrency` at a time; every file can be cancelled (xhr.abort) and carries its own error.
 */
export function useUploadQueue<R>(target: UploadTarget<R>, { concurrency = 3 }: { concurrency?: number } = {}) {
  const targetRef = useRef(target);
  targetRef.current = target;
  const itemsRef = useRef<QueueItem<R>[]>([]);
  const controllers = useRef(new Map<string, AbortController>());
  const [items, setItems] = useState<QueueItem<R>[]>([]);
  const mounted = useRef(true);

  const publish = useCallback(() => {
    if (mounted.current) setItems([...itemsRef.current]);
  }, []);
  const patch = useCallback(
    (key: string, change: Partial<QueueItem<R>>) => {
      itemsRef.current = itemsRef.current.map((item) => (item.key === key ? { ...item, ...change } : item));
      publish();
    },
    [publish],
  );

  const pump = useCallback(() => {
    const running = itemsRef.current.filter((i) => i.status === 'uploading' || i.status === 'checking').length;
    const next = itemsRef.current.filter((i) => i.status === 'waiting').slice(0, Math.max(0, concurrency - running));
    for (const item of next) void run(item);

    async function run(item: QueueItem<R>) {
      const controller = new AbortController();
      controllers.current.set(item.key, controller);
      patch(item.key, { status: 'uploading', loaded: 0 });
      const t = targetRef.current;
      try {
        const presigned = await t.create(item.file);
        if (controller.signal.aborted) throw new UploadAbortedError();
        let last = 0;
        await postToPolicy(
          presigned,
          item.file,
          (loaded, total) => {
            // Re-render at most every 1% so a fast local upload does not flood React.
            if (loaded !== total && loaded - last < total / 100) return;
            last = loaded;
            patch(item.key, { loaded, total });
          },
          controller.signal,
        );
        patch(item.key, { status: 'checking', loaded: item.file.size });
        const result = await t.complete(presigned.uploadId, item.file);
        const refused = t.rejection?.(result) ?? null;
        if (refused) patch(item.key, { status: 'failed', error: plainReason(refused), retryable: false, result });
        else {
          patch(item.key, { status: 'done', result });
          t.onDone?.(result, item.file);
        }
      } catch (error) {
        if (error instanceof UploadAbortedError || controller.signal.aborted) patch(item.key, { status: 'cancelled', error: 'Cancelled.', retryable: true });
        else patch(item.key, { status: 'failed', error: describeUploadError(error), retryable: !isRefusal(error) });
      } finally {
        controllers.current.delete(item.key);
        pump();
      }
    }
  }, [concurrency, patch]);

  const add = useCallback(
    (files: Iterable<File>) => {
      const t = targetRef.current;
      let accepted = itemsRef.current.filter((i) => i.status !== 'failed' && i.status !== 'cancelled').length;
      const added: QueueItem<R>[] = [];
      for (const file of files) {
        const problem = t.precheck?.(file, accepted) ?? checkAgainstLimits(file, t.limits ?? {});
        if (!problem) accepted += 1;
        sequence += 1;
        added.push({
          key: `u${sequence}`,
          file,
          status: problem ? 'failed' : 'waiting',
          loaded: 0,
          total: file.size,
          error: problem,
          retryable: false,
          result: null,
        });
      }
      itemsRef.current = [...itemsRef.current, ...added];
      publish();
      pump();
    },
    [publish, pump],
  );

  const cancel = useCallback(
    (key: string) => {
      const controller = controllers.current.get(key);
      if (controller) controller.abort();
      else if (itemsRef.current.find((i) => i.key === key)?.status === 'waiting') patch(key, { status: 'cancelled', error: 'Cancelled.', retryable: true });
    },
    [patch],
  );

  const retry = useCallback(
    (key: string) => {
      patch(key, { status: 'waiting', error: null, loaded: 0 });
      pump();
    },
    [patch, pump],
  );

  const clearFinished = useCallback(() => {
    itemsRef.current = itemsRef.current.filter((i) => i.status === 'waiting' || i.status === 'uploading' || i.status === 'checking');
    publish();
  }, [publish]);

  useEffect(() => {
    mounted.current = true;
    const live = controllers.current;
    return () => {
      mounted.current = false;
      for (const controller of live.values()) controller.abort();
    };
  }, []);

  const busy = items.some((i) => i.status === 'waiting' || i.status === 'uploading' || i.status === 'checking');
  return { items, add, cancel, retry, clearFinished, busy };
}
