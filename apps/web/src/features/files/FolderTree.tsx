import { useState } from 'react';
import { cn } from '../../lib/cn.ts';
import { errorCode, errorMessage } from '../../lib/errors.ts';
import { trpc } from '../../trpc.ts';
import { ClientName } from '../clients/ClientName.tsx';
import { Button, Dialog, Field, FormError, Input, Select, useToast } from '../../ui/index.ts';
import { buildTree, descendantIds, folderOptions, type Folder, type FolderNode, type FilesScope } from './types.ts';

function FolderIcon({ open }: { open: boolean }) {
  return (
    <svg viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" className="size-4 shrink-0" aria-hidden="true">
      <path d={open ? 'M3 6h5l1.5 2H17v7a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V6Zm0 3h14' : 'M3 5h5l1.5 2H17v8a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V5Z'} />
    </svg>
  );
}

/**
 * The folder tree as nested lists of buttons (Tab to one, Enter opens it; the arrow button before
 * a folder with sub-folders shows or hides them). `selected` null is "All files".
 */
export function FolderTree({
  folders,
  selected,
  onSelect,
  allLabel = 'All files',
  showOwner = false,
}: {
  folders: readonly Folder[];
  selected: string | null;
  onSelect: (id: string | null) => void;
  allLabel?: string;
  /** Name the client of each top-level client folder (the workspace-wide tree). */
  showOwner?: boolean;
}) {
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const tree = buildTree(folders);
  const toggle = (id: string) =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const row = (active: boolean) =>
    cn(
      'flex min-w-0 flex-1 items-center gap-2 rounded-md px-2 py-1.5 text-left text-sm focus-visible:outline-2 focus-visible:outline-indigo-600',
      active ? 'bg-indigo-50 font-medium text-indigo-700' : 'text-slate-700 hover:bg-slate-100',
    );
  const render = (nodes: FolderNode[]) =>
    nodes.map((n) => {
      const open = !collapsed.has(n.id);
      return (
        <li key={n.id}>
          <div className="flex items-center" style={{ paddingLeft: `${n.depth * 14}px` }}>
            {n.children.length > 0 ? (
              <button
                type="button"
                onClick={() => toggle(n.id)}
                className="rounded p-0.5 text-slate-400 hover:bg-slate-100 hover:text-slate-600"
                aria-label={`${open ? 'Collapse' : 'Expand'} ${n.name}`}
                aria-expanded={open}
              >
                <svg viewBox="0 0 20 20" fill="currentColor" className={cn('size-3.5 transition-transform', open && 'rotate-90')} aria-hidden="true">
                  <path d="M7.5 5.5 12 10l-4.5 4.5V5.5Z" />
                </svg>
              </button>
            ) : (
              <span className="w-[18px]" />
            )}
            <button
              type="button"
              className={row(selected === n.id)}
              onClick={() => onSelect(n.id)}
              aria-current={selected === n.id ? 'true' : undefined}
              data-folder-name={n.name}
            >
              <FolderIcon open={selected === n.id} />
              <span className="truncate">{n.name}</span>
              {showOwner && n.depth === 0 && n.clientId ? (
                <span className="ml-auto max-w-24 shrink-0 truncate text-xs font-normal text-slate-400">
                  <ClientName id={n.clientId} link={false} />
                </span>
              ) : null}
            </button>
          </div>
          {open && n.children.length > 0 ? <ul>{render(n.children)}</ul> : null}
        </li>
      );
    });
  return (
    <nav aria-label="Folders">
      <button
        type="button"
        className={cn(row(selected === null), 'w-full')}
        onClick={() => onSelect(null)}
        aria-current={selected === null ? 'true' : undefined}
      >
        <svg viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.6" className="size-4" aria-hidden="true">
          <path d="M4 4h12v12H4zM4 8h12" />
        </svg>
        {allLabel}
      </button>
      {tree.length > 0 ? (
        <ul aria-label="Folder tree" className="mt-1 space-y-0.5">
          {render(tree)}
        </ul>
      ) : (
        <p className="px-2 py-3 text-xs text-slate-500">No folders yet.</p>
      )}
    </nav>
  );
}

/** New folder (at the top of the scope, or inside `parentId`). */
export function NewFolderDialog({
  scope,
  parent,
  onClose,
  onCreated,
}: {
  scope: FilesScope;
  parent: Folder | null;
  onClose: () => void;
  onCreated: (folder: Folder) => void;
}) {
  const utils = trpc.useUtils();
  const [name, setName] = useState('');
  const create = trpc.files.folders.create.useMutation({
    onSuccess: (folder) => {
      void utils.files.folders.list.invalidate();
      onCreated(folder);
      onClose();
    },
  });
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title="New folder"
      description={parent ? `Inside ${parent.name}` : 'At the top level'}
      size="sm"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form="new-folder-form" loading={create.isPending}>
            Create folder
          </Button>
        </>
      }
    >
      <form
        id="new-folder-form"
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({
            name,
            parentId: parent?.id ?? null,
            clientId: parent ? null : (scope.clientId ?? null),
            projectId: parent ? null : (scope.projectId ?? null),
          });
        }}
      >
        <FormError error={create.error} fields={['name']} />
        <Field label="Folder name" name="name" error={create.error}>
          <Input autoFocus value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
      </form>
    </Dialog>
  );
}

