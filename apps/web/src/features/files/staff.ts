import { useInvalidateKeyset } from '../../lib/keyset.ts';
import { trpc } from '../../trpc.ts';
import type { UploadTarget } from './useUploadQueue.ts';
import type { UploadResult } from './types.ts';

/** The type the browser declares, or the generic one (the server sniffs the bytes either way). */
export function declaredType(file: File): string {
  const type = file.type.toLowerCase().split(';')[0]?.trim() ?? '';
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type) ? type : 'application/octet-stream';
}

/**
 * Staff uploads: a new file in `folderId`, or a new version of `fileId`. The tenant's size cap is
 * checked before sending; its type allow-list is enforced by the server on the sniffed bytes.
 */
export function useStaffUploadTarget(destination: { folderId: string } | { fileId: string } | null): UploadTarget<UploadResult> {
  const utils = trpc.useUtils();
  const invalidate = useInvalidateKeyset();
  const settings = trpc.files.settings.get.useQuery(undefined, { staleTime: 300_000, retry: false });
  return {
    limits: { maxBytes: settings.data?.settings.maxFileBytes ?? null, allowedTypes: settings.data?.settings.allowedTypes ?? null },
    create: (file) => {
      if (!destination) return Promise.reject(new Error('Choose a folder to upload into first.'));
      return utils.client.files.uploads.create.mutate({ ...destination, name: file.name, contentType: declaredType(file), size: file.size });
    },
    complete: (uploadId) => utils.client.files.uploads.complete.mutate({ uploadId }),
    rejection: (result) => (result.status === 'rejected' ? result.reason : null),
    onDone: (result) => {
      void invalidate('files.files.list');
      if (result.status === 'ready') {
        void utils.files.files.get.invalidate({ id: result.file.id });
        void utils.files.files.versions.invalidate({ id: result.file.id });
      }
    },
  };
}

/** Asks for a short-lived signed URL and lets the browser save the file. */
export async function downloadFile(utils: ReturnType<typeof trpc.useUtils>, id: string, version?: number): Promise<void> {
  const link = await utils.client.files.files.downloadUrl.query({ id, ...(version ? { version } : {}), disposition: 'attachment' });
  const a = document.createElement('a');
  a.href = link.url;
  a.download = link.filename;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}
