import { useRef, useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useInvalidateKeyset } from '../../lib/keyset.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Drawer, ErrorState, Field, FormError, Input, PageSpinner, Select, useToast } from '../../ui/index.ts';
import { formatBytes, previewKind, typeLabel } from './format.ts';
import { downloadFile, useStaffUploadTarget } from './staff.ts';
import { folderOptions, folderPath, type FileItem, type Folder } from './types.ts';
import { UploadQueue } from './UploadQueue.tsx';
import { useUploadQueue } from './useUploadQueue.ts';

/** One file: preview (images, PDF), details, download, rename, move, archive / restore, versions. */
export function FileDrawer({ fileId, folders, onClose }: { fileId: string; folders: readonly Folder[]; onClose: () => void }) {
  const file = trpc.files.files.get.useQuery({ id: fileId });
  const title = file.data?.name ?? 'File';
  return (
    <Drawer open onOpenChange={(open) => !open && onClose()} title={<span className="block max-w-80 truncate">{title}</span>}>
      {file.isPending ? (
        <PageSpinner />
      ) : file.error ? (
        <ErrorState error={file.error} onRetry={() => void file.refetch()} title="Could not load this file" />
      ) : (
        <FileDetails file={file.data} folders={folders} onClose={onClose} />
      )}
    </Drawer>
  );
}

