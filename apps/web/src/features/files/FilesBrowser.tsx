import { useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { errorMessage, isMissingProcedure } from '../../lib/errors.ts';
import { formatRelative } from '../../lib/format.ts';
import { useKeysetList } from '../../lib/keyset.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, Checkbox, EmptyState, ErrorState, QueryState, Table, Td, Th, Tr, useToast } from '../../ui/index.ts';
import { SkeletonRows } from '../../ui/Spinner.tsx';
import { DropZone } from './DropZone.tsx';
import { FileDrawer } from './FileDrawer.tsx';
import { ArchiveFolderDialog, FolderTree, MoveFolderDialog, NewFolderDialog, RenameFolderDialog } from './FolderTree.tsx';
import { formatBytes, typeLabel } from './format.ts';
import { downloadFile, useStaffUploadTarget } from './staff.ts';
import { folderPath, type FileItem, type FilesScope, type Folder } from './types.ts';
import { UploadQueue } from './UploadQueue.tsx';
import { describeTypes } from './upload.ts';
import { useUploadQueue } from './useUploadQueue.ts';

type FolderDialog = 'new' | 'new-sub' | 'rename' | 'move' | 'archive' | null;

/**
 * The files of the tenant, or of one client or project: the folder tree, the selected folder's
 * files (keyset "Load more"), drag-and-drop upload of many files with a progress bar each, and
 * the file drawer (preview, versions, rename, move, archive).
 */
export function FilesBrowser({
  scope = {},
  folderId,
  onFolderChange,
  fileId,
  onFileChange,
}: {
  scope?: FilesScope;
  folderId: string | null;
  onFolderChange: (id: string | null) => void;
  fileId: string | null;
  onFileChange: (id: string | null) => void;
}) {
  const canWrite = useCan('files.write');
  const toast = useToast();
  const utils = trpc.useUtils();
  const [dialog, setDialog] = useState<FolderDialog>(null);
  const [showArchived, setShowArchived] = useState(false);
  const folders = trpc.files.folders.list.useQuery({ clientId: scope.clientId ?? null, projectId: scope.projectId ?? null });
  const fromTemplate = trpc.files.folders.createFromTemplate.useMutation({
    onSuccess: (result) => {
      void utils.files.folders.list.invalidate();
      toast(result.created > 0 ? `${result.created} folders created` : 'The folders were already there');
      if (result.rootFolderIds[0]) onFolderChange(result.rootFolderIds[0]);
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const list = folders.data ?? [];
  const folder = folderId ? (list.find((f) => f.id === folderId) ?? null) : null;
  const listInput = {
    ...(folder ? { folderId: folder.id } : scope.clientId ? { clientId: scope.clientId } : scope.projectId ? { projectId: scope.projectId } : {}),
    includeArchived: showArchived,
    limit: 50,
  };
  const files = useKeysetList('files.files.list', listInput, (input) => utils.client.files.files.list.query(input), { enabled: !folderId || !!folder });
  const target = useStaffUploadTarget(folder ? { folderId: folder.id } : null);
  const queue = useUploadQueue(target);

  if (folders.isPending) return <SkeletonRows rows={5} cols={3} />;
  if (folders.error) {
    if (isMissingProcedure(folders.error))
      return <EmptyState title="Files are not available" description="The files part of UBOS is not enabled on this server." />;
    return <ErrorState error={folders.error} onRetry={() => void folders.refetch()} title="Could not load the folders" />;
  }
  const scoped = !!(scope.clientId || scope.projectId);
  const maxBytes = target.limits?.maxBytes;

  return (
    <div className="grid gap-5 lg:grid-cols-[15rem_minmax(0,1fr)]">
      <Card
        title="Folders"
        actions={
          canWrite ? (
            <Button size="sm" variant="ghost" onClick={() => setDialog('new')} aria-label="New folder at the top level">
              + New
            </Button>
          ) : null
        }
      >
        <div className="p-2">
          <FolderTree
            folders={list}
            selected={folder?.id ?? null}
            onSelect={(id) => onFolderChange(id)}
            allLabel={scoped ? 'All of these files' : 'All files'}
            showOwner={!scoped}
          />
          {scoped && list.length === 0 && canWrite ? (
            <div className="mt-2 border-t border-slate-100 px-2 pt-3">
              <Button
                size="sm"
                className="w-full"
                loading={fromTemplate.isPending}
                onClick={() => fromTemplate.mutate({ ...scope, template: 'client-onboarding' })}
              >
                Create standard folders
              </Button>
              <p className="mt-1.5 text-xs text-slate-500">Contracts, Invoices, Deliverables, Shared with client.</p>
            </div>
          ) : null}
        </div>
      </Card>

      <div className="min-w-0 space-y-4">
        <Card
          title={
            <span className="flex items-center gap-2" data-testid="folder-title">
              {folder ? folderPath(list, folder.id) : scoped ? 'All files here' : 'All files'}
              {folder?.archivedAt ? <Badge tone="amber">archived</Badge> : null}
            </span>
          }
          actions={
            <>
              <Checkbox label="Show archived" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} />
              {folder && canWrite ? (
                <>
                  <Button size="sm" variant="ghost" onClick={() => setDialog('new-sub')} aria-label={`New sub-folder in ${folder.name}`}>
                    New sub-folder
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => setDialog('rename')} aria-label={`Rename folder ${folder.name}`}>
                    Rename
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => setDialog('move')} aria-label={`Move folder ${folder.name}`}>
                    Move
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => setDialog('archive')} aria-label={`Archive folder ${folder.name}`}>
                    Archive
                  </Button>
                </>
              ) : null}
            </>
          }
        >
          {canWrite ? (
            <div className="border-b border-slate-100 p-3">
              {folder ? (
                <DropZone onFiles={(picked) => queue.add(picked)}>
                  Many at once{maxBytes ? ` · up to ${formatBytes(maxBytes)} each` : ''}
                  {target.limits?.allowedTypes?.length ? ` · ${describeTypes(target.limits.allowedTypes)}` : ''}
                </DropZone>
              ) : (
                <p className="rounded-md bg-slate-50 px-3 py-2.5 text-sm text-slate-600">
                  {list.length === 0 ? 'Create a folder to upload into.' : 'Choose a folder on the left to upload into it.'}
                </p>
              )}
              {queue.items.length > 0 ? (
                <div className="mt-3">
                  <UploadQueue items={queue.items} onCancel={queue.cancel} onRetry={queue.retry} onClear={queue.clearFinished} />
                </div>
              ) : null}
            </div>
          ) : null}
          <QueryState
            query={files}
            isEmpty={() => files.items.length === 0}
            empty={
              <EmptyState
                title={folder ? 'This folder is empty' : 'No files yet'}
                description={canWrite && folder ? 'Drop files above or choose them to upload.' : undefined}
              />
            }
          >
            {() => <FileTable items={files.items} folders={list} showFolder={!folder} onOpen={(id) => onFileChange(id)} />}
          </QueryState>
          {files.items.length > 0 ? (
            <div className="flex items-center justify-between gap-3 border-t border-slate-100 px-4 py-2">
              <span className="text-xs text-slate-500">{files.items.length} shown</span>
              {files.hasNextPage ? (
                <Button size="sm" loading={files.isFetchingNextPage} onClick={() => void files.fetchNextPage()}>
                  Load more
                </Button>
              ) : null}
            </div>
          ) : null}
        </Card>
      </div>

      {dialog === 'new' || dialog === 'new-sub' ? (
        <NewFolderDialog
          scope={scope}
          parent={dialog === 'new-sub' ? folder : null}
          onClose={() => setDialog(null)}
          onCreated={(created) => onFolderChange(created.id)}
        />
      ) : null}
      {dialog === 'rename' && folder ? <RenameFolderDialog folder={folder} onClose={() => setDialog(null)} /> : null}
      {dialog === 'move' && folder ? <MoveFolderDialog folder={folder} folders={list} onClose={() => setDialog(null)} /> : null}
      {dialog === 'archive' && folder ? (
        <ArchiveFolderDialog folder={folder} onClose={() => setDialog(null)} onArchived={() => onFolderChange(folder.parentId)} />
      ) : null}
      {fileId ? <FileDrawer fileId={fileId} folders={list} onClose={() => onFileChange(null)} /> : null}
    </div>
  );
}