export function RenameFolderDialog({ folder, onClose }: { folder: Folder; onClose: () => void }) {
  const utils = trpc.useUtils();
  const toast = useToast();
  const [name, setName] = useState(folder.name);
  const rename = trpc.files.folders.rename.useMutation({
    onSuccess: () => {
      void utils.files.folders.list.invalidate();
      toast('Folder renamed');
      onClose();
    },
  });
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title="Rename folder"
      size="sm"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form="rename-folder-form" loading={rename.isPending} disabled={name.trim() === folder.name}>
            Rename
          </Button>
        </>
      }
    >
      <form
        id="rename-folder-form"
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          rename.mutate({ id: folder.id, name });
        }}
      >
        <FormError error={rename.error} fields={['name']} />
        <Field label="Folder name" name="name" error={rename.error}>
          <Input autoFocus value={name} onChange={(e) => setName(e.target.value)} onFocus={(e) => e.target.select()} />
        </Field>
      </form>
    </Dialog>
  );
}

export function MoveFolderDialog({ folder, folders, onClose }: { folder: Folder; folders: readonly Folder[]; onClose: () => void }) {
  const utils = trpc.useUtils();
  const toast = useToast();
  const [parentId, setParentId] = useState(folder.parentId ?? '');
  // Only within the same client / project: a sub-folder takes its parent's.
  const sameScope = folders.filter((f) => f.clientId === folder.clientId && f.projectId === folder.projectId);
  const options = folderOptions(sameScope, descendantIds(folders, folder.id));
  const move = trpc.files.folders.move.useMutation({
    onSuccess: () => {
      void utils.files.folders.list.invalidate();
      toast('Folder moved');
      onClose();
    },
  });
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title={`Move “${folder.name}”`}
      size="sm"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form="move-folder-form" loading={move.isPending} disabled={(folder.parentId ?? '') === parentId}>
            Move
          </Button>
        </>
      }
    >
      <form
        id="move-folder-form"
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          move.mutate({ id: folder.id, parentId: parentId || null });
        }}
      >
        <FormError error={move.error} fields={['parentId']} />
        <Field label="Move into" name="parentId" error={move.error}>
          <Select autoFocus value={parentId} onChange={(e) => setParentId(e.target.value)}>
            <option value="">Top level</option>
            {options.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </Select>
        </Field>
      </form>
    </Dialog>
  );
}

/**
 * Archive a folder. The first try does not confirm; when the server says the folder holds files,
 * the dialog asks again, naming that, and only then archives them with it.
 */
export function ArchiveFolderDialog({ folder, onClose, onArchived }: { folder: Folder; onClose: () => void; onArchived: () => void }) {
  const utils = trpc.useUtils();
  const toast = useToast();
  const [holdsFiles, setHoldsFiles] = useState<string | null>(null);
  const archive = trpc.files.folders.archive.useMutation({
    onSuccess: (result) => {
      void utils.files.folders.list.invalidate();
      void utils.files.files.invalidate();
      toast(
        result.archivedFileCount > 0 ? `Folder archived with ${result.archivedFileCount} file${result.archivedFileCount === 1 ? '' : 's'}` : 'Folder archived',
      );
      onArchived();
      onClose();
    },
    onError: (error) => {
      const code = errorCode(error);
      if (!holdsFiles && (code === 'CONFLICT' || code === 'PRECONDITION_FAILED' || code === 'BAD_REQUEST')) setHoldsFiles(errorMessage(error));
    },
  });
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title={`Archive “${folder.name}”?`}
      size="sm"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          {holdsFiles ? (
            <Button variant="danger" loading={archive.isPending} onClick={() => archive.mutate({ id: folder.id, confirm: true })}>
              Archive folder and files
            </Button>
          ) : (
            <Button variant="danger" loading={archive.isPending} onClick={() => archive.mutate({ id: folder.id, confirm: false })} autoFocus>
              Archive folder
            </Button>
          )}
        </>
      }
    >
      {holdsFiles ? (
        <div className="space-y-2 text-sm" role="alert">
          <p className="font-medium text-amber-800">{holdsFiles}</p>
          <p className="text-slate-600">Archiving it archives the files and sub-folders inside too. Archived files can be restored.</p>
        </div>
      ) : (
        <p className="text-sm text-slate-600">The folder and its sub-folders are hidden from the tree. Files can be restored later.</p>
      )}
      {archive.error && errorMessage(archive.error) !== holdsFiles ? <FormError error={archive.error} /> : null}
    </Dialog>
  );
}
