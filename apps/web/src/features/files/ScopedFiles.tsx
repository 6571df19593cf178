import { useState } from 'react';
import { trpc } from '../../trpc.ts';
import { FilesBrowser } from './FilesBrowser.tsx';
import { RequestsPanel } from './Requests.tsx';
import type { FilesScope } from './types.ts';

/**
 * The Files tab of a client profile or a project: that scope's folders and files, uploads into
 * its folders, and its file requests. Opens on its first top-level folder.
 */
export function ScopedFiles({ scope }: { scope: FilesScope }) {
  const [folderId, setFolderId] = useState<string | null | undefined>(undefined);
  const [fileId, setFileId] = useState<string | null>(null);
  const folders = trpc.files.folders.list.useQuery({ clientId: scope.clientId ?? null, projectId: scope.projectId ?? null });
  const firstRoot = folders.data?.filter((f) => !f.parentId).sort((a, b) => a.name.localeCompare(b.name))[0]?.id ?? null;
  const selected = folderId === undefined ? firstRoot : folderId;
  return (
    <div className="space-y-5">
      <FilesBrowser scope={scope} folderId={selected} onFolderChange={setFolderId} fileId={fileId} onFileChange={setFileId} />
      {folders.data ? <RequestsPanel scope={scope} folders={folders.data} defaultFolderId={selected} /> : null}
    </div>
  );
}