function FileTable({
  items,
  folders,
  showFolder,
  onOpen,
}: {
  items: FileItem[];
  folders: readonly Folder[];
  showFolder: boolean;
  onOpen: (id: string) => void;
}) {
  const utils = trpc.useUtils();
  const toast = useToast();
  return (
    <Table>
      <thead>
        <tr>
          <Th>Name</Th>
          {showFolder ? <Th>Folder</Th> : null}
          <Th>Type</Th>
          <Th className="text-right">Size</Th>
          <Th>Version</Th>
          <Th>Updated</Th>
          <Th>
            <span className="sr-only">Actions</span>
          </Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {items.map((f) => (
          <Tr key={f.id} onClick={() => onOpen(f.id)} data-file-name={f.name}>
            <Td className="max-w-72 truncate font-medium text-slate-900">
              {f.name}
              {f.archivedAt ? (
                <span className="ml-2">
                  <Badge tone="amber">archived</Badge>
                </span>
              ) : null}
            </Td>
            {showFolder ? <Td className="max-w-48 truncate text-slate-500">{folderPath(folders, f.folderId) || '—'}</Td> : null}
            <Td className="text-slate-500">{typeLabel(f.contentType, f.name)}</Td>
            <Td className="text-right text-slate-500 tabular-nums">{formatBytes(f.size)}</Td>
            <Td className="text-slate-500">v{f.version}</Td>
            <Td className="text-slate-500">{formatRelative(f.updatedAt)}</Td>
            <Td className="text-right">
              <Button
                size="sm"
                variant="ghost"
                aria-label={`Download ${f.name}`}
                onClick={(e) => {
                  e.stopPropagation();
                  downloadFile(utils, f.id).catch((error: unknown) => toast(errorMessage(error), 'error'));
                }}
              >
                Download
              </Button>
            </Td>
          </Tr>
        ))}
      </tbody>
    </Table>
  );
}
