import type { RouterOutputs } from '../../trpc.ts';

export type Folder = RouterOutputs['files']['folders']['list'][number];
export type FileItem = RouterOutputs['files']['files']['list']['items'][number];
export type FileVersion = RouterOutputs['files']['files']['versions'][number];
export type UploadResult = RouterOutputs['files']['uploads']['complete'];
export type FileRequest = RouterOutputs['files']['requests']['list']['items'][number];
export type FileRequestDetail = RouterOutputs['files']['requests']['get'];
export type CreatedRequest = RouterOutputs['files']['requests']['create'];
export type RequestLink = RouterOutputs['files']['requestLinks']['open'];
export type LinkUploadResult = RouterOutputs['files']['requestLinks']['completeUpload'];

/** Which files a browser shows: the whole tenant, or one client's or project's. */
export interface FilesScope {
  clientId?: string;
  projectId?: string;
}

export interface FolderNode extends Folder {
  children: FolderNode[];
  depth: number;
}

/** The flat folder list (parents first) as a tree, siblings by name. */
export function buildTree(folders: readonly Folder[]): FolderNode[] {
  const nodes = new Map<string, FolderNode>();
  for (const f of folders) nodes.set(f.id, { ...f, children: [], depth: 0 });
  const roots: FolderNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId ? nodes.get(node.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  const sort = (list: FolderNode[], depth: number) => {
    list.sort((a, b) => a.name.localeCompare(b.name));
    for (const n of list) {
      n.depth = depth;
      sort(n.children, depth + 1);
    }
  };
  sort(roots, 0);
  return roots;
}

/** The folder and every folder below it (a folder cannot move into these). */
export function descendantIds(folders: readonly Folder[], id: string): Set<string> {
  const out = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const f of folders) {
      if (f.parentId && out.has(f.parentId) && !out.has(f.id)) {
        out.add(f.id);
        grew = true;
      }
    }
  }
  return out;
}

/** "Clients / Acme / Contracts" style path of a folder. */
export function folderPath(folders: readonly Folder[], id: string | null | undefined): string {
  const byId = new Map(folders.map((f) => [f.id, f]));
  const parts: string[] = [];
  let current = id ? byId.get(id) : undefined;
  let guard = 0;
  while (current && guard++ < 50) {
    parts.unshift(current.name);
    current = current.parentId ? byId.get(current.parentId) : undefined;
  }
  return parts.join(' / ');
}

/** Folder options for a <select>, indented by depth. */
export function folderOptions(folders: readonly Folder[], exclude: Set<string> = new Set()): { id: string; label: string }[] {
  const out: { id: string; label: string }[] = [];
  const walk = (nodes: FolderNode[]) => {
    for (const n of nodes) {
      if (exclude.has(n.id)) continue;
      out.push({ id: n.id, label: `${'\u00a0\u00a0'.repeat(n.depth)}${n.name}` });
      walk(n.children);
    }
  };
  walk(buildTree(folders));
  return out;
}