function FileDetails({ file, folders, onClose }: { file: FileItem; folders: readonly Folder[]; onClose: () => void }) {
  const canWrite = useCan('files.write');
  const utils = trpc.useUtils();
  const toast = useToast();
  const invalidateList = useInvalidateKeyset();
  const [mode, setMode] = useState<'view' | 'rename' | 'move'>('view');
  const refresh = (updated: FileItem) => {
    utils.files.files.get.setData({ id: updated.id }, updated);
    void invalidateList('files.files.list');
  };
  const archive = trpc.files.files.archive.useMutation({
    onSuccess: (f) => (refresh(f), toast('File archived'), onClose()),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const restore = trpc.files.files.restore.useMutation({
    onSuccess: (f) => (refresh(f), toast('File restored')),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const [downloading, setDownloading] = useState(false);
  const download = (version?: number) => {
    setDownloading(true);
    downloadFile(utils, file.id, version)
      .catch((error: unknown) => toast(errorMessage(error), 'error'))
      .finally(() => setDownloading(false));
  };
  return (
    <div className="space-y-5">
      <Preview file={file} />
      <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-sm">
        <dt className="text-slate-500">Folder</dt>
        <dd className="truncate text-slate-800">{folderPath(folders, file.folderId) || '—'}</dd>
        <dt className="text-slate-500">Type</dt>
        <dd className="text-slate-800">{typeLabel(file.contentType, file.name)}</dd>
        <dt className="text-slate-500">Size</dt>
        <dd className="text-slate-800">{formatBytes(file.size)}</dd>
        <dt className="text-slate-500">Version</dt>
        <dd className="text-slate-800">v{file.version}</dd>
        <dt className="text-slate-500">Updated</dt>
        <dd className="text-slate-800">{formatDateTime(file.updatedAt)}</dd>
        {file.archivedAt ? (
          <>
            <dt className="text-slate-500">Status</dt>
            <dd>
              <Badge tone="amber">archived {formatDateTime(file.archivedAt)}</Badge>
            </dd>
          </>
        ) : null}
      </dl>
      <div className="flex flex-wrap gap-2">
        <Button variant="primary" size="sm" loading={downloading} onClick={() => download()}>
          Download
        </Button>
        {canWrite && !file.archivedAt ? (
          <>
            <Button size="sm" onClick={() => setMode('rename')}>
              Rename
            </Button>
            <Button size="sm" onClick={() => setMode('move')}>
              Move
            </Button>
            <Button size="sm" variant="ghost" loading={archive.isPending} onClick={() => archive.mutate({ id: file.id })}>
              Archive
            </Button>
          </>
        ) : null}
        {canWrite && file.archivedAt ? (
          <Button size="sm" loading={restore.isPending} onClick={() => restore.mutate({ id: file.id })}>
            Restore
          </Button>
        ) : null}
      </div>
      {mode === 'rename' ? <RenameFile file={file} onDone={(f) => (f && refresh(f), setMode('view'))} /> : null}
      {mode === 'move' ? <MoveFile file={file} folders={folders} onDone={(f) => (f && refresh(f), setMode('view'))} /> : null}
      <Versions file={file} canWrite={canWrite && !file.archivedAt} onDownload={download} />
    </div>
  );
}

/** Images in an <img>, PDF in an <iframe>, both from a short-lived inline URL (same origin for the local store). */
function Preview({ file }: { file: FileItem }) {
  const kind = file.inline ? previewKind(file.contentType) : null;
  const link = trpc.files.files.downloadUrl.useQuery(
    { id: file.id, version: file.version, disposition: 'inline' },
    // The URL lives 5 minutes: ask for a fresh one before it runs out.
    { enabled: kind !== null, staleTime: 240_000, refetchInterval: 240_000 },
  );
  const [broken, setBroken] = useState(false);
  if (!kind)
    return (
      <div className="rounded-lg bg-slate-50 px-4 py-6 text-center text-sm text-slate-500">No preview for {typeLabel(file.contentType, file.name)} files.</div>
    );
  if (link.isPending) return <div className="h-56 animate-pulse rounded-lg bg-slate-100" role="status" aria-label="Loading preview" />;
  if (link.error || broken) {
    return (
      <div className="rounded-lg bg-rose-50 px-4 py-6 text-center text-sm text-rose-700" role="alert">
        The preview could not be shown{link.error ? `: ${errorMessage(link.error)}` : '.'} Download the file instead.
      </div>
    );
  }
  return kind === 'image' ? (
    <img
      src={link.data.url}
      alt={`Preview of ${file.name}`}
      className="max-h-80 w-full rounded-lg bg-slate-50 object-contain ring-1 ring-slate-200"
      data-testid="file-preview"
      onError={() => setBroken(true)}
    />
  ) : (
    <div className="space-y-1.5">
      <iframe src={link.data.url} title={`Preview of ${file.name}`} className="h-96 w-full rounded-lg ring-1 ring-slate-200" data-testid="file-preview" />
      <a href={link.data.url} target="_blank" rel="noopener noreferrer" className="text-xs font-medium text-indigo-600 hover:underline">
        Open the PDF in a new tab
      </a>
    </div>
  );
}

function RenameFile({ file, onDone }: { file: FileItem; onDone: (file: FileItem | null) => void }) {
  const [name, setName] = useState(file.name);
  const rename = trpc.files.files.rename.useMutation({ onSuccess: (f) => onDone(f) });
  return (
    <form
      className="space-y-2 rounded-lg bg-slate-50 p-3"
      onSubmit={(e) => {
        e.preventDefault();
        rename.mutate({ id: file.id, name });
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onDone(null);
        }
      }}
    >
      <FormError error={rename.error} fields={['name']} />
      <Field label="File name" name="name" error={rename.error}>
        <Input autoFocus value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <div className="flex gap-2">
        <Button type="submit" size="sm" variant="primary" loading={rename.isPending} disabled={!name.trim() || name === file.name}>
          Save name
        </Button>
        <Button size="sm" variant="ghost" onClick={() => onDone(null)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function MoveFile({ file, folders, onDone }: { file: FileItem; folders: readonly Folder[]; onDone: (file: FileItem | null) => void }) {
  const [folderId, setFolderId] = useState(file.folderId);
  const move = trpc.files.files.move.useMutation({ onSuccess: (f) => onDone(f) });
  return (
    <form
      className="space-y-2 rounded-lg bg-slate-50 p-3"
      onSubmit={(e) => {
        e.preventDefault();
        move.mutate({ id: file.id, folderId });
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onDone(null);
        }
      }}
    >
      <FormError error={move.error} fields={['folderId']} />
      <Field label="Move to folder" name="folderId" error={move.error}>
        <Select autoFocus value={folderId} onChange={(e) => setFolderId(e.target.value)}>
          {folderOptions(folders).map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </Select>
      </Field>
      <div className="flex gap-2">
        <Button type="submit" size="sm" variant="primary" loading={move.isPending} disabled={folderId === file.folderId}>
          Move file
        </Button>
        <Button size="sm" variant="ghost" onClick={() => onDone(null)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function Versions({ file, canWrite, onDownload }: { file: FileItem; canWrite: boolean; onDownload: (version: number) => void }) {
  const versions = trpc.files.files.versions.useQuery({ id: file.id });
  const members = trpc.identity.members.list.useQuery(undefined, { staleTime: 300_000, retry: false });
  const memberName = new Map((members.data ?? []).map((m) => [m.userId, m.name]));
  const target = useStaffUploadTarget({ fileId: file.id });
  const queue = useUploadQueue(target, { concurrency: 1 });
  const picker = useRef<HTMLInputElement>(null);
  return (
    <section aria-label="Versions" className="space-y-3">
      <div className="flex items-center justify-between">
        <h3 className="text-sm font-semibold text-slate-900">Versions</h3>
        {canWrite ? (
          <>
            <Button size="sm" onClick={() => picker.current?.click()}>
              Upload new version
            </Button>
            <input
              ref={picker}
              type="file"
              hidden
              data-testid="version-input"
              aria-label="Choose the new version"
              onChange={(e) => {
                const picked = Array.from(e.target.files ?? []).slice(0, 1);
                e.target.value = '';
                if (picked.length) queue.add(picked);
              }}
            />
          </>
        ) : null}
      </div>
      <UploadQueue items={queue.items} onCancel={queue.cancel} onRetry={queue.retry} onClear={queue.clearFinished} />
      {versions.isPending ? (
        <p className="text-sm text-slate-400">Loading versions…</p>
      ) : versions.error ? (
        <p className="text-sm text-rose-600" role="alert">
          {errorMessage(versions.error)}
        </p>
      ) : (
        <ol className="divide-y divide-slate-100 rounded-lg ring-1 ring-slate-200">
          {versions.data.map((v) => (
            <li key={v.id} className="flex items-center gap-3 px-3 py-2 text-sm" data-version={v.version}>
              <span className="w-8 shrink-0 font-medium text-slate-900">v{v.version}</span>
              <span className="min-w-0 flex-1">
                <span className="block truncate text-slate-800">{v.name}</span>
                <span className="block text-xs text-slate-500">
                  {formatBytes(v.size)} · {formatDateTime(v.createdAt)} ·{' '}
                  {v.uploadedBy
                    ? (memberName.get(v.uploadedBy) ?? 'a member')
                    : v.uploaderName || v.uploaderEmail
                      ? `${v.uploaderName ?? v.uploaderEmail} (file request)`
                      : 'file request'}
                </span>
              </span>
              {v.version === file.version ? <Badge tone="green">current</Badge> : null}
              <Button size="sm" variant="ghost" onClick={() => onDownload(v.version)} aria-label={`Download version ${v.version}`}>
                Download
              </Button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
